/*
 * kube-discovery — which kinds the server serves, under which resource name.
 *
 * Discovery reads /api (core versions), /api/<v>, /apis (groups) and
 * /apis/<group>/<version> for every version of every group, and flattens
 * them into one array of `struct kube_resource` (subresources such as
 * "pods/status" are left out). The array is replaced whole on refresh, under
 * a mutex, so readers copy entries out and never hold pointers into it.
 *
 * A lookup miss refreshes once (no more often than discovery_min_interval_ms,
 * so a manifest full of unknown kinds cannot turn into a discovery storm):
 * this is how a CRD created a moment ago becomes usable. A group whose
 * version document fails (an aggregated API that is down) is skipped with a
 * warning, as kubectl does, instead of failing every lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube-internal.h"
#include "log.h"

#define MAX_RESOURCES 100000
#define MAX_GROUP_VERSIONS 5000   /* each costs a request */

struct res_list {
	struct kube_resource *v;
	size_t n;
};

static unsigned parse_verbs(const json_t *verbs)
{
	static const struct {
		const char *name;
		unsigned bit;
	} table[] = {
		{ "get", KUBE_VERB_GET }, { "list", KUBE_VERB_LIST },
		{ "watch", KUBE_VERB_WATCH }, { "create", KUBE_VERB_CREATE },
		{ "update", KUBE_VERB_UPDATE }, { "patch", KUBE_VERB_PATCH },
		{ "delete", KUBE_VERB_DELETE },
		{ "deletecollection", KUBE_VERB_DELETECOLLECTION },
	};
	unsigned bits = 0;
	size_t i;
	json_t *v;

	json_array_foreach(verbs, i, v) {
		const char *s = json_string_value(v);
		for (size_t k = 0; s && k < sizeof(table) / sizeof(table[0]); k++)
			if (!strcmp(s, table[k].name))
				bits |= table[k].bit;
	}
	return bits;
}

static int copy_field(char *dst, size_t size, const char *src)
{
	if (!src || strlen(src) >= size)
		return -1;
	strcpy(dst, src);
	return 0;
}

/* Adds the resources of one APIResourceList answer. */
static int add_resource_list(struct res_list *out, const json_t *doc, const char *group,
			     const char *version, const char *what, struct berr *err)
{
	json_t *resources = json_object_get(doc, "resources");
	size_t i;
	json_t *r;

	if (!json_is_array(resources))
		return berr_set(err, BERR_INVALID, "discovery '%s': 'resources' is not a list",
				what);
	json_array_foreach(resources, i, r) {
		const char *name = json_string_value(json_object_get(r, "name"));
		const char *kind = json_string_value(json_object_get(r, "kind"));
		if (!name || !kind || strchr(name, '/'))
			continue;
		if (out->n >= MAX_RESOURCES)
			return berr_set(err, BERR_LIMIT, "discovery: more than %d resources",
					MAX_RESOURCES);
		struct kube_resource res = { 0 };
		if (copy_field(res.group, sizeof(res.group), group) < 0 ||
		    copy_field(res.version, sizeof(res.version), version) < 0 ||
		    copy_field(res.kind, sizeof(res.kind), kind) < 0 ||
		    copy_field(res.name, sizeof(res.name), name) < 0)
			continue;
		snprintf(res.api_version, sizeof(res.api_version), "%s%s%s", group,
			 group[0] ? "/" : "", version);
		res.namespaced = json_is_true(json_object_get(r, "namespaced"));
		res.verbs = parse_verbs(json_object_get(r, "verbs"));
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = res;
	}
	return 0;
}

static int discover_core(struct kube_client *kc, struct res_list *out, struct berr *err)
{
	json_t *api = NULL, *doc = NULL;
	size_t i;
	json_t *v;
	int ret;

	if ((ret = kube_get_json(kc, &api, "/api", "discovery '/api'", err)) < 0)
		return ret;
	json_array_foreach(json_object_get(api, "versions"), i, v) {
		const char *version = json_string_value(v);
		char path[128];
		if (!version || strlen(version) > 60 || strchr(version, '/'))
			continue;
		snprintf(path, sizeof(path), "/api/%s", version);
		if ((ret = kube_get_json(kc, &doc, path, path, err)) < 0 ||
		    (ret = add_resource_list(out, doc, "", version, path, err)) < 0)
			break;
		json_decref(doc);
		doc = NULL;
	}
	json_decref(doc);
	json_decref(api);
	return ret;
}

