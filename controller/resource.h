/*
 * resource — how the controller names a Kubernetes object: its identity
 * (group, kind, namespace, name), the cache key "group/Kind/namespace/name",
 * and resource tracking (label `bosun.io/app` and annotation
 * `bosun.io/tracking-id` = "<app>:<group>/<Kind>:<namespace>/<name>").
 */
#ifndef BOSUN_CTRL_RESOURCE_H
#define BOSUN_CTRL_RESOURCE_H

#include <jansson.h>

#include "buf.h"
#include "err.h"

#define TRACKING_LABEL "bosun.io/app"
#define TRACKING_ANNOTATION "bosun.io/tracking-id"

struct res_id {
	char group[256];
	char kind[128];
	char namespace[254];    /* "" for cluster-scoped objects */
	char name[254];
};

/* Reads apiVersion, kind, metadata.namespace and metadata.name of obj.
 * BERR_INVALID (naming the missing field) when one is absent or too long. */
int res_id_from_object(struct res_id *out, const json_t *obj, struct berr *err);

/* Appends "group/Kind/namespace/name" (the cache and diff key). */
void res_key(struct buf *out, const struct res_id *id);

/* Appends "<app>:<group>/<Kind>:<namespace>/<name>". */
void tracking_id_format(struct buf *out, const char *app, const struct res_id *id);
/*
 * Parses a tracking id into the app name (copied into app, app_size bytes)
 * and the identity. Returns 0 or BERR_INVALID for a malformed id.
 */
int tracking_id_parse(char *app, size_t app_size, struct res_id *out, const char *s,
		      struct berr *err);

/* The app that tracks live object obj: its tracking annotation's app when
 * the annotation names obj itself (a copied object keeps a stale one), else
 * its label. NULL when untracked. Borrowed from obj, or from `scratch`. */
const char *tracking_app_of(const json_t *obj, char *scratch, size_t scratch_size);

#endif
