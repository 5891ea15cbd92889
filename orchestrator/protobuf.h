/*
 * protobuf — Kubernetes protobuf request bodies read into the JSON the
 * cluster already handles.
 *
 * kubectl's imperative generators (`kubectl create ns`, `create deployment`,
 * `create secret`, ...) send `application/vnd.kubernetes.protobuf`: the
 * magic "k8s\0", then a runtime.Unknown holding the TypeMeta and the
 * object's own protobuf encoding. protobuf_decode() turns such a body into
 * the object as the JSON API would have received it, for the kinds whose
 * schema it knows (see protobuf-schema.c).
 */
#ifndef BOSUN_ORCH_PROTOBUF_H
#define BOSUN_ORCH_PROTOBUF_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"

/* Limits on hostile bodies. */
#define PROTOBUF_MAX_BYTES (3u << 20)
#define PROTOBUF_MAX_DEPTH 40
#define PROTOBUF_MAX_NODES 200000

/* Decodes a protobuf body into a new JSON object in *out (the caller
 * decrefs it). Returns 0; BERR_UNSUPPORTED when the body names a kind (or
 * a content encoding) the decoder does not know; BERR_INVALID when the
 * body is malformed; BERR_LIMIT when a size, depth or count limit is hit.
 * On failure *out is NULL and `err` says what was wrong and where. */
int protobuf_decode(json_t **out, const void *body, size_t len, struct berr *err);

#endif
