/*
 * set.c — a set of named templates and its function table.
 *
 * Trees and functions are kept in arrays sorted by name and found by
 * binary search: Helm charts look templates up by name on every include,
 * and the parser looks every function up once. Memory of parsed text is
 * held per tmpl_parse() call (struct tunit) and released only with the set.
 */
#include "repo-server/template/internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const builtins[] = {
	"and", "call", "eq", "ge", "gt", "html", "index", "js", "le", "len", "lt",
	"ne", "not", "or", "print", "printf", "println", "slice", "urlquery",
};

bool tmpl_is_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i], name) == 0)
			return true;
	return false;
}

struct tmpl_set *tmpl_set_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_set));
}

/*
 * A unit's nodes are many and small (a chart's templates make thousands)
 * and die together, so they are carved from chunks rather than malloc'd
 * one by one; a request too big for a chunk gets a chunk of its own,
 * linked behind the current one so the bump pointer stays where it was.
 */
#define TCHUNK_SIZE 16384

struct tchunk {
	struct tchunk *next;
	size_t size;
	_Alignas(max_align_t) unsigned char data[];
};

void *tunit_alloc(struct tunit *u, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (n > TCHUNK_SIZE / 4) {
		struct tchunk *c = xcalloc(1, sizeof(*c) + n);
		c->size = n;
		if (u->chunks) {
			c->next = u->chunks->next;
			u->chunks->next = c;
		} else {
			u->chunks = c;
			u->used = n;
		}
		return c->data;
	}
	if (!u->chunks || u->chunks->size - u->used < n) {
		struct tchunk *c = xmalloc(sizeof(*c) + TCHUNK_SIZE);
		c->size = TCHUNK_SIZE;
		c->next = u->chunks;
		u->chunks = c;
		u->used = 0;
	}
	void *p = u->chunks->data + u->used;
	u->used += n;
	memset(p, 0, n);
	return p;
}

void tunit_free(struct tunit *u)
{
	if (!u)
		return;
	while (u->chunks) {
		struct tchunk *next = u->chunks->next;
		free(u->chunks);
		u->chunks = next;
	}
	free(u->text);
	free(u->name);
	free(u);
}

void tunit_position(const struct tunit *u, int pos, int *line, int *col)
{
	int l = 1, last_nl = -1;
	for (int i = 0; i < pos && (size_t)i < u->len; i++)
		if (u->text[i] == '\n') {
			l++;
			last_nl = i;
		}
	*line = l;
	*col = last_nl < 0 ? pos : pos - last_nl - 1;
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nunits; i++)
		tunit_free(set->units[i]);
	for (size_t i = 0; i < set->nfuncs; i++)
		if (set->funcs[i].owned)
			free(set->funcs[i].name);
	free(set->units);
	free(set->trees);
	free(set->funcs);
	free(set);
}

