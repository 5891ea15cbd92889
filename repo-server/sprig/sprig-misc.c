/*
 * sprig-misc.c — Sprig's defaults (default, empty, coalesce, all, any,
 * ternary, fail), conversions (atoi, int, int64, float64, toString,
 * toStrings, toDecimal, JSON), reflection (typeOf, kindOf, deepEqual,
 * deepCopy), encodings (base64, base32), paths and URLs.
 */
#include "repo-server/sprig/sprig-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* --- defaults -------------------------------------------------------- */

SPRIG_FN(fn_default)
{
	(void)call;
	if (sprig_arity("default", n, 1, SIZE_MAX, err) < 0)
		return err->code;
	if (n < 2 || sprig_empty(args[1]))
		*out = args[0];
	else
		*out = args[1];
	return 0;
}

SPRIG_FN(fn_empty)
{
	(void)call;
	if (sprig_arity("empty", n, 1, 1, err) < 0)
		return err->code;
	*out = tv_bool(sprig_empty(args[0]));
	return 0;
}

SPRIG_FN(fn_coalesce)
{
	(void)call; (void)err;
	*out = tv_nil();
	for (size_t i = 0; i < n; i++)
		if (!sprig_empty(args[i])) {
			*out = args[i];
			break;
		}
	return 0;
}

SPRIG_FN(fn_all)
{
	(void)call; (void)err;
	bool r = true;
	for (size_t i = 0; i < n; i++)
		if (sprig_empty(args[i]))
			r = false;
	*out = tv_bool(r);
	return 0;
}

SPRIG_FN(fn_any)
{
	(void)call; (void)err;
	bool r = false;
	for (size_t i = 0; i < n; i++)
		if (!sprig_empty(args[i]))
			r = true;
	*out = tv_bool(r);
	return 0;
}

SPRIG_FN(fn_ternary)
{
	(void)call;
	bool b;
	if (sprig_arity("ternary", n, 3, 3, err) < 0 || sprig_bool(args[2], &b, err) < 0)
		return err->code;
	*out = b ? args[0] : args[1];
	return 0;
}

SPRIG_FN(fn_fail)
{
	(void)call; (void)out;
	const char *s;
	if (sprig_arity("fail", n, 1, 1, err) < 0 || sprig_str(args[0], &s, NULL, err) < 0)
		return err->code;
	return berr_set(err, BERR_INVALID, "%s", s);
}

/* --- conversions ----------------------------------------------------- */

