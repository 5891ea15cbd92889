/*
 * merge-patch — JSON merge patch (RFC 7386): apply, and create the patch
 * between two documents.
 *
 * The format is the simple one: an object patch merges key by key, null
 * deletes, anything else replaces. It is what `kubectl patch --type merge`
 * sends and what the cluster falls back to for custom resources, which have
 * no strategic-merge metadata. Both functions work on copies and recurse no
 * deeper than PATCH_MAX_DEPTH.
 */
#include "patch.h"

#include <stdbool.h>

static int too_deep(struct berr *err)
{
	return berr_set(err, BERR_LIMIT, "merge patch nested deeper than %d levels",
			PATCH_MAX_DEPTH);
}

/* Takes a reference to `target` (may be NULL); returns a reference. */
static json_t *apply(json_t *target, const json_t *patch, int depth, struct berr *err)
{
	if (depth > PATCH_MAX_DEPTH) {
		too_deep(err);
		json_decref(target);
		return NULL;
	}
	if (!json_is_object(patch)) {
		json_decref(target);
		return json_deep_copy(patch);
	}
	if (!json_is_object(target)) {
		json_decref(target);
		target = json_object();
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			json_object_del(target, k);
			continue;
		}
		json_t *cur = json_object_get(target, k);
		json_t *r = apply(json_incref(cur), v, depth + 1, err);
		if (!r) {
			json_decref(target);
			return NULL;
		}
		json_object_set_new(target, k, r);
	}
	return target;
}

int merge_patch_apply(json_t **out, const json_t *target, const json_t *patch,
		      struct berr *err)
{
	*out = NULL;
	if (!patch)
		return berr_set(err, BERR_INVALID, "merge patch is missing");
	json_t *t = target ? json_deep_copy(target) : NULL;
	*out = apply(t, patch, 0, err);
	return *out ? 0 : BERR_LIMIT;
}

static json_t *create(const json_t *from, const json_t *to, int depth, struct berr *err)
{
	if (depth > PATCH_MAX_DEPTH) {
		too_deep(err);
		return NULL;
	}
	if (!json_is_object(from) || !json_is_object(to))
		return json_deep_copy(to);
	json_t *patch = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)from, k, v) {
		if (!json_object_get(to, k))
			json_object_set_new(patch, k, json_null());
	}
	json_object_foreach((json_t *)to, k, v) {
		json_t *old = json_object_get(from, k);
		if (old && json_equal(old, v))
			continue;
		if (old && json_is_object(old) && json_is_object(v)) {
			json_t *sub = create(old, v, depth + 1, err);
			if (!sub) {
				json_decref(patch);
				return NULL;
			}
			json_object_set_new(patch, k, sub);
			continue;
		}
		json_object_set_new(patch, k, json_deep_copy(v));
	}
	return patch;
}

int merge_patch_create(json_t **out, const json_t *from, const json_t *to,
		       struct berr *err)
{
	*out = NULL;
	if (!to)
		return berr_set(err, BERR_INVALID, "target document is missing");
	if (from && json_equal(from, to) && json_is_object(to)) {
		*out = json_object();
		return 0;
	}
	*out = create(from, to, 0, err);
	return *out ? 0 : BERR_LIMIT;
}
