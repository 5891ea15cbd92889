/*
 * smp — strategic merge patch: apply, and create two-way and three-way.
 *
 * This follows k8s.io/apimachinery/pkg/util/strategicpatch closely, because
 * `kubectl apply` and `kubectl patch` send patches computed by that code and
 * the bundled cluster must give the objects a real API server would, while
 * the controller must compute the patches kubectl would. The quirks are
 * kept on purpose: merge keys are compared by their Go "%v" text when lists
 * are sorted for diffing, $setElementOrder is emitted whenever a merging list
 * changes, lists of scalars dedupe, and `$patch: merge` is refused.
 *
 * Every entry point deep-copies its inputs and then works destructively on
 * the copies, as the Go code does on its freshly decoded maps; values moved
 * from one document into a patch are copied so no two trees share a node.
 * Field metadata comes from a struct smp_schema (smp-schema.c); a field the
 * schema does not list has the default strategy, so an incomplete schema
 * degrades to merge-patch behaviour rather than failing.
 */
#include "patch.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define DIRECTIVE_MARKER "$patch"
#define RETAIN_KEYS_DIRECTIVE "$retainKeys"
#define DELETE_PRIMITIVE_PREFIX "$deleteFromPrimitiveList"
#define SET_ORDER_PREFIX "$setElementOrder"

struct smp_ctx {
	struct berr *err;
	int code;
	int depth;
	bool merge_parallel;            /* MergeOptions.MergeParallelList */
	bool ignore_unmatched_nulls;    /* MergeOptions.IgnoreUnmatchedNulls */
};

struct diff_opts {
	bool set_element_order;
	bool ignore_changes;
	bool ignore_deletions;
	bool build_retain_keys;
};

/* The patch metadata of one field, as LookupPatchMetadataFor* answers. */
struct meta {
	const struct smp_type *type;
	bool retain_keys;
	enum { STRAT_NONE, STRAT_MERGE, STRAT_REPLACE } strategy;
	const char *merge_key;          /* "" for none */
};

/* ---- small helpers ---------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int fail(struct smp_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct smp_ctx *c, int code, const char *fmt, ...)
{
	if (!c->code) {
		char msg[BERR_MSG_MAX];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		berr_set(c->err, code, "%s", msg);
		c->code = code;
	}
	return c->code;
}

/* A short rendering of a value for error messages. */
static const char *show(const json_t *v, char *out, size_t size)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
	snprintf(out, size, "%s", s ? s : "null");
	if (s && strlen(s) >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
	free(s);
	return out;
}

/* Go's reflect.TypeOf as far as decoded JSON goes: int64 and float64 differ. */
enum vtype { VT_NULL, VT_BOOL, VT_INT, VT_REAL, VT_STRING, VT_OBJECT, VT_ARRAY };

static enum vtype vtype(const json_t *v)
{
	if (!v)
		return VT_NULL;     /* a missing key reads as Go's nil */
	switch (json_typeof(v)) {
	case JSON_OBJECT: return VT_OBJECT;
	case JSON_ARRAY: return VT_ARRAY;
	case JSON_STRING: return VT_STRING;
	case JSON_INTEGER: return VT_INT;
	case JSON_REAL: return VT_REAL;
	case JSON_TRUE:
	case JSON_FALSE: return VT_BOOL;
	default: return VT_NULL;
	}
}

static bool same_type(const json_t *a, const json_t *b)
{
	return vtype(a) == vtype(b);
}

/* Go's == on decoded values (and reflect.DeepEqual for containers). */
static bool equal(const json_t *a, const json_t *b)
{
	if (!a || !b || json_is_null(a) || json_is_null(b))
		return (!a || json_is_null(a)) && (!b || json_is_null(b));
	return json_equal(a, b);
}

/* A float as Go's %v prints it: shortest round-trip digits, %e form when
 * the exponent is below -4 or at least 6. */