SPRIG_FN(fn_atoi)
{
	const char *s;
	size_t len;
	if (sprig_arity("atoi", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	char *c = xstrndup(s, len), *end;
	errno = 0;
	long long v = strtoll(c, &end, 10);
	bool ok = *c && !*end && !isspace((unsigned char)c[0]) && errno == 0;
	free(c);
	*out = tv_int(ARENA, ok ? v : 0);
	return 0;
}

SPRIG_FN(fn_int)
{
	if (sprig_arity("int", n, 1, 1, err) < 0)
		return err->code;
	*out = tv_int(ARENA, sprig_to_int64(args[0]));
	return 0;
}

SPRIG_FN(fn_int64)
{
	if (sprig_arity("int64", n, 1, 1, err) < 0)
		return err->code;
	*out = sprig_int64(ARENA, sprig_to_int64(args[0]));
	return 0;
}

SPRIG_FN(fn_float64)
{
	if (sprig_arity("float64", n, 1, 1, err) < 0)
		return err->code;
	*out = tv_float(ARENA, sprig_to_float64(args[0]));
	return 0;
}

SPRIG_FN(fn_tostring)
{
	if (sprig_arity("toString", n, 1, 1, err) < 0)
		return err->code;
	if (args[0]->kind == TV_NIL) {
		*out = tv_str(ARENA, "<nil>");
		return 0;
	}
	*out = sprig_strval_tv(ARENA, args[0]);
	return 0;
}

SPRIG_FN(fn_tostrings)
{
	if (sprig_arity("toStrings", n, 1, 1, err) < 0)
		return err->code;
	*out = sprig_strslice(ARENA, args[0]);
	return 0;
}

SPRIG_FN(fn_todecimal)
{
	if (sprig_arity("toDecimal", n, 1, 1, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	gofmt_value(&b, args[0], 0);
	char *end;
	errno = 0;
	long long v = strtoll(b.data, &end, 8);
	bool ok = b.len && !*end && errno == 0 && !isspace((unsigned char)b.data[0]);
	buf_release(&b);
	*out = sprig_int64(ARENA, ok ? v : 0);
	return 0;
}

static int json_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, bool html, const char *indent, bool must)
{
	if (sprig_arity(name, n, 1, 1, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	struct berr jerr = BERR_INIT;
	if (sprig_json_encode(&b, args[0], html, indent, &jerr) < 0) {
		buf_release(&b);
		if (must)
			return berr_set(err, jerr.code, "%s", jerr.msg);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_tojson) { return json_fn(call, out, args, n, err, "toJson", true, NULL, false); }
SPRIG_FN(fn_musttojson) { return json_fn(call, out, args, n, err, "mustToJson", true, NULL, true); }
SPRIG_FN(fn_toprettyjson) { return json_fn(call, out, args, n, err, "toPrettyJson", true, "  ", false); }
SPRIG_FN(fn_musttoprettyjson) { return json_fn(call, out, args, n, err, "mustToPrettyJson", true, "  ", true); }
SPRIG_FN(fn_torawjson) { return json_fn(call, out, args, n, err, "toRawJson", false, NULL, false); }
SPRIG_FN(fn_musttorawjson) { return json_fn(call, out, args, n, err, "mustToRawJson", false, NULL, true); }

static int parse_json(struct tmpl_call *call, tv **out, tv **args, size_t n,
		      struct berr *err, const char *name, bool must)
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	json_error_t jerr;
	json_t *j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
			       &jerr);
	if (!j) {
		if (must)
			return berr_set(err, BERR_INVALID, "%s", jerr.text);
		*out = tv_nil();
		return 0;
	}
	*out = tv_from_json_float(ARENA, j);
	json_decref(j);
	return 0;
}

SPRIG_FN(fn_fromjson) { return parse_json(call, out, args, n, err, "fromJson", false); }
SPRIG_FN(fn_mustfromjson) { return parse_json(call, out, args, n, err, "mustFromJson", true); }

/* --- reflection ------------------------------------------------------ */

SPRIG_FN(fn_typeof)
{
	if (sprig_arity("typeOf", n, 1, 1, err) < 0)
		return err->code;
	*out = tv_str(ARENA, tv_type_name(args[0]));
	return 0;
}

SPRIG_FN(fn_typeis)
{
	(void)call;
	const char *s;
	if (sprig_arity("typeIs", n, 2, 2, err) < 0 || sprig_str(args[0], &s, NULL, err) < 0)
		return err->code;
	*out = tv_bool(strcmp(s, tv_type_name(args[1])) == 0);
	return 0;
}

SPRIG_FN(fn_typeislike)
{
	(void)call;
	const char *s;
	if (sprig_arity("typeIsLike", n, 2, 2, err) < 0 || sprig_str(args[0], &s, NULL, err) < 0)
		return err->code;
	const char *t = tv_type_name(args[1]);
	*out = tv_bool(strcmp(s, t) == 0 || (t[0] == '*' && strcmp(s, t + 1) == 0));
	return 0;
}

SPRIG_FN(fn_kindof)
{
	if (sprig_arity("kindOf", n, 1, 1, err) < 0)
		return err->code;
	*out = tv_str(ARENA, tv_kind_name(args[0]));
	return 0;
}

SPRIG_FN(fn_kindis)
{
	(void)call;
	const char *s;
	if (sprig_arity("kindIs", n, 2, 2, err) < 0 || sprig_str(args[0], &s, NULL, err) < 0)
		return err->code;
	*out = tv_bool(strcmp(s, tv_kind_name(args[1])) == 0);
	return 0;
}

SPRIG_FN(fn_deepequal)
{
	(void)call;
	if (sprig_arity("deepEqual", n, 2, 2, err) < 0)
		return err->code;
	*out = tv_bool(tv_deep_equal(args[0], args[1], SPRIG_MAX_DEPTH));
	return 0;
}

static int deep_copy(struct tmpl_call *call, tv **out, tv **args, size_t n,
		     struct berr *err, const char *name, bool must)
{
	if (sprig_arity(name, n, 1, 1, err) < 0)
		return err->code;
	if (must && args[0]->kind == TV_NIL)
		return berr_set(err, BERR_INVALID, "copy: cannot copy nil");
	tv *c = tv_deep_copy(ARENA, args[0], SPRIG_MAX_DEPTH);
	if (!c)
		return berr_set(err, BERR_LIMIT, "%s: value nested too deeply", name);
	*out = c;
	return 0;
}

SPRIG_FN(fn_deepcopy) { return deep_copy(call, out, args, n, err, "deepCopy", false); }
SPRIG_FN(fn_mustdeepcopy) { return deep_copy(call, out, args, n, err, "mustDeepCopy", true); }

/* --- base64 and base32 ----------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void enc_base(struct buf *out, const unsigned char *s, size_t n, int bits)
{
	const char *alpha = bits == 6 ? b64 : b32;
	int group = bits == 6 ? 4 : 8;
	uint32_t acc = 0;
	int nb = 0;
	size_t emitted = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | s[i];
		nb += 8;
		while (nb >= bits) {
			buf_addch(out, alpha[(acc >> (nb - bits)) & ((1u << bits) - 1)]);
			nb -= bits;
			emitted++;
		}
		acc &= (1u << nb) - 1;
	}
	if (nb > 0) {
		buf_addch(out, alpha[(acc << (bits - nb)) & ((1u << bits) - 1)]);
		emitted++;
	}
	while (emitted % (size_t)group) {
		buf_addch(out, '=');
		emitted++;
	}
}

/* Strict decoding as Go's StdEncoding: returns -1 and the byte offset of
 * the first bad input byte. */
static int dec_base(struct buf *out, const char *s, size_t n, int bits, size_t *bad)
{
	const char *alpha = bits == 6 ? b64 : b32;
	size_t group = bits == 6 ? 4 : 8;
	/* Go skips \r and \n */
	struct buf in = BUF_INIT;
	size_t *pos = xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n') {
			pos[in.len] = i;
			buf_addch(&in, s[i]);
		}
	int rc = 0;
	uint32_t acc = 0;
	int nb = 0;
	size_t i = 0;
	for (; i < in.len; i++) {
		char c = in.data[i];
		if (c == '=') {
			/* padding must complete the group and end the input */
			size_t rem = i % group;
			size_t pads = in.len - i;
			bool ok = rem >= 2 && (i + pads) % group == 0;
			for (size_t k = i; k < in.len; k++)
				if (in.data[k] != '=')
					ok = false;
			if (!ok) {
				*bad = pos[i];
				rc = -1;
			}
			break;
		}
		const char *p = c ? strchr(alpha, c) : NULL;
		if (!p) {
			*bad = pos[i];
			rc = -1;
			break;
		}
		acc = (acc << bits) | (uint32_t)(p - alpha);
		nb += bits;
		if (nb >= 8) {
			buf_addch(out, (char)((acc >> (nb - 8)) & 0xFF));
			nb -= 8;
			acc &= (1u << nb) - 1;
		}
	}
	if (rc == 0 && i == in.len && in.len % group != 0) {
		*bad = n;
		rc = -1;
	}
	free(pos);
	buf_release(&in);
	return rc;
}

static int base_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, int bits, bool decode)
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	if (!decode) {
		enc_base(&b, (const unsigned char *)s, len, bits);
	} else {
		size_t bad = 0;
		if (dec_base(&b, s, len, bits, &bad) < 0) {
			buf_reset(&b);
			buf_addf(&b, "illegal base%d data at input byte %zu", bits == 6 ? 64 : 32, bad);
		}
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_b64enc) { return base_fn(call, out, args, n, err, "b64enc", 6, false); }
SPRIG_FN(fn_b64dec) { return base_fn(call, out, args, n, err, "b64dec", 6, true); }
SPRIG_FN(fn_b32enc) { return base_fn(call, out, args, n, err, "b32enc", 5, false); }
SPRIG_FN(fn_b32dec) { return base_fn(call, out, args, n, err, "b32dec", 5, true); }

/* --- paths (Go's path package) --------------------------------------- */

static void path_clean(struct buf *out, const char *p, size_t n)
{
	if (n == 0) {
		buf_addch(out, '.');
		return;
	}
	bool rooted = p[0] == '/';
	size_t start = out->len;
	if (rooted)
		buf_addch(out, '/');
	size_t base = out->len;         /* cannot backtrack past this */
	size_t dotdot = base;
	size_t r = rooted ? 1 : 0;
	while (r < n) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (out->len > dotdot) {
				size_t w = out->len - 1;
				while (w > dotdot && out->data[w] != '/')
					w--;
				buf_truncate(out, w);
			} else if (!rooted) {
				if (out->len > base)
					buf_addch(out, '/');
				buf_adds(out, "..");
				dotdot = out->len;
			}
		} else {
			if ((rooted && out->len != base) || (!rooted && out->len != base))
				buf_addch(out, '/');
			while (r < n && p[r] != '/')
				buf_addch(out, p[r++]);
		}
	}
	if (out->len == start)
		buf_addch(out, '.');
}

