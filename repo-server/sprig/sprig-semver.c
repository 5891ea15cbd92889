/*
 * sprig-semver.c — semver and semverCompare with Masterminds/semver v3
 * rules: loose versions ("v1.2" is 1.2.0), precedence with prereleases,
 * and constraints joined by "||" (or) and "," or spaces (and), with the
 * operators = != > < >= <= ~ ~> ^, wildcards (1.2.x, *, missing parts)
 * and hyphen ranges (1.2 - 1.4.5). A prerelease version satisfies a
 * constraint only when the constraint names a prerelease itself.
 *
 * `semver` returns an opaque *semver.Version whose fields (Major, Minor,
 * Patch, Prerelease, Metadata, Original) templates can read.
 */
#include "repo-server/sprig/sprig-internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TERMS 64

struct version {
	uint64_t major, minor, patch;
	char pre[128], meta[128], original[256];
};

static bool semver_num(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	if (s >= end || !isdigit((unsigned char)*s))
		return false;
	uint64_t v = 0;
	while (s < end && isdigit((unsigned char)*s)) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	*p = s;
	*out = v;
	return true;
}

static bool ident_ok(const char *s, size_t n, bool pre)
{
	if (n == 0)
		return false;
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		bool digits = true;
		while (j < n && s[j] != '.') {
			if (!isalnum((unsigned char)s[j]) && s[j] != '-')
				return false;
			if (!isdigit((unsigned char)s[j]))
				digits = false;
			j++;
		}
		if (j == i)
			return false;
		if (pre && digits && j - i > 1 && s[i] == '0')
			return false;
		i = j + 1;
	}
	return true;
}

/* Masterminds NewVersion. dirty gets which parts were missing or x. */
static int version_parse(struct version *v, const char *s, size_t n, int *missing)
{
	memset(v, 0, sizeof(*v));
	if (n >= sizeof(v->original))
		return -1;
	memcpy(v->original, s, n);
	const char *p = s, *end = s + n;
	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	if (!semver_num(&p, end, &v->major))
		return -1;
	int parts = 1;
	if (p < end && *p == '.') {
		p++;
		if (!semver_num(&p, end, &v->minor))
			return -1;
		parts++;
		if (p < end && *p == '.') {
			p++;
			if (!semver_num(&p, end, &v->patch))
				return -1;
			parts++;
		}
	}
	if (missing)
		*missing = 3 - parts;
	if (p < end && *p == '-') {
		const char *q = ++p;
		while (p < end && *p != '+')
			p++;
		if (!ident_ok(q, (size_t)(p - q), true) || (size_t)(p - q) >= sizeof(v->pre))
			return -1;
		memcpy(v->pre, q, (size_t)(p - q));
	}
	if (p < end && *p == '+') {
		const char *q = ++p;
		p = end;
		if (!ident_ok(q, (size_t)(p - q), false) || (size_t)(p - q) >= sizeof(v->meta))
			return -1;
		memcpy(v->meta, q, (size_t)(p - q));
	}
	return p == end ? 0 : -1;
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_pre(const char *a, const char *b)
{
	if (!*a && !*b)
		return 0;
	if (!*a)
		return 1;
	if (!*b)
		return -1;
	for (;;) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		bool na = la && strspn(a, "0123456789") >= la;
		bool nb = lb && strspn(b, "0123456789") >= lb;
		int c;
		if (na && nb) {
			c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
		} else if (na || nb) {
			c = na ? -1 : 1;
		} else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (!c)
				c = la < lb ? -1 : la > lb;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += la;
		b += lb;
		if (!*a && !*b)
			return 0;
		if (!*a)
			return -1;
		if (!*b)
			return 1;
		a++;
		b++;
	}
}

static int version_cmp(const struct version *a, const struct version *b)
{
	int c = cmp_u(a->major, b->major);
	if (!c)
		c = cmp_u(a->minor, b->minor);
	if (!c)
		c = cmp_u(a->patch, b->patch);
	if (!c)
		c = cmp_pre(a->pre, b->pre);
	return c;
}

