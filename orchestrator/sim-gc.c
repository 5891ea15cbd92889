/*
 * sim-gc.c — the garbage collector: when an owner leaves the store its
 * dependents (from the owners index) are deleted in the background; an
 * owner in foreground deletion keeps its foregroundDeletion finalizer until
 * its dependents are gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sim-internal.h"

static int drop_foreground(json_t *obj, void *p)
{
	(void)p;
	json_t *f = doc_get(obj, "metadata.finalizers");
	size_t i;
	json_t *v;
	json_array_foreach(f, i, v)
		if (!strcmp(json_string_value(v) ?: "", "foregroundDeletion")) {
			json_array_remove(f, i);
			return 1;
		}
	return 0;
}

/* Deletes the objects owned by uid with the given propagation; returns how
 * many there were. */
int sim_delete_dependents(struct sim *s, const char *uid, const char *propagation)
{
	size_t n;
	char **keys = sim_owner_dependents(s, uid, &n);
	struct obj_delete_opts opts = { .propagation = propagation };
	for (size_t i = 0; i < n; i++) {
		char group[256], resource[256], ns[256], name[256];
		if (sim_parse_key(keys[i], group, resource, ns, name) == 0) {
			struct resource *r = registry_find(s->reg, group, NULL, resource);
			json_t *out = NULL;
			int deleted;
			if (r && objects_delete(s->o, r, ns[0] ? ns : NULL, name, &opts, &out, &deleted,
						NULL) == BERR_NOTFOUND)
				sim_owner_remove(s, uid, keys[i]);
			json_decref(out);
			resource_unref(r);
		}
		free(keys[i]);
	}
	free(keys);
	return (int)n;
}

/* An object waiting in foreground deletion: delete its dependents, then
 * let it go. */
void sim_reconcile_foreground(struct sim *s, const char *key, const json_t *obj,
				 struct resource *r)
{
	const char *ns = doc_get_str(obj, "metadata.namespace");
	int left = sim_delete_dependents(s, doc_get_str(obj, "metadata.uid") ?: "", "Foreground");
	if (left == 0)
		objects_mutate(s->o, r, ns, doc_get_str(obj, "metadata.name"), OBJ_MAIN,
			       "garbage-collector", drop_foreground, NULL, NULL);
	else
		sim_after(s, key, 200);
}
