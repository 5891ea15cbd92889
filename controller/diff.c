/*
 * diff — the legacy three-way diff of one resource (see diff.h).
 *
 * The steps are Argo CD's, in order:
 *  1. normalise config, live and the last-applied configuration alike:
 *     numbers lose their int/float distinction, creationTimestamp goes,
 *     Secret stringData folds into data (null values become ""), an empty
 *     Role rules list becomes null (and rules of an aggregated role too
 *     when asked), Endpoints ports get the TCP default and subsets a
 *     canonical order; for built-in kinds, null fields and empty maps and
 *     lists are dropped everywhere, as Argo CD's round trip through the
 *     typed structs drops them;
 *  2. drop metadata.namespace and an empty annotations map from config and
 *     last-applied (namespaced live objects always carry a namespace);
 *  3. compute the patch `kubectl apply` would send — a three-way strategic
 *     merge patch when lib/patch knows the kind's schema, else a three-way
 *     JSON merge patch against the live object cut down to the fields the
 *     last apply set — and apply it to the live object: the predicted live;
 *  4. strip what is never drift (status, managed metadata) from both sides,
 *     compare, then mask Secret values in what is returned (lib/secret).
 * Without a usable last-applied annotation the config stands in for it
 * (Argo CD's two-way diff). Scheme defaulting of typed objects, which Argo
 * CD runs on both sides after patching, is not reproduced: a field removed
 * from git that the server would default again shows as drift here.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "diff.h"
#include "diff-defaults.h"
#include "patch.h"
#include "secret.h"

#define DIFF_MAX_DEPTH 200

static const char *const managed_metadata[] = {
	"managedFields", "resourceVersion", "uid", "generation",
	"creationTimestamp", "selfLink",
};

/* --- small json helpers ------------------------------------------------- */

static int depth_ok(const json_t *v, int depth)
{
	const char *k;
	const json_t *e;
	size_t i;

	if (depth > DIFF_MAX_DEPTH)
		return 0;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
			if (!depth_ok(e, depth + 1))
				return 0;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (!depth_ok(e, depth + 1))
				return 0;
	}
	return 1;
}

static json_t *obj_get(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *obj_str(const json_t *o, const char *k)
{
	return json_string_value(obj_get(o, k));
}

/* The API group of an object ("" for the core group). */
static void object_group(const json_t *obj, char *group, size_t size)
{
	const char *api = obj_str(obj, "apiVersion");
	const char *slash = api ? strchr(api, '/') : NULL;
	size_t n = slash ? (size_t)(slash - api) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(group, api ? api : "", n);
	group[n] = '\0';
}

static int is_kind(const json_t *obj, const char *group, const char *kind)
{
	char g[256];
	const char *k = obj_str(obj, "kind");

	object_group(obj, g, sizeof(g));
	return k && strcmp(k, kind) == 0 && strcmp(g, group) == 0;
}

/* Go decodes every JSON number as float64: 1 and 1.0 are the same value.
 * Replaces integral reals under `v` by integers, in place. */
static int integral_real(const json_t *v)
{
	double d = json_real_value(v);
	return json_is_real(v) && d == (double)(json_int_t)d && d > -9.2e18 && d < 9.2e18;
}

static void canonical_numbers(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			if (integral_real(e))
				json_object_set_new(v, k, json_integer((json_int_t)json_real_value(e)));
			else
				canonical_numbers(e);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (integral_real(e))
				json_array_set_new(v, i, json_integer((json_int_t)json_real_value(e)));
			else
				canonical_numbers(e);
		}
	}
}

/* Drops null members and empty maps and lists (those already empty, not
 * those emptied by the pruning, as omitempty does). */
static void prune_empty(json_t *v)
{
	const char *k;
	json_t *e;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, e) {
			if (json_is_null(e) ||
			    (json_is_object(e) && json_object_size(e) == 0) ||
			    (json_is_array(e) && json_array_size(e) == 0))
				json_object_del(v, k);
			else
				prune_empty(e);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			prune_empty(e);
	}
}

/* --- kind-specific normalisation ---------------------------------------- */

/* stringData folds into data (base64, as the API server stores it); null
 * data values become "" (a Secret read back gives null for empty values).
 * A Secret whose data or stringData are not maps of strings is left as is,
 * as Argo CD leaves a Secret it cannot convert. */