static void version_string(struct buf *out, const struct version *v)
{
	buf_addf(out, "%llu.%llu.%llu", (unsigned long long)v->major,
		 (unsigned long long)v->minor, (unsigned long long)v->patch);
	if (*v->pre)
		buf_addf(out, "-%s", v->pre);
	if (*v->meta)
		buf_addf(out, "+%s", v->meta);
}

struct term {
	char op[3];
	struct version con;
	bool dirty, minor_dirty, patch_dirty;
};

static bool is_x(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/* One "OP VERSION" term, wildcards allowed. */
static int term_parse(struct term *t, const char *s, size_t n)
{
	memset(t, 0, sizeof(*t));
	size_t i = 0;
	static const char *const ops[] = { "!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^" };
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		size_t ol = strlen(ops[k]);
		if (n >= ol && memcmp(s, ops[k], ol) == 0) {
			const char *op = ops[k];
			if (!strcmp(op, "=>"))
				op = ">=";
			else if (!strcmp(op, "=<"))
				op = "<=";
			else if (!strcmp(op, "~>"))
				op = "~";
			snprintf(t->op, sizeof(t->op), "%s", op);
			i = ol;
			break;
		}
	}
	while (i < n && s[i] == ' ')
		i++;
	const char *v = s + i;
	size_t vl = n - i;
	if (vl && (*v == 'v' || *v == 'V')) {
		v++;
		vl--;
	}
	/* split major.minor.patch, then the rest */
	size_t core = 0;
	while (core < vl && v[core] != '-' && v[core] != '+')
		core++;
	const char *parts[3] = { 0 };
	size_t plen[3] = { 0 };
	int np = 0;
	for (size_t a = 0; a <= core && np < 3;) {
		size_t b = a;
		while (b < core && v[b] != '.')
			b++;
		parts[np] = v + a;
		plen[np++] = b - a;
		if (b == core)
			break;
		a = b + 1;
	}
	char buf[300];
	const char *rest = v + core;
	size_t rl = vl - core;
	if (np == 0 || plen[0] == 0)
		return -1;
	if (is_x(parts[0], plen[0])) {
		t->dirty = t->minor_dirty = t->patch_dirty = true;
		snprintf(buf, sizeof(buf), "0.0.0");
	} else if (np < 2 || is_x(parts[1], plen[1])) {
		t->dirty = t->minor_dirty = t->patch_dirty = true;
		snprintf(buf, sizeof(buf), "%.*s.0.0%.*s", (int)plen[0], parts[0], (int)rl, rest);
	} else if (np < 3 || is_x(parts[2], plen[2])) {
		t->dirty = t->patch_dirty = true;
		snprintf(buf, sizeof(buf), "%.*s.%.*s.0%.*s", (int)plen[0], parts[0], (int)plen[1],
			 parts[1], (int)rl, rest);
	} else {
		if (vl >= sizeof(buf))
			return -1;
		snprintf(buf, sizeof(buf), "%.*s", (int)vl, v);
	}
	if (np > 3)
		return -1;
	return version_parse(&t->con, buf, strlen(buf), NULL);
}

static bool check_tilde(const struct version *v, const struct term *t)
{
	if (version_cmp(v, &t->con) < 0)
		return false;
	if (t->con.major == 0 && t->con.minor == 0 && t->con.patch == 0 && !t->minor_dirty &&
	    !t->patch_dirty)
		return true;
	if (v->major != t->con.major)
		return false;
	if (v->minor != t->con.minor && !t->minor_dirty)
		return false;
	return true;
}

static bool check_caret(const struct version *v, const struct term *t)
{
	const struct version *c = &t->con;
	if (version_cmp(v, c) < 0)
		return false;
	if (c->major > 0 || t->minor_dirty)
		return v->major == c->major;
	if (v->major > 0)
		return false;
	if (c->minor > 0 || t->patch_dirty)
		return v->minor == c->minor;
	if (v->minor > 0)
		return false;
	return v->patch == c->patch;
}

