/*
 * objects — the object layer of the bundled cluster: what the API server
 * does to an object between the HTTP request and the store.
 *
 * It owns the metadata rules (uid, creationTimestamp, generation bumped on
 * spec changes only, generateName, name rules per kind, labels and
 * annotations, namespaces that must exist and not be terminating), the
 * defaults of built-in kinds, status-subresource semantics, finalizers and
 * deletionTimestamp, and the propagation policy of deletes. The HTTP
 * handlers (api-*.c) and the simulated controllers (sim-*.c) both go
 * through it, so a controller's write is checked exactly like a user's.
 *
 * Objects are stored as compact JSON without metadata.resourceVersion; the
 * store's revision is put back on every read.
 *
 * Ownership: `obj` arguments are borrowed; *out objects are new references
 * the caller decrefs. Every function returns 0 or a negative BERR code with
 * `st` filled (st may be NULL).
 */
#ifndef BOSUN_ORCH_OBJECTS_H
#define BOSUN_ORCH_OBJECTS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "kstatus.h"
#include "registry.h"
#include "store.h"

struct objects;

/* Creates the object layer over a store and registry (both borrowed, must
 * outlive it). Free with objects_free(). */
struct objects *objects_new(struct store *store, struct registry *reg);
void objects_free(struct objects *o);
struct store *objects_store(struct objects *o);
struct registry *objects_registry(struct objects *o);

enum obj_sub { OBJ_MAIN = 0, OBJ_STATUS, OBJ_SCALE };

struct obj_write_opts {
	int dry_run;
	const char *field_manager;      /* default "unknown" */
	int apply;                      /* server-side apply: operation Apply */
	const json_t *applied;          /* the applied configuration (or create body) */
	enum obj_sub sub;
	/* When set, a create or update that stores the object appends its JSON
	 * text (with resourceVersion: *out as text) here, so the caller can
	 * answer without printing *out again; left empty by any other outcome. */
	struct buf *out_text;
};

struct obj_delete_opts {
	int dry_run;
	const char *propagation;        /* Foreground, Background, Orphan; NULL = default */
	const char *precondition_uid;
	const char *precondition_rv;
	/* Graceful deletion, as the API server does it for a request: a pod
	 * bound to a node and not finished is only marked (deletionTimestamp =
	 * now + grace, deletionGracePeriodSeconds = grace) and leaves once its
	 * simulated containers have stopped, at the latest when the grace period
	 * ends. grace_period < 0 takes the pod's terminationGracePeriodSeconds;
	 * 0 deletes at once (`kubectl delete --grace-period=0 --force`). Without
	 * `graceful` (the controllers' own deletes) pods go at once. */
	int graceful;
	int64_t grace_period;
};

/* The store key of an object ("/apps/deployments/ns/name"), malloc'd. */
char *objects_key(const struct resource *r, const char *ns, const char *name);
/* The key prefix of a list: one namespace, or all when ns is NULL or "". */
char *objects_prefix(const struct resource *r, const char *ns);

int objects_create(struct objects *o, struct resource *r, const char *ns,
		   const json_t *obj, const struct obj_write_opts *opts, json_t **out,
		   struct kstatus *st);
int objects_get(struct objects *o, struct resource *r, const char *ns,
		const char *name, json_t **out, struct kstatus *st);
/*
 * PUT semantics: the object replaces the stored one (status ignored on the
 * main resource of kinds with a status subresource; only status taken on
 * OBJ_STATUS). metadata.resourceVersion, when set, must match (Conflict).
 * An update that changes nothing writes nothing and keeps the revision.
 */
int objects_update(struct objects *o, struct resource *r, const char *ns,
		   const char *name, const json_t *obj, const struct obj_write_opts *opts,
		   json_t **out, struct kstatus *st);
/* The same for a caller that has just read the object (objects_get(), with
 * its resourceVersion; borrowed): the first attempt runs against `read`
 * instead of reading it again. A stale `read` fails as any stale write
 * does (Conflict when `in` asks for a revision, else a re-read). */
int objects_update_from(struct objects *o, struct resource *r, const char *ns,
			const char *name, const json_t *read, const json_t *in,
			const struct obj_write_opts *opts, json_t **out, struct kstatus *st);
