/*
 * revision.c — resolving targetRevision against a mirror (see revision.h),
 * with the semver constraint language Argo CD borrows from Masterminds.
 *
 * A constraint is an OR of groups ("||"), each an AND of terms separated by
 * spaces or commas; a term is an optional operator and a version whose parts
 * may be missing or x, X or a star. A missing or wild part makes the term "dirty":
 * `1.2` under `=` or `~` means any 1.2.z, under `^` any 1.y.z, under `>` a
 * version past the whole 1.2 range. Those rules are Masterminds' and are
 * kept term by term, so a user's constraint picks the same tag as in Argo CD.
 */
#include "revision.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* --- versions ---------------------------------------------------------- */

/* Reads a run of digits as a number; returns chars consumed or 0. */
static size_t read_num(const char *s, unsigned long long *out)
{
	size_t i = 0;
	unsigned long long v = 0;
	while (isdigit((unsigned char)s[i])) {
		if (v > (~0ULL - 9) / 10)
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
		i++;
	}
	*out = v;
	return i;
}

/* Dot-separated identifiers of [0-9A-Za-z-]+; returns chars consumed or 0. */
static size_t read_idents(const char *s)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (isalnum((unsigned char)s[i]) || s[i] == '-')
			i++;
		if (i == start)
			return 0;
		if (s[i] != '.')
			return i;
		i++;
	}
}

int semver_parse(struct semver *out, const char *s)
{
	memset(out, 0, sizeof(*out));
	const char *p = s;
	if (*p == 'v')
		p++;
	size_t n = read_num(p, &out->major);
	if (!n)
		return BERR_INVALID;
	p += n;
	if (*p == '.') {
		if (!(n = read_num(++p, &out->minor)))
			return BERR_INVALID;
		p += n;
		if (*p == '.') {
			if (!(n = read_num(++p, &out->patch)))
				return BERR_INVALID;
			p += n;
		}
	}
	if (*p == '-') {
		if (!(n = read_idents(++p)) || n >= sizeof(out->pre))
			return BERR_INVALID;
		memcpy(out->pre, p, n);
		out->pre[n] = 0;
		p += n;
	}
	if (*p == '+') {
		if (!(n = read_idents(++p)))
			return BERR_INVALID;
		p += n;
	}
	return *p ? BERR_INVALID : 0;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Semver 2.0 pre-release precedence over two non-empty strings. */
static int compare_pre(const char *a, const char *b)
{
	while (*a && *b) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		int da = all_digits(a, na), db = all_digits(b, nb);
		int c;
		if (da && db) {
			unsigned long long x = strtoull(a, NULL, 10), y = strtoull(b, NULL, 10);
			c = x < y ? -1 : x > y;
		} else if (da != db) {
			c = da ? -1 : 1;        /* numeric identifiers sort first */
		} else {
			c = strncmp(a, b, na < nb ? na : nb);
			if (!c)
				c = na < nb ? -1 : na > nb;
		}
		if (c)
			return c;
		a += na + (a[na] == '.');
		b += nb + (b[nb] == '.');
	}
	return *a ? 1 : *b ? -1 : 0;
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	if (!a->pre[0] || !b->pre[0])
		return a->pre[0] ? -1 : b->pre[0] ? 1 : 0;
	return compare_pre(a->pre, b->pre);
}

/* --- constraints ---------------------------------------------------------- */

enum op { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET };

struct term {
	enum op op;
	struct semver con;
	int dirty, minor_dirty, patch_dirty;
};

struct group {
	struct term *terms;
	size_t n;
	int include_pre;
};

struct semver_constraint {
	struct group *groups;
	size_t n;
};

#define MAX_TERMS 64

static const struct { const char *text; enum op op; } ops[] = {
	{ "!=", OP_NE }, { ">=", OP_GE }, { "=>", OP_GE }, { "<=", OP_LE },
	{ "=<", OP_LE }, { "~>", OP_TILDE }, { ">", OP_GT }, { "<", OP_LT },
	{ "=", OP_EQ }, { "~", OP_TILDE }, { "^", OP_CARET },
};

