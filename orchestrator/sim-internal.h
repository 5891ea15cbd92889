/*
 * sim-internal.h — what the files of the simulation share (sim.c and the
 * sim-<kind>.c controllers); not part of the orchestrator's contract, which
 * is sim.h.
 *
 * Everything runs on the simulation's one thread, so none of this locks
 * (but for the Event recorder's queue, sim-events.c).
 * Objects passed in are borrowed; functions that return json_t give a new
 * reference the caller decrefs.
 */
#ifndef BOSUN_ORCH_SIM_INTERNAL_H
#define BOSUN_ORCH_SIM_INTERNAL_H

#include <pthread.h>

#include "disruption.h"
#include "sim.h"

#define MANAGER "bosun-sim"

/* A key to reconcile again at due_ms; chained in a hash of the key, so
 * asking again for a key already waiting costs no scan of them all. */
#define TIMER_BUCKETS 4096

struct timer {
	char *key;
	long long due_ms;
	struct timer *next;
};

/* The garbage collector's index: for each owner uid, the store keys of the
 * objects whose ownerReferences name it, kept up to date from events. */
#define OWNER_BUCKETS 4096

/* What the index knows of each dependent, so that a ReplicaSet with
 * nothing to create or delete counts its pods without reading them. */
enum dependent_state {
	DEP_CONTROLLED = 1 << 0,        /* the owner is its controller */
	DEP_READY = 1 << 1,             /* a pod whose Ready condition is True */
	DEP_TERMINATING = 1 << 2,       /* deletionTimestamp set */
};

struct owner {
	char *uid;
	char **keys;
	unsigned char *state;           /* enum dependent_state bits, by key */
	size_t n, cap;
	struct owner *next;
};

struct sim {
	struct objects *o;
	struct registry *reg;
	struct sim_opts opts;
	pthread_t thread;
	int stop;
	int running;
	char **dirty;
	size_t ndirty, capdirty;
	char **gone;                    /* uids of deleted objects */
	size_t ngone, capgone;
	struct owner *owners[OWNER_BUCKETS];    /* owner uid -> dependents' keys */
	struct timer *timers[TIMER_BUCKETS];
	struct sched *sched;            /* sim-scheduler.c's state */
	struct recorder *rec;           /* sim-events.c's Event recorder */
};

/* --- sim.c: queue, timers, owners index, Events, helpers ------------------------- */

long long sim_now_ms(void);
/* Queues key for reconciling on the next pass. */
void sim_mark(struct sim *s, const char *key);
void sim_mark_obj(struct sim *s, const char *prefix, const char *ns, const char *name);
/* Queues key again in ms (the earliest of several requests wins). */
void sim_after(struct sim *s, const char *key, long long ms);
void sim_owner_remove(struct sim *s, const char *uid, const char *key);
/* Counts, from the index, the dependents under prefix ("/core/pods/ns/")
 * that uid controls: all, those not terminating, and the Ready ones. */
void sim_owned_count(struct sim *s, const char *uid, const char *prefix, json_int_t *all,
		     json_int_t *live, json_int_t *ready);
/* A copy of the keys of uid's dependents (NULL-terminated; caller frees
 * each and the array). */
char **sim_owner_dependents(struct sim *s, const char *uid, size_t *n);

/* A new reference to v, or to a new empty object when v is NULL. */
json_t *sim_or_empty(json_t *v);
/* A deep copy of v, or a new empty object when v is NULL. */
json_t *sim_copy_or_empty(const json_t *v);
/* The registry's resource (caller unrefs), or NULL. */
struct resource *sim_res(struct sim *s, const char *group, const char *resource);
/* The controller owner reference of obj, or NULL (borrowed). */
const json_t *sim_controller_of(const json_t *obj);
/* A one-element ownerReferences array naming owner as controller. */
json_t *sim_owner_ref(const json_t *owner, const char *api_version, const char *kind);
/* --- sim-events.c ---------------------------------------------------------------- */

/* The thread that writes the Events sim_emit() queues; stopping it writes
 * what is still queued first. */
struct recorder *sim_recorder_start(struct objects *o);
void sim_recorder_stop(struct recorder *rec);
/* Deletes the Events older than an hour. */
void sim_prune_events(struct sim *s);
/* Records a core/v1 Event about obj, as `kubectl describe` shows them: it
 * is queued and written by the recorder's thread. */
