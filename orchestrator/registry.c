/*
 * registry.c — the served resources: built-ins plus CRDs (see registry.h).
 *
 * A plain array of reference-counted entries under a mutex. Built-ins come
 * first in lib/kinds.h order, CRD resources follow in the order their CRDs
 * were added; discovery walks the array in that order. A CRD added again
 * (an update) has its entries replaced in place of the old ones.
 */
#include "registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "kinds.h"
#include "names.h"

struct registry {
	pthread_mutex_t mu;
	struct resource **list;
	size_t n, cap;
};

void resource_unref(struct resource *r)
{
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(r->group);
	free(r->version);
	free(r->kind);
	free(r->list_kind);
	free(r->resource);
	free(r->singular);
	strv_free(r->short_names);
	strv_free(r->categories);
	free(r->crd);
	json_decref(r->printer_columns);
	json_decref(r->scale);
	json_decref(r->schema);
	free(r);
}

static struct resource *ref(struct resource *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
	return r;
}

void resource_api_version(const struct resource *r, char *out, size_t size)
{
	if (r->group[0])
		snprintf(out, size, "%s/%s", r->group, r->version);
	else
		snprintf(out, size, "%s", r->version);
}

static void push(struct registry *reg, struct resource *r)
{
	if (reg->n == reg->cap) {
		reg->cap = reg->cap ? reg->cap * 2 : 64;
		reg->list = xrealloc(reg->list, reg->cap * sizeof(*reg->list));
	}
	reg->list[reg->n++] = r;
}

struct registry *registry_new(void)
{
	struct registry *reg = xcalloc(1, sizeof(*reg));
	pthread_mutex_init(&reg->mu, NULL);
	size_t n;
	const struct kind_info *k = kinds_builtin(&n);
	for (size_t i = 0; i < n; i++) {
		struct resource *r = xcalloc(1, sizeof(*r));
		r->refs = 1;
		r->group = xstrdup(k[i].group);
		r->version = xstrdup(k[i].version);
		r->kind = xstrdup(k[i].kind);
		struct buf lk = BUF_INIT;
		buf_addf(&lk, "%sList", k[i].kind);
		r->list_kind = buf_detach(&lk, NULL);
		r->resource = xstrdup(k[i].resource);
		r->singular = xstrdup(k[i].singular);
		r->namespaced = k[i].namespaced;
		r->short_names = xstrv_dup(k[i].short_names);
		r->categories = xstrv_dup(k[i].categories);
		r->subresources = k[i].subresources;
		r->storage = !kinds_storage_version(&k[i]);
		push(reg, r);
	}
	return reg;
}

void registry_free(struct registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++)
		resource_unref(reg->list[i]);
	free(reg->list);
	pthread_mutex_destroy(&reg->mu);
	free(reg);
}

static struct resource *find(struct registry *reg, const char *group,
			     const char *version, const char *resource,
			     const char *kind)
{
	struct resource *best = NULL;
	pthread_mutex_lock(&reg->mu);
	for (size_t i = 0; i < reg->n; i++) {
		struct resource *r = reg->list[i];
		if (strcmp(r->group, group))
			continue;
		if (resource ? strcmp(r->resource, resource) : strcmp(r->kind, kind))
			continue;
		if (version && strcmp(r->version, version))
			continue;
		if (!best || r->storage)
			best = r;
		if (version || r->storage)
			break;
	}
	if (best)
		ref(best);
	pthread_mutex_unlock(&reg->mu);
	return best;
}

struct resource *registry_find(struct registry *reg, const char *group,
			       const char *version, const char *resource)
{
	return find(reg, group, version, resource, NULL);
}

struct resource *registry_find_kind(struct registry *reg, const char *group,
				    const char *version, const char *kind)
{
	return find(reg, group, version, NULL, kind);
}

/* --- CRDs ------------------------------------------------------------------ */

