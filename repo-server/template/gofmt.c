/*
 * gofmt.c — Go's fmt verbs over template values (see gofmt.h).
 *
 * The shape follows fmt/print.go: a format string is walked once, each
 * directive collects flags, width and precision (possibly from arguments
 * with '*'), then prints one argument by its kind. Lists and maps print
 * element by element with the same directive, as Go does. Numbers are
 * formatted by the C library where Go and C agree (%e %f %g with a
 * precision) and by hand where they do not (shortest floats, integer
 * precision and bases, %q, %U).
 *
 * Shortest floats: the fewest significant digits that read back to the
 * same double are found by trying %.{p}e for p = 1..17, then laid out with
 * strconv's rule for shortest 'g': exponent form when the decimal exponent
 * is below -4 or at least 6 (1e+06, 1.234567e+06, 123456, 0.0001).
 */
#include "repo-server/template/gofmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIMIT (64u << 20)
#define MAX_DEPTH 1000

struct spec {
	bool minus, plus, sharp, space, zero;
	bool plus_v, sharp_v;
	int width, prec;        /* -1: not given */
	uint32_t verb;
	size_t stop;            /* stop printing once out->len passes this */
};

int gofmt_utf8_decode(const char *s, size_t len, uint32_t *r)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80) {
		*r = u[0];
		return 1;
	}
	int n;
	uint32_t c, min;
	if ((u[0] & 0xE0) == 0xC0) {
		n = 2; c = u[0] & 0x1F; min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		n = 3; c = u[0] & 0x0F; min = 0x800;
	} else if ((u[0] & 0xF8) == 0xF0) {
		n = 4; c = u[0] & 0x07; min = 0x10000;
	} else {
		*r = 0xFFFD;
		return 1;
	}
	if ((size_t)n > len) {
		*r = 0xFFFD;
		return 1;
	}
	for (int i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			*r = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*r = 0xFFFD;
		return 1;
	}
	*r = c;
	return n;
}

void gofmt_utf8_encode(struct buf *out, uint32_t r)
{
	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	if (r < 0x80) {
		buf_addch(out, (char)r);
	} else if (r < 0x800) {
		buf_addch(out, (char)(0xC0 | (r >> 6)));
		buf_addch(out, (char)(0x80 | (r & 0x3F)));
	} else if (r < 0x10000) {
		buf_addch(out, (char)(0xE0 | (r >> 12)));
		buf_addch(out, (char)(0x80 | ((r >> 6) & 0x3F)));
		buf_addch(out, (char)(0x80 | (r & 0x3F)));
	} else {
		buf_addch(out, (char)(0xF0 | (r >> 18)));
		buf_addch(out, (char)(0x80 | ((r >> 12) & 0x3F)));
		buf_addch(out, (char)(0x80 | ((r >> 6) & 0x3F)));
		buf_addch(out, (char)(0x80 | (r & 0x3F)));
	}
}

static size_t rune_count(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; n++) {
		uint32_t r;
		i += gofmt_utf8_decode(s + i, len - i, &r);
	}
	return n;
}

/* unicode.IsPrint for quoting: control characters, non-ASCII spaces
 * (category Zs), format characters, private use, surrogates and
 * noncharacters are not printable; other assigned-looking runes are. */
bool gofmt_is_print(uint32_t r)
{
	if (r < 0x20 || r == 0x7F)
		return false;
	if (r < 0x7F)
		return true;
	if (r < 0xA0 || r == 0xA0 || r == 0xAD)
		return false;
	if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
	    (r >= 0x205F && r <= 0x2064) || r == 0x3000 || r == 0xFEFF)
		return false;
	if ((r >= 0xD800 && r <= 0xF8FF) || r == 0xFFFE || r == 0xFFFF ||
	    (r >= 0xFFF0 && r <= 0xFFFB) || r >= 0xF0000)
		return false;
	return r <= 0x10FFFF;
}