static void fmt_real(struct buf *b, double x)
{
	char tmp[64];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	/* tmp is "[-]d.ddde[+-]XX" */
	char digits[32];
	size_t nd = 0;
	const char *p = tmp;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	int exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (neg)
		buf_addch(b, '-');
	if (x == 0) {
		buf_addch(b, '0');
		return;
	}
	if (exp < -4 || exp >= 6) {
		buf_addch(b, digits[0]);
		if (nd > 1) {
			buf_addch(b, '.');
			buf_add(b, digits + 1, nd - 1);
		}
		buf_addf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	if (exp < 0) {
		buf_adds(b, "0.");
		for (int i = -1; i > exp; i--)
			buf_addch(b, '0');
		buf_add(b, digits, nd);
		return;
	}
	for (int i = 0; i <= exp; i++)
		buf_addch(b, (size_t)i < nd ? digits[i] : '0');
	if (nd > (size_t)exp + 1) {
		buf_addch(b, '.');
		buf_add(b, digits + exp + 1, nd - exp - 1);
	}
}

/* Go's fmt "%v" of a decoded value, for the sorting the Go code does. */
static void fmt_v(struct buf *b, const json_t *v)
{
	switch (vtype(v)) {
	case VT_NULL: buf_adds(b, "<nil>"); break;
	case VT_BOOL: buf_adds(b, json_is_true(v) ? "true" : "false"); break;
	case VT_INT: buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case VT_REAL: fmt_real(b, json_real_value(v)); break;
	case VT_STRING: buf_add(b, json_string_value(v), json_string_length(v)); break;
	case VT_ARRAY: {
		buf_addch(b, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_addch(b, ' ');
			fmt_v(b, json_array_get(v, i));
		}
		buf_addch(b, ']');
		break;
	}
	case VT_OBJECT: {
		/* Go prints maps with sorted keys */
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		buf_adds(b, "map");
		buf_adds(b, s ? s : "");
		free(s);
		break;
	}
	}
}

struct sort_item {
	char *key;
	size_t idx;
	long rank;
	json_t *v;
};

static int cmp_by_key(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	int r = strcmp(a->key, b->key);
	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_by_rank(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Sorts `arr` in place by the %v text of each element (merge_key NULL) or of
 * its merge-key value, stably.
 */
static void sort_by_text(json_t *arr, const char *merge_key)
{
	size_t n = json_array_size(arr);
	if (n < 2)
		return;
	struct sort_item *items = xcalloc(n, sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT;
		json_t *v = json_array_get(arr, i);
		fmt_v(&b, merge_key ? json_object_get(v, merge_key) : v);
		items[i].key = buf_detach(&b, NULL);
		items[i].idx = i;
		items[i].v = json_incref(v);
	}
	qsort(items, n, sizeof(*items), cmp_by_key);
	for (size_t i = 0; i < n; i++) {
		json_array_set_new(arr, i, items[i].v);
		free(items[i].key);
	}
	free(items);
}

/* Go's "clever" in-place dedupe: a later duplicate is overwritten by the
 * last element. Returns a new array. */
static json_t *dedupe_scalars(const json_t *in)
{
	json_t *s = json_copy((json_t *)in);
	size_t length = json_array_size(s);
	if (length == 0)
		return s;
	length--;
	for (size_t i = 0; i < length; i++) {
		for (size_t j = i + 1; j <= length; j++) {
			if (equal(json_array_get(s, i), json_array_get(s, j))) {
				json_array_set(s, j, json_array_get(s, length));
				json_array_remove(s, length);
				length--;
				j--;
			}
		}
	}
	return s;
}

/* The one element type of all the given lists, as sliceElementType. */
static int element_type(struct smp_ctx *c, enum vtype *out, const json_t *a,
			const json_t *b)
{
	bool have = false;
	enum vtype t = VT_NULL;
	const json_t *lists[2] = { a, b };
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *v;
		if (!lists[l])
			continue;
		json_array_foreach(lists[l], i, v) {
			enum vtype vt = vtype(v);
			if (!have) {
				if (vt == VT_ARRAY)
					return fail(c, BERR_INVALID, "lists of lists are not supported");
				t = vt;
				have = true;
			} else if (vt != t) {
				char s1[160], s2[160];
				return fail(c, BERR_INVALID,
					    "list element types are not identical: %s, %s",
					    show(a, s1, sizeof(s1)), show(b, s2, sizeof(s2)));
			}
		}
	}
	if (!have)
		return fail(c, BERR_INVALID, "no elements in any of the given slices");
	*out = t;
	return 0;
}

static struct meta lookup(const struct smp_type *t, const char *key)
{
	struct meta m = { NULL, false, STRAT_NONE, "" };
	const struct smp_field *f = smp_type_field(t, key);
	if (!f)
		return m;
	m.type = f->type;
	m.retain_keys = f->strategy & SMP_RETAIN_KEYS;
	if (f->strategy & SMP_MERGE)
		m.strategy = STRAT_MERGE;
	else if (f->strategy & SMP_REPLACE)
		m.strategy = STRAT_REPLACE;
	m.merge_key = f->merge_key ? f->merge_key : "";
	return m;
}

static int no_merge_key(struct smp_ctx *c, const json_t *m, const char *merge_key)
{
	char s[200];
	return fail(c, BERR_INVALID, "map '%s' does not contain declared merge key '%s'",
		    show(m, s, sizeof(s)), merge_key);
}

static int bad_arg(struct smp_ctx *c, const char *want, const json_t *got)
{
	static const char *names[] = { "null", "bool", "int64", "float64", "string",
				       "map", "list" };
	return fail(c, BERR_INVALID, "expected a %s, but received a %s", want,
		    names[vtype(got)]);
}

static int enter(struct smp_ctx *c)
{
	if (++c->depth > PATCH_MAX_DEPTH)
		return fail(c, BERR_LIMIT, "document nested deeper than %d levels",
			    PATCH_MAX_DEPTH);
	return 0;
}

/* Merging lists are matched item against item, which is quadratic: a list
 * longer than any real object has is refused rather than worked through. */
static int check_lists(struct smp_ctx *c, const json_t *a, const json_t *b)
{
	size_t n = json_array_size(a) + json_array_size(b);
	if (n > SMP_MAX_LIST_ITEMS)
		return fail(c, BERR_LIMIT, "merging lists have %zu items, more than the limit of %d",
			    n, SMP_MAX_LIST_ITEMS);
	return 0;
}

/* ---- ordering (normalizeElementOrder and friends) -------------------- */

/* The merge-key value of a list item (maps) or the item itself. */
static const json_t *order_value(const json_t *item, bool maps, const char *merge_key)
{
	if (!maps)
		return item;
	return json_is_object(item) ? json_object_get(item, merge_key) : NULL;
}

static long index_of(const json_t *list, const json_t *item, bool maps,
		     const char *merge_key)
{
	const json_t *want = order_value(item, maps, merge_key);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (equal(want, order_value(v, maps, merge_key)))
			return (long)i;
	}
	return -1;
}

/*
 * A position index over a list: each item's value (its merge-key value for
 * maps), as type-tagged text, mapped to its first position. It keeps the
 * lookups the ordering code does per item from being linear; a value with
 * no text form (a map or list used as a key) or a text collision falls back
 * to the linear scan, so answers are always those of index_of().
 */
struct posidx {
	json_t *map;
	const json_t *list;
	bool maps;
	const char *merge_key;
};

static bool value_text(struct buf *b, const json_t *v)
{
	enum vtype t = vtype(v);
	if (t == VT_OBJECT || t == VT_ARRAY)
		return false;
	buf_addf(b, "%d:", (int)t);
	if (t == VT_REAL) {
		double x = json_real_value(v);
		buf_addf(b, "%.17g", x == 0 ? 0.0 : x);
	} else if (t == VT_STRING) {
		buf_add(b, json_string_value(v), json_string_length(v));
	} else {
		fmt_v(b, v);
	}
	return true;
}

static void pos_add(struct posidx *p, const json_t *item, size_t at)
{
	struct buf b = BUF_INIT;
	if (value_text(&b, order_value(item, p->maps, p->merge_key)) &&
	    !json_object_getn(p->map, b.data, b.len))
		json_object_setn_new_nocheck(p->map, b.data, b.len, json_integer((json_int_t)at));
	buf_release(&b);
}

static void pos_init(struct posidx *p, const json_t *list, bool maps, const char *merge_key)
{
	p->map = json_object();
	p->list = list;
	p->maps = maps;
	p->merge_key = merge_key;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		pos_add(p, v, i);
}

static long pos_find(const struct posidx *p, const json_t *item)
{
	const json_t *want = order_value(item, p->maps, p->merge_key);
	struct buf b = BUF_INIT;
	long at = -2;
	if (value_text(&b, want)) {
		json_t *i = json_object_getn(p->map, b.data, b.len);
		at = i ? (long)json_integer_value(i) : -1;
		if (at >= 0 && !equal(want, order_value(json_array_get(p->list, (size_t)at),
							p->maps, p->merge_key)))
			at = -2;
	}
	buf_release(&b);
	return at == -2 ? index_of(p->list, item, p->maps, p->merge_key) : at;
}

static void pos_free(struct posidx *p)
{
	json_decref(p->map);
}

static bool is_delete_item(const json_t *v)
{
	const json_t *d = json_object_get(v, DIRECTIVE_MARKER);
	return d && json_is_string(d) && strcmp(json_string_value(d), "delete") == 0;
}

/* normalizeSliceOrder: sorts `to_sort` by position in `order`; for maps the
 * `$patch: delete` items go last. Returns a new array. */
static json_t *normalize_slice_order(struct smp_ctx *c, const json_t *to_sort,
				     const json_t *order, const char *merge_key,
				     bool maps)
{
	json_t *keep = json_array(), *deletes = json_array();
	size_t i;
	json_t *v;
	if (maps) {
		const json_t *lists[2] = { to_sort, order };
		for (int l = 0; l < 2; l++) {
			json_array_foreach(lists[l], i, v) {
				if (!json_is_object(v)) {
					bad_arg(c, "map", v);
					goto fail;
				}
				if (!json_object_get(v, merge_key)) {
					no_merge_key(c, v, merge_key);
					goto fail;
				}
			}
		}
	}
	json_array_foreach(to_sort, i, v)
		json_array_append(maps && is_delete_item(v) ? deletes : keep, v);
	size_t n = json_array_size(keep);
	if (n > 1) {
		struct sort_item *items = xcalloc(n, sizeof(*items));
		struct posidx pos;
		pos_init(&pos, order, maps, merge_key);
		json_array_foreach(keep, i, v) {
			long r = pos_find(&pos, v);
			items[i].rank = r < 0 ? (long)json_array_size(order) : r;
			items[i].idx = i;
			items[i].v = json_incref(v);
		}
		pos_free(&pos);
		qsort(items, n, sizeof(*items), cmp_by_rank);
		for (i = 0; i < n; i++)
			json_array_set_new(keep, i, items[i].v);
		free(items);
	}
	json_array_extend(keep, deletes);
	json_decref(deletes);
	return keep;
fail:
	json_decref(keep);
	json_decref(deletes);
	return NULL;
}

/* mergeSortedSlice: interleaves server-only items (left) into patch items
 * (right) by their positions in the live list. */
static json_t *merge_sorted(const json_t *left, const json_t *right,
			    const json_t *server_order, const char *merge_key, bool maps)
{
	size_t nl = json_array_size(left), nr = json_array_size(right);
	size_t i = 0, j = 0;
	json_t *s = json_array();
	struct posidx pos;
	pos_init(&pos, server_order, maps, merge_key);
	for (size_t k = 0; k < nl + nr; k++) {
		if (i >= nl) {
			json_array_append(s, json_array_get(right, j++));
		} else if (j >= nr) {
			json_array_append(s, json_array_get(left, i++));
		} else {
			long li = pos_find(&pos, json_array_get(left, i));
			long ri = pos_find(&pos, json_array_get(right, j));
			if (li >= 0 && ri >= 0 && li < ri)
				json_array_append(s, json_array_get(left, i++));
			else
				json_array_append(s, json_array_get(right, j++));
		}
	}
	pos_free(&pos);
	return s;
}

static json_t *normalize_element_order(struct smp_ctx *c, const json_t *patch,
				       const json_t *server_only,
				       const json_t *patch_order,
				       const json_t *server_order,
				       const char *merge_key, bool maps)
{
	json_t *p = normalize_slice_order(c, patch, patch_order, merge_key, maps);
	if (!p)
		return NULL;
	json_t *s = normalize_slice_order(c, server_only, server_order, merge_key, maps);
	if (!s) {
		json_decref(p);
		return NULL;
	}
	json_t *all = merge_sorted(s, p, server_order, merge_key, maps);
	json_decref(p);
	json_decref(s);
	return all;
}

/* findMapInSliceBasedOnKeyValue: index of the map whose merge key equals
 * `value`, -1 when none, -2 (error set) when an element is not a map. */
static long find_by_key(struct smp_ctx *c, const json_t *list, const char *key,
			const json_t *value)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (!json_is_object(v)) {
			fail(c, BERR_INVALID, "value for key %zu is not a map", i);
			return -2;
		}
		const json_t *m = json_object_get(v, key);
		if (m && equal(m, value))
			return (long)i;
	}
	return -1;
}

