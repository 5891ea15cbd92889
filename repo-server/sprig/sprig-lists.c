/*
 * sprig-lists.c — Sprig's lists (list, append, first, rest, uniq, without,
 * has, compact, slice, concat, chunk, ...) and dicts (dict, get, set,
 * unset, hasKey, pluck, keys, pick, omit, merge, mergeOverwrite, values,
 * dig).
 *
 * Lists are shared, never changed in place: append and friends return new
 * lists, as Sprig does. Dicts are changed in place by set, unset and the
 * merges, and every holder of the dict sees it, as with Go maps. keys and
 * values come out in key order (Go gives them in random order).
 */
#include "repo-server/sprig/sprig-internal.h"

#include <math.h>
#include <string.h>

static int want_list(const tv *v, const char *what, bool must, struct berr *err)
{
	if (v->kind == TV_LIST)
		return 0;
	if (must)
		return berr_set(err, BERR_INVALID, "cannot %s on type %s", what, tv_type_name(v));
	return berr_set(err, BERR_INVALID, "Cannot %s on type %s", what, tv_type_name(v));
}

static tv *copy_list(struct tv_arena *a, const tv *l, size_t extra)
{
	tv *c = tv_list(a, l->u.list.len + extra);
	c->u.list.go_type = l->u.list.go_type;
	for (size_t i = 0; i < l->u.list.len; i++)
		tv_list_push(a, c, l->u.list.items[i]);
	return c;
}

SPRIG_FN(fn_list)
{
	(void)err;
	tv *l = tv_list(ARENA, n);
	for (size_t i = 0; i < n; i++)
		tv_list_push(ARENA, l, args[i]);
	*out = l;
	return 0;
}

/* A []string that receives a non-string becomes []interface {}. */
static void fix_type(tv *l, const tv *added)
{
	if (l->u.list.go_type && added->kind != TV_STRING)
		l->u.list.go_type = NULL;
}

static int push_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, bool must, bool front)
{
	if (sprig_arity(name, n, 2, 2, err) < 0 || want_list(args[0], front ? "prepend" : "push", must, err) < 0)
		return err->code;
	tv *l;
	if (front) {
		l = tv_list(ARENA, args[0]->u.list.len + 1);
		l->u.list.go_type = args[0]->u.list.go_type;
		tv_list_push(ARENA, l, args[1]);
		for (size_t i = 0; i < args[0]->u.list.len; i++)
			tv_list_push(ARENA, l, args[0]->u.list.items[i]);
	} else {
		l = copy_list(ARENA, args[0], 1);
		tv_list_push(ARENA, l, args[1]);
	}
	fix_type(l, args[1]);
	*out = l;
	return 0;
}

SPRIG_FN(fn_append) { return push_fn(call, out, args, n, err, "append", false, false); }
SPRIG_FN(fn_mustappend) { return push_fn(call, out, args, n, err, "mustAppend", true, false); }
SPRIG_FN(fn_prepend) { return push_fn(call, out, args, n, err, "prepend", false, true); }
SPRIG_FN(fn_mustprepend) { return push_fn(call, out, args, n, err, "mustPrepend", true, true); }

enum pick { P_FIRST, P_LAST, P_REST, P_INITIAL, P_REVERSE, P_UNIQ, P_COMPACT };

static int pick_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, bool must, enum pick what)
{
	static const char *const verbs[] = {
		"find first", "find last", "find rest", "find initial", "find reverse",
		"find uniq", "compact",
	};
	if (sprig_arity(name, n, 1, 1, err) < 0 || want_list(args[0], verbs[what], must, err) < 0)
		return err->code;
	tv *l = args[0];
	size_t len = l->u.list.len;
	struct tv_arena *a = ARENA;
	if ((what == P_FIRST || what == P_LAST) && len == 0) {
		*out = tv_nil();
		return 0;
	}
	tv *r;
	switch (what) {
	case P_FIRST: *out = l->u.list.items[0]; return 0;
	case P_LAST: *out = l->u.list.items[len - 1]; return 0;
	case P_REST:
	case P_INITIAL:
		if (len == 0) {
			*out = l;
			return 0;
		}
		r = tv_list(a, len - 1);
		r->u.list.go_type = l->u.list.go_type;
		for (size_t i = what == P_REST ? 1 : 0; i < (what == P_REST ? len : len - 1); i++)
			tv_list_push(a, r, l->u.list.items[i]);
		break;
	case P_REVERSE:
		r = tv_list(a, len);
		r->u.list.go_type = l->u.list.go_type;
		for (size_t i = len; i-- > 0;)
			tv_list_push(a, r, l->u.list.items[i]);
		break;
	case P_UNIQ:
		r = tv_list(a, len);
		r->u.list.go_type = l->u.list.go_type;
		for (size_t i = 0; i < len; i++) {
			bool seen = false;
			for (size_t k = 0; k < r->u.list.len && !seen; k++)
				seen = tv_deep_equal(r->u.list.items[k], l->u.list.items[i], SPRIG_MAX_DEPTH);
			if (!seen)
				tv_list_push(a, r, l->u.list.items[i]);
		}
		break;
	case P_COMPACT:
	default:
		r = tv_list(a, len);
		r->u.list.go_type = l->u.list.go_type;
		for (size_t i = 0; i < len; i++)
			if (!sprig_empty(l->u.list.items[i]))
				tv_list_push(a, r, l->u.list.items[i]);
		break;
	}
	*out = r;
	return 0;
}