static void quote_rune(struct buf *out, uint32_t r, char q, bool ascii_only)
{
	if (r == (uint32_t)q || r == '\\') {
		buf_addch(out, '\\');
		buf_addch(out, (char)r);
		return;
	}
	if (ascii_only ? (r < 0x7F && gofmt_is_print(r)) : gofmt_is_print(r)) {
		gofmt_utf8_encode(out, r);
		return;
	}
	switch (r) {
	case '\a': buf_adds(out, "\\a"); return;
	case '\b': buf_adds(out, "\\b"); return;
	case '\f': buf_adds(out, "\\f"); return;
	case '\n': buf_adds(out, "\\n"); return;
	case '\r': buf_adds(out, "\\r"); return;
	case '\t': buf_adds(out, "\\t"); return;
	case '\v': buf_adds(out, "\\v"); return;
	}
	if (r < ' ' || r == 0x7F)
		buf_addf(out, "\\x%02x", r);
	else if (r < 0x10000)
		buf_addf(out, "\\u%04x", r);
	else
		buf_addf(out, "\\U%08x", r);
}

void gofmt_quote(struct buf *out, const char *s, size_t len, bool ascii_only)
{
	buf_addch(out, '"');
	for (size_t i = 0; i < len;) {
		uint32_t r;
		int w = gofmt_utf8_decode(s + i, len - i, &r);
		if (r == 0xFFFD && w == 1 && (unsigned char)s[i] >= 0x80)
			buf_addf(out, "\\x%02x", (unsigned char)s[i]);
		else
			quote_rune(out, r, '"', ascii_only);
		i += w;
	}
	buf_addch(out, '"');
}

/* Shortest round-trip digits of f > 0: digits[] without point, and the
 * decimal exponent of the first digit. */
