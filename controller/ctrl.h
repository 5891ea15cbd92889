/*
 * ctrl — what the controller's files share inside the part: the running
 * controller, the per-app memory the reconciler keeps between passes, and
 * each file's entry points. Nothing here is for other parts (controller.h
 * is the contract).
 */
#ifndef BOSUN_CTRL_H
#define BOSUN_CTRL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "buf.h"
#include "controller.h"
#include "err.h"
#include "http.h"
#include "kube.h"
#include "resource.h"

#define CTRL_FIELD_MANAGER "bosun-controller"
#define IN_CLUSTER_SERVER "https://kubernetes.default.svc"
#define REFRESH_ANNOTATION "bosun.io/refresh"

struct livecache;
struct queue;

/* A destination cluster: its client and live cache (dest.c). */
struct dest {
	char *server, *name;
	struct kube_client *kc;
	struct livecache *live;
};

struct ctrl_metrics {
	atomic_ulong reconciles, reconcile_errors, status_writes, compares_skipped;
	atomic_ulong syncs_succeeded, syncs_failed, syncs_error;
	atomic_ulong drift_alerts;
	/* reconcile duration histogram (seconds) */
	atomic_ulong hist[8];
	atomic_ulong hist_count;
	atomic_ullong hist_sum_us;
};
extern const double ctrl_hist_bounds[8];

struct controller {
	struct controller_config cfg;   /* strings owned (copied) */
	struct kube_client *kc;         /* control plane = in-cluster destination */
	struct http_client *repo;
	struct livecache *live;         /* the control plane's (dests[0]) */
	struct queue *refresh_q, *op_q;
	pthread_mutex_t dest_mu;        /* guards dests */
	struct dest **dests;            /* [0] in-cluster, then registered clusters */
	size_t ndests;
	long dests_loaded_at;
	void (*live_notify)(const char *app, void *arg);
	atomic_int stopping;
	int cancel;                     /* watch cancel flag (set on stop) */

	pthread_mutex_t mu;             /* guards apps and mem */
	json_t *apps;                   /* name → record of the latest Application seen
					   (appstate.c) */
	json_t *mem;                    /* name → what the reconciler remembers */
	char *apps_rv;                  /* resume point from the first list */
	int started;                    /* every thread is running */

	pthread_mutex_t resolve_mu;     /* guards resolved and repo_creds */
	json_t *resolved;               /* "repoURL\nrevision" → [commit, when (ms)] */
	json_t *repo_creds;             /* url → repository credentials (compare.c) */
	long long repo_creds_at;        /* when they were listed (monotonic ms) */

	pthread_t app_watcher, resyncer;
	pthread_t *workers;
	size_t nworkers;
	struct http_server *http;
	struct ctrl_metrics m;
};

/* crds.c */
int crds_install(struct kube_client *kc, const char *namespace, struct berr *err);

/* appstate.c: the Application watch, the resync timer and the app memory */
int appstate_start(struct controller *c, struct berr *err);
void appstate_stop(struct controller *c);
/* The app as last seen (a new object of the caller's), NULL when gone. */
json_t *appstate_get(struct controller *c, const char *name);
/* Records an app the controller just wrote (the watch will confirm it).
 * Its managedFields are dropped from the caller's object. */
void appstate_put(struct controller *c, json_t *app);
/* The /metrics labels of a record of c->apps (lock held; strings owned by
 * the record, NULL when unset). */
void appstate_labels(const json_t *rec, const char **project, const char **sync,
		     const char **health);
/* A shallow copy of the app's memory (new reference; an empty object at
 * first); its values are shared: never modify them. */
json_t *appmem_get(struct controller *c, const char *name);
/* Sets one key of the app's memory (value stolen; NULL deletes). */
void appmem_set(struct controller *c, const char *name, const char *key, json_t *value);
/* Queues every app for a refresh as the periodic resync does; returns
 * how many. */
size_t appstate_refresh_all(struct controller *c);
/* The digest of what the app asks a refresh for (spec, annotations,
 * deletion), as the app store keeps it. */
void appstate_asks_digest(char out[65], const json_t *app);
/* Whether this controller's shard owns the app. */
int appstate_owns(const struct controller *c, const char *name);
/* Patches the app (merge patch, text of `patch`); subresource "status" or
 * NULL. Keeps the local copy current. */
int app_patch(struct controller *c, const char *name, const json_t *patch,
	      const char *subresource, struct berr *err);
/* A merge patch {"status": ...} setting each field of `fields` against the
 * app's current status, with nulls for keys that went away. New reference. */
json_t *status_patch(struct controller *c, const char *name, const json_t *fields);

/* dest.c */
/* The app's destination cluster; BERR_NOTFOUND when it is not registered. */
int dest_for_app(struct controller *c, const json_t *app, struct dest **out, struct berr *err);
void dest_free_all(struct controller *c);

/* livecache.c */
typedef void (*livecache_notify_fn)(const char *app, void *arg);
int livecache_new(struct livecache **out, struct kube_client *kc, const int *cancel,
		  livecache_notify_fn fn, void *arg);