SPRIG_FN(fn_first) { return pick_fn(call, out, args, n, err, "first", false, P_FIRST); }
SPRIG_FN(fn_mustfirst) { return pick_fn(call, out, args, n, err, "mustFirst", true, P_FIRST); }
SPRIG_FN(fn_last) { return pick_fn(call, out, args, n, err, "last", false, P_LAST); }
SPRIG_FN(fn_mustlast) { return pick_fn(call, out, args, n, err, "mustLast", true, P_LAST); }
SPRIG_FN(fn_rest) { return pick_fn(call, out, args, n, err, "rest", false, P_REST); }
SPRIG_FN(fn_mustrest) { return pick_fn(call, out, args, n, err, "mustRest", true, P_REST); }
SPRIG_FN(fn_initial) { return pick_fn(call, out, args, n, err, "initial", false, P_INITIAL); }
SPRIG_FN(fn_mustinitial) { return pick_fn(call, out, args, n, err, "mustInitial", true, P_INITIAL); }
SPRIG_FN(fn_reverse) { return pick_fn(call, out, args, n, err, "reverse", false, P_REVERSE); }
SPRIG_FN(fn_mustreverse) { return pick_fn(call, out, args, n, err, "mustReverse", true, P_REVERSE); }
SPRIG_FN(fn_uniq) { return pick_fn(call, out, args, n, err, "uniq", false, P_UNIQ); }
SPRIG_FN(fn_mustuniq) { return pick_fn(call, out, args, n, err, "mustUniq", true, P_UNIQ); }
SPRIG_FN(fn_compact) { return pick_fn(call, out, args, n, err, "compact", false, P_COMPACT); }
SPRIG_FN(fn_mustcompact) { return pick_fn(call, out, args, n, err, "mustCompact", true, P_COMPACT); }

static int without_fn(struct tmpl_call *call, tv **out, tv **args, size_t n,
		      struct berr *err, const char *name, bool must)
{
	if (sprig_arity(name, n, 1, SIZE_MAX, err) < 0 || want_list(args[0], "find without", must, err) < 0)
		return err->code;
	tv *l = args[0];
	tv *r = tv_list(ARENA, l->u.list.len);
	r->u.list.go_type = l->u.list.go_type;
	for (size_t i = 0; i < l->u.list.len; i++) {
		bool drop = false;
		for (size_t k = 1; k < n && !drop; k++)
			drop = tv_deep_equal(l->u.list.items[i], args[k], SPRIG_MAX_DEPTH);
		if (!drop)
			tv_list_push(ARENA, r, l->u.list.items[i]);
	}
	*out = r;
	return 0;
}

SPRIG_FN(fn_without) { return without_fn(call, out, args, n, err, "without", false); }
SPRIG_FN(fn_mustwithout) { return without_fn(call, out, args, n, err, "mustWithout", true); }

static int has_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		  const char *name, bool must)
{
	(void)call;
	if (sprig_arity(name, n, 2, 2, err) < 0)
		return err->code;
	tv *l = args[1];
	if (l->kind == TV_NIL) {
		*out = tv_bool(false);
		return 0;
	}
	if (want_list(l, "find has", must, err) < 0)
		return err->code;
	bool found = false;
	for (size_t i = 0; i < l->u.list.len && !found; i++)
		found = tv_deep_equal(l->u.list.items[i], args[0], SPRIG_MAX_DEPTH);
	*out = tv_bool(found);
	return 0;
}