static int shortest(double f, char *digits, int *exp10)
{
	char tmp[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	int nd = 0;
	char *e = strchr(tmp, 'e');
	for (char *c = tmp; c < e; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	*exp10 = atoi(e + 1);
	return nd;
}

static void add_exp(struct buf *out, char e, int exp)
{
	buf_addch(out, e);
	buf_addch(out, exp < 0 ? '-' : '+');
	if (exp < 0)
		exp = -exp;
	if (exp < 10)
		buf_addch(out, '0');
	buf_addf(out, "%d", exp);
}

/* strconv 'g' with precision -1 (or 'e' shortest when force_e, or 'f'
 * shortest when force_f). */
static void float_shortest2(struct buf *out, double f, char e, bool force_e, bool force_f)
{
	if (isnan(f)) {
		buf_adds(out, "NaN");
		return;
	}
	if (isinf(f)) {
		buf_adds(out, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (signbit(f)) {
		buf_addch(out, '-');
		f = -f;
	}
	if (f == 0) {
		buf_adds(out, force_e ? "0e+00" : "0");
		return;
	}
	char d[24];
	int exp;
	int nd = shortest(f, d, &exp);
	if (!force_f && (force_e || exp < -4 || exp >= 6)) {
		buf_addch(out, d[0]);
		if (nd > 1) {
			buf_addch(out, '.');
			buf_add(out, d + 1, nd - 1);
		}
		add_exp(out, e, exp);
		return;
	}

	if (exp < 0) {
		buf_adds(out, "0.");
		for (int i = 0; i < -exp - 1; i++)
			buf_addch(out, '0');
		buf_add(out, d, nd);
	} else if (nd <= exp + 1) {
		buf_add(out, d, nd);
		for (int i = nd; i <= exp; i++)
			buf_addch(out, '0');
	} else {
		buf_add(out, d, exp + 1);
		buf_addch(out, '.');
		buf_add(out, d + exp + 1, nd - exp - 1);
	}
}

static void float_shortest(struct buf *out, double f, char e, bool force_e)
{
	float_shortest2(out, f, e, force_e, false);
}

void gofmt_float(struct buf *out, double f)
{
	float_shortest(out, f, 'e', false);
}

void gofmt_float_shortest(struct buf *out, double f, char fmt)
{
	float_shortest2(out, f, 'e', fmt == 'e', fmt == 'f');
}

/* Pads s to the width: spaces left (or right with '-'), or zeros after the
 * sign when zero padding applies. */
static void pad(struct buf *out, const struct spec *sp, const char *s, size_t len,
		bool zero_ok)
{
	size_t w = sp->width > 0 ? (size_t)sp->width : 0;
	size_t n = rune_count(s, len);
	if (n >= w) {
		buf_add(out, s, len);
		return;
	}
	size_t fill = w - n;
	if (sp->minus) {
		buf_add(out, s, len);
		for (size_t i = 0; i < fill; i++)
			buf_addch(out, ' ');
		return;
	}
	if (sp->zero && zero_ok) {
		size_t sign = 0;
		if (len && (s[0] == '-' || s[0] == '+' || s[0] == ' '))
			sign = 1;
		buf_add(out, s, sign);
		for (size_t i = 0; i < fill; i++)
			buf_addch(out, '0');
		buf_add(out, s + sign, len - sign);
		return;
	}
	for (size_t i = 0; i < fill; i++)
		buf_addch(out, ' ');
	buf_add(out, s, len);
}

static void pad_buf(struct buf *out, const struct spec *sp, struct buf *tmp, bool zero_ok)
{
	pad(out, sp, tmp->data, tmp->len, zero_ok);
	buf_release(tmp);
}

static void fmt_print(struct buf *out, const tv *v, struct spec *sp, int depth);

static void bad_verb(struct buf *out, const tv *v, struct spec *sp, int depth)
{
	buf_adds(out, "%!");
	gofmt_utf8_encode(out, sp->verb);
	buf_addch(out, '(');
	if (v->kind == TV_NIL) {
		buf_adds(out, "<nil>");
	} else {
		buf_adds(out, tv_type_name(v));
		buf_addch(out, '=');
		struct spec s2 = { .width = -1, .prec = -1, .verb = 'v', .stop = sp->stop };
		fmt_print(out, v, &s2, depth);
	}
	buf_addch(out, ')');
}

static void fmt_integer(struct buf *out, int64_t iv, struct spec *sp, uint32_t verb)
{
	struct buf t = BUF_INIT;
	bool neg = iv < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)iv : (uint64_t)iv;
	int base = 10;
	const char *digits = "0123456789abcdefx";
	switch (verb) {
	case 'b': base = 2; break;
	case 'o': case 'O': base = 8; break;
	case 'x': base = 16; break;
	case 'X': base = 16; digits = "0123456789ABCDEFX"; break;
	}
	char rev[80];
	int n = 0;
	while (u) {
		rev[n++] = digits[u % base];
		u /= base;
	}
	int prec = sp->prec;
	bool zero_pad = false;
	if (prec < 0) {
		prec = 1;
		if (sp->zero && sp->width > 0 && !sp->minus)
			zero_pad = true;
	} else if (prec == 0 && n == 0) {
		struct spec s2 = *sp;
		s2.zero = false;
		pad(out, &s2, "", 0, false);
		return;
	}
	if (neg)
		buf_addch(&t, '-');
	else if (sp->plus)
		buf_addch(&t, '+');
	else if (sp->space)
		buf_addch(&t, ' ');
	if (sp->sharp) {
		if (base == 2)
			buf_adds(&t, "0b");
		else if (base == 8 && verb == 'o' && n > 0 && prec <= n)
			buf_addch(&t, '0');
		else if (base == 16)
			buf_adds(&t, verb == 'X' ? "0X" : "0x");
	}
	if (verb == 'O')
		buf_adds(&t, "0o");
	for (int i = n; i < prec; i++)
		buf_addch(&t, '0');
	while (n > 0)
		buf_addch(&t, rev[--n]);
	struct spec s2 = *sp;
	s2.zero = zero_pad;
	if (zero_pad) {
		/* zeros go after the sign and prefix */
		size_t w = (size_t)sp->width;
		if (t.len < w) {
			size_t pre = 0;
			if (t.len && (t.data[0] == '-' || t.data[0] == '+' || t.data[0] == ' '))
				pre = 1;
			if (sp->sharp && base == 16)
				pre += 2;
			if (verb == 'O')
				pre += 2;
			struct buf z = BUF_INIT;
			buf_add(&z, t.data, pre);
			for (size_t i = t.len; i < w; i++)
				buf_addch(&z, '0');
			buf_add(&z, t.data + pre, t.len - pre);
			buf_add(out, z.data, z.len);
			buf_release(&z);
			buf_release(&t);
			return;
		}
	}
	s2.zero = false;
	pad_buf(out, &s2, &t, false);
}

static void fmt_int(struct buf *out, const tv *v, struct spec *sp, int depth)
{
	int64_t iv = v->u.i;
	switch (sp->verb) {
	case 'v':
		if (sp->sharp_v) {
			struct spec s2 = *sp;
			s2.sharp = false;
			fmt_integer(out, iv, &s2, 'd');
		} else {
			fmt_integer(out, iv, sp, 'd');
		}
		return;
	case 'd': case 'b': case 'o': case 'O': case 'x': case 'X':
		fmt_integer(out, iv, sp, sp->verb);
		return;
	case 'c': {
		struct buf t = BUF_INIT;
		gofmt_utf8_encode(&t, iv < 0 || iv > 0x10FFFF ? 0xFFFD : (uint32_t)iv);
		pad_buf(out, sp, &t, false);
		return;
	}
	case 'q': {
		struct buf t = BUF_INIT;
		uint32_t r = iv < 0 || iv > 0x10FFFF ? 0xFFFD : (uint32_t)iv;
		buf_addch(&t, '\'');
		quote_rune(&t, r, '\'', sp->plus);
		buf_addch(&t, '\'');
		pad_buf(out, sp, &t, false);
		return;
	}
	case 'U': {
		struct buf t = BUF_INIT;
		buf_addf(&t, "U+%04" PRIX64, (uint64_t)iv);
		if (sp->sharp && iv >= 0 && iv <= 0x10FFFF && gofmt_is_print((uint32_t)iv)) {
			buf_adds(&t, " '");
			gofmt_utf8_encode(&t, (uint32_t)iv);
			buf_addch(&t, '\'');
		}
		pad_buf(out, sp, &t, false);
		return;
	}
	default:
		bad_verb(out, v, sp, depth);
	}
}

static void fmt_float(struct buf *out, const tv *v, struct spec *sp, int depth)
{
	double f = v->u.f;
	struct buf t = BUF_INIT;
	uint32_t verb = sp->verb;
	switch (verb) {
	case 'v': case 'g': case 'G': case 'e': case 'E': case 'f': case 'F':
		break;
	default:
		bad_verb(out, v, sp, depth);
		return;
	}
	if (isnan(f) || isinf(f)) {
		if (isnan(f))
			buf_adds(&t, sp->plus ? "+NaN" : sp->space ? " NaN" : "NaN");
		else if (f > 0)
			buf_adds(&t, sp->plus ? "+Inf" : sp->space ? " Inf" : "+Inf");
		else
			buf_adds(&t, "-Inf");
		struct spec s2 = *sp;
		s2.zero = false;
		pad_buf(out, &s2, &t, false);
		return;
	}
	if (!signbit(f)) {
		if (sp->plus)
			buf_addch(&t, '+');
		else if (sp->space)
			buf_addch(&t, ' ');
	}
	if ((verb == 'v' || verb == 'g' || verb == 'G') && sp->prec < 0) {
		float_shortest(&t, f, verb == 'G' ? 'E' : 'e', false);
	} else {
		char fmtc = verb == 'v' ? 'g' : verb == 'F' ? 'f' : (char)verb;
		int prec = sp->prec >= 0 ? sp->prec : 6;
		char cf[16];
		snprintf(cf, sizeof(cf), "%%%s.*%c", sp->sharp ? "#" : "", fmtc);
		char num[400];
		int n = snprintf(num, sizeof(num), cf, prec > 300 ? 300 : prec, f);
		if (n >= (int)sizeof(num)) {
			char *big = xmalloc((size_t)n + 1);
			snprintf(big, (size_t)n + 1, cf, prec > 300 ? 300 : prec, f);
			buf_adds(&t, big);
			free(big);
		} else {
			buf_adds(&t, num);
		}
	}
	pad_buf(out, sp, &t, true);
}

static void fmt_string(struct buf *out, const char *s, size_t len, struct spec *sp,
		       const tv *v, int depth)
{
	struct buf t = BUF_INIT;
	switch (sp->verb) {
	case 'v':
		if (sp->sharp_v) {
			gofmt_quote(&t, s, len, false);
			break;
		}
		/* fallthrough */
	case 's':
		if (sp->prec >= 0) {
			size_t i = 0;
			for (int n = 0; n < sp->prec && i < len; n++) {
				uint32_t r;
				i += gofmt_utf8_decode(s + i, len - i, &r);
			}
			len = i;
		}
		buf_add(&t, s, len);
		break;
	case 'q':
		if (sp->prec >= 0) {
			size_t i = 0;
			for (int n = 0; n < sp->prec && i < len; n++) {
				uint32_t r;
				i += gofmt_utf8_decode(s + i, len - i, &r);
			}
			len = i;
		}
		if (sp->sharp && !memchr(s, '`', len)) {
			bool ok = true;
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)s[i] < ' ' && s[i] != '\t')
					ok = false;
			if (ok) {
				buf_addch(&t, '`');
				buf_add(&t, s, len);
				buf_addch(&t, '`');
				break;
			}
		}
		gofmt_quote(&t, s, len, sp->plus);
		break;
	case 'x': case 'X': {
		const char *hex = sp->verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
		size_t n = len;
		if (sp->prec >= 0 && (size_t)sp->prec < n)
			n = (size_t)sp->prec;
		for (size_t i = 0; i < n; i++) {
			if (sp->space && i > 0)
				buf_addch(&t, ' ');
			if (sp->sharp && (i == 0 || sp->space))
				buf_adds(&t, sp->verb == 'x' ? "0x" : "0X");
			buf_addch(&t, hex[(unsigned char)s[i] >> 4]);
			buf_addch(&t, hex[(unsigned char)s[i] & 15]);
		}
		break;
	}
	default:
		buf_release(&t);
		bad_verb(out, v, sp, depth);
		return;
	}
	pad_buf(out, sp, &t, true);
}

static void fmt_print(struct buf *out, const tv *v, struct spec *sp, int depth)
{
	if (out->len > sp->stop)
		return;
	if (depth > MAX_DEPTH) {
		buf_adds(out, "...");
		return;
	}
	if (sp->verb == 'T') {
		struct buf t = BUF_INIT;
		buf_adds(&t, tv_type_name(v));
		pad_buf(out, sp, &t, false);
		return;
	}
	switch (v->kind) {
	case TV_NIL:
		if (sp->verb == 'v') {
			struct buf t = BUF_INIT;
			buf_adds(&t, sp->sharp_v ? "interface {}(nil)" : "<nil>");
			pad_buf(out, sp, &t, false);
		} else {
			bad_verb(out, v, sp, depth);
		}
		return;
	case TV_BOOL:
		if (sp->verb == 'v' || sp->verb == 't') {
			struct buf t = BUF_INIT;
			buf_adds(&t, v->u.b ? "true" : "false");
			pad_buf(out, sp, &t, false);
		} else {
			bad_verb(out, v, sp, depth);
		}
		return;
	case TV_INT:
		fmt_int(out, v, sp, depth);
		return;
	case TV_FLOAT:
		fmt_float(out, v, sp, depth);
		return;
	case TV_STRING:
		fmt_string(out, v->u.str.s, v->u.str.len, sp, v, depth);
		return;
	case TV_LIST:
		if (sp->sharp_v) {
			buf_adds(out, tv_type_name(v));
			buf_addch(out, '{');
		} else {
			buf_addch(out, '[');
		}
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				buf_adds(out, sp->sharp_v ? ", " : " ");
			fmt_print(out, v->u.list.items[i], sp, depth + 1);
			if (out->len > sp->stop)
				return;
		}
		buf_addch(out, sp->sharp_v ? '}' : ']');
		return;
	case TV_MAP:
		if (sp->sharp_v) {
			buf_adds(out, tv_type_name(v));
			buf_addch(out, '{');
		} else {
			buf_adds(out, "map[");
		}
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				buf_adds(out, sp->sharp_v ? ", " : " ");
			tv key = { .kind = TV_STRING };
			key.u.str.s = v->u.map.e[i].key;
			key.u.str.len = v->u.map.e[i].klen;
			fmt_print(out, &key, sp, depth + 1);
			buf_addch(out, ':');
			fmt_print(out, v->u.map.e[i].val, sp, depth + 1);
			if (out->len > sp->stop)
				return;
		}
		buf_addch(out, sp->sharp_v ? '}' : ']');
		return;
	case TV_OPAQUE:
		if (v->u.op.type->format &&
		    (sp->verb == 'v' || sp->verb == 's' || sp->verb == 'q' ||
		     sp->verb == 'x' || sp->verb == 'X')) {
			struct buf s = BUF_INIT;
			v->u.op.type->format(&s, v->u.op.p);
			fmt_string(out, s.data, s.len, sp, v, depth);
			buf_release(&s);
		} else if (sp->verb == 'v') {
			struct buf t = BUF_INIT;
			buf_addf(&t, "{%s}", v->u.op.type->go_type);
			pad_buf(out, sp, &t, false);
		} else {
			bad_verb(out, v, sp, depth);
		}
		return;
	}
}