/* Splits `list` into items present in `by` and the rest. */
static int partition(struct smp_ctx *c, json_t **in, json_t **out,
		     const json_t *list, const json_t *by, const char *merge_key)
{
	*in = json_array();
	*out = json_array();
	size_t i;
	json_t *v;
	/* a non-map in `by` makes find_by_key() fail: keep its exact path then */
	bool all_maps = true;
	json_array_foreach(by, i, v)
		all_maps = all_maps && json_is_object(v);
	struct posidx pos;
	pos_init(&pos, by, *merge_key != '\0', merge_key);
	json_array_foreach(list, i, v) {
		bool found;
		if (*merge_key) {
			if (!json_is_object(v))
				goto bad;
			const json_t *kv = json_object_get(v, merge_key);
			if (!kv) {
				no_merge_key(c, v, merge_key);
				goto err;
			}
			long at = all_maps ? pos_find(&pos, v) : -1;
			if (!all_maps || (at >= 0 && !json_object_get(json_array_get(by, (size_t)at), merge_key)))
				at = find_by_key(c, by, merge_key, kv);
			if (at == -2)
				goto err;
			found = at >= 0;
		} else {
			found = pos_find(&pos, v) >= 0;
		}
		json_array_append(found ? *in : *out, v);
	}
	pos_free(&pos);
	return 0;
bad:
	bad_arg(c, "map", v);
err:
	pos_free(&pos);
	json_decref(*in);
	json_decref(*out);
	*in = *out = NULL;
	return c->code;
}

/* ---- apply (mergeMap) -------------------------------------------------- */

static json_t *merge_map(struct smp_ctx *c, json_t *original, json_t *patch,
			 const struct smp_type *type);

/* removeDirectives: drops maps carrying $patch, recursively. Takes a
 * reference; returns a reference, or NULL when the value is dropped. */
static json_t *remove_directives(json_t *v)
{
	if (json_is_object(v)) {
		if (json_object_get(v, DIRECTIVE_MARKER)) {
			json_decref(v);
			return NULL;
		}
		const char *k;
		json_t *child;
		void *tmp;
		json_object_foreach_safe(v, tmp, k, child) {
			json_t *r = remove_directives(json_incref(child));
			if (r)
				json_object_set_new(v, k, r);
			else
				json_object_del(v, k);
		}
		return v;
	}
	if (json_is_array(v)) {
		json_t *res = json_array();
		size_t i;
		json_t *child;
		json_array_foreach(v, i, child) {
			json_t *r = remove_directives(json_incref(child));
			if (r)
				json_array_append_new(res, r);
		}
		json_decref(v);
		return res;
	}
	return v;
}

static void discard_nulls(json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *child;
		void *tmp;
		json_object_foreach_safe(v, tmp, k, child) {
			if (json_is_null(child))
				json_object_del(v, k);
			else
				discard_nulls(child);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *child;
		json_array_foreach(v, i, child)
			discard_nulls(child);
	}
}

static json_t *delete_from_slice(const json_t *current, const json_t *to_delete)
{
	json_t *out = json_array();
	size_t i;
	json_t *v;
	struct posidx pos;
	pos_init(&pos, to_delete, false, "");
	json_array_foreach(current, i, v) {
		if (pos_find(&pos, v) < 0)
			json_array_append(out, v);
	}
	pos_free(&pos);
	return out;
}

/*
 * The deletions `$patch: delete` items make in a list of maps, in the order
 * Go's deleteMatchingEntries makes them: per directive, every item whose
 * merge key equals the directive's, first to last. Marks deleted[] and
 * appends the positions to *seq (when not NULL). Items are grouped by their
 * key's text first so a long patch is not quadratic.
 */
struct deleter {
	const json_t *list;
	const char *merge_key;
	json_t *groups;                 /* key text -> [positions] */
	bool *deleted;
};

static void deleter_init(struct deleter *d, const json_t *list, const char *merge_key)
{
	d->list = list;
	d->merge_key = merge_key;
	d->groups = json_object();
	d->deleted = xcalloc(json_array_size(list) + 1, sizeof(bool));
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		const json_t *kv = json_object_get(v, merge_key);
		struct buf b = BUF_INIT;
		if (kv && value_text(&b, kv)) {
			json_t *g = json_object_getn(d->groups, b.data, b.len);
			if (!g) {
				g = json_array();
				json_object_setn_new_nocheck(d->groups, b.data, b.len, g);
			}
			json_array_append_new(g, json_integer((json_int_t)i));
		}
		buf_release(&b);
	}
}

static void deleter_apply(struct deleter *d, const json_t *value, json_t *seq)
{
	struct buf b = BUF_INIT;
	if (value_text(&b, value)) {
		json_t *g = json_object_getn(d->groups, b.data, b.len);
		size_t k;
		json_t *at;
		json_array_foreach(g, k, at) {
			size_t i = (size_t)json_integer_value(at);
			const json_t *kv = json_object_get(json_array_get(d->list, i), d->merge_key);
			if (!d->deleted[i] && kv && equal(kv, value)) {
				d->deleted[i] = true;
				if (seq)
					json_array_append(seq, at);
			}
		}
	} else {
		size_t i;
		json_t *v;
		json_array_foreach(d->list, i, v) {
			const json_t *kv = json_object_get(v, d->merge_key);
			if (!d->deleted[i] && kv && equal(kv, value)) {
				d->deleted[i] = true;
				if (seq)
					json_array_append_new(seq, json_integer((json_int_t)i));
			}
		}
	}
	buf_release(&b);
}

static void deleter_free(struct deleter *d)
{
	json_decref(d->groups);
	free(d->deleted);
}

/* mergeSliceWithSpecialElements: applies `$patch: delete|replace` items.
 * Sets *orig_out and *patch_out to new arrays. */
static int merge_special(struct smp_ctx *c, json_t **orig_out, json_t **patch_out,
			 const json_t *original, const json_t *patch,
			 const char *merge_key)
{
	json_t *orig = NULL;
	json_t *plain = json_array();
	bool replace = false;
	size_t i;
	json_t *v;
	struct deleter del;
	deleter_init(&del, original, merge_key);
	json_array_foreach(patch, i, v) {
		json_t *d = json_object_get(v, DIRECTIVE_MARKER);
		if (!d) {
			json_array_append(plain, v);
			continue;
		}
		const char *ds = json_is_string(d) ? json_string_value(d) : "";
		if (strcmp(ds, "delete") == 0) {
			const json_t *mv = json_object_get(v, merge_key);
			if (!mv) {
				no_merge_key(c, v, merge_key);
				goto err;
			}
			deleter_apply(&del, mv, NULL);
		} else if (strcmp(ds, "replace") == 0) {
			replace = true;
		} else if (strcmp(ds, "merge") == 0) {
			fail(c, BERR_INVALID, "merging lists cannot yet be specified in the patch");
			goto err;
		} else {
			char s1[100], s2[200];
			fail(c, BERR_INVALID, "unknown patch type '%s' in map '%s'",
			     show(d, s1, sizeof(s1)), show(v, s2, sizeof(s2)));
			goto err;
		}
	}
	if (replace) {
		deleter_free(&del);
		*orig_out = plain;
		*patch_out = json_array();
		return 0;
	}
	orig = json_array();
	json_array_foreach(original, i, v) {
		if (!del.deleted[i])
			json_array_append(orig, v);
	}
	deleter_free(&del);
	*orig_out = orig;
	*patch_out = plain;
	return 0;
err:
	deleter_free(&del);
	json_decref(plain);
	return c->code;
}

