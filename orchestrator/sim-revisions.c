/*
 * sim-revisions.c — rollout history, kept as the real controllers keep it,
 * so `kubectl rollout history` and `kubectl rollout undo` work.
 *
 * StatefulSets and DaemonSets: one ControllerRevision per pod template,
 * named <owner>-<template hash>, owned by the workload, labelled with the
 * template's labels (so the owner's selector finds it) and carrying the
 * owner's annotations (kubernetes.io/change-cause among them). Its data is
 * the strategic merge patch that puts the template back,
 * {"spec":{"template":{..., "$patch":"replace"}}} — exactly what kubectl
 * sends on undo. A template seen before (an undo) gets its old revision
 * back with the next number; history beyond revisionHistoryLimit goes,
 * oldest first.
 *
 * Deployments keep their history in ReplicaSets instead: the new
 * ReplicaSet's deployment.kubernetes.io/revision is the highest (one
 * brought back by an undo gets the next number and lists its old ones in
 * revision-history), it carries the Deployment's annotations, and the
 * Deployment carries the same revision annotation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sim-internal.h"

#define REVISION "deployment.kubernetes.io/revision"
#define REVISION_HISTORY "deployment.kubernetes.io/revision-history"

static int set_revision_step(json_t *cr, void *p)
{
	json_int_t want = *(json_int_t *)p;
	if (doc_get_int(cr, "revision", 0) == want)
		return 0;
	json_object_set_new(cr, "revision", json_integer(want));
	return 1;
}

static int by_revision(const void *a, const void *b)
{
	json_int_t x = doc_get_int(*(json_t *const *)a, "revision", 0);
	json_int_t y = doc_get_int(*(json_t *const *)b, "revision", 0);
	return x < y ? -1 : x > y;
}

/* Deletes the oldest revisions past the owner's revisionHistoryLimit,
 * never `keep` nor the owner's current revision. */
static void prune(struct sim *s, struct resource *r, const json_t *owner, json_t *revs,
		  const char *keep)
{
	json_int_t limit = doc_get_int(owner, "spec.revisionHistoryLimit", 10);
	size_t n = json_array_size(revs);
	if ((json_int_t)n <= limit + 1)
		return;
	json_t **v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(revs, i);
	qsort(v, n, sizeof(*v), by_revision);
	const char *current = doc_get_str(owner, "status.currentRevision") ?: "";
	size_t extra = n - (size_t)limit - 1;
	for (size_t i = 0; i < n && extra > 0; i++) {
		const char *name = doc_get_str(v[i], "metadata.name") ?: "";
		if (!strcmp(name, keep) || !strcmp(name, current))
			continue;
		json_t *out = NULL;
		int deleted;
		objects_delete(s->o, r, doc_get_str(owner, "metadata.namespace"), name, NULL, &out,
			       &deleted, NULL);
		json_decref(out);
		extra--;
	}
	free(v);
}

json_int_t sim_revision_sync(struct sim *s, const json_t *owner, const char *kind, char *name,
			     size_t size, char *hash, size_t hsize)
{
	const char *ns = doc_get_str(owner, "metadata.namespace");
	const json_t *tmpl = doc_get(owner, "spec.template");
	sim_template_hash(hash, hsize, tmpl);
	snprintf(name, size, "%s-%s", doc_get_str(owner, "metadata.name") ?: "", hash);
	struct resource *r = sim_res(s, "apps", "controllerrevisions");
	json_t *revs = sim_list_owned(s, "apps", "controllerrevisions", ns,
				      doc_get_str(owner, "metadata.uid"));
	json_int_t max = 0, mine = 0;
	size_t i;
	json_t *cr;
	json_array_foreach(revs, i, cr) {
		json_int_t n = doc_get_int(cr, "revision", 0);
		max = n > max ? n : max;
		if (!strcmp(doc_get_str(cr, "metadata.name") ?: "", name))
			mine = n;
	}
	if (!mine) {
		json_t *t = sim_copy_or_empty(tmpl);
		json_object_set_new(t, "$patch", json_string("replace"));
		json_t *labels = sim_copy_or_empty(doc_get(tmpl, "metadata.labels"));
		json_object_set_new(labels, !strcmp(kind, "DaemonSet") ? "controller-revision-hash"
				    : "controller.kubernetes.io/hash", json_string(hash));
		json_t *obj = json_pack(
			"{s:s, s:s, s:{s:s, s:s, s:o, s:o, s:o}, s:{s:{s:o}}, s:I}",
			"apiVersion", "apps/v1", "kind", "ControllerRevision", "metadata", "name", name,
			"namespace", ns, "labels", labels, "annotations",
			sim_copy_or_empty(doc_get(owner, "metadata.annotations")), "ownerReferences",
			sim_owner_ref(owner, "apps/v1", kind), "data", "spec", "template", t,
			"revision", max + 1);
		json_t *out = NULL;
		if (objects_create(s->o, r, ns, obj, NULL, &out, NULL) == 0) {
			sim_track(s, r, out);
			mine = max + 1;
			json_array_append(revs, out);
		}
		json_decref(out);
		json_decref(obj);
	} else if (mine < max) {
		mine = max + 1;
		objects_mutate(s->o, r, ns, name, OBJ_MAIN, MANAGER, set_revision_step, &mine, NULL);
	}
	prune(s, r, owner, revs, name);
	json_decref(revs);
	resource_unref(r);
	return mine;
}