static size_t stop_of(const struct buf *out, size_t limit)
{
	return out->len + (limit ? limit : DEFAULT_LIMIT);
}

void gofmt_value(struct buf *out, const tv *v, size_t limit)
{
	struct spec sp = { .width = -1, .prec = -1, .verb = 'v', .stop = stop_of(out, limit) };
	fmt_print(out, v, &sp, 0);
}

void gofmt_sprint(struct buf *out, tv **args, size_t n, size_t limit)
{
	size_t stop = stop_of(out, limit);
	bool prev_string = false;
	for (size_t i = 0; i < n; i++) {
		bool is_string = args[i]->kind == TV_STRING;
		if (i > 0 && !is_string && !prev_string)
			buf_addch(out, ' ');
		struct spec sp = { .width = -1, .prec = -1, .verb = 'v', .stop = stop };
		fmt_print(out, args[i], &sp, 0);
		prev_string = is_string;
	}
}

void gofmt_sprintln(struct buf *out, tv **args, size_t n, size_t limit)
{
	size_t stop = stop_of(out, limit);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_addch(out, ' ');
		struct spec sp = { .width = -1, .prec = -1, .verb = 'v', .stop = stop };
		fmt_print(out, args[i], &sp, 0);
	}
	buf_addch(out, '\n');
}

