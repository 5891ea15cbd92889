/*
 * yaml-write.c — json_t to YAML text, printed as go-yaml v2 prints it.
 *
 * go-yaml v2's emitter is a line-by-line port of libyaml's, so this file
 * feeds libyaml's emitter the same events go-yaml's encoder would: block
 * mappings and sequences (the emitter turns empty ones into `{}` and `[]`
 * and writes sequences under a key without indenting them), width 80,
 * indent 2, unicode output. What go-yaml decides before the emitter is
 * redone here: map keys in go-yaml's "natural" order (sorter.go: numbers
 * inside keys compare by value, letters after other characters), strings
 * that would read back as something else double-quoted, multi-line strings
 * as literal blocks, invalid UTF-8 as a base64 `!!binary` scalar, numbers in
 * Go's formatting. The one place libyaml 0.2.5 differs from go-yaml's port is
 * the "..." document-end marker it writes after an open-ended scalar at the
 * end of a stream; go-yaml clears that state before the stream ends, and so
 * do we.
 */
#include "base64.h"
#include "yaml.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>           /* libyaml (lib/ is only on the quoted include path) */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* --- UTF-8 ------------------------------------------------------------ */

/* Decodes one rune as Go does: an invalid byte is U+FFFD of length 1. */
static uint32_t next_rune(const unsigned char *s, size_t len, size_t *used)
{
	unsigned c = s[0];
	*used = 1;
	if (c < 0x80)
		return c;
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;
	uint32_t r;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, r = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, r = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, r = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0xFFFD;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0xFFFD;
	for (size_t i = 1; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0xFFFD;
		r = r << 6 | (s[i] & 0x3F);
	}
	*used = n;
	return r;
}

static int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t n;
		if (next_rune(p + i, len - i, &n) == 0xFFFD && n == 1)
			return 0;
		i += n;
	}
	return 1;
}

/* --- Go's key order (sorter.go) --------------------------------------- */

static pcre2_code *re_letter, *re_digit;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void re_init(void)
{
	int code;
	PCRE2_SIZE off;
	re_letter = pcre2_compile((PCRE2_SPTR) "\\p{L}", PCRE2_ZERO_TERMINATED,
				  PCRE2_UTF | PCRE2_ANCHORED, &code, &off, NULL);
	re_digit = pcre2_compile((PCRE2_SPTR) "\\p{Nd}", PCRE2_ZERO_TERMINATED,
				 PCRE2_UTF | PCRE2_ANCHORED, &code, &off, NULL);
}

/* Unicode category test for a non-ASCII rune, through PCRE2's tables. */
static int rune_in(pcre2_code **re, uint32_t r)
{
	unsigned char u[4];
	size_t n;
	if (r < 0x800)
		u[0] = (unsigned char)(0xC0 | r >> 6), u[1] = (unsigned char)(0x80 | (r & 0x3F)), n = 2;
	else if (r < 0x10000)
		u[0] = (unsigned char)(0xE0 | r >> 12), u[1] = (unsigned char)(0x80 | (r >> 6 & 0x3F)),
		u[2] = (unsigned char)(0x80 | (r & 0x3F)), n = 3;
	else
		u[0] = (unsigned char)(0xF0 | r >> 18), u[1] = (unsigned char)(0x80 | (r >> 12 & 0x3F)),
		u[2] = (unsigned char)(0x80 | (r >> 6 & 0x3F)), u[3] = (unsigned char)(0x80 | (r & 0x3F)), n = 4;
	pthread_once(&re_once, re_init);
	if (!*re)
		return 0;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = pcre2_match(*re, u, n, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static int is_letter(uint32_t r)
{
	if (r < 0x80)
		return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
	return rune_in(&re_letter, r);
}

static int is_digit(uint32_t r)
{
	if (r < 0x80)
		return r >= '0' && r <= '9';
	return rune_in(&re_digit, r);
}

struct key {
	const char *s;
	size_t len;
	uint32_t *runes;
	size_t n;
	json_t *value;
};

static int key_less(const struct key *a, const struct key *b)
{
	const uint32_t *ar = a->runes, *br = b->runes;
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		if (ar[i] == br[i])
			continue;
		int al = is_letter(ar[i]), bl = is_letter(br[i]);
		if (al && bl)
			return ar[i] < br[i];
		if (al || bl)
			return bl;
		/* Go computes these in int64 and lets them wrap. */
		uint64_t an = 0, bn = 0;
		size_t ai, bi;
		if (ar[i] == '0' || br[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(ar[j]);) {
				if (ar[j] != '0') {
					an = bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < a->n && is_digit(ar[ai]); ai++)
			an = an * 10 + (uint64_t)(int64_t)((int32_t)ar[ai] - '0');
		for (bi = i; bi < b->n && is_digit(br[bi]); bi++)
			bn = bn * 10 + (uint64_t)(int64_t)((int32_t)br[bi] - '0');
		if (an != bn)
			return (int64_t)an < (int64_t)bn;
		if (ai != bi)
			return ai < bi;
		return ar[i] < br[i];
	}
	return a->n < b->n;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	if (key_less(a, b))
		return -1;
	return key_less(b, a) ? 1 : 0;
}

/* --- events ----------------------------------------------------------- */

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	buf_add(data, buffer, size);
	return 1;
}

static void emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	/* Events built here are always valid, so a failure is a bug. */
	if (!yaml_emitter_emit(e, ev)) {
		fprintf(stderr, "yaml_write: libyaml emitter failed: %s\n",
			e->problem ? e->problem : "unknown problem");
		abort();
	}
}

static void emit_scalar(yaml_emitter_t *e, const char *tag, const char *s, size_t len,
			yaml_scalar_style_t style)
{
	yaml_event_t ev;
	int implicit = tag == NULL;
	if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)s,
					  (int)len, implicit, implicit, style)) {
		fprintf(stderr, "yaml_write: cannot make a scalar event\n");
		abort();
	}
	emit(e, &ev);
}