/* mergeSlice: returns a new array. */
static json_t *merge_slice(struct smp_ctx *c, json_t *original, json_t *patch,
			   const struct smp_type *type, const char *merge_key,
			   bool is_delete_list)
{
	if (json_array_size(original) == 0 && json_array_size(patch) == 0)
		return json_incref(original);
	enum vtype kind;
	if (check_lists(c, original, patch) || element_type(c, &kind, original, patch))
		return NULL;
	json_t *merged = NULL, *orig = NULL, *pl = NULL, *result = NULL;
	bool maps = kind == VT_OBJECT;
	if (!maps) {
		if (c->merge_parallel && is_delete_list)
			return delete_from_slice(original, patch);
		json_t *both = json_copy(original);
		json_array_extend(both, patch);
		merged = dedupe_scalars(both);
		json_decref(both);
		orig = json_incref(original);
		pl = json_incref(patch);
	} else {
		if (!*merge_key) {
			fail(c, BERR_INVALID, "cannot merge lists without merge key for '%s'",
			     type && type->name ? type->name : "list");
			return NULL;
		}
		if (merge_special(c, &orig, &pl, original, patch, merge_key))
			return NULL;
		/* mergeSliceWithoutSpecialElements */
		merged = json_copy(orig);
		size_t i;
		json_t *v;
		/* every item is a map here (element_type), so find_by_key()
		 * cannot fail and the index answers the same */
		struct posidx pos;
		pos_init(&pos, merged, true, merge_key);
		json_array_foreach(pl, i, v) {
			const json_t *mv = json_object_get(v, merge_key);
			if (!mv) {
				no_merge_key(c, v, merge_key);
				pos_free(&pos);
				goto out;
			}
			long at = pos_find(&pos, v);
			if (at >= 0 && !json_object_get(json_array_get(merged, (size_t)at), merge_key))
				at = find_by_key(c, merged, merge_key, mv);
			if (at >= 0) {
				json_t *m = merge_map(c, json_array_get(merged, (size_t)at), v, type);
				if (!m) {
					pos_free(&pos);
					goto out;
				}
				json_array_set_new(merged, (size_t)at, m);
			} else {
				pos_add(&pos, v, json_array_size(merged));
				json_array_append(merged, v);
			}
		}
		pos_free(&pos);
	}
	json_t *in, *rest;
	if (partition(c, &in, &rest, merged, pl, maps ? merge_key : ""))
		goto out;
	result = normalize_element_order(c, in, rest, pl, orig, maps ? merge_key : "", maps);
	json_decref(in);
	json_decref(rest);
out:
	json_decref(merged);
	json_decref(orig);
	json_decref(pl);
	return result;
}

static json_t *merge_slice_handler(struct smp_ctx *c, json_t *original, json_t *patch,
				   const struct meta *m, bool is_delete_list)
{
	if (m->strategy == STRAT_MERGE || is_delete_list)
		return merge_slice(c, original, patch, m->type, m->merge_key, is_delete_list);
	return json_incref(patch);
}

static int apply_retain_keys(struct smp_ctx *c, json_t *original, json_t *patch)
{
	json_t *keys = json_object_get(patch, RETAIN_KEYS_DIRECTIVE);
	if (!keys)
		return 0;
	json_incref(keys);
	json_object_del(patch, RETAIN_KEYS_DIRECTIVE);
	int rc = 0;
	if (!c->merge_parallel) {
		json_t *in_orig = json_object_get(original, RETAIN_KEYS_DIRECTIVE);
		if (in_orig) {
			if (!equal(in_orig, keys)) {
				char s1[200], s2[200];
				rc = fail(c, BERR_INVALID,
					  "'%s' and '%s' are not deep equal: this may happen when calculating the 3-way diff patch",
					  show(in_orig, s1, sizeof(s1)), show(keys, s2, sizeof(s2)));
			}
		} else {
			json_object_set(original, RETAIN_KEYS_DIRECTIVE, keys);
		}
		json_decref(keys);
		return rc;
	}
	if (!json_is_array(keys)) {
		json_decref(keys);
		return fail(c, BERR_INVALID, "invalid patch format of retainKeys");
	}
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach(patch, k, v) {
		if (json_is_null(v) || has_prefix(k, DELETE_PRIMITIVE_PREFIX) ||
		    has_prefix(k, SET_ORDER_PREFIX))
			continue;
		json_t *ks = json_string(k);
		bool found = index_of(keys, ks, false, "") >= 0;
		json_decref(ks);
		if (!found) {
			json_decref(keys);
			return fail(c, BERR_INVALID,
				    "invalid patch format of retainKeys: field '%s' is not in the list", k);
		}
	}
	json_object_foreach_safe(original, tmp, k, v) {
		json_t *ks = json_string(k);
		if (index_of(keys, ks, false, "") < 0)
			json_object_del(original, k);
		json_decref(ks);
	}
	json_decref(keys);
	return 0;
}

/* validatePatchWithSetOrderList */
static int validate_set_order(struct smp_ctx *c, const json_t *patch_list,
			      const json_t *order, const char *merge_key)
{
	size_t np = json_array_size(patch_list), no = json_array_size(order);
	if (no == 0 || np == 0)
		return 0;
	json_t *non_delete = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(patch_list, i, v) {
		if (*merge_key) {
			if (!json_is_object(v)) {
				json_decref(non_delete);
				return bad_arg(c, "map", v);
			}
			if (is_delete_item(v))
				continue;
		}
		json_array_append(non_delete, v);
	}
	size_t pi = 0, si = 0, nn = json_array_size(non_delete);
	while (pi < nn && si < no) {
		json_t *p = json_array_get(non_delete, pi);
		if (json_is_object(p) && json_object_get(p, DIRECTIVE_MARKER)) {
			pi++;
			continue;
		}
		json_t *o = json_array_get(order, si);
		bool eq;
		if (*merge_key) {
			if (!json_is_object(o)) {
				json_decref(non_delete);
				return bad_arg(c, "map", o);
			}
			const json_t *a = json_object_get(p, merge_key);
			const json_t *b = json_object_get(o, merge_key);
			if (!a || !b) {
				json_decref(non_delete);
				return no_merge_key(c, a ? o : p, merge_key);
			}
			eq = equal(a, b);
		} else {
			eq = equal(p, o);
		}
		if (eq)
			pi++;
		si++;
	}
	json_decref(non_delete);
	if (pi < nn && si >= no) {
		char s1[300], s2[300];
		return fail(c, BERR_INVALID,
			    "the order in patch list '%s' doesn't match %s list '%s'",
			    show(patch_list, s1, sizeof(s1)), SET_ORDER_PREFIX,
			    show(order, s2, sizeof(s2)));
	}
	return 0;
}

/* The capacity Go's encoding/json gives a decoded list of n elements: it
 * appends one by one, so growslice's doubling decides. */
static size_t go_cap(size_t n)
{
	size_t cap = 0;
	while (cap < n)
		cap = cap == 0 ? 1 : cap < 256 ? cap * 2 : cap + (cap + 768) / 4;
	return cap;
}

/*
 * The live list as mergePatchIntoOriginal sees it after mergeSlice ran. In
 * Go, mergeSlice deletes `$patch: delete` items and appends new items in
 * the backing array of the live list, which the caller still holds with its
 * old length; that view then orders the server-only items. Upstream's
 * results (and kubectl users' objects) depend on it, so it is replayed
 * here: deletions shift left, appends land in place while the decoded
 * list's capacity lasts.
 */