/* Reads a decimal number at f[*i]; -1 when none. */
static int parse_num(const char *f, size_t flen, size_t *i, bool *ok)
{
	int n = 0;
	*ok = false;
	while (*i < flen && f[*i] >= '0' && f[*i] <= '9') {
		if (n > 1000000) {
			*ok = false;
			return -1;
		}
		n = n * 10 + (f[*i] - '0');
		(*i)++;
		*ok = true;
	}
	return n;
}

/* %[n] argument index: returns the new argument number or -1 if bad. */
static int arg_index(const char *f, size_t flen, size_t *i, size_t nargs, bool *good)
{
	*good = true;
	if (*i >= flen || f[*i] != '[')
		return -2;
	size_t j = *i + 1;
	int n = 0;
	bool any = false;
	while (j < flen && f[j] >= '0' && f[j] <= '9' && n < 100000) {
		n = n * 10 + (f[j] - '0');
		j++;
		any = true;
	}
	if (j >= flen || f[j] != ']' || !any || n < 1 || (size_t)n > nargs) {
		/* skip to the closing bracket, as Go does */
		while (j < flen && f[j] != ']')
			j++;
		*i = j < flen ? j + 1 : j;
		*good = false;
		return -1;
	}
	*i = j + 1;
	return n - 1;
}

