/*
 * sprig-regex.c — Sprig's regex functions on PCRE2, behaving as Go's
 * regexp package: `$` matches only at the end of text, \d \w \s are ASCII,
 * iteration over matches skips an empty match right after a previous one,
 * and replacement templates expand $1, ${1}, $name and ${name}.
 *
 * PCRE2 backtracks where RE2 does not, so every match runs under a match
 * and depth limit: a pattern that would take exponential time fails with
 * an error instead of hanging the renderer.
 */
#include "repo-server/sprig/sprig-internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <ctype.h>
#include <string.h>

#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000

struct re {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

static int re_compile(struct re *re, const tv *pat, struct berr *err)
{
	const char *p;
	size_t len;
	if (sprig_str(pat, &p, &len, err) < 0)
		return err->code;
	int ec;
	PCRE2_SIZE off;
	re->code = pcre2_compile((PCRE2_SPTR)p, len,
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY,
				 &ec, &off, NULL);
	if (!re->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		return berr_set(err, BERR_INVALID, "error parsing regexp: %s: `%.*s`", (char *)msg,
				(int)(len > 200 ? 200 : len), p);
	}
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	re->mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(re->mc, MATCH_LIMIT);
	pcre2_set_depth_limit(re->mc, DEPTH_LIMIT);
	return 0;
}

static void re_free(struct re *re)
{
	pcre2_match_context_free(re->mc);
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
}

/* Matches at or after pos: 1 found, 0 none, <0 error (err set). */
static int re_exec(struct re *re, const char *s, size_t len, size_t pos, struct berr *err)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, pos, 0, re->md, re->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		return berr_set(err, BERR_LIMIT, "regexp: %s", (char *)msg);
	}
	return 1;
}

static size_t rune_width(const char *s, size_t len, size_t pos)
{
	if (pos >= len)
		return 1;
	uint32_t r;
	return (size_t)gofmt_utf8_decode(s + pos, len - pos, &r);
}

/* Go's allMatches: calls fn for each accepted match, up to n (n < 0: all). */
typedef void (*match_fn)(void *ctx, PCRE2_SIZE *ov);

static int each_match(struct re *re, const char *s, size_t len, int64_t n, match_fn fn,
		      void *ctx, struct berr *err)
{
	if (n < 0)
		n = (int64_t)len + 1;
	size_t pos = 0;
	int64_t count = 0;
	int64_t prev_end = -1;
	while (count < n && pos <= len) {
		int rc = re_exec(re, s, len, pos, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
		bool accept = true;
		if (ov[1] == pos) {
			if ((int64_t)ov[0] == prev_end)
				accept = false;
			pos += rune_width(s, len, pos);
		} else {
			pos = ov[1];
		}
		prev_end = (int64_t)ov[1];
		if (accept) {
			fn(ctx, ov);
			count++;
		}
	}
	return 0;
}

struct collect {
	struct tv_arena *a;
	const char *s;
	tv *list;
};

static void collect_match(void *ctx, PCRE2_SIZE *ov)
{
	struct collect *c = ctx;
	tv_list_push(c->a, c->list, tv_strn(c->a, c->s + ov[0], ov[1] - ov[0]));
}

static int match_fn_(struct tmpl_call *call, tv **out, tv **args, size_t n,
		     struct berr *err, const char *name, bool must)
{
	(void)call;
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	struct re re;
	if (re_compile(&re, args[0], err) < 0) {
		if (must)
			return err->code;
		*out = tv_bool(false);
		return 0;
	}
	int rc = re_exec(&re, s, len, 0, err);
	re_free(&re);
	if (rc < 0)
		return rc;
	*out = tv_bool(rc == 1);
	return 0;
}

SPRIG_FN(fn_regexmatch) { return match_fn_(call, out, args, n, err, "regexMatch", false); }
SPRIG_FN(fn_mustregexmatch) { return match_fn_(call, out, args, n, err, "mustRegexMatch", true); }

static int find_all(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name)
{
	const char *s;
	size_t len;
	int64_t cnt;
	if (sprig_arity(name, n, 3, 3, err) < 0 || sprig_str(args[1], &s, &len, err) < 0 ||
	    sprig_int(args[2], &cnt, err) < 0)
		return err->code;
	struct re re;
	if (re_compile(&re, args[0], err) < 0)
		return err->code;
	struct collect c = { ARENA, s, sprig_string_list(ARENA) };
	int rc = cnt == 0 ? 0 : each_match(&re, s, len, cnt, collect_match, &c, err);
	re_free(&re);
	if (rc < 0)
		return rc;
	*out = c.list;
	return 0;
}

SPRIG_FN(fn_regexfindall) { return find_all(call, out, args, n, err, "regexFindAll"); }
SPRIG_FN(fn_mustregexfindall) { return find_all(call, out, args, n, err, "mustRegexFindAll"); }

static int find_one(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name)
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_str(args[1], &s, &len, err) < 0)
		return err->code;
	struct re re;
	if (re_compile(&re, args[0], err) < 0)
		return err->code;
	int rc = re_exec(&re, s, len, 0, err);
	if (rc == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re.md);
		*out = tv_strn(ARENA, s + ov[0], ov[1] - ov[0]);
	} else if (rc == 0) {
		*out = tv_str(ARENA, "");
	}
	re_free(&re);
	return rc < 0 ? rc : 0;
}

