/*
 * rbac — policy parsing and enforcement (see rbac.h). A policy is two flat
 * arrays, `p` rules and `g` edges, built once per policy version and then
 * only read, so requests share it without locks. Role expansion walks `g`
 * edges breadth-first with a bound on the number of subjects, so a cyclic
 * or huge group graph cannot hang a request.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/rbac.h"
#include "buf.h"

#define MAX_SUBJECTS 256
#define MAX_FIELD 512

struct rule {
	char *subject, *resource, *action, *object;
	int deny;
};

struct edge {
	char *member, *role;
};

struct rbac_policy {
	struct rule *rules;
	size_t nrules, caprules;
	struct edge *edges;
	size_t nedges, capedges;
	char *default_role;
};

static const char builtin_policy[] =
	"p, role:readonly, applications, get, */*, allow\n"
	"p, role:readonly, projects, get, *, allow\n"
	"p, role:readonly, repositories, get, *, allow\n"
	"p, role:readonly, clusters, get, *, allow\n"
	"p, role:readonly, accounts, get, *, allow\n"
	"p, role:readonly, logs, get, */*, allow\n"
	"p, role:admin, applications, *, */*, allow\n"
	"p, role:admin, projects, *, *, allow\n"
	"p, role:admin, repositories, *, *, allow\n"
	"p, role:admin, clusters, *, *, allow\n"
	"p, role:admin, accounts, *, *, allow\n"
	"p, role:admin, logs, *, */*, allow\n"
	"p, role:admin, exec, *, */*, allow\n"
	"g, role:admin, role:readonly\n"
	"g, admin, role:admin\n";

int rbac_glob(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == 0;
}

void rbac_policy_free(struct rbac_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].subject);
		free(p->rules[i].resource);
		free(p->rules[i].action);
		free(p->rules[i].object);
	}
	for (size_t i = 0; i < p->nedges; i++) {
		free(p->edges[i].member);
		free(p->edges[i].role);
	}
	free(p->rules);
	free(p->edges);
	free(p->default_role);
	free(p);
}

/* Splits one CSV line into at most `max` trimmed fields; a field may be
 * double-quoted. Returns the count or -1 for a malformed line. */
static int split_fields(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (n == max)
			return -1;
		char *start, *end;
		if (*p == '"') {
			start = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return -1;
			end = p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p && *p != ',')
				return -1;
		} else {
			start = p;
			while (*p && *p != ',')
				p++;
			end = p;
			while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
				end--;
		}
		char sep = *p;
		*end = 0;
		if (end - start > MAX_FIELD)
			return -1;
		fields[n++] = start;
		if (sep != ',')
			return n;
		p++;
	}
}

static int parse_text(struct rbac_policy *p, const char *text, const char *name,
		      size_t *nlines, struct berr *err)
{
	const char *s = text;
	size_t lineno = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		lineno++;
		if (++*nlines > RBAC_MAX_LINES)
			return berr_set(err, BERR_LIMIT, "'%s': more than %d lines", name,
					RBAC_MAX_LINES);
		char *line = xstrndup(s, len);
		s += len + (nl ? 1 : 0);
		char *t = line;
		while (isspace((unsigned char)*t))
			t++;
		if (!*t || *t == '#') {
			free(line);
			continue;
		}
		char *f[8];
		int n = split_fields(t, f, 8);
		int rc = 0;
		if (n > 0 && !strcmp(f[0], "p") && (n == 5 || n == 6)) {
			int deny = 0;
			if (n == 6 && !strcmp(f[5], "deny"))
				deny = 1;
			else if (n == 6 && strcmp(f[5], "allow"))
				rc = berr_set(err, BERR_INVALID,
					      "'%s':%zu: effect must be allow or deny, not '%.64s'",
					      name, lineno, f[5]);
			for (int i = 1; i < 5 && !rc; i++)
				if (!*f[i])
					rc = berr_set(err, BERR_INVALID, "'%s':%zu: field %d is empty",
						      name, lineno, i + 1);
			if (!rc) {
				if (p->nrules == p->caprules) {
					p->caprules = p->caprules ? 2 * p->caprules : 32;
					p->rules = xrealloc(p->rules, p->caprules * sizeof(*p->rules));
				}
				p->rules[p->nrules++] = (struct rule){ xstrdup(f[1]), xstrdup(f[2]),
								       xstrdup(f[3]), xstrdup(f[4]),
								       deny };
			}
		} else if (n == 3 && !strcmp(f[0], "g") && *f[1] && *f[2]) {
			if (p->nedges == p->capedges) {
				p->capedges = p->capedges ? 2 * p->capedges : 32;
				p->edges = xrealloc(p->edges, p->capedges * sizeof(*p->edges));
			}
			p->edges[p->nedges++] = (struct edge){ xstrdup(f[1]), xstrdup(f[2]) };
		} else {
			rc = berr_set(err, BERR_INVALID,
				      "'%s':%zu: expected 'p, subject, resource, action, object, effect' or 'g, subject, role'",
				      name, lineno);
		}
		free(line);
		if (rc)
			return rc;
	}
	return 0;
}

int rbac_policy_parse(struct rbac_policy **out, const char *csv, const char *default_role,
		      struct berr *err)
{
	struct rbac_policy *p = xcalloc(1, sizeof(*p));
	size_t nlines = 0;
	int rc = parse_text(p, builtin_policy, "builtin", &nlines, err);
	nlines = 0;
	if (!rc && csv)
		rc = parse_text(p, csv, "policy.csv", &nlines, err);
	if (rc) {
		rbac_policy_free(p);
		*out = NULL;
		return rc;
	}
	if (default_role && *default_role)
		p->default_role = xstrdup(default_role);
	*out = p;
	return 0;
}

static int add_subject(const char **set, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(set[i], s))
			return 0;
	if (*n == MAX_SUBJECTS)
		return 0;
	set[(*n)++] = s;
	return 1;
}

int rbac_enforce(const struct rbac_policy *p, const char *user, const char *resource,
		 const char *action, const char *object)
{
	const char *set[MAX_SUBJECTS];
	size_t n = 0;
	add_subject(set, &n, user);
	if (p->default_role)
		add_subject(set, &n, p->default_role);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->nedges; j++)
			if (!strcmp(p->edges[j].member, set[i]))
				add_subject(set, &n, p->edges[j].role);
	int allowed = 0;
	for (size_t r = 0; r < p->nrules; r++) {
		const struct rule *ru = &p->rules[r];
		int mine = 0;
		for (size_t i = 0; i < n && !mine; i++)
			mine = !strcmp(ru->subject, set[i]);
		if (!mine || !rbac_glob(ru->resource, resource) || !rbac_glob(ru->action, action) ||
		    !rbac_glob(ru->object, object))
			continue;
		if (ru->deny)
			return 0;
		allowed = 1;
	}
	return allowed;
}