static int discover_groups(struct kube_client *kc, struct res_list *out, struct berr *err)
{
	json_t *apis = NULL;
	size_t i, k, visited = 0;
	json_t *g, *v;
	int ret;

	if ((ret = kube_get_json(kc, &apis, "/apis", "discovery '/apis'", err)) < 0)
		return ret;
	json_array_foreach(json_object_get(apis, "groups"), i, g) {
		const char *group = json_string_value(json_object_get(g, "name"));
		if (!group)
			continue;
		/* preferred version first, so lookups by kind alone find it first */
		const char *pref = json_string_value(json_object_get(
			json_object_get(g, "preferredVersion"), "version"));
		json_t *versions = json_object_get(g, "versions");
		for (int pass = 0; pass < 2; pass++) {
			json_array_foreach(versions, k, v) {
				const char *version = json_string_value(json_object_get(v, "version"));
				if (!version || strchr(version, '/') || strchr(group, '/'))
					continue;
				int is_pref = pref && !strcmp(pref, version);
				if ((pass == 0) != is_pref)
					continue;
				if (++visited > MAX_GROUP_VERSIONS) {
					json_decref(apis);
					return berr_set(err, BERR_LIMIT,
							"discovery: more than %d group versions",
							MAX_GROUP_VERSIONS);
				}
				struct buf path = BUF_INIT;
				json_t *doc = NULL;
				struct berr gerr = BERR_INIT;
				buf_adds(&path, "/apis/");
				http_url_escape(&path, group);
				buf_addch(&path, '/');
				http_url_escape(&path, version);
				if (kube_get_json(kc, &doc, path.data, path.data, &gerr) < 0 ||
				    add_resource_list(out, doc, group, version, path.data, &gerr) < 0) {
					if (gerr.code == BERR_LIMIT) {
						*err = gerr;
						json_decref(doc);
						buf_release(&path);
						json_decref(apis);
						return gerr.code;
					}
					log_warn("skipping an API group that failed discovery",
						 "group", group, "version", version, "error", gerr.msg,
						 NULL);
				}
				json_decref(doc);
				buf_release(&path);
			}
		}
	}
	json_decref(apis);
	return 0;
}

int kube_client_discover(struct kube_client *kc, struct berr *err)
{
	struct res_list list = { 0 };
	int ret;

	pthread_mutex_lock(&kc->refresh_mu);
	if ((ret = discover_core(kc, &list, err)) < 0 ||
	    (ret = discover_groups(kc, &list, err)) < 0) {
		pthread_mutex_unlock(&kc->refresh_mu);
		free(list.v);
		return berr_prefix(err, "discovery of '%s'", kc->server);
	}
	pthread_mutex_lock(&kc->disc_mu);
	free(kc->res);
	kc->res = list.v;
	kc->nres = list.n;
	kc->disc_loaded = 1;
	clock_gettime(CLOCK_MONOTONIC, &kc->disc_at);
	pthread_mutex_unlock(&kc->disc_mu);
	pthread_mutex_unlock(&kc->refresh_mu);
	return 0;
}

/* 1 found, 0 not; *age_ms gets the cache age (-1 when never loaded). */
static int lookup(struct kube_client *kc, struct kube_resource *out, const char *group,
		  const char *version, const char *kind, long *age_ms)
{
	int found = 0;

	pthread_mutex_lock(&kc->disc_mu);
	for (size_t i = 0; i < kc->nres && !found; i++) {
		const struct kube_resource *r = &kc->res[i];
		if (!strcmp(r->kind, kind) && !strcmp(r->group, group) &&
		    !strcmp(r->version, version)) {
			*out = *r;
			found = 1;
		}
	}
	if (!kc->disc_loaded) {
		*age_ms = -1;
	} else {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		*age_ms = (now.tv_sec - kc->disc_at.tv_sec) * 1000 +
			  (now.tv_nsec - kc->disc_at.tv_nsec) / 1000000;
	}
	pthread_mutex_unlock(&kc->disc_mu);
	return found;
}

int kube_client_resource(struct kube_client *kc, struct kube_resource *out,
			 const char *api_version, const char *kind, struct berr *err)
{
	char group[256], version[64];
	long age;
	int ret;

	if (!api_version || !kind ||
	    kube_split_api_version(api_version, group, sizeof(group), version,
				   sizeof(version)) < 0)
		return berr_set(err, BERR_INVALID, "apiVersion '%s' is malformed",
				api_version ? api_version : "");
	if (lookup(kc, out, group, version, kind, &age))
		return 0;
	if (age < 0 || age >= kc->disc_min_interval_ms) {
		if ((ret = kube_client_discover(kc, err)) < 0)
			return ret;
		if (lookup(kc, out, group, version, kind, &age))
			return 0;
	}
	return berr_set(err, BERR_NOTFOUND, "kind '%s' of '%s' is not served by '%s'", kind,
			api_version, kc->server);
}

int kube_client_resources(struct kube_client *kc, struct kube_resource **out, size_t *n,
			  struct berr *err)
{
	int ret;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&kc->disc_mu);
	int loaded = kc->disc_loaded;
	pthread_mutex_unlock(&kc->disc_mu);
	if (!loaded && (ret = kube_client_discover(kc, err)) < 0)
		return ret;
	pthread_mutex_lock(&kc->disc_mu);
	*n = kc->nres;
	*out = xmalloc((kc->nres ? kc->nres : 1) * sizeof(**out));
	if (kc->nres)
		memcpy(*out, kc->res, kc->nres * sizeof(**out));
	pthread_mutex_unlock(&kc->disc_mu);
	return 0;
}