static void normalize_secret(json_t *obj)
{
	json_t *data = obj_get(obj, "data"), *sdata = obj_get(obj, "stringData");
	const char *k;
	json_t *e;

	if (data && !json_is_null(data) && !json_is_object(data))
		return;
	if (sdata && !json_is_null(sdata) && !json_is_object(sdata))
		return;
	json_object_foreach(data, k, e)
		if (!json_is_null(e) && !json_is_string(e))
			return;
	json_object_foreach(sdata, k, e)
		if (!json_is_null(e) && !json_is_string(e))
			return;

	json_object_foreach(data, k, e)
		if (json_is_null(e))
			json_object_set_new(data, k, json_string(""));
	if (json_object_size(sdata)) {
		if (!json_is_object(data)) {
			data = json_object();
			json_object_set_new(obj, "data", data);
		}
		json_object_foreach(sdata, k, e) {
			const char *s = json_is_string(e) ? json_string_value(e) : "";
			struct buf b64 = BUF_INIT;
			b64_encode(&b64, s, json_is_string(e) ? json_string_length(e) : 0);
			json_object_set_new(data, k, json_stringn(b64.data, b64.len));
			buf_release(&b64);
		}
		json_object_del(obj, "stringData");
	}
}

static void normalize_role(json_t *obj, const struct diff_options *o)
{
	json_t *rules;

	if (o->ignore_aggregated_roles && json_is_object(obj_get(obj, "aggregationRule")))
		json_object_set_new(obj, "rules", json_null());
	rules = obj_get(obj, "rules");
	if (json_is_array(rules) && json_array_size(rules) == 0)
		json_object_set_new(obj, "rules", json_null());
}

static int compare_dumps(const void *a, const void *b)
{
	char *const *x = a, *const *y = b;
	return strcmp(*x, *y);
}

/* Sorts a list of json values by a key string; the key of each element is
 * its compact dump (for addresses: the ip first, so they sort by ip). */
static void sort_list(json_t *list, const char *first_key)
{
	size_t n = json_array_size(list), i;
	struct item { char *key; json_t *v; } *items;

	if (n < 2)
		return;
	items = xcalloc(n, sizeof(*items));
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		char *dump = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		const char *ip = first_key ? obj_str(e, first_key) : NULL;
		struct buf k = BUF_INIT;
		buf_addf(&k, "%s\x01%s", ip ? ip : "", dump ? dump : "");
		free(dump);
		items[i].key = buf_detach(&k, NULL);
		items[i].v = json_incref(e);
	}
	qsort(items, n, sizeof(*items), compare_dumps);
	json_array_clear(list);
	for (i = 0; i < n; i++) {
		json_array_append_new(list, items[i].v);
		free(items[i].key);
	}
	free(items);
}

/* Ports get the TCP default; addresses, ports and subsets a canonical
 * order, since the Endpoints controller and the API keep no order. */
static void normalize_endpoints(json_t *obj)
{
	json_t *subsets = obj_get(obj, "subsets"), *s, *p;
	size_t i, j;

	if (!json_is_array(subsets))
		return;
	json_array_foreach(subsets, i, s) {
		json_t *ports = obj_get(s, "ports");
		json_array_foreach(ports, j, p)
			if (json_is_object(p) && !obj_str(p, "protocol"))
				json_object_set_new(p, "protocol", json_string("TCP"));
		if (json_is_array(obj_get(s, "addresses")))
			sort_list(obj_get(s, "addresses"), "ip");
		if (json_is_array(obj_get(s, "notReadyAddresses")))
			sort_list(obj_get(s, "notReadyAddresses"), "ip");
		if (json_is_array(ports))
			sort_list(ports, NULL);
	}
	sort_list(subsets, NULL);
}

/* A normalised deep copy of `in`. */
static json_t *normalize(const json_t *in, int builtin, const struct diff_options *o)
{
	json_t *obj = json_deep_copy(in);
	json_t *meta = obj_get(obj, "metadata");

	canonical_numbers(obj);
	if (json_is_object(meta))
		json_object_del(meta, "creationTimestamp");
	if (is_kind(obj, "", "Secret"))
		normalize_secret(obj);
	else if (is_kind(obj, "rbac.authorization.k8s.io", "ClusterRole") ||
		 is_kind(obj, "rbac.authorization.k8s.io", "Role"))
		normalize_role(obj, o);
	else if (is_kind(obj, "", "Endpoints"))
		normalize_endpoints(obj);
	if (builtin)
		prune_empty(obj);
	return obj;
}

static void remove_namespace_annotations(json_t *obj)
{
	json_t *meta = obj_get(obj, "metadata"), *ann;

	if (!json_is_object(meta))
		return;
	json_object_del(meta, "namespace");
	ann = json_object_get(meta, "annotations");
	if (ann && (json_is_null(ann) || (json_is_object(ann) && json_object_size(ann) == 0)))
		json_object_del(meta, "annotations");
}