static int is_wild(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/* Parses the version of a term ("1.2.x", "v2", "*", "1.0.0-rc.1"). */
static int parse_term_version(struct term *t, const char *s, size_t len)
{
	char *v = xstrndup(s, len);
	const char *p = v;
	const char *parts[3] = { NULL, NULL, NULL };
	size_t plen[3] = { 0, 0, 0 };
	int rc = BERR_INVALID;
	if (*p == 'v')
		p++;
	for (int i = 0; i < 3; i++) {
		parts[i] = p;
		plen[i] = strspn(p, "0123456789xX*");
		if (!plen[i] || !(all_digits(p, plen[i]) || is_wild(p, plen[i])))
			goto out;
		p += plen[i];
		if (*p != '.' || i == 2)
			break;
		p++;
	}
	const char *pre = "";
	size_t pre_len = 0;
	if (*p == '-') {
		pre = ++p;
		if (!(pre_len = read_idents(p)) || pre_len >= sizeof(t->con.pre))
			goto out;
		p += pre_len;
	}
	if (*p == '+') {
		size_t n = read_idents(++p);
		if (!n)
			goto out;
		p += n;
	}
	if (*p)
		goto out;
	memset(&t->con, 0, sizeof(t->con));
	memcpy(t->con.pre, pre, pre_len);
	if (is_wild(parts[0], plen[0])) {
		t->dirty = 1;
	} else {
		t->con.major = strtoull(parts[0], NULL, 10);
		if (!parts[1] || is_wild(parts[1], plen[1])) {
			t->dirty = t->minor_dirty = 1;
		} else {
			t->con.minor = strtoull(parts[1], NULL, 10);
			if (!parts[2] || is_wild(parts[2], plen[2]))
				t->dirty = t->patch_dirty = 1;
			else
				t->con.patch = strtoull(parts[2], NULL, 10);
		}
	}
	rc = 0;
out:
	free(v);
	return rc;
}

static size_t skip_space(const char *s)
{
	size_t i = 0;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

static size_t version_token_len(const char *s)
{
	size_t i = 0;
	while (s[i] && (isalnum((unsigned char)s[i]) || strchr(".*+-", s[i])))
		i++;
	return i;
}

static int parse_group(struct group *g, const char *s, size_t len, const char *whole,
		       struct berr *err)
{
	char *text = xstrndup(s, len);
	const char *p = text;
	int rc = 0, first = 1;
	g->terms = xcalloc(MAX_TERMS, sizeof(*g->terms));
	for (;;) {
		size_t sep = skip_space(p);
		int had_sep = sep > 0;
		p += sep;
		if (*p == ',') {
			had_sep = 1;
			p++;
			p += skip_space(p);
		}
		if (!*p)
			break;
		if (!first && !had_sep)
			goto bad;
		first = 0;
		if (g->n + 2 > MAX_TERMS) {
			rc = berr_set(err, BERR_LIMIT, "semver constraint '%s' has more than %d terms",
				      whole, MAX_TERMS);
			goto out;
		}
		struct term *t = &g->terms[g->n];
		t->op = OP_EQ;
		int had_op = 0;
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strncmp(p, ops[i].text, strlen(ops[i].text))) {
				t->op = ops[i].op;
				had_op = 1;
				p += strlen(ops[i].text);
				break;
			}
		p += skip_space(p);
		size_t n = version_token_len(p);
		if (!n || parse_term_version(t, p, n) < 0)
			goto bad;
		p += n;
		/* a hyphen range "a - b" is ">= a, <= b" */
		size_t look = skip_space(p);
		if (!had_op && look && p[look] == '-' && (p[look + 1] == ' ' || p[look + 1] == '\t')) {
			p += look + 1;
			p += skip_space(p);
			struct term *hi = &g->terms[g->n + 1];
			size_t m = version_token_len(p);
			if (!m || parse_term_version(hi, p, m) < 0)
				goto bad;
			p += m;
			t->op = OP_GE;
			hi->op = OP_LE;
			g->n++;
		}
		g->n++;
	}
	if (!g->n)
		goto bad;
	for (size_t i = 0; i < g->n; i++)
		if (g->terms[i].con.pre[0])
			g->include_pre = 1;
	goto out;
bad:
	rc = berr_set(err, BERR_INVALID, "invalid semver constraint '%s'", whole);
out:
	free(text);
	return rc;
}

void semver_constraint_free(struct semver_constraint *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->groups[i].terms);
	free(c->groups);
	free(c);
}

int semver_constraint_parse(struct semver_constraint **out, const char *s,
			    struct berr *err)
{
	*out = NULL;
	if (strlen(s) > 1024)
		return berr_set(err, BERR_LIMIT, "semver constraint is longer than 1024 bytes");
	struct semver_constraint *c = xcalloc(1, sizeof(*c));
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		if (p[0] == '|' && p[1] == '|')
			cap++;
	c->groups = xcalloc(cap, sizeof(*c->groups));
	const char *start = s;
	for (;;) {
		const char *bar = strstr(start, "||");
		size_t len = bar ? (size_t)(bar - start) : strlen(start);
		int rc = parse_group(&c->groups[c->n], start, len, s, err);
		c->n++;
		if (rc < 0) {
			semver_constraint_free(c);
			return rc;
		}
		if (!bar)
			break;
		start = bar + 2;
	}
	*out = c;
	return 0;
}