static json_t *go_server_view(const json_t *olist, const json_t *plist,
			      const char *merge_key)
{
	size_t len = json_array_size(olist), cap = go_cap(len);
	size_t i;
	json_t *v;
	bool replace = false;
	struct deleter del;
	json_t *seq = json_array();
	deleter_init(&del, olist, merge_key);
	json_array_foreach(plist, i, v) {
		const json_t *d = json_object_get(v, DIRECTIVE_MARKER);
		if (!d)
			continue;
		if (strcmp(json_string_value(d), "replace") == 0)
			replace = true;
		else
			deleter_apply(&del, json_object_get(v, merge_key), seq);
	}
	/* survivors compacted to the front; each deletion leaves the old last
	 * element of the shrinking window in the slot just past it */
	json_t *b = json_array();
	json_array_foreach(olist, i, v) {
		if (!del.deleted[i])
			json_array_append(b, v);
	}
	size_t n = json_array_size(b), ndel = json_array_size(seq);
	bool *gone = xcalloc(len + 1, sizeof(bool));
	long hi = (long)len - 1;
	for (size_t k = 1; k <= ndel; k++) {
		/* slot len-k holds the last survivor of the first k-1 deletions */
		json_array_append(b, json_array_get(olist, (size_t)hi));
		gone[json_integer_value(json_array_get(seq, k - 1))] = true;
		while (hi > 0 && gone[hi])
			hi--;
	}
	/* the stale slots were appended last-first; put them in slot order */
	for (size_t x = n, y = len; x + 1 < y; x++, y--) {
		json_t *t = json_incref(json_array_get(b, x));
		json_array_set(b, x, json_array_get(b, y - 1));
		json_array_set_new(b, y - 1, t);
	}
	if (!replace) {
		struct posidx pos;
		json_t *window = json_array();
		for (i = 0; i < n; i++)
			json_array_append(window, json_array_get(b, i));
		pos_init(&pos, window, true, merge_key);
		json_array_foreach(plist, i, v) {
			if (json_object_get(v, DIRECTIVE_MARKER))
				continue;
			if (pos_find(&pos, v) >= 0)
				continue;
			if (n >= cap)
				break;  /* reallocated: the live list no longer sees it */
			if (n < len)
				json_array_set(b, n, v);
			pos_add(&pos, v, n);
			json_array_append(window, v);
			n++;
		}
		pos_free(&pos);
		json_decref(window);
	}
	free(gone);
	json_decref(seq);
	deleter_free(&del);
	return b;
}

/* mergePatchIntoOriginal: handles $setElementOrder/<list> with its list. */
static int merge_set_order(struct smp_ctx *c, json_t *original, json_t *patch,
			   const struct smp_type *type)
{
	json_t *keys = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(patch, k, v) {
		if (has_prefix(k, SET_ORDER_PREFIX))
			json_array_append_new(keys, json_string(k));
	}
	int rc = 0;
	size_t i;
	json_t *kv;
	json_array_foreach(keys, i, kv) {
		const char *key = json_string_value(kv);
		json_t *order = json_incref(json_object_get(patch, key));
		json_t *merged = NULL;
		if (!c->merge_parallel) {
			json_t *in_orig = json_object_get(original, key);
			if (in_orig) {
				if (!equal(in_orig, order)) {
					rc = fail(c, BERR_INVALID, "invalid patch format of setElementOrder list '%s'", key);
					goto next;
				}
			} else {
				json_object_set(original, key, order);
			}
		}
		json_object_del(patch, key);
		if (!json_is_array(order)) {
			rc = bad_arg(c, "list", order);
			goto next;
		}
		const char *slash = strchr(key, '/');
		if (!slash || (size_t)(slash - key) != strlen(SET_ORDER_PREFIX)) {
			rc = fail(c, BERR_INVALID, "invalid patch format of setElementOrder list '%s'", key);
			goto next;
		}
		const char *okey = slash + 1;
		json_t *olist = json_object_get(original, okey);
		json_t *plist = json_object_get(patch, okey);
		if (olist && !json_is_array(olist)) {
			rc = bad_arg(c, "list", olist);
			goto next;
		}
		if (plist && !json_is_array(plist)) {
			rc = bad_arg(c, "list", plist);
			goto next;
		}
		struct meta m = lookup(type, okey);
		if ((rc = check_lists(c, olist, plist)) || (rc = check_lists(c, order, NULL)) ||
		    (rc = validate_set_order(c, plist, order, m.merge_key)))
			goto next;
		if (olist && !plist) {
			merged = json_incref(olist);
		} else if (!olist && plist) {
			merged = remove_directives(json_deep_copy(plist));
		} else if (olist && plist) {
			merged = merge_slice_handler(c, olist, plist, &m, false);
			if (!merged) {
				rc = c->code;
				goto next;
			}
		} else {
			goto next;
		}
		enum vtype kind;
		if ((rc = element_type(c, &kind, olist, plist)))
			goto next;
		json_t *in, *rest;
		if ((rc = partition(c, &in, &rest, merged, order, m.merge_key)))
			goto next;
		json_t *server;
		if (olist && plist && c->merge_parallel && m.strategy == STRAT_MERGE &&
		    kind == VT_OBJECT)
			server = go_server_view(olist, plist, m.merge_key);
		else
			server = olist ? json_incref(olist) : json_array();
		json_t *both = normalize_element_order(c, in, rest, order, server,
						       m.merge_key, kind == VT_OBJECT);
		json_decref(server);
		json_decref(in);
		json_decref(rest);
		if (!both) {
			rc = c->code;
			goto next;
		}
		json_object_set_new(original, okey, both);
		json_object_del(patch, okey);
next:
		json_decref(merged);
		json_decref(order);
		if (rc)
			break;
	}
	json_decref(keys);
	return rc;
}

/*
 * mergeMap: merges `patch` into `original` (NULL for none). Both may be
 * modified. Returns a new reference to the result, or NULL on error.
 */
static json_t *merge_map(struct smp_ctx *c, json_t *original, json_t *patch,
			 const struct smp_type *type)
{
	json_t *d = json_object_get(patch, DIRECTIVE_MARKER);
	if (d) {
		const char *ds = json_is_string(d) ? json_string_value(d) : "";
		if (strcmp(ds, "replace") == 0) {
			json_object_del(patch, DIRECTIVE_MARKER);
			return json_incref(patch);
		}
		if (strcmp(ds, "delete") == 0)
			return json_object();
		char s1[100], s2[200];
		fail(c, BERR_INVALID, "unknown patch type '%s' in map '%s'",
		     show(d, s1, sizeof(s1)), show(patch, s2, sizeof(s2)));
		return NULL;
	}
	if (enter(c))
		return NULL;
	original = original ? json_incref(original) : json_object();
	if (apply_retain_keys(c, original, patch) || merge_set_order(c, original, patch, type))
		goto fail;

	const char *pk;
	json_t *pv;
	json_object_foreach(patch, pk, pv) {
		const char *k = pk;
		bool is_delete_list = false;
		if (has_prefix(pk, DELETE_PRIMITIVE_PREFIX)) {
			if (!c->merge_parallel) {
				json_object_set(original, pk, pv);
				continue;
			}
			const char *slash = strchr(pk, '/');
			if (!slash || (size_t)(slash - pk) != strlen(DELETE_PRIMITIVE_PREFIX)) {
				fail(c, BERR_INVALID, "invalid patch format of primitive list '%s'", pk);
				goto fail;
			}
			k = slash + 1;
			is_delete_list = true;
		}
		if (json_is_null(pv)) {
			json_object_del(original, k);
			if (c->ignore_unmatched_nulls)
				continue;
		}
		json_t *ov = json_object_get(original, k);
		if (!ov || !same_type(ov, pv)) {
			if (!is_delete_list) {
				if (c->ignore_unmatched_nulls)
					discard_nulls(pv);
				json_t *r = remove_directives(json_incref(pv));
				if (r)
					json_object_set_new(original, k, r);
				else
					json_object_del(original, k);
			}
			continue;
		}
		struct meta m = lookup(type, k);
		json_t *r;
		if (json_is_object(ov)) {
			if (m.strategy != STRAT_REPLACE)
				r = merge_map(c, ov, pv, m.type);
			else
				r = json_incref(pv);
		} else if (json_is_array(ov)) {
			r = merge_slice_handler(c, ov, pv, &m, is_delete_list);
		} else {
			r = json_incref(pv);
		}
		if (!r)
			goto fail;
		json_object_set_new(original, k, r);
	}
	c->depth--;
	return original;
fail:
	json_decref(original);
	return NULL;
}