void sim_emit(struct sim *s, const json_t *obj, const char *type, const char *reason,
	      const char *component, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The objects of a kind in ns controlled by uid (every one when uid is
 * NULL), as a new array in key order. */
json_t *sim_list_owned(struct sim *s, const char *group, const char *resource,
		       const char *ns, const char *uid);
/* Enters an object this pass just created into the owners index, before
 * its event comes. */
void sim_track(struct sim *s, struct resource *r, const json_t *obj);
/* Splits "/group/resource/ns/name" (or "/group/resource/name"); each output
 * has 256 bytes. */
int sim_parse_key(const char *key, char *group, char *resource, char *ns, char *name);

/* objects_mutate step that sets status to ss->status when it differs. */
struct sim_set_status {
	json_t *status;
};
int sim_set_status_step(json_t *obj, void *p);

/* Queues every object of a kind. */
void sim_mark_all(struct sim *s, const char *group, const char *resource);

/* --- sim-scheduler.c ------------------------------------------------------------------ */

/* Keeps the scheduler's index of what each node has given away up to date
 * with a pod's event (pod NULL: deleted); a pod leaving a node retries the
 * pending ones. */
void sim_sched_track(struct sim *s, const char *key, const json_t *pod);
/* Keeps a Node (NULL: deleted) and retries the pending pods. */
void sim_sched_node(struct sim *s, const char *name, const json_t *node);
/* Queues the pods left Pending for another try. */
void sim_sched_retry(struct sim *s);
/* Fills the index from the store again (at start, and after lost events). */
void sim_sched_load(struct sim *s);
void sim_sched_free(struct sim *s);
/* Binds an unbound pod, or leaves it Pending with kube-scheduler's reason;
 * returns the pod as it is afterwards (a new reference). */
json_t *sim_schedule_pod(struct sim *s, const json_t *pod, const char *key);
/* Evicts the pods on the node that do not tolerate its NoExecute taints. */
void sim_reconcile_node(struct sim *s, const char *name);
/* Whether the pod may go to the node leaving resources aside: cordon,
 * taints, nodeSelector, required node affinity. When not, why says why in
 * kube-scheduler's words. */
int sim_node_admits(const json_t *node, const json_t *pod, char *why, size_t size);
/* The node's InternalIP ("" when unknown); borrowed. */
const char *sim_node_ip(struct sim *s, const char *name);
/* The Nodes, as a new array. */
json_t *sim_nodes(struct sim *s);
/* A resource quantity ("500m", "1Gi") in milli-units; 0 when malformed. */
long long sim_quantity_milli(const json_t *q);

/* --- sim-volumes.c -------------------------------------------------------------------- */

void sim_reconcile_pvc(struct sim *s, const char *ns, const char *name);
void sim_reconcile_pv(struct sim *s, const char *name);
/* Whether every claim the pod mounts exists and is Bound; why says which
 * is not, as kube-scheduler says it. */
int sim_claims_bound(struct sim *s, const json_t *pod, char *why, size_t size);

/* --- sim-revisions.c ------------------------------------------------------------------ */

/* Makes the ControllerRevision of the owner's (StatefulSet or DaemonSet)
 * current template exist and be the newest; returns its revision number,
 * its name in name and the template hash in hash. */
json_int_t sim_revision_sync(struct sim *s, const json_t *owner, const char *kind, char *name,
			     size_t size, char *hash, size_t hsize);
/* Keeps deployment.kubernetes.io/revision on the Deployment and its new
 * ReplicaSet (rss holds every ReplicaSet it owns, newrs among them). */
void sim_deployment_revision(struct sim *s, const json_t *d, const json_t *rss, const json_t *newrs);

/* --- sim-pods.c ---------------------------------------------------------------------- */

void sim_ensure_nodes(struct sim *s);
/* The pod (NULL: gone) as reconcile() read it. */
void sim_reconcile_pod(struct sim *s, const json_t *pod, const char *key);
/* Keeps lastTransitionTime of conditions whose status did not change. */
void sim_keep_transitions(json_t *status, const json_t *old);
/* Creates a pod from a workload's template with extra labels; name is fixed
 * (StatefulSet) or generated from prefix (DaemonSet). */
int sim_create_pod(struct sim *s, const json_t *owner, const char *kind, const char *ns,
		   const char *name, const char *prefix, json_t *labels, const char *node);
void sim_delete_pod(struct sim *s, const char *ns, const char *name);

/* --- the controllers ------------------------------------------------------------------ */

/* The ReplicaSet (NULL: gone) as reconcile() read it. */
void sim_reconcile_rs(struct sim *s, const json_t *rs);
void sim_reconcile_deployment(struct sim *s, const char *ns, const char *name, const char *key);
void sim_reconcile_job(struct sim *s, const char *ns, const char *name);
/* Whether obj has a condition of that type with status True. */
int sim_has_condition(const json_t *obj, const char *type);
void sim_reconcile_cronjob(struct sim *s, const char *ns, const char *name, const char *key);
void sim_reconcile_sts(struct sim *s, const char *ns, const char *name, const char *key);
void sim_reconcile_ds(struct sim *s, const char *ns, const char *name, const char *key);
/* One pass over a namespace's Services. */
void sim_reconcile_endpoints(struct sim *s, const char *ns);
/* One pass over a namespace's PodDisruptionBudgets. */
void sim_reconcile_disruption(struct sim *s, const char *ns);

/* --- sim-gc.c ---------------------------------------------------------------------------- */

/* Deletes the objects owned by uid with the given propagation; returns how
 * many there were. */
int sim_delete_dependents(struct sim *s, const char *uid, const char *propagation);
/* An object waiting in foreground deletion: delete its dependents, then
 * let it go. */
void sim_reconcile_foreground(struct sim *s, const char *key, const json_t *obj,
			      struct resource *r);

#endif