static int str_field(const json_t *obj, const char *path, const char **out,
		     int required, struct berr *err)
{
	const json_t *v = doc_get(obj, path);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return berr_set(err, BERR_INVALID, "%s: Required value", path);
		return 0;
	}
	if (!json_is_string(v))
		return berr_set(err, BERR_INVALID, "%s: Invalid value: must be a string", path);
	*out = json_string_value(v);
	if (required && !(*out)[0])
		return berr_set(err, BERR_INVALID, "%s: Required value", path);
	return 0;
}

static char **str_list(const json_t *arr)
{
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	char **out = xcalloc(n + 1, sizeof(*out));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (json_is_string(json_array_get(arr, i)))
			out[k++] = xstrdup(json_string_value(json_array_get(arr, i)));
	return out;
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

int registry_add_crd(struct registry *reg, const json_t *crd, int apply,
		     struct berr *err)
{
	const char *name, *group, *plural, *singular, *kind, *list_kind, *scope;
	int rc;
	if ((rc = str_field(crd, "metadata.name", &name, 1, err)) ||
	    (rc = str_field(crd, "spec.group", &group, 1, err)) ||
	    (rc = str_field(crd, "spec.names.plural", &plural, 1, err)) ||
	    (rc = str_field(crd, "spec.names.singular", &singular, 0, err)) ||
	    (rc = str_field(crd, "spec.names.kind", &kind, 1, err)) ||
	    (rc = str_field(crd, "spec.names.listKind", &list_kind, 0, err)) ||
	    (rc = str_field(crd, "spec.scope", &scope, 1, err)))
		return rc;
	if (strcmp(scope, "Namespaced") && strcmp(scope, "Cluster"))
		return berr_set(err, BERR_INVALID,
				"spec.scope: Unsupported value: \"%s\": supported values: "
				"\"Cluster\", \"Namespaced\"", scope);
	if (names_dns1123_subdomain(group) || !strchr(group, '.'))
		return berr_set(err, BERR_INVALID,
				"spec.group: Invalid value: \"%s\": should be a domain with at "
				"least one dot", group);
	if (names_dns1123_label(plural))
		return berr_set(err, BERR_INVALID, "spec.names.plural: Invalid value: \"%s\": %s",
				plural, names_dns1123_label(plural));
	if (singular && singular[0] && names_dns1123_label(singular))
		return berr_set(err, BERR_INVALID, "spec.names.singular: Invalid value: \"%s\"",
				singular);
	struct buf want = BUF_INIT;
	buf_addf(&want, "%s.%s", plural, group);
	int name_ok = !strcmp(want.data, name);
	buf_release(&want);
	if (!name_ok)
		return berr_set(err, BERR_INVALID,
				"metadata.name: Invalid value: \"%s\": must be spec.names.plural+"
				"\".\"+spec.group", name);
	const json_t *versions = doc_get(crd, "spec.versions");
	if (!json_is_array(versions) || json_array_size(versions) == 0)
		return berr_set(err, BERR_INVALID, "spec.versions: Invalid value: must have "
				"exactly one version marked as storage version");
	int nstorage = 0;
	for (size_t i = 0; i < json_array_size(versions); i++) {
		const json_t *v = json_array_get(versions, i);
		const json_t *vn = json_object_get(v, "name");
		if (!json_is_string(vn) || names_dns1123_label(json_string_value(vn)))
			return berr_set(err, BERR_INVALID, "spec.versions[%zu].name: Invalid value",
					i);
		if (json_is_true(json_object_get(v, "storage")))
			nstorage++;
	}
	if (nstorage != 1)
		return berr_set(err, BERR_INVALID, "spec.versions: Invalid value: must have "
				"exactly one version marked as storage version");
	size_t nb;
	const struct kind_info *k = kinds_builtin(&nb);
	for (size_t i = 0; i < nb; i++)
		if (!strcmp(k[i].group, group))
			return berr_set(err, BERR_EXISTS, "spec.group: \"%s\" is a built-in group",
					group);
	if (!apply)
		return 0;

	struct resource **fresh = xcalloc(json_array_size(versions), sizeof(*fresh));
	size_t nfresh = 0;
	for (size_t i = 0; i < json_array_size(versions); i++) {
		const json_t *v = json_array_get(versions, i);
		if (json_is_false(json_object_get(v, "served")))
			continue;
		struct resource *r = xcalloc(1, sizeof(*r));
		r->refs = 1;
		r->group = xstrdup(group);
		r->version = xstrdup(json_string_value(json_object_get(v, "name")));
		r->kind = xstrdup(kind);
		if (list_kind && list_kind[0]) {
			r->list_kind = xstrdup(list_kind);
		} else {
			struct buf lk = BUF_INIT;
			buf_addf(&lk, "%sList", kind);
			r->list_kind = buf_detach(&lk, NULL);
		}
		r->resource = xstrdup(plural);
		r->singular = singular && singular[0] ? xstrdup(singular) : lower_dup(kind);
		r->namespaced = !strcmp(scope, "Namespaced");
		r->short_names = str_list(doc_get(crd, "spec.names.shortNames"));
		r->categories = str_list(doc_get(crd, "spec.names.categories"));
		const json_t *sub = json_object_get(v, "subresources");
		if (json_object_get(sub, "status"))
			r->subresources |= KIND_SUB_STATUS;
		if (json_object_get(sub, "scale")) {
			r->subresources |= KIND_SUB_SCALE;
			r->scale = json_deep_copy(json_object_get(sub, "scale"));
		}
		const json_t *cols = json_object_get(v, "additionalPrinterColumns");
		if (json_is_array(cols))
			r->printer_columns = json_deep_copy(cols);
		const json_t *schema = doc_get(v, "schema.openAPIV3Schema");
		if (json_is_object(schema))
			r->schema = json_deep_copy(schema);
		r->storage = json_is_true(json_object_get(v, "storage"));
		r->crd = xstrdup(name);
		fresh[nfresh++] = r;
	}

	pthread_mutex_lock(&reg->mu);
	size_t at = reg->n, w = 0;
	for (size_t i = 0; i < reg->n; i++) {
		struct resource *r = reg->list[i];
		if (r->crd && !strcmp(r->crd, name)) {
			if (at == reg->n)
				at = w;
			resource_unref(r);
			continue;
		}
		reg->list[w++] = r;
	}
	reg->n = w;
	if (at > reg->n)
		at = reg->n;
	for (size_t i = 0; i < nfresh; i++)
		push(reg, NULL);
	memmove(reg->list + at + nfresh, reg->list + at, (reg->n - nfresh - at) * sizeof(*reg->list));
	for (size_t i = 0; i < nfresh; i++)
		reg->list[at + i] = fresh[i];
	pthread_mutex_unlock(&reg->mu);
	free(fresh);
	return 0;
}

void registry_remove_crd(struct registry *reg, const char *crd_name)
{
	pthread_mutex_lock(&reg->mu);
	size_t w = 0;
	for (size_t i = 0; i < reg->n; i++) {
		struct resource *r = reg->list[i];
		if (r->crd && !strcmp(r->crd, crd_name))
			resource_unref(r);
		else
			reg->list[w++] = r;
	}
	reg->n = w;
	pthread_mutex_unlock(&reg->mu);
}

struct resource **registry_snapshot(struct registry *reg, size_t *n)
{
	pthread_mutex_lock(&reg->mu);
	struct resource **out = xcalloc(reg->n + 1, sizeof(*out));
	for (size_t i = 0; i < reg->n; i++)
		out[i] = ref(reg->list[i]);
	*n = reg->n;
	pthread_mutex_unlock(&reg->mu);
	return out;
}

void registry_snapshot_free(struct resource **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		resource_unref(list[i]);
	free(list);
}