/* --- the three-way patch ------------------------------------------------- */

/* `live` cut down to the fields `config` has (maps by key, lists by
 * position; extra list elements stay so they show). */
static json_t *remove_fields(const json_t *config, const json_t *live);

static json_t *remove_map_fields(const json_t *config, const json_t *live)
{
	json_t *out = json_object();
	const char *k;
	json_t *c;

	json_object_foreach((json_t *)config, k, c) {
		json_t *l = json_object_get(live, k);
		if (!l)
			continue;
		json_object_set_new(out, k, json_is_null(l) ? json_null() : remove_fields(c, l));
	}
	return out;
}

static json_t *remove_list_fields(const json_t *config, const json_t *live)
{
	json_t *out = json_array(), *l;
	size_t i;

	json_array_foreach(live, i, l) {
		if (i < json_array_size(config) && !json_is_null(l))
			json_array_append_new(out, remove_fields(json_array_get(config, i), l));
		else
			json_array_append(out, l);
	}
	return out;
}

static json_t *remove_fields(const json_t *config, const json_t *live)
{
	if (json_is_object(config) && json_is_object(live))
		return remove_map_fields(config, live);
	if (json_is_array(config) && json_is_array(live))
		return remove_list_fields(config, live);
	return json_deep_copy(live);
}

/* Keeps only the null members (deletions) or only the others (additions and
 * changes) of a merge patch; an emptied sub-map is no patch at all, while a
 * map explicitly set empty is a value. */
static json_t *filter_nulls(const json_t *patch, int keep_null)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			if (keep_null)
				json_object_set_new(out, k, json_null());
		} else if (json_is_object(v)) {
			json_t *sub;
			if (json_object_size(v) == 0) {
				if (!keep_null)
					json_object_set(out, k, v);
				continue;
			}
			sub = filter_nulls(v, keep_null);
			if (json_object_size(sub))
				json_object_set_new(out, k, sub);
			else
				json_decref(sub);
		} else if (!keep_null) {
			json_object_set(out, k, v);
		}
	}
	return out;
}

/* The JSON merge patch kubectl apply sends for a custom resource. */
static int json_merge_three_way(json_t **out, const json_t *orig, const json_t *config,
				const json_t *live, struct berr *err)
{
	json_t *add = NULL, *del = NULL, *adds, *dels;
	int rc;

	*out = NULL;
	if ((rc = merge_patch_create(&add, live, config, err)) < 0)
		return rc;
	if ((rc = merge_patch_create(&del, orig, config, err)) < 0) {
		json_decref(add);
		return rc;
	}
	adds = filter_nulls(add, 0);
	dels = filter_nulls(del, 1);
	json_decref(add);
	json_decref(del);
	/* deletions first, then additions and changes over them */
	json_object_update_recursive(dels, adds);
	json_decref(adds);
	*out = dels;
	return 0;
}

/* StatefulSet: the API server defaults fields inside volumeClaimTemplates
 * that cannot be reproduced here, so the live templates are cut down to
 * what last-applied set before the patch is computed. */
static json_t *statefulset_workaround(const json_t *orig, const json_t *live)
{
	json_t *ot = obj_get(obj_get(orig, "spec"), "volumeClaimTemplates");
	json_t *lt = obj_get(obj_get(live, "spec"), "volumeClaimTemplates");
	json_t *copy, *spec;

	if (!json_is_array(ot) || !json_is_array(lt))
		return json_incref((json_t *)live);
	/* shallow copies down to the list: the rest is shared, read-only */
	copy = json_copy((json_t *)live);
	spec = json_copy(json_object_get(live, "spec"));
	json_object_set_new(spec, "volumeClaimTemplates", remove_list_fields(ot, lt));
	json_object_set_new(copy, "spec", spec);
	return copy;
}

/* Predicts live after applying config, given what was applied last. */
/* `orig` and `config` are the caller's private copies and lose their
 * namespace and empty annotations here. */
static int predict(json_t **out, json_t *o, json_t *c, const json_t *live,
		   const struct smp_schema *schema, struct berr *err)
{
	json_t *patch = NULL;
	int rc;

	*out = NULL;
	remove_namespace_annotations(o);
	remove_namespace_annotations(c);
	if (schema) {
		json_t *cur;
		if (is_kind(o, "apps", "StatefulSet") || is_kind(o, "extensions", "StatefulSet"))
			cur = statefulset_workaround(o, live);
		else
			cur = json_incref((json_t *)live);
		rc = smp_create_three_way(&patch, o, c, cur, schema, true, err);
		json_decref(cur);
		if (rc == 0)
			rc = smp_apply(out, live, patch, schema, err);
	} else {
		json_t *cur = remove_map_fields(o, live);
		rc = json_merge_three_way(&patch, o, c, cur, err);
		json_decref(cur);
		if (rc == 0)
			rc = merge_patch_apply(out, live, patch, err);
	}
	json_decref(patch);
	return rc;
}