static int path_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, char what)
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	switch (what) {
	case 'c':
		path_clean(&b, s, len);
		break;
	case 'b': {
		if (len == 0) {
			buf_addch(&b, '.');
			break;
		}
		while (len > 0 && s[len - 1] == '/')
			len--;
		size_t i = len;
		while (i > 0 && s[i - 1] != '/')
			i--;
		if (len - i == 0)
			buf_addch(&b, '/');
		else
			buf_add(&b, s + i, len - i);
		break;
	}
	case 'd': {
		size_t i = len;
		while (i > 0 && s[i - 1] != '/')
			i--;
		path_clean(&b, s, i);
		break;
	}
	case 'e': {
		size_t i = len;
		while (i > 0 && s[i - 1] != '/') {
			if (s[i - 1] == '.') {
				buf_add(&b, s + i - 1, len - i + 1);
				break;
			}
			i--;
		}
		break;
	}
	case 'a':
		*out = tv_bool(len > 0 && s[0] == '/');
		return 0;
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_base) { return path_fn(call, out, args, n, err, "base", 'b'); }
SPRIG_FN(fn_dir) { return path_fn(call, out, args, n, err, "dir", 'd'); }
SPRIG_FN(fn_clean) { return path_fn(call, out, args, n, err, "clean", 'c'); }
SPRIG_FN(fn_ext) { return path_fn(call, out, args, n, err, "ext", 'e'); }
SPRIG_FN(fn_isabs) { return path_fn(call, out, args, n, err, "isAbs", 'a'); }

