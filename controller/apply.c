/*
 * apply — `kubectl apply` for one object, client-side, as Argo CD does it.
 *
 * The object Bosun applies carries its own last-applied configuration in the
 * annotation kubectl.kubernetes.io/last-applied-configuration (the object
 * without that annotation, compact JSON). A missing object is created; an
 * existing one gets the three-way patch from the previous last-applied, the
 * new configuration and the live object: strategic merge for kinds
 * lib/patch has a schema for, JSON merge for the rest (custom resources),
 * so fields the server or other controllers own stay, and a field removed
 * from git since the last apply is removed live. This is exactly what
 * controller/diff.c predicts, so "Synced" after a sync means the diff agrees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "ctrl.h"
#include "diff.h"
#include "doc.h"
#include "patch.h"

/* Drops the deletions (nulls) of `patch` that the last apply did not set. */
static void keep_owned_deletions(json_t *patch, const json_t *original)
{
	const char *k;
	json_t *v, *tmp;
	json_object_foreach_safe(patch, tmp, k, v) {
		json_t *o = json_is_object(original) ? json_object_get(original, k) : NULL;
		if (json_is_null(v)) {
			if (!o)
				json_object_del(patch, k);
		} else if (json_is_object(v) && json_object_size(v)) {
			keep_owned_deletions(v, o);
			if (!json_object_size(v))
				json_object_del(patch, k);      /* only foreign deletions */
		}
	}
}

int apply_three_way_merge(json_t **out, const json_t *original, const json_t *modified,
			  const json_t *current, struct berr *err)
{
	json_t *patch = NULL;
	int rc = merge_patch_create(&patch, current, modified, err);
	if (rc < 0)
		return rc;
	keep_owned_deletions(patch, original);
	*out = patch;
	return 0;
}

static void set_last_applied(json_t *obj)
{
	json_t *copy = doc_copy(obj);
	json_t *ann = doc_get(copy, "metadata.annotations");
	if (ann)
		json_object_del(ann, DIFF_LAST_APPLIED);
	char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	doc_setv_new(obj, json_string(text), NULL, "metadata", "annotations", DIFF_LAST_APPLIED,
		     NULL);
	free(text);
	json_decref(copy);
}

static int is_empty_patch(const json_t *p)
{
	return json_is_object(p) && json_object_size(p) == 0;
}

/* A strategic merge patch that only sets $setElementOrder directives changes nothing. */
static int only_directives(const json_t *p)
{
	const char *k;
	json_t *v;
	if (!json_is_object(p))
		return 0;
	json_object_foreach((json_t *)p, k, v) {
		if (!strncmp(k, "$setElementOrder/", 17))
			continue;
		if (!json_is_object(v) || !only_directives(v))
			return 0;
	}
	return 1;
}

int apply_object(struct kube_client *kc, json_t **out, const json_t *config,
		 const struct apply_options *opts, struct berr *err)
{
	json_t *modified = doc_copy(config), *live = NULL, *res = NULL, *patch = NULL;
	struct kube_write_options wo = { .field_manager = CTRL_FIELD_MANAGER,
					 .dry_run = opts && opts->dry_run };
	struct kube_ref ref = { doc_get_str(config, "apiVersion"), doc_get_str(config, "kind"),
				doc_get_str(config, "metadata.namespace"),
				doc_get_str(config, "metadata.name"), NULL };
	int rc;
	*out = NULL;
	set_last_applied(modified);
	if (opts && opts->probably_missing && !opts->replace) {
		/* the cache has not seen it: create first, one request instead of two */
		rc = kube_client_create(kc, &res, modified, &wo, err);
		if (rc != BERR_EXISTS) {
			if (rc == 0 && opts->message)
				snprintf(opts->message, opts->message_size, "created");
			goto out;
		}
		json_decref(res);
		res = NULL;
		berr_clear(err);
	}
	rc = kube_client_get(kc, &live, &ref, err);
	if (rc == BERR_NOTFOUND) {
		rc = kube_client_create(kc, &res, modified, &wo, err);
		if (rc == 0 && opts && opts->message)
			snprintf(opts->message, opts->message_size, "created");
		goto out;
	}
	if (rc < 0)
		goto out;
	if (opts && opts->replace) {
		json_object_set(json_object_get(modified, "metadata"), "resourceVersion",
				doc_get(live, "metadata.resourceVersion"));
		rc = kube_client_update(kc, &res, modified, &wo, err);
		if (rc == 0 && opts->message)
			snprintf(opts->message, opts->message_size, "replaced");
		goto out;
	}
	const char *la = json_string_value(doc_getv(live, "metadata", "annotations",
						    DIFF_LAST_APPLIED, NULL));
	json_t *original = NULL;
	if (la)
		doc_parse_json(&original, la, strlen(la), NULL, "last-applied", NULL);
	const struct smp_schema *schema = NULL;
	enum kube_patch_type type = KUBE_PATCH_STRATEGIC;
	if (smp_schema_for_object(&schema, modified, NULL) == 0) {
		rc = smp_create_three_way(&patch, original, modified, live, schema, 1, err);
	} else {
		type = KUBE_PATCH_MERGE;
		rc = apply_three_way_merge(&patch, original, modified, live, err);
	}
	json_decref(original);
	if (rc < 0)
		goto out;
	if (is_empty_patch(patch) || (type == KUBE_PATCH_STRATEGIC && only_directives(patch))) {
		res = json_incref(live);
		if (opts && opts->message)
			snprintf(opts->message, opts->message_size, "unchanged");
		goto out;
	}
	char *text = json_dumps(patch, JSON_COMPACT);
	rc = kube_client_patch(kc, &res, &ref, type, text, strlen(text), &wo, err);
	free(text);
	if (rc == 0 && opts && opts->message)
		snprintf(opts->message, opts->message_size, "configured");
out:
	if (rc == 0)
		*out = res;
	else
		json_decref(res);
	json_decref(patch);
	json_decref(live);
	json_decref(modified);
	return rc;
}