/* ---- create (diffMaps) ------------------------------------------------- */

static json_t *diff_maps(struct smp_ctx *c, json_t *original, const json_t *modified,
			 const struct smp_type *type, struct diff_opts o);

static void set_copy(json_t *obj, const char *key, const json_t *v)
{
	json_object_set_new(obj, key, json_deep_copy(v));
}

static void replace_if_not_equal(json_t *patch, const char *key, const json_t *ov,
				 const json_t *mv, struct diff_opts o)
{
	if (o.ignore_changes || equal(ov, mv))
		return;
	set_copy(patch, key, mv);
}

/* sortMergeListsByNameArray without recursion: a sorted copy. */
static json_t *sorted_by_merge_key(struct smp_ctx *c, const json_t *list,
				   const char *merge_key)
{
	enum vtype t;
	if (json_array_size(list) == 0)
		return json_array();
	if (element_type(c, &t, list, NULL))
		return NULL;
	if (t != VT_OBJECT) {
		json_t *s = dedupe_scalars(list);
		sort_by_text(s, NULL);
		return s;
	}
	json_t *s = json_copy((json_t *)list);
	sort_by_text(s, merge_key);
	return s;
}

static int diff_lists_of_maps(struct smp_ctx *c, json_t *patch_list, json_t *delete_list,
			      const json_t *original, const json_t *modified,
			      const struct smp_type *type, const char *merge_key,
			      struct diff_opts o)
{
	json_t *os = sorted_by_merge_key(c, original, merge_key);
	if (!os)
		return c->code;
	json_t *ms = sorted_by_merge_key(c, modified, merge_key);
	if (!ms) {
		json_decref(os);
		return c->code;
	}
	size_t oi = 0, mi = 0, on = json_array_size(os), mn = json_array_size(ms);
	int rc = 0;
	while (oi < on || mi < mn) {
		json_t *oe = NULL, *me = NULL, *okv = NULL, *mkv = NULL;
		struct buf ostr = BUF_INIT, mstr = BUF_INIT;
		if (oi < on) {
			oe = json_array_get(os, oi);
			if (!json_is_object(oe)) {
				rc = bad_arg(c, "map", oe);
				break;
			}
			if (!(okv = json_object_get(oe, merge_key))) {
				rc = no_merge_key(c, oe, merge_key);
				break;
			}
			fmt_v(&ostr, okv);
		}
		if (mi < mn) {
			me = json_array_get(ms, mi);
			if (!json_is_object(me)) {
				rc = bad_arg(c, "map", me);
				buf_release(&ostr);
				break;
			}
			if (!(mkv = json_object_get(me, merge_key))) {
				rc = no_merge_key(c, me, merge_key);
				buf_release(&ostr);
				break;
			}
			fmt_v(&mstr, mkv);
		}
		int cmp = (oe && me) ? strcmp(ostr.data, mstr.data) : 0;
		buf_release(&ostr);
		buf_release(&mstr);
		if (oe && me && cmp == 0) {
			json_t *pv = diff_maps(c, oe, me, type, o);
			if (!pv) {
				rc = c->code;
				break;
			}
			if (json_object_size(pv) > 0) {
				set_copy(pv, merge_key, mkv);
				json_array_append(patch_list, pv);
			}
			json_decref(pv);
			oi++;
			mi++;
		} else if (!oe || (me && cmp > 0)) {
			if (!o.ignore_changes)
				json_array_append_new(patch_list, json_deep_copy(me));
			mi++;
		} else {
			if (!o.ignore_deletions) {
				json_t *d = json_object();
				set_copy(d, merge_key, okv);
				json_object_set_new(d, DIRECTIVE_MARKER, json_string("delete"));
				json_array_append_new(delete_list, d);
			}
			oi++;
		}
	}
	json_decref(os);
	json_decref(ms);
	return rc;
}

static void diff_lists_of_scalars(json_t *add_list, json_t **delete_list,
				  json_t *original, const json_t *modified,
				  struct diff_opts o)
{
	/* the Go code sorts `original` in place; the caller relies on it */
	sort_by_text(original, NULL);
	json_t *ms = json_copy((json_t *)modified);
	sort_by_text(ms, NULL);
	json_t *dl = json_array();
	size_t oi = 0, mi = 0, on = json_array_size(original), mn = json_array_size(ms);
	while (oi < on || mi < mn) {
		struct buf os = BUF_INIT, mstr = BUF_INIT;
		json_t *ov = oi < on ? json_array_get(original, oi) : NULL;
		json_t *mv = mi < mn ? json_array_get(ms, mi) : NULL;
		if (ov)
			fmt_v(&os, ov);
		if (mv)
			fmt_v(&mstr, mv);
		int cmp = (ov && mv) ? strcmp(os.data, mstr.data) : 0;
		buf_release(&os);
		buf_release(&mstr);
		if (ov && mv && cmp == 0) {
			oi++;
			mi++;
		} else if (!ov || (mv && cmp > 0)) {
			if (!o.ignore_changes)
				json_array_append_new(add_list, json_deep_copy(mv));
			mi++;
		} else {
			if (!o.ignore_deletions)
				json_array_append_new(dl, json_deep_copy(ov));
			oi++;
		}
	}
	json_decref(ms);
	*delete_list = dedupe_scalars(dl);
	json_decref(dl);
}

static bool order_same(const json_t *original, const json_t *modified,
		       const char *merge_key)
{
	if (json_array_size(original) != json_array_size(modified))
		return false;
	for (size_t i = 0; i < json_array_size(modified); i++) {
		const json_t *a = json_object_get(json_array_get(original, i), merge_key);
		const json_t *b = json_object_get(json_array_get(modified, i), merge_key);
		if (!equal(a, b))
			return false;
	}
	return true;
}

/* diffLists: sets *patch_out, *delete_out, *order_out (each may be NULL). */
static int diff_lists(struct smp_ctx *c, json_t **patch_out, json_t **delete_out,
		      json_t **order_out, json_t *original, const json_t *modified,
		      const struct smp_type *type, const char *merge_key,
		      struct diff_opts o)
{
	*patch_out = *delete_out = *order_out = NULL;
	if (json_array_size(original) == 0) {
		if (json_array_size(modified) == 0 || o.ignore_changes)
			return 0;
		*patch_out = json_deep_copy(modified);
		return 0;
	}
	enum vtype kind;
	if (check_lists(c, original, modified) || element_type(c, &kind, original, modified))
		return c->code;
	if (kind == VT_OBJECT) {
		json_t *pl = json_array(), *dl = json_array();
		if (diff_lists_of_maps(c, pl, dl, original, modified, type, merge_key, o)) {
			json_decref(pl);
			json_decref(dl);
			return c->code;
		}
		json_t *sorted = normalize_slice_order(c, pl, modified, merge_key, true);
		json_decref(pl);
		if (!sorted) {
			json_decref(dl);
			return c->code;
		}
		size_t i;
		json_t *v;
		json_array_foreach(modified, i, v) {
			if (!json_object_get(v, merge_key)) {
				json_decref(sorted);
				json_decref(dl);
				return no_merge_key(c, v, merge_key);
			}
		}
		bool same = order_same(original, modified, merge_key);
		json_array_extend(sorted, dl);
		json_decref(dl);
		size_t n = json_array_size(sorted);
		if (o.set_element_order &&
		    ((!o.ignore_changes && (n > 0 || !same)) || (!o.ignore_deletions && n > 0))) {
			json_t *order = json_array();
			json_array_foreach(modified, i, v) {
				json_t *e = json_object();
				set_copy(e, merge_key, json_object_get(v, merge_key));
				json_array_append_new(order, e);
			}
			*order_out = order;
		}
		*patch_out = sorted;
		return 0;
	}
	json_t *al = json_array(), *dl = NULL;
	diff_lists_of_scalars(al, &dl, original, modified, o);
	json_t *sorted = normalize_slice_order(c, al, modified, "", false);
	json_decref(al);
	if (!sorted) {
		json_decref(dl);
		return c->code;
	}
	if (o.set_element_order &&
	    ((!o.ignore_deletions && json_array_size(dl) > 0) ||
	     (!o.ignore_changes && !equal(original, modified))))
		*order_out = json_deep_copy(modified);
	*patch_out = sorted;
	*delete_out = dl;
	return 0;
}