static int term_check(const struct term *t, const struct semver *v, int include_pre)
{
	const struct semver *c = &t->con;
	if (v->pre[0] && !include_pre)
		return 0;
	int cmp = semver_compare(v, c);
	switch (t->op) {
	case OP_NE:
		if (t->dirty) {
			if (c->major != v->major)
				return 1;
			if (t->minor_dirty)
				return 0;
			if (c->minor != v->minor)
				return 1;
			if (t->patch_dirty)
				return v->pre[0] || c->pre[0] ? compare_pre(v->pre, c->pre) != 0 : 0;
		}
		return cmp != 0;
	case OP_GT:
		if (!t->dirty)
			return cmp > 0;
		if (v->major != c->major)
			return v->major > c->major;
		if (t->minor_dirty)
			return 0;
		if (t->patch_dirty)
			return v->minor > c->minor;
		return cmp > 0;
	case OP_LT:
		return cmp < 0;
	case OP_GE:
		return cmp >= 0;
	case OP_LE:
		if (!t->dirty)
			return cmp <= 0;
		if (v->major > c->major)
			return 0;
		if (v->major == c->major && v->minor > c->minor && !t->minor_dirty)
			return 0;
		return 1;
	case OP_EQ:
		if (!t->dirty)
			return cmp == 0;
		/* a dirty = is a tilde */
		__attribute__((fallthrough));
	case OP_TILDE:
		if (cmp < 0)
			return 0;
		if (!c->major && !c->minor && !c->patch && !t->minor_dirty && !t->patch_dirty)
			return 1;
		if (v->major != c->major)
			return 0;
		return v->minor == c->minor || t->minor_dirty;
	case OP_CARET:
		if (cmp < 0)
			return 0;
		if (c->major > 0 || t->minor_dirty)
			return v->major == c->major;
		if (v->major > 0)
			return 0;
		if (c->minor > 0 || t->patch_dirty)
			return v->minor == c->minor;
		if (v->minor > 0)
			return 0;
		return v->patch == c->patch;
	}
	return 0;
}

int semver_constraint_check(const struct semver_constraint *c, const struct semver *v)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct group *g = &c->groups[i];
		size_t j;
		for (j = 0; j < g->n; j++)
			if (!term_check(&g->terms[j], v, g->include_pre))
				break;
		if (j == g->n)
			return 1;
	}
	return 0;
}

/* --- resolution ----------------------------------------------------------- */

int revision_is_full_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	return n == REVISION_SHA_LEN && !s[n];
}

static int is_hex_prefix(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	return n >= 7 && n < REVISION_SHA_LEN && !s[n];
}