/*
 * Deletes, or marks for deletion (deletionTimestamp) when finalizers are
 * pending or the policy is Foreground. *out is the object as it is after
 * the call; *deleted says whether it left the store.
 */
int objects_delete(struct objects *o, struct resource *r, const char *ns,
		   const char *name, const struct obj_delete_opts *opts, json_t **out,
		   int *deleted, struct kstatus *st);

/* Calls fn with every object under the prefix at one revision (*rev_out).
 * The object is borrowed for the call. A non-zero return from fn stops. */
typedef int (*objects_each_fn)(json_t *obj, void *ctx);
int objects_list(struct objects *o, struct resource *r, const char *ns,
		 objects_each_fn fn, void *ctx, int64_t *rev_out, struct kstatus *st);

/* The same, starting strictly after the store key `after_key` (for paging
 * with continue tokens); NULL starts at the beginning. */
int objects_list_after(struct objects *o, struct resource *r, const char *ns,
		       const char *after_key, objects_each_fn fn, void *ctx, int64_t *rev_out,
		       struct kstatus *st);

/* The same, calling fn only for the objects whose labels the label selector
 * `labels` (NULL: all) matches. The labels are read from the stored text
 * first, so an object that does not match is never parsed whole. */
struct selector;
int objects_list_selected(struct objects *o, struct resource *r, const char *ns,
			  const char *after_key, const struct selector *labels,
			  objects_each_fn fn, void *ctx, int64_t *rev_out, struct kstatus *st);

/* The metadata.labels of a stored value, read without parsing the rest of
 * it: 0 with *labels set (NULL when the object has none; else a new
 * reference), or -1 when the value is not in the layout this layer writes. */
int objects_stored_labels(const char *value, size_t len, json_t **labels);
/* Whether the label selector `labels` (NULL: everything) matches a stored
 * value: 1 or 0, or -1 when its labels cannot be read that way (the caller
 * decodes it and decides on the object). */
int objects_stored_match(const char *value, size_t len, const struct selector *labels);

/* Appends a stored value with metadata.resourceVersion put back, without
 * parsing it; -1 (nothing appended) when the value is not in the layout
 * this layer writes. */
int objects_splice(struct buf *out, const char *value, size_t len, int64_t rev);

/* Decodes a stored value into an object with metadata.resourceVersion set;
 * NULL when the value is not a JSON object. */
json_t *objects_decode(const char *value, size_t len, int64_t rev);

/*
 * Read-modify-write for controllers: fn changes the object in place and
 * returns 1 when it changed something, 0 for no write, or <0 to abort.
 * Retries on Conflict. `sub` selects main or status.
 */
typedef int (*objects_mutate_fn)(json_t *obj, void *ctx);
int objects_mutate(struct objects *o, struct resource *r, const char *ns,
		   const char *name, enum obj_sub sub, const char *manager,
		   objects_mutate_fn fn, void *ctx, struct kstatus *st);
/* The same for a caller that has just read the object (`read`, with its
 * resourceVersion; borrowed; NULL reads it): the first attempt runs on it.
 * *out, when out is not NULL, is the object as written (NULL when fn
 * changed nothing). */
int objects_mutate_from(struct objects *o, struct resource *r, const char *ns,
			const char *name, const json_t *read, enum obj_sub sub,
			const char *manager, objects_mutate_fn fn, void *ctx, json_t **out,
			struct kstatus *st);

/* Garbage collection through ownerReferences: removes the owner reference
 * to uid from every dependent (Orphan), or deletes the dependents with the
 * given propagation and returns how many there were. `ns` limits the
 * search of namespaced dependents (NULL: everywhere). */
void objects_orphan(struct objects *o, const char *uid, const char *ns);
int objects_collect_dependents(struct objects *o, const char *uid, const char *ns,
			       const char *propagation);

/*
 * The kubelet's side of graceful pod deletion: how long a simulated
 * container takes to stop after SIGTERM (default 1 s); a pod marked for
 * deletion leaves after that or its grace period, whichever is shorter.
 */
void objects_set_pod_stop_delay(struct objects *o, int64_t ms);
/* Schedules the pods a previous run left Terminating (call once at start). */
void objects_resume_pod_deletions(struct objects *o);

/* Whether the kind keeps metadata.generation (spec-bearing workload kinds
 * and custom resources). */
int objects_has_generation(const struct resource *r);

#endif