static int handle_slice_diff(struct smp_ctx *c, const char *key, json_t *ov,
			     const json_t *mv, json_t *patch,
			     const struct smp_type *type, struct diff_opts o)
{
	struct meta m = lookup(type, key);
	if (m.strategy != STRAT_MERGE) {
		replace_if_not_equal(patch, key, ov, mv, o);
		return 0;
	}
	o.build_retain_keys = m.retain_keys;
	json_t *add, *del, *order;
	if (diff_lists(c, &add, &del, &order, ov, mv, m.type, m.merge_key, o))
		return c->code;
	struct buf name = BUF_INIT;
	if (json_array_size(add) > 0)
		json_object_set(patch, key, add);
	if (json_array_size(del) > 0) {
		buf_addf(&name, "%s/%s", DELETE_PRIMITIVE_PREFIX, key);
		json_object_set(patch, name.data, del);
	}
	if (json_array_size(order) > 0) {
		buf_reset(&name);
		buf_addf(&name, "%s/%s", SET_ORDER_PREFIX, key);
		json_object_set(patch, name.data, order);
	}
	buf_release(&name);
	json_decref(add);
	json_decref(del);
	json_decref(order);
	return 0;
}

static int handle_map_diff(struct smp_ctx *c, const char *key, json_t *ov,
			   const json_t *mv, json_t *patch,
			   const struct smp_type *type, struct diff_opts o)
{
	struct meta m = lookup(type, key);
	o.build_retain_keys = m.retain_keys;
	if (m.strategy == STRAT_REPLACE) {
		if (!o.ignore_changes)
			set_copy(patch, key, mv);
		return 0;
	}
	json_t *pv = diff_maps(c, ov, mv, m.type, o);
	if (!pv)
		return c->code;
	if (json_object_size(pv) > 0)
		json_object_set(patch, key, pv);
	json_decref(pv);
	return 0;
}

/* diffMaps: a new patch object. `original` may be reordered in place. */
static json_t *diff_maps(struct smp_ctx *c, json_t *original, const json_t *modified,
			 const struct smp_type *type, struct diff_opts o)
{
	if (enter(c))
		return NULL;
	json_t *patch = json_object();
	json_t *retain = json_array();
	const char *k;
	json_t *mv;
	json_object_foreach((json_t *)modified, k, mv) {
		if (o.build_retain_keys && !json_is_null(mv))
			json_array_append_new(retain, json_string(k));
		json_t *ov = json_object_get(original, k);
		if (!ov) {
			if (!o.ignore_changes)
				set_copy(patch, k, mv);
			continue;
		}
		if (strcmp(k, DIRECTIVE_MARKER) == 0) {
			if (!json_is_string(ov) || !json_is_string(mv)) {
				fail(c, BERR_INVALID, "invalid value for special key '%s'", DIRECTIVE_MARKER);
				goto fail;
			}
			if (!equal(ov, mv))
				set_copy(patch, k, mv);
			continue;
		}
		if (!same_type(ov, mv)) {
			if (!o.ignore_changes)
				set_copy(patch, k, mv);
			continue;
		}
		int rc = 0;
		if (json_is_object(ov))
			rc = handle_map_diff(c, k, ov, mv, patch, type, o);
		else if (json_is_array(ov))
			rc = handle_slice_diff(c, k, ov, mv, patch, type, o);
		else
			replace_if_not_equal(patch, k, ov, mv, o);
		if (rc)
			goto fail;
	}
	bool additional = false;
	json_object_foreach(original, k, mv) {
		if (json_object_get(modified, k))
			continue;
		if (!o.ignore_deletions)
			json_object_set_new(patch, k, json_null());
		if (!json_is_null(mv))
			additional = true;
	}
	if (json_array_size(retain) > 0 && (json_object_size(patch) > 0 || additional)) {
		sort_by_text(retain, NULL);
		json_object_set(patch, RETAIN_KEYS_DIRECTIVE, retain);
	}
	json_decref(retain);
	c->depth--;
	return patch;
fail:
	json_decref(retain);
	json_decref(patch);
	return NULL;
}

/* ---- sorting (sortMergeListsByNameMap) -------------------------------- */

static json_t *sort_map(struct smp_ctx *c, const json_t *m, const struct smp_type *type);

static json_t *sort_array(struct smp_ctx *c, const json_t *s,
			  const struct smp_type *type, const char *merge_key)
{
	if (json_array_size(s) == 0)
		return json_copy((json_t *)s);
	enum vtype t;
	if (check_lists(c, s, NULL) || element_type(c, &t, s, NULL))
		return NULL;
	if (t != VT_OBJECT) {
		json_t *r = dedupe_scalars(s);
		sort_by_text(r, NULL);
		return r;
	}
	json_t *r = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(s, i, e) {
		json_t *ne = sort_map(c, e, type);
		if (!ne) {
			json_decref(r);
			return NULL;
		}
		json_array_append_new(r, ne);
	}
	sort_by_text(r, merge_key);
	return r;
}

static json_t *sort_map(struct smp_ctx *c, const json_t *m, const struct smp_type *type)
{
	if (enter(c))
		return NULL;
	json_t *r = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)m, k, v) {
		json_t *nv = NULL;
		if (strcmp(k, RETAIN_KEYS_DIRECTIVE) == 0 || has_prefix(k, DELETE_PRIMITIVE_PREFIX)) {
			if (!json_is_array(v)) {
				fail(c, BERR_INVALID, "invalid patch format of '%s'", k);
				goto fail;
			}
			nv = strcmp(k, RETAIN_KEYS_DIRECTIVE) == 0 ? json_copy(v) : dedupe_scalars(v);
			sort_by_text(nv, NULL);
		} else if (has_prefix(k, SET_ORDER_PREFIX)) {
			if (!json_is_array(v)) {
				fail(c, BERR_INVALID, "invalid patch format of setElementOrder list '%s'", k);
				goto fail;
			}
			nv = json_incref(v);
		} else if (strcmp(k, DIRECTIVE_MARKER) != 0 && json_is_object(v)) {
			nv = sort_map(c, v, lookup(type, k).type);
		} else if (strcmp(k, DIRECTIVE_MARKER) != 0 && json_is_array(v)) {
			struct meta mt = lookup(type, k);
			if (mt.strategy == STRAT_MERGE)
				nv = sort_array(c, v, mt.type, mt.merge_key);
			else
				nv = json_incref(v);
		} else {
			nv = json_incref(v);
		}
		if (!nv)
			goto fail;
		json_object_set_new(r, k, nv);
	}
	c->depth--;
	return r;
fail:
	json_decref(r);
	return NULL;
}

/* ---- conflicts (MergingMapsHaveConflicts) ------------------------------ */

static int field_conflicts(struct smp_ctx *c, bool *out, const json_t *l, const json_t *r,
			   const struct smp_type *type, int strategy, const char *merge_key);

static int maps_conflict(struct smp_ctx *c, bool *out, const json_t *l, const json_t *r,
			 const struct smp_type *type)
{
	const char *k;
	json_t *lv;
	int rc = 0;
	*out = false;
	if (enter(c))
		return c->code;
	json_object_foreach((json_t *)l, k, lv) {
		if (!strcmp(k, DIRECTIVE_MARKER) || !strcmp(k, RETAIN_KEYS_DIRECTIVE))
			continue;
		json_t *rv = json_object_get(r, k);
		if (!rv)
			continue;
		struct meta m = lookup(type, k);
		if ((rc = field_conflicts(c, out, lv, rv, m.type, m.strategy, m.merge_key)) || *out)
			break;
	}
	c->depth--;
	return rc;
}

