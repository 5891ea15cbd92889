/*
 * secret — masking the values of Kubernetes Secrets in whatever Bosun
 * shows: API answers, the controller's diffs and views, CLI output.
 * DESIGN.md: secrets never appear in logs, diffs or API output.
 *
 * A Secret's values live in three places: `data`, `stringData`, and
 * kubectl's last-applied annotation, which holds the whole configuration
 * as last applied (plain stringData included) as a JSON string. All three
 * are masked: each value becomes a run of '+', and the annotation is
 * parsed, masked the same way and written back (compact JSON), so a user
 * still sees which keys it holds. An annotation that is not a JSON object
 * is replaced by the mask as a whole.
 *
 * An object counts as a Secret by its kind alone ("Secret", any
 * apiVersion): masking a look-alike costs nothing, missing a Secret would.
 * Other objects are left untouched. Masking is idempotent.
 */
#ifndef BOSUN_SECRET_H
#define BOSUN_SECRET_H

#include <jansson.h>

/* What one value is masked to when there is nothing to compare it with. */
#define SECRET_MASK "++++++++"
#define SECRET_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* Masks a Secret in place: every value of data and stringData becomes
 * SECRET_MASK, the last-applied annotation is masked inside. obj may be
 * NULL or any JSON value. */
void secret_mask(json_t *obj);

/*
 * Masks two states of one object (live and desired; either may be NULL)
 * so that they can still be compared: for each key, the first distinct
 * value across both gets 8 '+', the next one 12, and so on, so equal
 * values look equal and a changed value looks changed. Each object is
 * masked only if it is a Secret; alone (b NULL) this is secret_mask().
 */
void secret_mask_pair(json_t *a, json_t *b);

/*
 * The repo server's `repo` credentials object (repo-server.h) from a
 * repository Secret's decoded data ({key: string}): the keys the git
 * transports read, "insecure" as a boolean. The one list of those keys
 * for the API (connection tests, manifests) and the controller. New
 * reference; data may be NULL (an empty object then).
 */
json_t *secret_repo_credentials(const json_t *data);

#endif
