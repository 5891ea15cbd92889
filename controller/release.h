/*
 * release — the exact manifests a successful sync applied, stored so a
 * rollback reproduces them even after git forgot the commit (DESIGN.md).
 *
 * A release is a JSON document {app, id, revision, source, manifests[]},
 * encoded as Helm encodes its release Secrets: gzip, then base64. It lives
 * in a Secret `bosun.release.<app>.v<id>` of type `bosun.io/release` in
 * the apps' namespace, labelled `bosun.io/release: <app>` and
 * `bosun.io/release-id: <id>`, under data key `release`.
 */
#ifndef BOSUN_CTRL_RELEASE_H
#define BOSUN_CTRL_RELEASE_H

#include <jansson.h>

#include "buf.h"
#include "err.h"

struct kube_client;

/* Decoded releases larger than this are refused (BERR_LIMIT). */
#define RELEASE_MAX_BYTES (64u << 20)

/* Appends base64(gzip(canonical JSON of doc)) to out. */
void release_encode(struct buf *out, const json_t *doc);
/* The reverse; *out is a new reference. BERR_INVALID for bad base64, gzip
 * or JSON, BERR_LIMIT beyond RELEASE_MAX_BYTES. */
int release_decode(json_t **out, const char *text, size_t len, struct berr *err);


/* Writes (creates or replaces) the release Secret for doc's app and id. */
int release_store(struct kube_client *kc, const char *namespace, const json_t *doc,
		  struct berr *err);
/* Reads release `id` of `app`; BERR_NOTFOUND when it was never stored or trimmed. */
int release_load(struct kube_client *kc, json_t **out, const char *namespace,
		 const char *app, long id, struct berr *err);
/* Deletes the release Secret (a missing one is not an error). */
int release_delete(struct kube_client *kc, const char *namespace, const char *app, long id,
		   struct berr *err);

#endif
