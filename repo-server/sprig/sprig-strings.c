/*
 * sprig-strings.c — Sprig's string functions: case, trimming, quoting,
 * indentation, abbreviation and wrapping (goutils), case conversion
 * (xstrings' snake/camel/kebab), splitting and joining.
 *
 * Sprig takes most arguments as typed Go strings and ints, so a wrong type
 * fails as Go's engine fails ("wrong type for value; expected string; got
 * int"); functions declared with interface{} parameters convert with
 * strval instead. Upper/lower casing is Unicode-aware for the Latin-1,
 * Greek and Cyrillic ranges and leaves other scripts as they are.
 */
#include "repo-server/sprig/sprig-internal.h"

#include <ctype.h>
#include <string.h>

#define MAX_REPEAT (64u << 20)

static uint32_t rune_upper(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') ? r - 32 : r;
	if ((r >= 0xE0 && r <= 0xFE && r != 0xF7) || (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) ||
	    (r >= 0x430 && r <= 0x44F))
		return r - 32;
	if (r >= 0x450 && r <= 0x45F)
		return r - 80;
	if (r >= 0x100 && r <= 0x17F && (r & 1))
		return r - 1;
	if (r == 0xFF)
		return 0x178;
	return r;
}

static uint32_t rune_lower(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'A' && r <= 'Z') ? r + 32 : r;
	if ((r >= 0xC0 && r <= 0xDE && r != 0xD7) || (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) ||
	    (r >= 0x410 && r <= 0x42F))
		return r + 32;
	if (r >= 0x400 && r <= 0x40F)
		return r + 80;
	if (r >= 0x100 && r <= 0x17F && !(r & 1))
		return r + 1;
	if (r == 0x178)
		return 0xFF;
	return r;
}

static bool rune_is_upper(uint32_t r) { return rune_lower(r) != r; }
static bool rune_is_lower(uint32_t r) { return rune_upper(r) != r; }

static bool rune_is_space(uint32_t r)
{
	return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 ||
	       r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
	       r == 0x202F || r == 0x205F || r == 0x3000;
}

static bool rune_is_letter(uint32_t r)
{
	if (r < 0x80)
		return isalpha((int)r);
	return rune_is_upper(r) || rune_is_lower(r) || (r >= 0xAA && r != 0xD7 && r != 0xF7 &&
							  !rune_is_space(r));
}

static bool rune_is_digit(uint32_t r)
{
	return r >= '0' && r <= '9';
}

#define RUNE_LOOP(s, len, i, r, w) \
	for (size_t i = 0, w = 0; i < (len); i += w) \
		for (uint32_t r = (w = (size_t)gofmt_utf8_decode((s) + i, (len) - i, &r), r), \
		     once_ = 1; once_; once_ = 0)

static int map_runes(struct tmpl_call *call, tv **out, tv **args, size_t n,
		     struct berr *err, const char *name, uint32_t (*f)(uint32_t))
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	RUNE_LOOP(s, len, i, r, w)
		gofmt_utf8_encode(&b, f(r));
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static uint32_t swap_case(uint32_t r)
{
	return rune_is_upper(r) ? rune_lower(r) : rune_is_lower(r) ? rune_upper(r) : r;
}

SPRIG_FN(fn_upper) { return map_runes(call, out, args, n, err, "upper", rune_upper); }
SPRIG_FN(fn_lower) { return map_runes(call, out, args, n, err, "lower", rune_lower); }
SPRIG_FN(fn_swapcase) { return map_runes(call, out, args, n, err, "swapcase", swap_case); }

/* strings.Title: the first letter of each word; a word starts after a
 * separator (not a letter, digit or underscore). */