void gofmt_sprintf(struct buf *out, const char *f, size_t flen, tv **args,
		   size_t nargs, size_t limit)
{
	size_t stop = stop_of(out, limit);
	size_t argn = 0;
	bool reordered = false;
	for (size_t i = 0; i < flen;) {
		if (out->len > stop)
			return;
		size_t start = i;
		while (i < flen && f[i] != '%')
			i++;
		buf_add(out, f + start, i - start);
		if (i >= flen)
			break;
		i++;            /* skip % */
		struct spec sp = { .width = -1, .prec = -1, .stop = stop };
		for (; i < flen; i++) {
			switch (f[i]) {
			case '#': sp.sharp = true; continue;
			case '0': sp.zero = !sp.minus; continue;
			case '+': sp.plus = true; continue;
			case '-': sp.minus = true; sp.zero = false; continue;
			case ' ': sp.space = true; continue;
			}
			break;
		}
		bool good_idx = true, ok;
		int idx = arg_index(f, flen, &i, nargs, &good_idx);
		if (idx >= 0) {
			argn = (size_t)idx;
			reordered = true;
		} else if (idx == -1) {
			reordered = true;
		}
		if (i < flen && f[i] == '*') {
			i++;
			if (argn < nargs && args[argn]->kind == TV_INT &&
			    args[argn]->u.i > -1000000 && args[argn]->u.i < 1000000) {
				sp.width = (int)args[argn]->u.i;
				if (sp.width < 0) {
					sp.minus = true;
					sp.zero = false;
					sp.width = -sp.width;
				}
			} else {
				buf_adds(out, "%!(BADWIDTH)");
			}
			argn++;
		} else {
			sp.width = parse_num(f, flen, &i, &ok);
			if (!ok)
				sp.width = -1;
			else if (sp.width < 0)
				buf_adds(out, "%!(BADWIDTH)");
		}
		if (i < flen && f[i] == '.') {
			i++;
			idx = arg_index(f, flen, &i, nargs, &good_idx);
			if (idx >= 0) {
				argn = (size_t)idx;
				reordered = true;
			}
			if (i < flen && f[i] == '*') {
				i++;
				if (argn < nargs && args[argn]->kind == TV_INT &&
				    args[argn]->u.i >= 0 && args[argn]->u.i < 1000000) {
					sp.prec = (int)args[argn]->u.i;
				} else {
					sp.prec = -1;
					buf_adds(out, "%!(BADPREC)");
				}
				argn++;
			} else {
				sp.prec = parse_num(f, flen, &i, &ok);
				if (!ok)
					sp.prec = 0;
			}
		}
		idx = arg_index(f, flen, &i, nargs, &good_idx);
		if (idx >= 0) {
			argn = (size_t)idx;
			reordered = true;
		}
		if (i >= flen) {
			buf_adds(out, "%!(NOVERB)");
			break;
		}
		uint32_t verb;
		i += gofmt_utf8_decode(f + i, flen - i, &verb);
		sp.verb = verb;
		if (verb == '%') {
			buf_addch(out, '%');
			continue;
		}
		if (!good_idx) {
			buf_adds(out, "%!");
			gofmt_utf8_encode(out, verb);
			buf_adds(out, "(BADINDEX)");
			continue;
		}
		if (argn >= nargs) {
			buf_adds(out, "%!");
			gofmt_utf8_encode(out, verb);
			buf_adds(out, "(MISSING)");
			continue;
		}
		if (verb == 'v') {
			if (sp.sharp) {
				sp.sharp = false;
				sp.sharp_v = true;
			}
			if (sp.plus) {
				sp.plus = false;
				sp.plus_v = true;
			}
		}
		fmt_print(out, args[argn++], &sp, 0);
	}
	if (!reordered && argn < nargs) {
		buf_adds(out, "%!(EXTRA ");
		for (size_t k = argn; k < nargs; k++) {
			if (k > argn)
				buf_adds(out, ", ");
			if (args[k]->kind == TV_NIL) {
				buf_adds(out, "<nil>");
				continue;
			}
			buf_adds(out, tv_type_name(args[k]));
			buf_addch(out, '=');
			struct spec sp = { .width = -1, .prec = -1, .verb = 'v', .stop = stop };
			fmt_print(out, args[k], &sp, 0);
		}
		buf_addch(out, ')');
	}
}