void livecache_free(struct livecache *lc);
/* Makes sure kind is cached (list + watch), waiting for the first list. */
int livecache_ensure(struct livecache *lc, struct kube_resource *out, const char *api_version,
		     const char *kind, struct berr *err);
/* The live object (new reference) or NULL. */
json_t *livecache_get(struct livecache *lc, const struct res_id *id);
/* Every live object tracked by `app` (array, new reference). */
json_t *livecache_app_objects(struct livecache *lc, const char *app);
/* Objects whose ownerReferences name `uid` (array, new reference). */
json_t *livecache_children(struct livecache *lc, const char *uid);
/* How many changes the cache has seen to what `app` tracks (out[0]) and
 * to objects no app tracks (out[1]); equal counts mean equal live state
 * for the app's compare. */
void livecache_generation(struct livecache *lc, const char *app, unsigned long out[2]);
/* A count of every change the cache took in; livecache_wait() returns once
 * it moves past `seen` (or after timeout_ms, or on cancel). A sync waiting
 * for its objects wakes with the event instead of polling. */
unsigned long livecache_changes(struct livecache *lc);
void livecache_wait(struct livecache *lc, unsigned long seen, long timeout_ms);
size_t livecache_count(struct livecache *lc);
size_t livecache_kinds(struct livecache *lc);

/* compare.c */
struct compare_result {
	char revision[64];
	json_t *targets;        /* desired objects as they will be applied (tracking set) */
	json_t *resources;      /* status.resources */
	json_t *drifted;        /* [{resource fields, diffs[{path, git, live}], manager, time}] */
	const char *sync_status;        /* "Synced", "OutOfSync", "Unknown" */
	int health;                     /* enum health_status */
	struct buf health_message;
	struct buf error;               /* ComparisonError message, "" without */
	struct buf shared;              /* SharedResourceWarning message, "" without */
};
void compare_result_release(struct compare_result *r);
/* Compares the app's manifests with the live state. refresh 0 reuses the
 * manifests fetched within the resync period; 1 (normal) fetches them
 * again after telling the repo server to fetch git; 2 (hard) also
 * bypasses its rendered-manifest cache. */
int compare_app(struct controller *c, const json_t *app, int refresh,
		struct compare_result *out, struct berr *err);
/* Manifests for `source` at `revision` (NULL: the source's targetRevision);
 * *manifests is a new array, rev gets the resolved commit. */
int repo_manifests(struct controller *c, const json_t *app, const json_t *source,
		   const char *revision, int no_cache, json_t **manifests, char rev[64],
		   struct berr *err);
/* The managed-resources view of an app, as Argo CD's API gives it:
 * {revision, items[{group, kind, namespace, name, status (Present,
 * Missing, Extra), liveState, predictedLiveState, diff, modified}]}, the
 * states normalised and Secret values masked. *out is new. */
int compare_managed_resources(struct controller *c, const json_t *app, json_t **out,
			      struct berr *err);
/* The manifests the last compare fetched when they were for `revision`
 * (a commit) and the app's current source and destination (new
 * reference), else NULL: a sync of the revision just compared needs no
 * second trip to the repo server. */
json_t *compare_manifests_at(struct controller *c, const json_t *app, const char *revision);
/* Whether git still points where it did when the manifests in the app's
 * memory `mem` were fetched (the same source, the same resolved commit). */
int compare_unmoved(struct controller *c, const json_t *app, const json_t *mem);
/* Tells the repo server to fetch the app's repository at the next request. */
void repo_invalidate(struct controller *c, const json_t *app);
/* Turns a rendered manifest into the object Bosun applies: namespace
 * defaulted for namespaced kinds, tracking label and annotation set.
 * *out is new. Also fills *id and *res. */
int compare_target(struct dest *dest, json_t **out, struct res_id *id,
		   struct kube_resource *res, const json_t *manifest, const char *app,
		   const char *dest_ns, struct berr *err);

/* sync.c */
/* Runs the operation requested on the app, if any. */
void sync_run(struct controller *c, const char *name);

/* serve.c: the app views served on the controller's port */
int serve_routes(struct controller *c, struct http_server *srv, struct berr *err);

/* reconcile.c */
void reconcile_app(struct controller *c, const char *name);
/* A refresh whose status write also carries `extra` (status members, such
 * as a finished operation's operationState and history): one write instead
 * of two. Always compares; returns 1 when that write succeeded, 0 when
 * nothing was written (app gone or being deleted, or the write failed). */
int reconcile_app_with(struct controller *c, const char *name, const json_t *extra);

/* drift.c */
/* Raises or resolves the drift alert after a compare; adds a condition to
 * `conditions` (status.conditions being built) while drift lasts. */
void drift_check(struct controller *c, const json_t *app, const struct compare_result *r,
		 json_t *conditions);

/* Small shared helpers (reconcile.c). */
void ctrl_now(char out[32]);
int ctrl_event(struct controller *c, const json_t *app, const char *type, const char *reason,
	       const char *message);

#endif