static bool term_check(const struct version *v, const struct term *t)
{
	const struct version *c = &t->con;
	if (*v->pre && !*c->pre)
		return false;
	const char *op = t->op;
	int cmp = version_cmp(v, c);
	if (!*op || !strcmp(op, "="))
		return t->dirty ? check_tilde(v, t) : cmp == 0;
	if (!strcmp(op, "!="))
		return t->dirty ? !check_tilde(v, t) : cmp != 0;
	if (!strcmp(op, ">")) {
		if (!t->dirty)
			return cmp > 0;
		if (v->major != c->major)
			return v->major > c->major;
		if (t->minor_dirty)
			return false;
		if (t->patch_dirty)
			return v->minor > c->minor;
		return cmp > 0;
	}
	if (!strcmp(op, "<")) {
		if (!t->dirty)
			return cmp < 0;
		if (v->major != c->major)
			return v->major < c->major;
		if (t->minor_dirty)
			return false;
		if (t->patch_dirty)
			return v->minor < c->minor;
		return cmp < 0;
	}
	if (!strcmp(op, ">="))
		return cmp >= 0;
	if (!strcmp(op, "<=")) {
		if (!t->dirty)
			return cmp <= 0;
		if (v->major != c->major)
			return v->major < c->major;
		if (t->minor_dirty)
			return true;
		if (t->patch_dirty)
			return v->minor <= c->minor;
		return cmp <= 0;
	}
	if (!strcmp(op, "~"))
		return check_tilde(v, t);
	if (!strcmp(op, "^"))
		return check_caret(v, t);
	return false;
}

/* Parses and checks a whole constraint; -1 when it does not parse. */
static int constraint_check(const char *s, size_t n, const struct version *v, bool *ok)
{
	*ok = false;
	size_t i = 0;
	bool any_group = false;
	while (i <= n) {
		/* one "||" group */
		size_t g = i;
		while (g < n && !(s[g] == '|' && g + 1 < n && s[g + 1] == '|'))
			g++;
		/* tokens of the group: terms separated by commas or spaces; an
		 * operator may be followed by spaces; "a - b" is a range */
		struct term terms[MAX_TERMS];
		int nt = 0;
		size_t k = i;
		while (k < g) {
			while (k < g && (s[k] == ' ' || s[k] == ','))
				k++;
			if (k >= g)
				break;
			size_t st = k;
			while (k < g && strchr("=!<>~^", s[k]))
				k++;
			while (k < g && s[k] == ' ')
				k++;
			while (k < g && s[k] != ' ' && s[k] != ',')
				k++;
			if (nt >= MAX_TERMS - 1)
				return -1;
			if (term_parse(&terms[nt], s + st, k - st) < 0)
				return -1;
			/* hyphen range */
			size_t h = k;
			while (h < g && s[h] == ' ')
				h++;
			if (h + 1 < g && s[h] == '-' && s[h + 1] == ' ' && !*terms[nt].op) {
				h++;
				while (h < g && s[h] == ' ')
					h++;
				size_t e = h;
				while (e < g && s[e] != ' ' && s[e] != ',')
					e++;
				struct term hi;
				if (e == h || term_parse(&hi, s + h, e - h) < 0)
					return -1;
				snprintf(terms[nt].op, sizeof(terms[nt].op), ">=");
				snprintf(hi.op, sizeof(hi.op), "<=");
				terms[++nt] = hi;
				k = e;
			}
			nt++;
		}
		if (nt == 0)
			return -1;
		any_group = true;
		bool all = true;
		for (int t = 0; t < nt; t++)
			if (!term_check(v, &terms[t]))
				all = false;
		if (all)
			*ok = true;
		i = g + 2;
		if (g >= n)
			break;
	}
	return any_group ? 0 : -1;
}