SPRIG_FN(fn_title)
{
	const char *s;
	size_t len;
	if (sprig_arity("title", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	bool prev_sep = true;
	RUNE_LOOP(s, len, i, r, w) {
		gofmt_utf8_encode(&b, prev_sep ? rune_upper(r) : r);
		prev_sep = !(rune_is_letter(r) || rune_is_digit(r) || r == '_');
		if (r >= 0x80 && !rune_is_space(r))
			prev_sep = false;
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_untitle)
{
	const char *s;
	size_t len;
	if (sprig_arity("untitle", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	bool prev_space = true;
	RUNE_LOOP(s, len, i, r, w) {
		gofmt_utf8_encode(&b, prev_space && rune_is_letter(r) ? rune_lower(r) : r);
		prev_space = rune_is_space(r);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_initials)
{
	const char *s;
	size_t len;
	if (sprig_arity("initials", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	bool prev_space = true;
	RUNE_LOOP(s, len, i, r, w) {
		if (prev_space && !rune_is_space(r))
			gofmt_utf8_encode(&b, r);
		prev_space = rune_is_space(r);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_nospace)
{
	const char *s;
	size_t len;
	if (sprig_arity("nospace", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	RUNE_LOOP(s, len, i, r, w)
		if (!rune_is_space(r))
			buf_add(&b, s + i, w);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_trim)
{
	const char *s;
	size_t len;
	if (sprig_arity("trim", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	size_t a = 0, z = len;
	while (a < z) {
		uint32_t r;
		int w = gofmt_utf8_decode(s + a, z - a, &r);
		if (!rune_is_space(r))
			break;
		a += (size_t)w;
	}
	while (z > a) {
		size_t k = z - 1;
		while (k > a && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		uint32_t r;
		gofmt_utf8_decode(s + k, z - k, &r);
		if (!rune_is_space(r))
			break;
		z = k;
	}
	*out = tv_strn(ARENA, s + a, z - a);
	return 0;
}

static bool in_cutset(const char *cut, size_t clen, const char *s, size_t w)
{
	for (size_t i = 0; i < clen;) {
		uint32_t r;
		size_t cw = (size_t)gofmt_utf8_decode(cut + i, clen - i, &r);
		if (cw == w && memcmp(cut + i, s, w) == 0)
			return true;
		i += cw;
	}
	return false;
}

/* trimAll CUTSET S: strings.Trim(s, cutset) */
SPRIG_FN(fn_trimall)
{
	const char *cut, *s;
	size_t clen, len;
	if (sprig_arity("trimAll", n, 2, 2, err) < 0 || sprig_str(args[0], &cut, &clen, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	size_t a = 0, z = len;
	while (a < z) {
		uint32_t r;
		size_t w = (size_t)gofmt_utf8_decode(s + a, z - a, &r);
		if (!in_cutset(cut, clen, s + a, w))
			break;
		a += w;
	}
	while (z > a) {
		size_t k = z - 1;
		while (k > a && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		if (!in_cutset(cut, clen, s + k, z - k))
			break;
		z = k;
	}
	*out = tv_strn(ARENA, s + a, z - a);
	return 0;
}

static int affix(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		 const char *name, char what)
{
	const char *x, *s;
	size_t xl, len;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_str(args[0], &x, &xl, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	bool pre = xl <= len && memcmp(s, x, xl) == 0;
	bool suf = xl <= len && memcmp(s + len - xl, x, xl) == 0;
	switch (what) {
	case 'p': *out = pre ? tv_strn(ARENA, s + xl, len - xl) : args[1]; break;
	case 's': *out = suf ? tv_strn(ARENA, s, len - xl) : args[1]; break;
	case 'P': *out = tv_bool(pre); break;
	case 'S': *out = tv_bool(suf); break;
	case 'c': *out = tv_bool(xl == 0 || memmem(s, len, x, xl) != NULL); break;
	}
	return 0;
}

SPRIG_FN(fn_trimprefix) { return affix(call, out, args, n, err, "trimPrefix", 'p'); }
SPRIG_FN(fn_trimsuffix) { return affix(call, out, args, n, err, "trimSuffix", 's'); }
SPRIG_FN(fn_hasprefix) { return affix(call, out, args, n, err, "hasPrefix", 'P'); }
SPRIG_FN(fn_hassuffix) { return affix(call, out, args, n, err, "hasSuffix", 'S'); }
SPRIG_FN(fn_contains) { return affix(call, out, args, n, err, "contains", 'c'); }

SPRIG_FN(fn_trunc)
{
	int64_t c;
	const char *s;
	size_t len;
	if (sprig_arity("trunc", n, 2, 2, err) < 0 || sprig_int(args[0], &c, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	int64_t l = (int64_t)len;
	if (c < 0 && l + c > 0)
		*out = tv_strn(ARENA, s + l + c, (size_t)(-c));
	else if (c >= 0 && l > c)
		*out = tv_strn(ARENA, s, (size_t)c);
	else
		*out = args[1];
	return 0;
}

SPRIG_FN(fn_substr)
{
	int64_t a, z;
	const char *s;
	size_t len;
	if (sprig_arity("substr", n, 3, 3, err) < 0 || sprig_int(args[0], &a, err) < 0 ||
	    sprig_int(args[1], &z, err) < 0 || sprig_str(args[2], &s, &len, err) < 0)
		return err->code;
	int64_t l = (int64_t)len;
	if (a < 0) {
		if (z < 0 || z > l)
			return berr_set(err, BERR_INVALID, "runtime error: slice bounds out of range [:%lld] with length %lld",
					(long long)z, (long long)l);
		*out = tv_strn(ARENA, s, (size_t)z);
	} else if (z < 0 || z > l) {
		if (a > l)
			return berr_set(err, BERR_INVALID, "runtime error: slice bounds out of range [%lld:%lld]",
					(long long)a, (long long)l);
		*out = tv_strn(ARENA, s + a, (size_t)(l - a));
	} else {
		if (a > z)
			return berr_set(err, BERR_INVALID, "runtime error: slice bounds out of range [%lld:%lld]",
					(long long)a, (long long)z);
		*out = tv_strn(ARENA, s + a, (size_t)(z - a));
	}
	return 0;
}

SPRIG_FN(fn_repeat)
{
	int64_t c;
	const char *s;
	size_t len;
	if (sprig_arity("repeat", n, 2, 2, err) < 0 || sprig_int(args[0], &c, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	if (c < 0)
		return berr_set(err, BERR_INVALID, "strings: negative Repeat count");
	if (len && (uint64_t)c > MAX_REPEAT / len)
		return berr_set(err, BERR_LIMIT, "repeat: result of %lld x %zu bytes is over the limit",
				(long long)c, len);
	struct buf b = BUF_INIT;
	for (int64_t i = 0; i < c && len; i++)
		buf_add(&b, s, len);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_replace)
{
	const char *o, *nw, *s;
	size_t ol, nl, len;
	if (sprig_arity("replace", n, 3, 3, err) < 0 || sprig_str(args[0], &o, &ol, err) < 0 ||
	    sprig_str(args[1], &nw, &nl, err) < 0 || sprig_str(args[2], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	if (ol == 0) {
		/* Go inserts the replacement before every rune and at the end */
		if (nl && len + 1 > MAX_REPEAT / nl)
			return berr_set(err, BERR_LIMIT, "replace: result is over the limit");
		buf_add(&b, nw, nl);
		RUNE_LOOP(s, len, i, r, w) {
			(void)r;
			buf_add(&b, s + i, w);
			buf_add(&b, nw, nl);
		}
	} else {
		size_t i = 0;
		while (i < len) {
			const char *m = memmem(s + i, len - i, o, ol);
			if (!m)
				break;
			buf_add(&b, s + i, (size_t)(m - (s + i)));
			buf_add(&b, nw, nl);
			i = (size_t)(m - s) + ol;
			if (b.len > MAX_REPEAT)
				break;
		}
		buf_add(&b, s + i, len - i);
	}
	if (b.len > MAX_REPEAT) {
		buf_release(&b);
		return berr_set(err, BERR_LIMIT, "replace: result is over the limit");
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static int quote_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, bool dbl)
{
	struct buf b = BUF_INIT;
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (args[i]->kind == TV_NIL)
			continue;
		if (!first)
			buf_addch(&b, ' ');
		first = false;
		struct buf s = BUF_INIT;
		sprig_strval(&s, args[i]);
		if (dbl) {
			gofmt_quote(&b, s.data, s.len, false);
		} else {
			buf_addch(&b, '\'');
			buf_add(&b, s.data, s.len);
			buf_addch(&b, '\'');
		}
		buf_release(&s);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_quote) { (void)err; return quote_fn(call, out, args, n, true); }
SPRIG_FN(fn_squote) { (void)err; return quote_fn(call, out, args, n, false); }

SPRIG_FN(fn_cat)
{
	(void)err;
	tv **keep = xcalloc(n + 1, sizeof(tv *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (args[i]->kind != TV_NIL)
			keep[k++] = args[i];
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < k; i++) {
		if (i)
			buf_addch(&b, ' ');
		gofmt_value(&b, keep[i], 0);
	}
	free(keep);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static int indent_fn(struct tmpl_call *call, tv **out, tv **args, size_t n,
		     struct berr *err, const char *name, bool newline)
{
	int64_t c;
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_int(args[0], &c, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	if (c < 0)
		return berr_set(err, BERR_INVALID, "strings: negative Repeat count");
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += s[i] == '\n';
	if ((uint64_t)c > MAX_REPEAT / lines)
		return berr_set(err, BERR_LIMIT, "%s: result is over the limit", name);
	struct buf b = BUF_INIT;
	if (newline)
		buf_addch(&b, '\n');
	for (int64_t k = 0; k < c; k++)
		buf_addch(&b, ' ');
	for (size_t i = 0; i < len; i++) {
		buf_addch(&b, s[i]);
		if (s[i] == '\n')
			for (int64_t k = 0; k < c; k++)
				buf_addch(&b, ' ');
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_indent) { return indent_fn(call, out, args, n, err, "indent", false); }
SPRIG_FN(fn_nindent) { return indent_fn(call, out, args, n, err, "nindent", true); }

SPRIG_FN(fn_plural)
{
	const char *one, *many;
	int64_t c;
	if (sprig_arity("plural", n, 3, 3, err) < 0 || sprig_str(args[0], &one, NULL, err) < 0 ||
	    sprig_str(args[1], &many, NULL, err) < 0 || sprig_int(args[2], &c, err) < 0)
		return err->code;
	(void)call;
	*out = c == 1 ? args[0] : args[1];
	return 0;
}

/* goutils.Abbreviate / AbbreviateFull */
static void abbreviate(struct buf *b, const char *s, size_t len, int64_t off, int64_t width)
{
	int64_t l = (int64_t)len;
	if (l <= width) {
		buf_add(b, s, len);
		return;
	}
	if (off > l)
		off = l;
	if (l - off < width - 3)
		off = l - (width - 3);
	if (off <= 4) {
		buf_add(b, s, (size_t)(width - 3));
		buf_adds(b, "...");
		return;
	}
	if (off + width - 3 < l) {
		buf_adds(b, "...");
		abbreviate(b, s + off, (size_t)(l - off), 0, width - 3);
		return;
	}
	buf_adds(b, "...");
	buf_add(b, s + l - (width - 3), (size_t)(width - 3));
}

SPRIG_FN(fn_abbrev)
{
	int64_t w;
	const char *s;
	size_t len;
	if (sprig_arity("abbrev", n, 2, 2, err) < 0 || sprig_int(args[0], &w, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	if (w < 4 || len == 0) {
		*out = args[1];
		return 0;
	}
	struct buf b = BUF_INIT;
	abbreviate(&b, s, len, 0, w);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_abbrevboth)
{
	int64_t l, r;
	const char *s;
	size_t len;
	if (sprig_arity("abbrevboth", n, 3, 3, err) < 0 || sprig_int(args[0], &l, err) < 0 ||
	    sprig_int(args[1], &r, err) < 0 || sprig_str(args[2], &s, &len, err) < 0)
		return err->code;
	if (r < 4 || (l > 0 && r < 7) || len == 0) {
		*out = args[2];
		return 0;
	}
	struct buf b = BUF_INIT;
	abbreviate(&b, s, len, l, r);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/* goutils.WrapCustom */
static void wrap(struct buf *b, const char *s, size_t len, int64_t wl, const char *nl,
		 bool long_words)
{
	if (len == 0)
		return;
	if (!*nl)
		nl = "\n";
	if (wl < 1)
		wl = 1;
	size_t w = (size_t)wl, off = 0;
	while (len - off > w) {
		if (s[off] == ' ') {
			off++;
			continue;
		}
		size_t end = w + off + 1;
		ssize_t sp = -1;
		for (size_t k = off; k < end && k < len; k++)
			if (s[k] == ' ')
				sp = (ssize_t)k;
		if (sp >= (ssize_t)off) {
			buf_add(b, s + off, (size_t)sp - off);
			buf_adds(b, nl);
			off = (size_t)sp + 1;
		} else if (long_words) {
			buf_add(b, s + off, w);
			buf_adds(b, nl);
			off += w;
		} else {
			const char *m = memchr(s + off + w, ' ', len - off - w);
			if (!m) {
				buf_add(b, s + off, len - off);
				off = len;
			} else {
				buf_add(b, s + off, (size_t)(m - s) - off);
				buf_adds(b, nl);
				off = (size_t)(m - s) + 1;
			}
		}
	}
	buf_add(b, s + off, len - off);
}

SPRIG_FN(fn_wrap)
{
	int64_t w;
	const char *s;
	size_t len;
	if (sprig_arity("wrap", n, 2, 2, err) < 0 || sprig_int(args[0], &w, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	wrap(&b, s, len, w, "", false);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_wrapwith)
{
	int64_t w;
	const char *nl, *s;
	size_t len;
	if (sprig_arity("wrapWith", n, 3, 3, err) < 0 || sprig_int(args[0], &w, err) < 0 ||
	    sprig_str(args[1], &nl, NULL, err) < 0 || sprig_str(args[2], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	wrap(&b, s, len, w, nl, true);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/* xstrings.ToCamelCase: underscores separate words; leading ones stay. */
SPRIG_FN(fn_camelcase)
{
	const char *s;
	size_t len;
	if (sprig_arity("camelcase", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	size_t i = 0;
	while (i < len && s[i] == '_')
		buf_addch(&b, s[i++]);
	if (i < len) {
		uint32_t r0, r1;
		i += (size_t)gofmt_utf8_decode(s + i, len - i, &r0);
		r0 = rune_upper(r0);
		while (i < len) {
			r1 = r0;
			i += (size_t)gofmt_utf8_decode(s + i, len - i, &r0);
			if (r1 == '_' && r0 == '_') {
				gofmt_utf8_encode(&b, r1);
				continue;
			}
			if (r1 == '_')
				r0 = rune_upper(r0);
			else
				gofmt_utf8_encode(&b, r1);
		}
		gofmt_utf8_encode(&b, r0);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/* xstrings.ToSnakeCase / ToKebabCase: words split at separators and at
 * case changes (HTTPServer is "http server"), lowered, joined by `sep`. */
static int delimited(struct tmpl_call *call, tv **out, tv **args, size_t n,
		     struct berr *err, const char *name, char sep)
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	size_t cap = len + 1;
	uint32_t *rs = xcalloc(cap, sizeof(uint32_t));
	size_t nr = 0;
	RUNE_LOOP(s, len, i, r, w)
		rs[nr++] = r;
	struct buf b = BUF_INIT;
	bool need_sep = false;
	for (size_t i = 0; i < nr; i++) {
		uint32_t r = rs[i];
		bool alnum = rune_is_letter(r) || rune_is_digit(r);
		if (!alnum) {
			if (b.len)
				need_sep = true;
			continue;
		}
		if (b.len && !need_sep && rune_is_upper(r) && i > 0) {
			uint32_t p = rs[i - 1];
			bool next_lower = i + 1 < nr && rune_is_lower(rs[i + 1]);
			if (rune_is_lower(p) || rune_is_digit(p) || (rune_is_upper(p) && next_lower))
				need_sep = true;
		}
		if (need_sep) {
			buf_addch(&b, sep);
			need_sep = false;
		}
		gofmt_utf8_encode(&b, rune_lower(r));
	}
	free(rs);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_snakecase) { return delimited(call, out, args, n, err, "snakecase", '_'); }
SPRIG_FN(fn_kebabcase) { return delimited(call, out, args, n, err, "kebabcase", '-'); }

/* strings.SplitN semantics; n < 0: all. */
static tv *split_list(struct tv_arena *a, const char *s, size_t len, const char *sep,
		      size_t sl, int64_t max)
{
	tv *l = sprig_string_list(a);
	if (max == 0)
		return l;
	if (sl == 0) {
		RUNE_LOOP(s, len, i, r, w) {
			(void)r;
			if (max > 0 && (int64_t)l->u.list.len == max - 1) {
				tv_list_push(a, l, tv_strn(a, s + i, len - i));
				return l;
			}
			tv_list_push(a, l, tv_strn(a, s + i, w));
		}
		return l;
	}
	size_t i = 0;
	while (max < 0 || (int64_t)l->u.list.len < max - 1) {
		const char *m = memmem(s + i, len - i, sep, sl);
		if (!m)
			break;
		tv_list_push(a, l, tv_strn(a, s + i, (size_t)(m - (s + i))));
		i = (size_t)(m - s) + sl;
	}
	tv_list_push(a, l, tv_strn(a, s + i, len - i));
	return l;
}

static tv *list_to_parts(struct tv_arena *a, tv *l)
{
	tv *m = tv_map(a);
	for (size_t i = 0; i < l->u.list.len; i++) {
		char key[32];
		snprintf(key, sizeof(key), "_%zu", i);
		tv_map_set(a, m, key, l->u.list.items[i]);
	}
	return m;
}

SPRIG_FN(fn_split)
{
	const char *sep, *s;
	size_t sl, len;
	if (sprig_arity("split", n, 2, 2, err) < 0 || sprig_str(args[0], &sep, &sl, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	*out = list_to_parts(ARENA, split_list(ARENA, s, len, sep, sl, -1));
	return 0;
}

SPRIG_FN(fn_splitn)
{
	const char *sep, *s;
	size_t sl, len;
	int64_t c;
	if (sprig_arity("splitn", n, 3, 3, err) < 0 || sprig_str(args[0], &sep, &sl, err) < 0 ||
	    sprig_int(args[1], &c, err) < 0 || sprig_str(args[2], &s, &len, err) < 0)
		return err->code;
	*out = list_to_parts(ARENA, split_list(ARENA, s, len, sep, sl, c));
	return 0;
}

SPRIG_FN(fn_splitlist)
{
	const char *sep, *s;
	size_t sl, len;
	if (sprig_arity("splitList", n, 2, 2, err) < 0 || sprig_str(args[0], &sep, &sl, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	*out = split_list(ARENA, s, len, sep, sl, -1);
	return 0;
}

SPRIG_FN(fn_join)
{
	const char *sep;
	size_t sl;
	if (sprig_arity("join", n, 2, 2, err) < 0 || sprig_str(args[0], &sep, &sl, err) < 0)
		return err->code;
	tv *l = sprig_strslice(ARENA, args[1]);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->u.list.len; i++) {
		if (i)
			buf_add(&b, sep, sl);
		buf_add(&b, l->u.list.items[i]->u.str.s, l->u.list.items[i]->u.str.len);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static int strcmp_tv(const void *x, const void *y)
{
	const tv *a = *(tv *const *)x, *b = *(tv *const *)y;
	size_t m = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
	int c = memcmp(a->u.str.s, b->u.str.s, m);
	return c ? c : (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
}

SPRIG_FN(fn_sortalpha)
{
	if (sprig_arity("sortAlpha", n, 1, 1, err) < 0)
		return err->code;
	tv *src = sprig_strslice(ARENA, args[0]);
	tv *l = sprig_string_list(ARENA);
	for (size_t i = 0; i < src->u.list.len; i++)
		tv_list_push(ARENA, l, src->u.list.items[i]);
	if (l->u.list.len)
		qsort(l->u.list.items, l->u.list.len, sizeof(tv *), strcmp_tv);
	*out = l;
	return 0;
}

const struct sprig_entry sprig_strings_funcs[] = {
	{ "upper", fn_upper }, { "lower", fn_lower }, { "swapcase", fn_swapcase },
	{ "title", fn_title }, { "untitle", fn_untitle }, { "initials", fn_initials },
	{ "nospace", fn_nospace }, { "trim", fn_trim }, { "trimAll", fn_trimall },
	{ "trimall", fn_trimall }, { "trimPrefix", fn_trimprefix }, { "trimSuffix", fn_trimsuffix },
	{ "hasPrefix", fn_hasprefix }, { "hasSuffix", fn_hassuffix }, { "contains", fn_contains },
	{ "trunc", fn_trunc }, { "substr", fn_substr }, { "repeat", fn_repeat },
	{ "replace", fn_replace }, { "quote", fn_quote }, { "squote", fn_squote },
	{ "cat", fn_cat }, { "indent", fn_indent }, { "nindent", fn_nindent },
	{ "plural", fn_plural }, { "abbrev", fn_abbrev }, { "abbrevboth", fn_abbrevboth },
	{ "wrap", fn_wrap }, { "wrapWith", fn_wrapwith }, { "camelcase", fn_camelcase },
	{ "snakecase", fn_snakecase }, { "kebabcase", fn_kebabcase },
	{ "split", fn_split }, { "splitn", fn_splitn }, { "splitList", fn_splitlist },
	{ "join", fn_join }, { "sortAlpha", fn_sortalpha },
	{ NULL, NULL },
};
