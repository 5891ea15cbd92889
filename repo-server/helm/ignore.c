/*
 * ignore.c — .helmignore rules and Go's path.Match.
 *
 * A rule is a glob; `!` negates, a trailing `/` matches directories only,
 * a leading `/` or any `/` inside matches the whole relative path, and a
 * rule without `/` matches the base name alone. `**` is refused, as Helm
 * refuses it. Rules are tried in order and the first that decides wins,
 * with Helm's reading of negation (a negated rule that does not match
 * ignores the path). Helm's default rule `templates/.?*` is always added.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"

int hglob_match(const char *pattern, const char *name)
{
	/* Go: '*' and '?' never match '/', classes use '^' for negation */
	int rc = fnmatch(pattern, name, FNM_PATHNAME);
	return rc == 0 ? 1 : rc == FNM_NOMATCH ? 0 : -1;
}

struct hrule {
	char *glob;
	bool negate, must_dir, whole_path;
};

struct hignore {
	struct hrule *v;
	size_t n;
};

static void add_rule(struct hignore *r, const char *s, size_t len)
{
	while (len && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (!len || s[0] == '#')
		return;
	struct hrule h = { 0 };
	if (s[0] == '!') {
		h.negate = true;
		s++, len--;
	}
	if (len && s[len - 1] == '/') {
		h.must_dir = true;
		len--;
	}
	if (len && s[0] == '/') {
		h.whole_path = true;
		s++, len--;
	} else if (memchr(s, '/', len)) {
		h.whole_path = true;
	}
	h.glob = xstrndup(s, len);
	r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
	r->v[r->n++] = h;
}

int hignore_parse(struct hignore **out, const char *text, size_t len, struct berr *err)
{
	struct hignore *r = xcalloc(1, sizeof *r);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (memmem(p, n, "**", 2)) {
			hignore_free(r);
			return berr_set(err, BERR_INVALID, "double-star (**) syntax is not supported");
		}
		add_rule(r, p, n);
		p += n + 1;
	}
	add_rule(r, "templates/.?*", 13);
	*out = r;
	return 0;
}

bool hignore_match(const struct hignore *r, const char *path, bool is_dir)
{
	if (!r || !*path || !strcmp(path, ".") || !strcmp(path, "./"))
		return false;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < r->n; i++) {
		const struct hrule *h = &r->v[i];
		bool m = hglob_match(h->glob, h->whole_path ? path : base) == 1;
		if (h->negate) {
			if (h->must_dir && !is_dir)
				return true;
			if (!m)
				return true;
			continue;
		}
		if (h->must_dir && !is_dir)
			continue;
		if (m)
			return true;
	}
	return false;
}

void hignore_free(struct hignore *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].glob);
	free(r->v);
	free(r);
}
