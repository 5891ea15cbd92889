/*
 * syncplan — the order of a sync, as Argo CD's gitops-engine orders it:
 * phase (PreSync, Sync, PostSync; SyncFail only when the sync failed), then
 * wave (`argocd.argoproj.io/sync-wave`, `bosun.io/sync-wave`, or Helm's
 * `helm.sh/hook-weight` for Helm hooks), then kind (Namespaces and CRDs
 * first, Helm's install order), then name. Also what a manifest says about
 * itself: whether it is a hook, of which phases, and its delete policies.
 */
#ifndef BOSUN_CTRL_SYNCPLAN_H
#define BOSUN_CTRL_SYNCPLAN_H

#include <jansson.h>

enum sync_phase {
	PHASE_PRESYNC,
	PHASE_SYNC,
	PHASE_POSTSYNC,
	PHASE_SYNCFAIL,
	PHASE_COUNT,
};

/* Bits of syncplan_hook_phases(). */
#define PHASE_BIT(p) (1u << (p))
#define PHASE_SKIP_BIT (1u << PHASE_COUNT)

/* Hook delete policies. */
#define HOOK_DELETE_BEFORE_CREATION 1u
#define HOOK_DELETE_SUCCEEDED 2u
#define HOOK_DELETE_FAILED 4u

/*
 * The hook phases an object declares (bosun.io/hook, argocd.argoproj.io/hook,
 * or helm.sh/hook mapped as Argo CD maps it: pre-install/pre-upgrade and
 * crd-install → PreSync, post-install/post-upgrade → PostSync). 0 for a
 * plain resource; PHASE_SKIP_BIT for `Skip` or Helm hooks Argo CD ignores
 * (test, pre-delete, ...), which are not applied at all.
 */
unsigned syncplan_hook_phases(const json_t *obj);
/* Delete policy bits; BeforeHookCreation when the hook names none. */
unsigned syncplan_delete_policy(const json_t *obj);
/* The wave (0 unless annotated; unparseable values count as 0). */
int syncplan_wave(const json_t *obj);
/* Position of a kind in the apply order; unknown kinds come last. */
int syncplan_kind_order(const char *kind);

const char *syncplan_phase_name(enum sync_phase p);

struct sync_task {
	enum sync_phase phase;
	int wave;
	int kind_order;
	const char *kind;               /* borrowed */
	const char *name;               /* borrowed */
	const char *namespace;          /* borrowed */
	int prune;                      /* delete, not apply (runs in reverse order) */
	void *data;                     /* the caller's */
};

/* Sorts tasks into execution order: by phase; in a phase, applies by wave,
 * kind order, kind, namespace, name; then prunes in the reverse order. */
void syncplan_sort(struct sync_task *tasks, size_t n);

#endif
