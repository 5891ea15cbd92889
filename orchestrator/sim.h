/*
 * sim — the simulated part of the bundled cluster, after KWOK: nodes, a
 * scheduler, a kubelet that moves pods through their phases without
 * running anything, the Deployment and ReplicaSet controllers, and the
 * garbage collector that follows ownerReferences.
 *
 * It runs one thread that follows the store like any controller follows
 * the API: events mark objects dirty, a reconcile step per kind makes
 * status and children match spec, and timers bring pods to Running after
 * the start delay. All of its writes go through the object layer.
 */
#ifndef BOSUN_ORCH_SIM_H
#define BOSUN_ORCH_SIM_H

#include "objects.h"

struct sim;

struct sim_opts {
	int nodes;                      /* default 1 */
	long pod_start_delay_ms;        /* Pending → Running */
};

/* Starts the simulation thread (NULL if it could not start). */
struct sim *sim_start(struct objects *o, const struct sim_opts *opts);
/* Stops the thread and frees; NULL is fine. */
void sim_stop(struct sim *s);

/* The pod-template-hash of a pod template, as the Deployment controller
 * computes it (FNV-32a of the template, safe-encoded). out >= 16 bytes. */
void sim_template_hash(char *out, size_t size, const json_t *template);

#endif