/* --- URLs ------------------------------------------------------------ */

static tv *strn(struct tv_arena *a, const char *s, size_t n)
{
	return tv_strn(a, s, n);
}

SPRIG_FN(fn_urlparse)
{
	const char *s;
	size_t len;
	if (sprig_arity("urlParse", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct tv_arena *a = ARENA;
	const char *end = s + len, *p = s;
	const char *frag = memchr(s, '#', len);
	const char *body_end = frag ? frag : end;
	size_t scheme_len = 0;
	for (const char *c = s; c < body_end; c++) {
		if (*c == ':') {
			if (c > s && isalpha((unsigned char)s[0]))
				scheme_len = (size_t)(c - s);
			break;
		}
		if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
			break;
	}
	tv *m = tv_map(a);
	tv_map_set(a, m, "scheme", strn(a, s, scheme_len));
	if (scheme_len)
		p = s + scheme_len + 1;
	const char *q = memchr(p, '?', (size_t)(body_end - p));
	const char *rest_end = q ? q : body_end;
	tv_map_set(a, m, "query", q ? strn(a, q + 1, (size_t)(body_end - q - 1)) : tv_str(a, ""));
	tv_map_set(a, m, "fragment", frag ? strn(a, frag + 1, (size_t)(end - frag - 1)) : tv_str(a, ""));
	const char *userinfo = "", *host = "";
	size_t ul = 0, hl = 0;
	const char *opaque = "";
	size_t ol = 0;
	if (rest_end - p >= 2 && p[0] == '/' && p[1] == '/') {
		p += 2;
		const char *slash = memchr(p, '/', (size_t)(rest_end - p));
		const char *auth_end = slash ? slash : rest_end;
		const char *at = NULL;
		for (const char *c = p; c < auth_end; c++)
			if (*c == '@')
				at = c;
		if (at) {
			userinfo = p;
			ul = (size_t)(at - p);
			p = at + 1;
		}
		host = p;
		hl = (size_t)(auth_end - p);
		p = auth_end;
	} else if (scheme_len && p < rest_end && *p != '/') {
		opaque = p;
		ol = (size_t)(rest_end - p);
		p = rest_end;
	}
	tv_map_set(a, m, "userinfo", strn(a, userinfo, ul));
	tv_map_set(a, m, "host", strn(a, host, hl));
	size_t hnl = hl;
	if (hl && host[0] == '[') {
		const char *rb = memchr(host, ']', hl);
		tv_map_set(a, m, "hostname", rb ? strn(a, host + 1, (size_t)(rb - host - 1)) : strn(a, host, hl));
	} else {
		const char *colon = memchr(host, ':', hl);
		if (colon)
			hnl = (size_t)(colon - host);
		tv_map_set(a, m, "hostname", strn(a, host, hnl));
	}
	tv_map_set(a, m, "opaque", strn(a, opaque, ol));
	tv_map_set(a, m, "path", strn(a, p, (size_t)(rest_end - p)));
	*out = m;
	return 0;
}

static const char *dict_str(const tv *d, const char *key)
{
	tv *v = tv_map_get(d, key);
	return v && v->kind == TV_STRING ? v->u.str.s : "";
}

static void url_escape(struct buf *out, const char *s, const char *keep)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c) || (c && strchr(keep, c)))
			buf_addch(out, (char)c);
		else
			buf_addf(out, "%%%02X", c);
	}
}