SPRIG_FN(fn_regexfind) { return find_one(call, out, args, n, err, "regexFind"); }
SPRIG_FN(fn_mustregexfind) { return find_one(call, out, args, n, err, "mustRegexFind"); }

/* Go's Regexp.Expand of a template for one match. */
static void expand(struct buf *b, struct re *re, const char *tpl, size_t tl, const char *s,
		   PCRE2_SIZE *ov)
{
	uint32_t ngroups;
	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
	for (size_t i = 0; i < tl;) {
		if (tpl[i] != '$') {
			buf_addch(b, tpl[i++]);
			continue;
		}
		i++;
		if (i < tl && tpl[i] == '$') {
			buf_addch(b, '$');
			i++;
			continue;
		}
		size_t ns, ne;
		bool brace = i < tl && tpl[i] == '{';
		if (brace) {
			ns = i + 1;
			ne = ns;
			while (ne < tl && tpl[ne] != '}' &&
			       (isalnum((unsigned char)tpl[ne]) || tpl[ne] == '_'))
				ne++;
			if (ne >= tl || tpl[ne] != '}' || ne == ns) {
				buf_addch(b, '$');
				continue;
			}
			i = ne + 1;
		} else {
			ns = i;
			ne = i;
			while (ne < tl && (isalnum((unsigned char)tpl[ne]) || tpl[ne] == '_'))
				ne++;
			if (ne == ns) {
				buf_addch(b, '$');
				continue;
			}
			i = ne;
		}
		/* a number names a group by index, anything else by name */
		bool num = true;
		uint64_t idx = 0;
		for (size_t k = ns; k < ne; k++) {
			if (!isdigit((unsigned char)tpl[k]) || idx > 100000) {
				num = false;
				break;
			}
			idx = idx * 10 + (uint64_t)(tpl[k] - '0');
		}
		int group = -1;
		if (num) {
			if (idx <= ngroups)
				group = (int)idx;
		} else {
			char name[128];
			size_t nl = ne - ns < sizeof(name) - 1 ? ne - ns : sizeof(name) - 1;
			memcpy(name, tpl + ns, nl);
			name[nl] = '\0';
			int g = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
			if (g > 0)
				group = g;
		}
		if (group >= 0 && ov[2 * group] != PCRE2_UNSET)
			buf_add(b, s + ov[2 * group], ov[2 * group + 1] - ov[2 * group]);
	}
}