/* --- Deployments ------------------------------------------------------------------ */

static int skipped(const char *key)
{
	static const char *const skip[] = {
		"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
		"deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas",
		"deprecated.deployment.rollback.to", NULL,
	};
	for (size_t i = 0; skip[i]; i++)
		if (!strcmp(key, skip[i]))
			return 1;
	return 0;
}

struct annotate {
	json_t *want;           /* annotations to set */
};

/* Whether obj lacks one of the annotations a wants. */
static int lacks(const json_t *obj, const struct annotate *a)
{
	const json_t *ann = doc_get(obj, "metadata.annotations");
	const char *k;
	json_t *v;
	json_object_foreach(a->want, k, v)
		if (!json_equal(json_object_get(ann, k), v))
			return 1;
	return 0;
}

static int annotate_step(json_t *obj, void *p)
{
	struct annotate *a = p;
	if (!lacks(obj, a))
		return 0;
	json_t *ann = doc_get(obj, "metadata.annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		doc_set_new(obj, "metadata.annotations", ann, NULL);
	}
	int changed = 0;
	const char *k;
	json_t *v;
	json_object_foreach(a->want, k, v)
		if (!json_equal(json_object_get(ann, k), v)) {
			json_object_set(ann, k, v);
			changed = 1;
		}
	return changed;
}

static long long revision_of(const json_t *rs)
{
	return atoll(doc_get_str(rs, "metadata.annotations[\"" REVISION "\"]") ?: "0");
}

void sim_deployment_revision(struct sim *s, const json_t *d, const json_t *rss, const json_t *newrs)
{
	const char *ns = doc_get_str(d, "metadata.namespace");
	long long max = 0, mine = revision_of(newrs);
	size_t i;
	json_t *rs;
	json_array_foreach(rss, i, rs)
		if (rs != newrs && revision_of(rs) > max)
			max = revision_of(rs);
	struct annotate a = { json_object() };
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)doc_get(d, "metadata.annotations"), k, v)
		if (!skipped(k))
			json_object_set(a.want, k, v);
	char num[32];
	if (mine <= max) {
		const char *was = doc_get_str(newrs, "metadata.annotations[\"" REVISION_HISTORY "\"]");
		json_object_set_new(a.want, REVISION_HISTORY,
				    was && *was ? json_sprintf("%s,%lld", was, mine) : json_sprintf("%lld", mine));
		mine = max + 1;
	}
	snprintf(num, sizeof(num), "%lld", mine);
	json_object_set_new(a.want, REVISION, json_string(num));
	struct resource *rr = sim_res(s, "apps", "replicasets"), *dr = sim_res(s, "apps", "deployments");
	if (lacks(newrs, &a))
		objects_mutate(s->o, rr, ns, doc_get_str(newrs, "metadata.name"), OBJ_MAIN, MANAGER,
			       annotate_step, &a, NULL);
	json_object_clear(a.want);
	json_object_set_new(a.want, REVISION, json_string(num));
	if (lacks(d, &a))
		objects_mutate(s->o, dr, ns, doc_get_str(d, "metadata.name"), OBJ_MAIN, MANAGER,
			       annotate_step, &a, NULL);
	json_decref(a.want);
	resource_unref(rr);
	resource_unref(dr);
}