static int peel_to_sha(char out[REVISION_SHA_LEN + 1], git_object *obj,
		       const char *revision, struct berr *err)
{
	git_object *commit = NULL;
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
		return berr_set(err, BERR_INVALID, "revision '%s' does not point at a commit",
				revision);
	git_oid_tostr(out, REVISION_SHA_LEN + 1, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

static int resolve_ref(char out[REVISION_SHA_LEN + 1], git_repository *repo,
		       const char *name, const char *revision, struct berr *err)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int rc = git_reference_lookup(&ref, repo, name);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		return BERR_NOTFOUND;
	if (rc < 0)
		return berr_set(err, BERR_IO, "cannot read ref '%s': %s", name,
				git_error_last() ? git_error_last()->message : "");
	rc = git_reference_peel(&obj, ref, GIT_OBJECT_ANY);
	git_reference_free(ref);
	if (rc < 0)
		return berr_set(err, BERR_NOTFOUND, "ref '%s' points at a missing object", name);
	rc = peel_to_sha(out, obj, revision, err);
	git_object_free(obj);
	return rc;
}

/* The tag with the highest version satisfying `c`; *out_name malloc'd. */
static int max_tag(char **out_name, git_repository *repo,
		   const struct semver_constraint *c, struct berr *err)
{
	git_strarray tags = { NULL, 0 };
	if (git_tag_list(&tags, repo) < 0)
		return berr_set(err, BERR_IO, "cannot list tags: %s",
				git_error_last() ? git_error_last()->message : "");
	struct semver best, v;
	const char *best_name = NULL;
	for (size_t i = 0; i < tags.count; i++) {
		if (semver_parse(&v, tags.strings[i]) < 0 || !semver_constraint_check(c, &v))
			continue;
		if (!best_name || semver_compare(&v, &best) > 0) {
			best = v;
			best_name = tags.strings[i];
		}
	}
	*out_name = best_name ? xstrdup(best_name) : NULL;
	git_strarray_dispose(&tags);
	return 0;
}

int revision_resolve(char out[REVISION_SHA_LEN + 1], git_repository *repo,
		     const char *revision, struct berr *err)
{
	const char *rev = revision ? revision : "";
	git_object *obj = NULL;
	git_oid oid;
	int rc;

	if (strlen(rev) > 1024)
		return berr_set(err, BERR_LIMIT, "revision is longer than 1024 bytes");
	if (revision_is_full_sha(rev)) {
		if (git_oid_fromstr(&oid, rev) < 0
		    || git_object_lookup(&obj, repo, &oid, GIT_OBJECT_ANY) < 0)
			return berr_set(err, BERR_NOTFOUND, "commit '%s' not found in repository", rev);
		rc = peel_to_sha(out, obj, rev, err);
		git_object_free(obj);
		return rc;
	}

	struct semver v;
	struct semver_constraint *c = NULL;
	if (*rev && semver_parse(&v, rev) < 0 && semver_constraint_parse(&c, rev, NULL) == 0) {
		char *tag = NULL;
		rc = max_tag(&tag, repo, c, err);
		semver_constraint_free(c);
		if (rc < 0)
			return rc;
		if (!tag)
			return berr_set(err, BERR_NOTFOUND, "no tag satisfies semver constraint '%s'", rev);
		struct buf name = BUF_INIT;
		buf_addf(&name, "refs/tags/%s", tag);
		rc = resolve_ref(out, repo, name.data, rev, err);
		if (rc == BERR_NOTFOUND)
			berr_set(err, rc, "tag '%s' vanished while resolving '%s'", tag, rev);
		buf_release(&name);
		free(tag);
		return rc;
	}

	if (!*rev || !strcmp(rev, "HEAD")) {
		rc = resolve_ref(out, repo, "HEAD", "HEAD", err);
		if (rc == BERR_NOTFOUND || (rc < 0 && err && strstr(err->msg, "missing object")))
			return berr_set(err, BERR_NOTFOUND,
					"repository has no default branch (empty repository?)");
		return rc;
	}

	static const char *const patterns[] = { "%s", "refs/%s", "refs/tags/%s", "refs/heads/%s" };
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (i == 0 && strncmp(rev, "refs/", 5))
			continue;
		struct buf name = BUF_INIT;
		buf_addf(&name, patterns[i], rev);
		rc = resolve_ref(out, repo, name.data, rev, err);
		buf_release(&name);
		if (rc != BERR_NOTFOUND)
			return rc;
	}

	if (is_hex_prefix(rev)) {
		if (git_oid_fromstrn(&oid, rev, strlen(rev)) == 0) {
			rc = git_object_lookup_prefix(&obj, repo, &oid, strlen(rev), GIT_OBJECT_ANY);
			if (rc == GIT_EAMBIGUOUS)
				return berr_set(err, BERR_INVALID, "short SHA '%s' is ambiguous", rev);
			if (rc == 0) {
				rc = peel_to_sha(out, obj, rev, err);
				git_object_free(obj);
				return rc;
			}
		}
	}
	return berr_set(err, BERR_NOTFOUND,
			"unable to resolve '%s' to a commit SHA: no such branch, tag or commit", rev);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int revision_list_refs(json_t **out, git_repository *repo, struct berr *err)
{
	git_strarray refs = { NULL, 0 };
	*out = NULL;
	if (git_reference_list(&refs, repo) < 0)
		return berr_set(err, BERR_IO, "cannot list refs: %s",
				git_error_last() ? git_error_last()->message : "");
	qsort(refs.strings, refs.count, sizeof(char *), cmp_names);
	json_t *branches = json_array(), *tags = json_array();
	for (size_t i = 0; i < refs.count; i++) {
		const char *name = refs.strings[i];
		json_t *list;
		if (!strncmp(name, "refs/heads/", 11))
			list = branches;
		else if (!strncmp(name, "refs/tags/", 10))
			list = tags;
		else
			continue;
		char sha[REVISION_SHA_LEN + 1];
		if (resolve_ref(sha, repo, name, name, NULL) < 0)
			continue;       /* a tag of a tree or blob: not a revision */
		json_array_append_new(list, json_pack("{s:s, s:s}",
			"name", name + (list == branches ? 11 : 10), "sha", sha));
	}
	git_strarray_dispose(&refs);
	json_t *head = json_null();
	git_reference *ref = NULL;
	if (git_reference_lookup(&ref, repo, "HEAD") == 0) {
		const char *target = git_reference_symbolic_target(ref);
		if (target && !strncmp(target, "refs/heads/", 11))
			head = json_string(target + 11);
		git_reference_free(ref);
	}
	*out = json_pack("{s:o, s:o, s:o}", "head", head, "branches", branches, "tags", tags);
	return 0;
}