SPRIG_FN(fn_semvercompare)
{
	(void)call;
	const char *c, *v;
	size_t cl, vl;
	if (sprig_arity("semverCompare", n, 2, 2, err) < 0 || sprig_str(args[0], &c, &cl, err) < 0 ||
	    sprig_str(args[1], &v, &vl, err) < 0)
		return err->code;
	struct version ver;
	bool ok;
	/* trim spaces as Masterminds does */
	while (cl && c[0] == ' ') {
		c++;
		cl--;
	}
	while (cl && c[cl - 1] == ' ')
		cl--;
	if (cl > 4096 || constraint_check(c, cl, &(struct version){ 0 }, &ok) < 0)
		return berr_set(err, BERR_INVALID, "improper constraint: %.*s", (int)(cl > 200 ? 200 : cl), c);
	if (version_parse(&ver, v, vl, NULL) < 0)
		return berr_set(err, BERR_INVALID, "Invalid Semantic Version");
	constraint_check(c, cl, &ver, &ok);
	*out = tv_bool(ok);
	return 0;
}

static void semver_format(struct buf *out, const void *p)
{
	version_string(out, p);
}

static int semver_field(struct tmpl_call *call, tv **out, void *p, const char *name,
			tv **args, size_t nargs, struct berr *err)
{
	struct version *v = p;
	struct tv_arena *a = tmpl_call_arena(call);
	if (nargs && strcmp(name, "Compare") && strcmp(name, "LessThan") &&
	    strcmp(name, "GreaterThan") && strcmp(name, "Equal"))
		return berr_set(err, BERR_INVALID, "wrong number of args for %s: want 0 got %zu", name, nargs);
	if (!strcmp(name, "Major"))
		*out = tv_int(a, (int64_t)v->major);
	else if (!strcmp(name, "Minor"))
		*out = tv_int(a, (int64_t)v->minor);
	else if (!strcmp(name, "Patch"))
		*out = tv_int(a, (int64_t)v->patch);
	else if (!strcmp(name, "Prerelease"))
		*out = tv_str(a, v->pre);
	else if (!strcmp(name, "Metadata"))
		*out = tv_str(a, v->meta);
	else if (!strcmp(name, "Original"))
		*out = tv_str(a, v->original);
	else if (!strcmp(name, "String")) {
		struct buf b = BUF_INIT;
		version_string(&b, v);
		*out = tv_str_buf(a, &b);
	} else if (!strcmp(name, "Compare") || !strcmp(name, "LessThan") ||
		   !strcmp(name, "GreaterThan") || !strcmp(name, "Equal")) {
		if (nargs != 1 || args[0]->kind != TV_OPAQUE ||
		    args[0]->u.op.type->format != semver_format)
			return berr_set(err, BERR_INVALID, "wrong type for value; expected *semver.Version");
		int c = version_cmp(v, args[0]->u.op.p);
		if (!strcmp(name, "Compare"))
			*out = tv_int(a, c);
		else
			*out = tv_bool(name[0] == 'L' ? c < 0 : name[0] == 'G' ? c > 0 : c == 0);
	} else {
		return BERR_NOTFOUND;
	}
	return 0;
}

static const struct tv_type semver_type = {
	.go_type = "*semver.Version",
	.kind = "ptr",
	.format = semver_format,
	.field = semver_field,
	.free = free,
};

SPRIG_FN(fn_semver)
{
	const char *s;
	size_t len;
	if (sprig_arity("semver", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct version *v = xmalloc(sizeof(*v));
	if (version_parse(v, s, len, NULL) < 0) {
		free(v);
		return berr_set(err, BERR_INVALID, "Invalid Semantic Version");
	}
	*out = tv_opaque(ARENA, &semver_type, v);
	return 0;
}

const struct sprig_entry sprig_semver_funcs[] = {
	{ "semver", fn_semver }, { "semverCompare", fn_semvercompare },
	{ NULL, NULL },
};