static size_t find_tree(const struct tmpl_set *set, const char *name, bool *found)
{
	size_t lo = 0, hi = set->ntrees;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->trees[mid]->name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct ttree *tmpl_lookup(const struct tmpl_set *set, const char *name)
{
	bool found;
	size_t i = find_tree(set, name, &found);
	return found ? set->trees[i] : NULL;
}

bool tmpl_has(const struct tmpl_set *set, const char *name)
{
	return tmpl_lookup(set, name) != NULL;
}

void tmpl_add_tree(struct tmpl_set *set, struct ttree *t)
{
	bool found;
	size_t i = find_tree(set, t->name, &found);
	if (found) {
		set->trees[i] = t;
		return;
	}
	if (set->ntrees == set->trees_cap) {
		set->trees_cap = set->trees_cap ? set->trees_cap * 2 : 16;
		set->trees = xrealloc(set->trees, set->trees_cap * sizeof(*set->trees));
	}
	memmove(&set->trees[i + 1], &set->trees[i], (set->ntrees - i) * sizeof(*set->trees));
	set->trees[i] = t;
	set->ntrees++;
}

void tmpl_add_unit(struct tmpl_set *set, struct tunit *u)
{
	if (set->nunits == set->units_cap) {
		set->units_cap = set->units_cap ? set->units_cap * 2 : 16;
		set->units = xrealloc(set->units, set->units_cap * sizeof(*set->units));
	}
	set->units[set->nunits++] = u;
}

const char **tmpl_names(const struct tmpl_set *set, size_t *n_out)
{
	const char **names = xcalloc(set->ntrees + 1, sizeof(char *));
	for (size_t i = 0; i < set->ntrees; i++)
		names[i] = set->trees[i]->name;
	*n_out = set->ntrees;
	return names;
}

static size_t find_func(const struct tmpl_set *set, const char *name, bool *found)
{
	size_t lo = 0, hi = set->nfuncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->funcs[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct tfunc *tmpl_lookup_func(const struct tmpl_set *set, const char *name)
{
	bool found;
	size_t i = find_func(set, name, &found);
	return found ? &set->funcs[i] : NULL;
}

bool tmpl_set_has_func(const struct tmpl_set *set, const char *name)
{
	return tmpl_is_builtin(name) || tmpl_lookup_func(set, name);
}

void tmpl_set_func(struct tmpl_set *set, const char *name, tmpl_func fn, void *data)
{
	bool found;
	size_t i = find_func(set, name, &found);
	if (found) {
		set->funcs[i].fn = fn;
		set->funcs[i].data = data;
		return;
	}
	if (set->nfuncs == set->funcs_cap) {
		set->funcs_cap = set->funcs_cap ? set->funcs_cap * 2 : 64;
		set->funcs = xrealloc(set->funcs, set->funcs_cap * sizeof(*set->funcs));
	}
	memmove(&set->funcs[i + 1], &set->funcs[i], (set->nfuncs - i) * sizeof(*set->funcs));
	set->funcs[i] = (struct tfunc){ xstrdup(name), fn, data, true };
	set->nfuncs++;
}

/* One static-named function in place, keeping the table sorted. */
static void insert_static(struct tmpl_set *set, const char *name, tmpl_func fn, void *data)
{
	bool found;
	size_t i = find_func(set, name, &found);
	if (found) {
		if (set->funcs[i].owned)
			free(set->funcs[i].name);
		set->funcs[i] = (struct tfunc){ (char *)name, fn, data, false };
		return;
	}
	if (set->nfuncs == set->funcs_cap) {
		set->funcs_cap = set->funcs_cap ? set->funcs_cap * 2 : 64;
		set->funcs = xrealloc(set->funcs, set->funcs_cap * sizeof(*set->funcs));
	}
	memmove(&set->funcs[i + 1], &set->funcs[i], (set->nfuncs - i) * sizeof(*set->funcs));
	set->funcs[i] = (struct tfunc){ (char *)name, fn, data, false };
	set->nfuncs++;
}

struct order {
	struct tfunc f;
	size_t seq;
};

/* by name, then by registration order, so the last of equal names wins */
static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	int c = strcmp(x->f.name, y->f.name);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void tmpl_set_funcs(struct tmpl_set *set, const struct tmpl_func_def *defs, size_t n,
		    void *data)
{
	size_t need = set->nfuncs + n;
	/* every render registers the same few hundred functions: a sorted
	 * table into an empty set is a copy, a handful is inserted in place */
	bool sorted = set->nfuncs == 0;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = strcmp(defs[i - 1].name, defs[i].name) < 0;
	if (sorted || n <= 16) {
		if (need > set->funcs_cap) {
			set->funcs_cap = need;
			set->funcs = xrealloc(set->funcs, set->funcs_cap * sizeof(*set->funcs));
		}
		if (sorted) {
			for (size_t i = 0; i < n; i++)
				set->funcs[i] = (struct tfunc){ (char *)defs[i].name, defs[i].fn, data, false };
			set->nfuncs = n;
		} else {
			for (size_t i = 0; i < n; i++)
				insert_static(set, defs[i].name, defs[i].fn, data);
		}
		return;
	}
	if (need > set->funcs_cap) {
		set->funcs_cap = need;
		set->funcs = xrealloc(set->funcs, set->funcs_cap * sizeof(*set->funcs));
	}
	for (size_t i = 0; i < n; i++)
		set->funcs[set->nfuncs++] = (struct tfunc){ (char *)defs[i].name, defs[i].fn, data, false };
	struct order *tmp = xmalloc(set->nfuncs * sizeof(*tmp));
	for (size_t i = 0; i < set->nfuncs; i++)
		tmp[i] = (struct order){ set->funcs[i], i };
	qsort(tmp, set->nfuncs, sizeof(*tmp), order_cmp);
	size_t k = 0;
	for (size_t i = 0; i < set->nfuncs; i++) {
		if (k && strcmp(set->funcs[k - 1].name, tmp[i].f.name) == 0) {
			if (set->funcs[k - 1].owned)
				free(set->funcs[k - 1].name);
			set->funcs[k - 1] = tmp[i].f;
			continue;
		}
		set->funcs[k++] = tmp[i].f;
	}
	set->nfuncs = k;
	free(tmp);
}