SPRIG_FN(fn_has) { return has_fn(call, out, args, n, err, "has", false); }
SPRIG_FN(fn_musthas) { return has_fn(call, out, args, n, err, "mustHas", true); }

static int slice_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name)
{
	if (sprig_arity(name, n, 1, SIZE_MAX, err) < 0)
		return err->code;
	tv *l = args[0];
	if (l->kind != TV_LIST)
		return berr_set(err, BERR_INVALID, "list should be type of slice or array but %s",
				tv_kind_name(l));
	int64_t len = (int64_t)l->u.list.len;
	if (len == 0) {
		*out = tv_nil();
		return 0;
	}
	int64_t start = n > 1 ? sprig_to_int64(args[1]) : 0;
	int64_t end = n > 2 ? sprig_to_int64(args[2]) : len;
	if (start < 0 || end < start || end > len)
		return berr_set(err, BERR_INVALID, "reflect: slice index out of range");
	tv *r = tv_list(ARENA, (size_t)(end - start));
	r->u.list.go_type = l->u.list.go_type;
	for (int64_t i = start; i < end; i++)
		tv_list_push(ARENA, r, l->u.list.items[i]);
	*out = r;
	return 0;
}

SPRIG_FN(fn_slice) { return slice_fn(call, out, args, n, err, "slice"); }
SPRIG_FN(fn_mustslice) { return slice_fn(call, out, args, n, err, "mustSlice"); }

SPRIG_FN(fn_concat)
{
	tv *r = tv_list(ARENA, 0);
	for (size_t i = 0; i < n; i++) {
		if (args[i]->kind != TV_LIST)
			return berr_set(err, BERR_INVALID, "Cannot concat type %s as list",
					tv_type_name(args[i]));
		for (size_t k = 0; k < args[i]->u.list.len; k++)
			tv_list_push(ARENA, r, args[i]->u.list.items[k]);
	}
	*out = r;
	return 0;
}

static int chunk_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name, bool must)
{
	int64_t size;
	if (sprig_arity(name, n, 2, 2, err) < 0 || sprig_int(args[0], &size, err) < 0 ||
	    want_list(args[1], "chunk", must, err) < 0)
		return err->code;
	if (size <= 0)
		return berr_set(err, BERR_INVALID, "runtime error: integer divide by zero");
	tv *l = args[1];
	size_t len = l->u.list.len;
	tv *r = tv_list(ARENA, 0);
	r->u.list.go_type = "[][]interface {}";
	for (size_t i = 0; i < len; i += (size_t)size) {
		tv *c = tv_list(ARENA, 0);
		for (size_t k = i; k < len && k < i + (size_t)size; k++)
			tv_list_push(ARENA, c, l->u.list.items[k]);
		tv_list_push(ARENA, r, c);
	}
	*out = r;
	return 0;
}

SPRIG_FN(fn_chunk) { return chunk_fn(call, out, args, n, err, "chunk", false); }
SPRIG_FN(fn_mustchunk) { return chunk_fn(call, out, args, n, err, "mustChunk", true); }

/* --- dicts ----------------------------------------------------------- */

/* A map parameter: nil reads as an empty map, anything else is an error. */
static int want_map(tv *v, tv **m, struct tmpl_call *call, struct berr *err)
{
	if (v->kind == TV_NIL) {
		*m = tv_map(ARENA);
		return 0;
	}
	if (sprig_map(v, err) < 0)
		return err->code;
	*m = v;
	return 0;
}

SPRIG_FN(fn_dict)
{
	(void)err;
	struct tv_arena *a = ARENA;
	tv *m = tv_map(a);
	for (size_t i = 0; i < n; i += 2) {
		tv *k = sprig_strval_tv(a, args[i]);
		if (args[i]->kind == TV_NIL)
			k = tv_str(a, "<nil>");
		tv_map_setn(a, m, k->u.str.s, k->u.str.len, i + 1 < n ? args[i + 1] : tv_str(a, ""));
	}
	*out = m;
	return 0;
}

SPRIG_FN(fn_get)
{
	tv *m = NULL;
	const char *k;
	size_t kl;
	if (sprig_arity("get", n, 2, 2, err) < 0 || want_map(args[0], &m, call, err) < 0 ||
	    sprig_str(args[1], &k, &kl, err) < 0)
		return err->code;
	tv *v = tv_map_getn(m, k, kl);
	*out = v ? v : tv_str(ARENA, "");
	return 0;
}

