/*
 * diff — does a live object differ from its desired config, the way Argo CD
 * and `kubectl apply` see it (the legacy three-way diff), and the text diff
 * shown to users.
 *
 * diff_compute() predicts what the live object would become if the config
 * were applied now: the three-way patch from the last-applied configuration
 * (an annotation on the live object), the config and the live object,
 * applied to the live object (strategic merge for built-in kinds, JSON
 * merge for custom resources). The resource is modified when the
 * prediction differs from the live object. So fields the server or other
 * controllers set are not drift, and a field removed from git that the
 * last apply had set is. Both outputs are normalised the same way: status,
 * managedFields and server-set metadata (resourceVersion, uid, generation,
 * creationTimestamp, selfLink) and the last-applied annotation removed,
 * Secret values masked with runs of '+' (equal values get equal masks, so a
 * changed value still shows as changed).
 */
#ifndef BOSUN_DIFF_H
#define BOSUN_DIFF_H

#include <jansson.h>

#include "buf.h"
#include "err.h"

#define DIFF_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

struct diff_options {
	/* The annotation holding the last-applied configuration; NULL means
	 * DIFF_LAST_APPLIED. */
	const char *last_applied_key;
	/* Rules of an aggregated ClusterRole/Role (it has aggregationRule) are
	 * filled by the control plane: ignore them. */
	int ignore_aggregated_roles;
};

struct diff_result {
	int modified;
	/* What live would be after applying config; NULL when config is NULL
	 * (the resource is not in git). Owned: diff_result_release(). */
	json_t *predicted_live;
	/* The live object, normalised the same way; NULL when live is NULL
	 * (the resource does not exist yet). */
	json_t *normalized_live;
};

#define DIFF_RESULT_INIT { 0, NULL, NULL }

/*
 * Compares `config` (desired, may be NULL) with `live` (may be NULL, not
 * both). Neither input is modified. `opts` may be NULL. Returns 0, or
 * BERR_INVALID (an input is not an object with apiVersion and kind),
 * BERR_LIMIT (nesting too deep). A last-applied annotation that is not
 * valid JSON is ignored: the config is taken as last applied, as Argo CD
 * does.
 */
int diff_compute(struct diff_result *out, const json_t *config,
		 const json_t *live, const struct diff_options *opts,
		 struct berr *err);

void diff_result_release(struct diff_result *r);

/*
 * Appends to `out` a unified diff (as `diff -u`) of the lines of text `a`
 * and `b` — typically two objects rendered as YAML — headed by
 * "--- label_a" / "+++ label_b", with `context` lines around each change.
 * Equal texts append nothing. Returns 0, or BERR_LIMIT when a text has
 * more than DIFF_MAX_LINES lines.
 */
#define DIFF_MAX_LINES 1000000
int diff_unified(struct buf *out, const char *a, const char *b,
		 const char *label_a, const char *label_b, int context,
		 struct berr *err);

#endif