/* go-yaml's encodeBase64: 70-column lines, each ending in a newline when
 * there is more than one. */
static void base64_lines(struct buf *out, const unsigned char *s, size_t len)
{
	struct buf enc = BUF_INIT;
	b64_encode(&enc, s, len);
	size_t lines = enc.len / 70 + 1;
	for (size_t i = 0; i < enc.len; i += 70) {
		size_t n = enc.len - i < 70 ? enc.len - i : 70;
		buf_add(out, enc.data + i, n);
		if (lines > 1)
			buf_addch(out, '\n');
	}
	buf_release(&enc);
}

static void emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
	if (!utf8_valid(s, len)) {
		struct buf b64 = BUF_INIT;
		base64_lines(&b64, (const unsigned char *)s, len);
		emit_scalar(e, "tag:yaml.org,2002:binary", b64.data, b64.len,
			    memchr(b64.data, '\n', b64.len) ? YAML_LITERAL_SCALAR_STYLE
							    : YAML_PLAIN_SCALAR_STYLE);
		buf_release(&b64);
		return;
	}
	yaml_scalar_style_t style;
	if (memchr(s, '\n', len))
		style = YAML_LITERAL_SCALAR_STYLE;
	else if (!yaml_string_needs_quotes(s, len))
		style = YAML_PLAIN_SCALAR_STYLE;
	else
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	emit_scalar(e, NULL, s, len, style);
}

/*
 * Go's json.Marshal writes a float64 in [1e-6, 1e21) without an exponent,
 * and go-yaml then reads an integral one back as an int (or uint64).
 */
static int json_number_as_int(char out[40], double f)
{
	if (!isfinite(f) || f != trunc(f))
		return 0;
	if (f >= -9223372036854775808.0 && f < 9223372036854775808.0) {
		snprintf(out, 40, "%lld", (long long)f);
		return 1;
	}
	if (f >= 0 && f < 18446744073709551616.0) {
		snprintf(out, 40, "%llu", (unsigned long long)f);
		return 1;
	}
	return 0;
}

static void emit_node(yaml_emitter_t *e, const json_t *v, unsigned flags)
{
	yaml_event_t ev;
	char num[40];

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		struct key *keys = xcalloc(n ? n : 1, sizeof(*keys));
		const char *k;
		size_t klen;
		json_t *val;
		json_object_keylen_foreach((json_t *)v, k, klen, val) {
			struct key *kk = &keys[i++];
			kk->s = k;
			kk->len = klen;
			kk->value = val;
			kk->runes = xmalloc((klen ? klen : 1) * sizeof(uint32_t));
			for (size_t p = 0, used; p < klen; p += used)
				kk->runes[kk->n++] = next_rune((const unsigned char *)k + p, klen - p, &used);
		}
		qsort(keys, n, sizeof(*keys), key_cmp);
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		emit(e, &ev);
		for (i = 0; i < n; i++) {
			emit_string(e, keys[i].s, keys[i].len);
			emit_node(e, keys[i].value, flags);
			free(keys[i].runes);
		}
		free(keys);
		yaml_mapping_end_event_initialize(&ev);
		emit(e, &ev);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *item;
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		emit(e, &ev);
		json_array_foreach(v, i, item)
			emit_node(e, item, flags);
		yaml_sequence_end_event_initialize(&ev);
		emit(e, &ev);
		break;
	}
	case JSON_STRING:
		emit_string(e, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		emit_scalar(e, NULL, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_REAL:
		if ((flags & YAML_WRITE_JSON_NUMBERS) && json_number_as_int(num, json_real_value(v))) {
			emit_scalar(e, NULL, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
			break;
		}
		yaml_format_float(num, json_real_value(v), 64);
		if (!strcmp(num, "+Inf"))
			strcpy(num, ".inf");
		else if (!strcmp(num, "-Inf"))
			strcpy(num, "-.inf");
		else if (!strcmp(num, "NaN"))
			strcpy(num, ".nan");
		emit_scalar(e, NULL, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_TRUE:
		emit_scalar(e, NULL, "true", 4, YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_FALSE:
		emit_scalar(e, NULL, "false", 5, YAML_PLAIN_SCALAR_STYLE);
		break;
	default:
		emit_scalar(e, NULL, "null", 4, YAML_PLAIN_SCALAR_STYLE);
		break;
	}
}

void yaml_write(struct buf *out, const json_t *doc)
{
	yaml_write_flags(out, doc, 0);
}

void yaml_write_flags(struct buf *out, const json_t *doc, unsigned flags)
{
	yaml_emitter_t e;
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&e)) {
		fprintf(stderr, "yaml_write: cannot initialize the libyaml emitter\n");
		abort();
	}
	yaml_emitter_set_output(&e, write_handler, out);
	yaml_emitter_set_unicode(&e, 1);
	if (flags & YAML_WRITE_NO_WRAP)
		yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(&e, &ev);
	emit_node(&e, doc ? doc : json_null(), flags);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&e, &ev);
	e.open_ended = 0;
	yaml_stream_end_event_initialize(&ev);
	emit(&e, &ev);
	yaml_emitter_delete(&e);
}