SPRIG_FN(fn_urljoin)
{
	if (sprig_arity("urlJoin", n, 1, 1, err) < 0 || sprig_map(args[0], err) < 0)
		return err->code;
	const tv *d = args[0];
	const char *scheme = dict_str(d, "scheme"), *host = dict_str(d, "host");
	const char *path = dict_str(d, "path"), *query = dict_str(d, "query");
	const char *opaque = dict_str(d, "opaque"), *frag = dict_str(d, "fragment");
	const char *user = dict_str(d, "userinfo");
	struct buf b = BUF_INIT;
	if (*scheme) {
		buf_adds(&b, scheme);
		buf_addch(&b, ':');
	}
	if (*opaque) {
		buf_adds(&b, opaque);
	} else {
		if (*scheme || *host || *user) {
			buf_adds(&b, "//");
			if (*user) {
				url_escape(&b, user, "!$&'()*+,;=:");
				buf_addch(&b, '@');
			}
			url_escape(&b, host, "!$&'()*+,;=:[]");
		}
		if (*path && path[0] != '/' && *host)
			buf_addch(&b, '/');
		url_escape(&b, path, "/!$&'()*+,;=:@");
	}
	if (*query) {
		buf_addch(&b, '?');
		buf_adds(&b, query);
	}
	if (*frag) {
		buf_addch(&b, '#');
		url_escape(&b, frag, "/?!$&'()*+,;=:@");
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_hello)
{
	(void)args; (void)n; (void)err;
	*out = tv_str(ARENA, "Hello!");
	return 0;
}

const struct sprig_entry sprig_misc_funcs[] = {
	{ "default", fn_default }, { "empty", fn_empty }, { "coalesce", fn_coalesce },
	{ "all", fn_all }, { "any", fn_any }, { "ternary", fn_ternary }, { "fail", fn_fail },
	{ "atoi", fn_atoi }, { "int", fn_int }, { "int64", fn_int64 }, { "float64", fn_float64 },
	{ "toString", fn_tostring }, { "toStrings", fn_tostrings }, { "toDecimal", fn_todecimal },
	{ "toJson", fn_tojson }, { "mustToJson", fn_musttojson },
	{ "toPrettyJson", fn_toprettyjson }, { "mustToPrettyJson", fn_musttoprettyjson },
	{ "toRawJson", fn_torawjson }, { "mustToRawJson", fn_musttorawjson },
	{ "fromJson", fn_fromjson }, { "mustFromJson", fn_mustfromjson },
	{ "typeOf", fn_typeof }, { "typeIs", fn_typeis }, { "typeIsLike", fn_typeislike },
	{ "kindOf", fn_kindof }, { "kindIs", fn_kindis }, { "deepEqual", fn_deepequal },
	{ "deepCopy", fn_deepcopy }, { "mustDeepCopy", fn_mustdeepcopy },
	{ "b64enc", fn_b64enc }, { "b64dec", fn_b64dec },
	{ "b32enc", fn_b32enc }, { "b32dec", fn_b32dec },
	{ "base", fn_base }, { "dir", fn_dir }, { "clean", fn_clean }, { "ext", fn_ext },
	{ "isAbs", fn_isabs }, { "osBase", fn_base }, { "osDir", fn_dir },
	{ "osClean", fn_clean }, { "osExt", fn_ext }, { "osIsAbs", fn_isabs },
	{ "urlParse", fn_urlparse }, { "urlJoin", fn_urljoin }, { "hello", fn_hello },
	{ NULL, NULL },
};