SPRIG_FN(fn_set)
{
	const char *k;
	size_t kl;
	if (sprig_arity("set", n, 3, 3, err) < 0)
		return err->code;
	if (args[0]->kind == TV_NIL)
		return berr_set(err, BERR_INVALID, "assignment to entry in nil map");
	if (sprig_map(args[0], err) < 0 || sprig_str(args[1], &k, &kl, err) < 0)
		return err->code;
	tv_map_setn(ARENA, args[0], k, kl, args[2]);
	*out = args[0];
	return 0;
}

SPRIG_FN(fn_unset)
{
	tv *m = NULL;
	const char *k;
	size_t kl;
	if (sprig_arity("unset", n, 2, 2, err) < 0 || want_map(args[0], &m, call, err) < 0 ||
	    sprig_str(args[1], &k, &kl, err) < 0)
		return err->code;
	char *key = xstrndup(k, kl);
	tv_map_del(m, key);
	free(key);
	*out = m;
	return 0;
}

SPRIG_FN(fn_haskey)
{
	tv *m = NULL;
	const char *k;
	size_t kl;
	if (sprig_arity("hasKey", n, 2, 2, err) < 0 || want_map(args[0], &m, call, err) < 0 ||
	    sprig_str(args[1], &k, &kl, err) < 0)
		return err->code;
	*out = tv_bool(tv_map_getn(m, k, kl) != NULL);
	return 0;
}

SPRIG_FN(fn_pluck)
{
	const char *k;
	size_t kl;
	if (sprig_arity("pluck", n, 1, SIZE_MAX, err) < 0 || sprig_str(args[0], &k, &kl, err) < 0)
		return err->code;
	tv *r = tv_list(ARENA, 0);
	for (size_t i = 1; i < n; i++) {
		tv *m = NULL;
		if (want_map(args[i], &m, call, err) < 0)
			return err->code;
		tv *v = tv_map_getn(m, k, kl);
		if (v)
			tv_list_push(ARENA, r, v);
	}
	*out = r;
	return 0;
}

SPRIG_FN(fn_keys)
{
	tv *r = sprig_string_list(ARENA);
	for (size_t i = 0; i < n; i++) {
		tv *m = NULL;
		if (want_map(args[i], &m, call, err) < 0)
			return err->code;
		for (size_t k = 0; k < m->u.map.len; k++)
			tv_list_push(ARENA, r, tv_strn(ARENA, m->u.map.e[k].key, m->u.map.e[k].klen));
	}
	*out = r;
	return 0;
}

SPRIG_FN(fn_values)
{
	tv *m = NULL;
	if (sprig_arity("values", n, 1, 1, err) < 0 || want_map(args[0], &m, call, err) < 0)
		return err->code;
	tv *r = tv_list(ARENA, m->u.map.len);
	for (size_t k = 0; k < m->u.map.len; k++)
		tv_list_push(ARENA, r, m->u.map.e[k].val);
	*out = r;
	return 0;
}

static int pick_omit(struct tmpl_call *call, tv **out, tv **args, size_t n,
		     struct berr *err, const char *name, bool pick)
{
	tv *m = NULL;
	if (sprig_arity(name, n, 1, SIZE_MAX, err) < 0 || want_map(args[0], &m, call, err) < 0)
		return err->code;
	for (size_t i = 1; i < n; i++) {
		const char *k;
		if (sprig_str(args[i], &k, NULL, err) < 0)
			return err->code;
	}
	tv *r = tv_map(ARENA);
	for (size_t e = 0; e < m->u.map.len; e++) {
		bool listed = false;
		for (size_t i = 1; i < n && !listed; i++)
			listed = args[i]->u.str.len == m->u.map.e[e].klen &&
				 memcmp(args[i]->u.str.s, m->u.map.e[e].key, m->u.map.e[e].klen) == 0;
		if (listed == pick)
			tv_map_setn(ARENA, r, m->u.map.e[e].key, m->u.map.e[e].klen, m->u.map.e[e].val);
	}
	*out = r;
	return 0;
}

SPRIG_FN(fn_pick) { return pick_omit(call, out, args, n, err, "pick", true); }
SPRIG_FN(fn_omit) { return pick_omit(call, out, args, n, err, "omit", false); }

/* mergo's deep merge of src into dst: maps merge recursively; a value
 * fills a missing or empty key, and with overwrite replaces any value
 * unless the new one is empty. */