static int replace_all(struct tmpl_call *call, tv **out, tv **args, size_t n,
		       struct berr *err, const char *name, bool literal)
{
	const char *s, *repl;
	size_t len, rl;
	if (sprig_arity(name, n, 3, 3, err) < 0 || sprig_str(args[1], &s, &len, err) < 0 ||
	    sprig_str(args[2], &repl, &rl, err) < 0)
		return err->code;
	struct re re;
	if (re_compile(&re, args[0], err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	size_t last_end = 0, pos = 0;
	int rc = 0;
	while (pos <= len) {
		rc = re_exec(&re, s, len, pos, err);
		if (rc <= 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re.md);
		buf_add(&b, s + last_end, ov[0] - last_end);
		if (ov[1] > last_end || ov[0] == 0) {
			if (literal)
				buf_add(&b, repl, rl);
			else
				expand(&b, &re, repl, rl, s, ov);
		}
		last_end = ov[1];
		size_t w = rune_width(s, len, pos);
		if (pos + w > ov[1])
			pos += w;
		else if (pos + 1 > ov[1])
			pos++;
		else
			pos = ov[1];
		if (b.len > (256u << 20)) {
			rc = berr_set(err, BERR_LIMIT, "%s: result is over the limit", name);
			break;
		}
	}
	re_free(&re);
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	buf_add(&b, s + last_end, len - last_end);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_regexreplaceall) { return replace_all(call, out, args, n, err, "regexReplaceAll", false); }
SPRIG_FN(fn_mustregexreplaceall) { return replace_all(call, out, args, n, err, "mustRegexReplaceAll", false); }
SPRIG_FN(fn_regexreplaceallliteral) { return replace_all(call, out, args, n, err, "regexReplaceAllLiteral", true); }
SPRIG_FN(fn_mustregexreplaceallliteral) { return replace_all(call, out, args, n, err, "mustRegexReplaceAllLiteral", true); }

struct indexes {
	PCRE2_SIZE *ix;
	size_t n, cap;
};

static void collect_index(void *ctx, PCRE2_SIZE *ov)
{
	struct indexes *x = ctx;
	if (x->n + 2 > x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->ix = xrealloc(x->ix, x->cap * sizeof(PCRE2_SIZE));
	}
	x->ix[x->n++] = ov[0];
	x->ix[x->n++] = ov[1];
}

static int split_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name)
{
	const char *s, *pat;
	size_t len, pl;
	int64_t cnt;
	if (sprig_arity(name, n, 3, 3, err) < 0 || sprig_str(args[0], &pat, &pl, err) < 0 ||
	    sprig_str(args[1], &s, &len, err) < 0 || sprig_int(args[2], &cnt, err) < 0)
		return err->code;
	struct tv_arena *a = ARENA;
	tv *l = sprig_string_list(a);
	*out = l;
	if (cnt == 0)
		return 0;
	struct re re;
	if (re_compile(&re, args[0], err) < 0)
		return err->code;
	if (pl > 0 && len == 0) {
		re_free(&re);
		tv_list_push(a, l, tv_str(a, ""));
		return 0;
	}
	struct indexes x = { 0 };
	int rc = each_match(&re, s, len, cnt, collect_index, &x, err);
	re_free(&re);
	if (rc < 0) {
		free(x.ix);
		return rc;
	}
	size_t beg = 0, end = 0;
	for (size_t i = 0; i < x.n; i += 2) {
		if (cnt > 0 && (int64_t)l->u.list.len == cnt - 1)
			break;
		end = x.ix[i];
		if (x.ix[i + 1] != 0)
			tv_list_push(a, l, tv_strn(a, s + beg, end - beg));
		beg = x.ix[i + 1];
	}
	if (end != len)
		tv_list_push(a, l, tv_strn(a, s + beg, len - beg));
	free(x.ix);
	return 0;
}

SPRIG_FN(fn_regexsplit) { return split_fn(call, out, args, n, err, "regexSplit"); }
SPRIG_FN(fn_mustregexsplit) { return split_fn(call, out, args, n, err, "mustRegexSplit"); }

SPRIG_FN(fn_regexquotemeta)
{
	const char *s;
	size_t len;
	if (sprig_arity("regexQuoteMeta", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i])
			buf_addch(&b, '\\');
		buf_addch(&b, s[i]);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

const struct sprig_entry sprig_regex_funcs[] = {
	{ "regexMatch", fn_regexmatch }, { "mustRegexMatch", fn_mustregexmatch },
	{ "regexFindAll", fn_regexfindall }, { "mustRegexFindAll", fn_mustregexfindall },
	{ "regexFind", fn_regexfind }, { "mustRegexFind", fn_mustregexfind },
	{ "regexReplaceAll", fn_regexreplaceall }, { "mustRegexReplaceAll", fn_mustregexreplaceall },
	{ "regexReplaceAllLiteral", fn_regexreplaceallliteral },
	{ "mustRegexReplaceAllLiteral", fn_mustregexreplaceallliteral },
	{ "regexSplit", fn_regexsplit }, { "mustRegexSplit", fn_mustregexsplit },
	{ "regexQuoteMeta", fn_regexquotemeta },
	{ NULL, NULL },
};