/* --- outputs ------------------------------------------------------------- */

static void strip_managed(json_t *obj, const char *last_applied_key)
{
	json_t *meta = obj_get(obj, "metadata"), *ann;

	json_object_del(obj, "status");
	if (!json_is_object(meta))
		return;
	for (size_t i = 0; i < sizeof(managed_metadata) / sizeof(managed_metadata[0]); i++)
		json_object_del(meta, managed_metadata[i]);
	ann = json_object_get(meta, "annotations");
	if (json_is_object(ann)) {
		json_object_del(ann, last_applied_key);
		if (json_object_size(ann) == 0)
			json_object_del(meta, "annotations");
	}
}

/* --- diff_compute -------------------------------------------------------- */

static int check_input(const json_t *obj, const char *what, struct berr *err)
{
	if (!obj)
		return 0;
	if (!json_is_object(obj) || !obj_str(obj, "apiVersion") || !obj_str(obj, "kind"))
		return berr_set(err, BERR_INVALID,
				"%s resource is not an object with 'apiVersion' and 'kind'", what);
	if (!depth_ok(obj, 0))
		return berr_set(err, BERR_LIMIT, "%s resource nests deeper than %d levels",
				what, DIFF_MAX_DEPTH);
	return 0;
}

/* The last-applied configuration, or NULL when there is none usable. */
static json_t *last_applied(const json_t *live, const char *key)
{
	const char *text = obj_str(obj_get(obj_get(live, "metadata"), "annotations"), key);
	json_t *orig;
	json_error_t jerr;

	if (!text)
		return NULL;
	orig = json_loads(text, 0, &jerr);
	if (!json_is_object(orig) || !obj_str(orig, "kind") || !depth_ok(orig, 0)) {
		json_decref(orig);
		return NULL;
	}
	return orig;
}

void diff_result_release(struct diff_result *r)
{
	json_decref(r->predicted_live);
	json_decref(r->normalized_live);
	r->predicted_live = r->normalized_live = NULL;
	r->modified = 0;
}

int diff_compute(struct diff_result *out, const json_t *config, const json_t *live,
		 const struct diff_options *opts, struct berr *err)
{
	static const struct diff_options defaults = { 0 };
	const struct diff_options *o = opts ? opts : &defaults;
	const char *key = o->last_applied_key ? o->last_applied_key : DIFF_LAST_APPLIED;
	const struct smp_schema *schema = NULL;
	json_t *c = NULL, *l = NULL, *orig = NULL, *pred = NULL;
	int rc;

	out->modified = 0;
	out->predicted_live = out->normalized_live = NULL;
	if ((rc = check_input(config, "desired", err)) < 0 ||
	    (rc = check_input(live, "live", err)) < 0)
		return rc;
	if (!config && !live)
		return berr_set(err, BERR_INVALID, "no desired and no live resource to compare");

	if (smp_schema_for_object(&schema, config ? config : live, NULL) < 0)
		schema = NULL;
	if (config)
		c = normalize(config, schema != NULL, o);
	if (live)
		l = normalize(live, schema != NULL, o);

	if (c && l) {
		json_t *raw = last_applied(live, key);
		struct berr perr = BERR_INIT;
		if (raw) {
			orig = normalize(raw, schema != NULL, o);
			json_decref(raw);
			rc = predict(&pred, orig, c, l, schema, &perr);
		}
		if (!pred)      /* no (usable) last-applied: config stands in */
			rc = predict(&pred, c, c, l, schema, err);
		if (rc < 0)
			goto done;
		if (schema) {
			diff_apply_defaults(pred);
			diff_apply_defaults(l);
		}
		strip_managed(pred, key);
		strip_managed(l, key);
		out->modified = !json_equal(pred, l);
	} else if (c) {
		strip_managed(c, key);
		pred = json_incref(c);
		out->modified = 1;
	} else {
		strip_managed(l, key);
	}
	secret_mask_pair(pred, l);
	out->predicted_live = pred;
	out->normalized_live = l;
	l = pred = NULL;
	rc = 0;
done:
	json_decref(c);
	json_decref(l);
	json_decref(orig);
	json_decref(pred);
	return rc;
}