static int merge_into(struct tv_arena *a, tv *dst, const tv *src, bool overwrite, int depth)
{
	if (depth > SPRIG_MAX_DEPTH)
		return -1;
	for (size_t i = 0; i < src->u.map.len; i++) {
		const struct tv_entry *e = &src->u.map.e[i];
		tv *dv = tv_map_getn(dst, e->key, e->klen);
		if (dv && dv->kind == TV_MAP && e->val->kind == TV_MAP) {
			if (dv == e->val)
				continue;
			if (merge_into(a, dv, e->val, overwrite, depth + 1) < 0)
				return -1;
			continue;
		}
		if (!dv || sprig_empty(dv) || (overwrite && !sprig_empty(e->val)))
			tv_map_setn(a, dst, e->key, e->klen, e->val);
	}
	return 0;
}

static int merge_fn(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name, bool overwrite)
{
	if (sprig_arity(name, n, 1, SIZE_MAX, err) < 0)
		return err->code;
	tv *dst = NULL;
	if (want_map(args[0], &dst, call, err) < 0)
		return err->code;
	for (size_t i = 1; i < n; i++) {
		tv *src = NULL;
		if (want_map(args[i], &src, call, err) < 0)
			return err->code;
		if (src == dst)
			continue;
		if (merge_into(ARENA, dst, src, overwrite, 0) < 0)
			return berr_set(err, BERR_LIMIT, "%s: maps nested too deeply", name);
	}
	*out = dst;
	return 0;
}

SPRIG_FN(fn_merge) { return merge_fn(call, out, args, n, err, "merge", false); }
SPRIG_FN(fn_mustmerge) { return merge_fn(call, out, args, n, err, "mustMerge", false); }
SPRIG_FN(fn_mergeoverwrite) { return merge_fn(call, out, args, n, err, "mergeOverwrite", true); }
SPRIG_FN(fn_mustmergeoverwrite) { return merge_fn(call, out, args, n, err, "mustMergeOverwrite", true); }

SPRIG_FN(fn_dig)
{
	(void)call;
	if (n < 3)
		return berr_set(err, BERR_INVALID, "dig needs at least three arguments");
	tv *d = args[n - 1], *def = args[n - 2];
	if (sprig_map(d, err) < 0)
		return err->code;
	for (size_t i = 0; i < n - 2; i++) {
		const char *k;
		size_t kl;
		if (sprig_str(args[i], &k, &kl, err) < 0)
			return err->code;
		tv *v = tv_map_getn(d, k, kl);
		if (!v) {
			*out = def;
			return 0;
		}
		if (i == n - 3) {
			*out = v;
			return 0;
		}
		if (v->kind != TV_MAP)
			return berr_set(err, BERR_INVALID, "interface conversion: interface {} is %s, not map[string]interface {}",
					tv_type_name(v));
		d = v;
	}
	*out = def;
	return 0;
}

const struct sprig_entry sprig_lists_funcs[] = {
	{ "list", fn_list }, { "tuple", fn_list },
	{ "append", fn_append }, { "push", fn_append }, { "mustAppend", fn_mustappend },
	{ "mustPush", fn_mustappend }, { "prepend", fn_prepend }, { "mustPrepend", fn_mustprepend },
	{ "first", fn_first }, { "mustFirst", fn_mustfirst }, { "last", fn_last },
	{ "mustLast", fn_mustlast }, { "rest", fn_rest }, { "mustRest", fn_mustrest },
	{ "initial", fn_initial }, { "mustInitial", fn_mustinitial },
	{ "reverse", fn_reverse }, { "mustReverse", fn_mustreverse },
	{ "uniq", fn_uniq }, { "mustUniq", fn_mustuniq },
	{ "compact", fn_compact }, { "mustCompact", fn_mustcompact },
	{ "without", fn_without }, { "mustWithout", fn_mustwithout },
	{ "has", fn_has }, { "mustHas", fn_musthas },
	{ "slice", fn_slice }, { "mustSlice", fn_mustslice }, { "concat", fn_concat },
	{ "chunk", fn_chunk }, { "mustChunk", fn_mustchunk },
	{ "dict", fn_dict }, { "get", fn_get }, { "set", fn_set }, { "unset", fn_unset },
	{ "hasKey", fn_haskey }, { "pluck", fn_pluck }, { "keys", fn_keys },
	{ "values", fn_values }, { "pick", fn_pick }, { "omit", fn_omit },
	{ "merge", fn_merge }, { "mustMerge", fn_mustmerge },
	{ "mergeOverwrite", fn_mergeoverwrite }, { "mustMergeOverwrite", fn_mustmergeoverwrite },
	{ "dig", fn_dig },
	{ NULL, NULL },
};