/* sliceOfMapsToMapOfMaps: an object keyed by the merge value's text. */
static json_t *by_merge_key(struct smp_ctx *c, const json_t *list, const char *merge_key)
{
	json_t *res = json_object();
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		const json_t *mv = json_is_object(v) ? json_object_get(v, merge_key) : NULL;
		if (!mv) {
			char s[200];
			fail(c, BERR_INVALID, "cannot find merge key '%s' in merging list element '%s'",
			     merge_key, show(v, s, sizeof(s)));
			json_decref(res);
			return NULL;
		}
		struct buf b = BUF_INIT;
		buf_addf(&b, "%d:", (int)vtype(mv));
		fmt_v(&b, mv);
		json_object_set(res, b.data, v);
		buf_release(&b);
	}
	return res;
}

static int slices_conflict(struct smp_ctx *c, bool *out, const json_t *l, const json_t *r,
			   const struct smp_type *type, int strategy, const char *merge_key)
{
	enum vtype kind;
	*out = true;
	if (check_lists(c, l, r) || element_type(c, &kind, l, r))
		return c->code;
	if (strategy == STRAT_MERGE) {
		*out = false;
		if (kind != VT_OBJECT)
			return 0;
		json_t *lm = by_merge_key(c, l, merge_key);
		json_t *rm = lm ? by_merge_key(c, r, merge_key) : NULL;
		int rc = 0;
		if (lm && rm) {
			const char *k;
			json_t *lv;
			json_object_foreach(lm, k, lv) {
				json_t *rv = json_object_get(rm, k);
				if (rv && ((rc = field_conflicts(c, out, lv, rv, type, STRAT_NONE, "")) || *out))
					break;
			}
		} else {
			rc = c->code;
		}
		json_decref(lm);
		json_decref(rm);
		return rc;
	}
	if (json_array_size(l) != json_array_size(r))
		return 0;
	json_t *a, *b;
	if (kind != VT_OBJECT) {
		a = dedupe_scalars(l);
		b = dedupe_scalars(r);
		sort_by_text(a, NULL);
		sort_by_text(b, NULL);
	} else {
		a = json_incref((json_t *)l);
		b = json_incref((json_t *)r);
	}
	*out = false;
	int rc = 0;
	for (size_t i = 0; i < json_array_size(a) && !*out && !rc; i++) {
		const json_t *y = json_array_get(b, i);
		if (!y) {
			*out = true;
			break;
		}
		rc = field_conflicts(c, out, json_array_get(a, i), y, type, STRAT_NONE, "");
	}
	json_decref(a);
	json_decref(b);
	return rc;
}

static int field_conflicts(struct smp_ctx *c, bool *out, const json_t *l, const json_t *r,
			   const struct smp_type *type, int strategy, const char *merge_key)
{
	if (json_is_object(l)) {
		*out = true;
		if (!json_is_object(r))
			return 0;
		const json_t *lm = json_object_get(l, DIRECTIVE_MARKER);
		const json_t *rm = json_object_get(r, DIRECTIVE_MARKER);
		if ((lm || rm) && (!lm || !rm || !equal(lm, rm)))
			return 0;
		*out = false;
		if (strategy == STRAT_REPLACE)
			return 0;
		return maps_conflict(c, out, l, r, type);
	}
	if (json_is_array(l)) {
		*out = true;
		if (!json_is_array(r))
			return 0;
		return slices_conflict(c, out, l, r, type, strategy, merge_key);
	}
	*out = !equal(l, r);
	return 0;
}

/* ---- public entry points --------------------------------------------- */

static int check_args(struct smp_ctx *c, const struct smp_schema *schema,
		      const json_t *a, const char *an, const json_t *b, const char *bn,
		      const json_t *d, const char *dn)
{
	if (!schema)
		return fail(c, BERR_UNSUPPORTED,
			    "strategic merge patch is not supported for this kind (no schema); use a merge patch or a JSON patch");
	const json_t *docs[3] = { a, b, d };
	const char *names[3] = { an, bn, dn };
	for (int i = 0; i < 3; i++) {
		if (names[i] && docs[i] && !json_is_object(docs[i]) && !json_is_null(docs[i]))
			return fail(c, BERR_INVALID, "%s is not a JSON object", names[i]);
	}
	return 0;
}

static json_t *copy_or_empty(const json_t *v)
{
	return v && !json_is_null(v) ? json_deep_copy(v) : json_object();
}

int smp_apply(json_t **out, const json_t *original, const json_t *patch,
	      const struct smp_schema *schema, struct berr *err)
{
	struct smp_ctx c = { err, 0, 0, true, true };
	*out = NULL;
	if (check_args(&c, schema, original, "original document", patch, "patch", NULL, NULL))
		return c.code;
	json_t *o = copy_or_empty(original), *p = copy_or_empty(patch);
	*out = merge_map(&c, o, p, schema->root);
	json_decref(o);
	json_decref(p);
	return *out ? 0 : c.code;
}

int smp_create_two_way(json_t **out, const json_t *original, const json_t *modified,
		       const struct smp_schema *schema, struct berr *err)
{
	struct smp_ctx c = { err, 0, 0, false, false };
	*out = NULL;
	if (check_args(&c, schema, original, "original document", modified,
		       "modified document", NULL, NULL))
		return c.code;
	json_t *o = copy_or_empty(original), *m = copy_or_empty(modified);
	struct diff_opts opts = { .set_element_order = true };
	*out = diff_maps(&c, o, m, schema->root, opts);
	json_decref(o);
	json_decref(m);
	return *out ? 0 : c.code;
}

int smp_create_three_way(json_t **out, const json_t *original, const json_t *modified,
			 const json_t *current, const struct smp_schema *schema,
			 bool overwrite, struct berr *err)
{
	struct smp_ctx c = { err, 0, 0, false, false };
	*out = NULL;
	if (check_args(&c, schema, original, "original document", modified,
		       "modified document", current, "current document"))
		return c.code;
	json_t *o = copy_or_empty(original), *m = copy_or_empty(modified);
	json_t *cur = copy_or_empty(current);
	json_t *delta = NULL, *deletions = NULL;
	struct diff_opts delta_opts = { .set_element_order = true, .ignore_deletions = true };
	struct diff_opts del_opts = { .set_element_order = true, .ignore_changes = true };
	delta = diff_maps(&c, cur, m, schema->root, delta_opts);
	if (delta)
		deletions = diff_maps(&c, o, m, schema->root, del_opts);
	if (deletions)
		*out = merge_map(&c, deletions, delta, schema->root);
	if (*out && !overwrite) {
		/* changes made to the live object since the last apply */
		struct diff_opts change_opts = { 0 };
		json_t *changed = diff_maps(&c, o, cur, schema->root, change_opts);
		bool conflict = false;
		if (!changed || maps_conflict(&c, &conflict, *out, changed, schema->root) || conflict) {
			if (changed && !c.code) {
				char s1[400], s2[400];
				fail(&c, BERR_CONFLICT,
				     "the patch '%s' conflicts with changes made to the live object '%s'",
				     show(*out, s1, sizeof(s1)), show(changed, s2, sizeof(s2)));
			}
			json_decref(*out);
			*out = NULL;
		}
		json_decref(changed);
	}
	json_decref(delta);
	json_decref(deletions);
	json_decref(o);
	json_decref(m);
	json_decref(cur);
	return *out ? 0 : c.code;
}

int smp_sort_merge_lists(json_t **out, const json_t *doc,
			 const struct smp_schema *schema, struct berr *err)
{
	struct smp_ctx c = { err, 0, 0, false, false };
	*out = NULL;
	if (check_args(&c, schema, doc, "document", NULL, NULL, NULL, NULL))
		return c.code;
	json_t *d = copy_or_empty(doc);
	*out = sort_map(&c, d, schema->root);
	json_decref(d);
	return *out ? 0 : c.code;
}
