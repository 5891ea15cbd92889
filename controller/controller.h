/*
 * controller — the reconciler's contract with cmd/bosund.c: run it alone
 * (`bosund controller --port P --data-dir D`) or start and stop it inside
 * `bosund all`.
 *
 * The controller keeps no state of its own: Applications and AppProjects
 * (bosun.io/v1alpha1, namespace `bosun`) live in the control-plane cluster,
 * it installs their CRDs at start, watches them, compares each app's
 * rendered manifests (from the repo server, over HTTP) with the live
 * objects (from a watch-fed cache), writes status, and carries out the
 * sync and rollback operations written on them.
 *
 * HTTP (the --port): GET /healthz, GET /metrics (Prometheus text),
 * GET /v1/applications/{name}/managed-resources (per resource: normalised
 * live and predicted state, unified YAML diff, Secret values masked) and
 * GET /v1/applications/{name}/resource-tree (objects and what they own,
 * with health) — for the API server; POST /v1/refresh[?wait=true] (every
 * app refreshed as the periodic resync would; with wait, the answer comes
 * once they all were: {apps, seconds, statusWrites, comparesSkipped}).
 */
#ifndef BOSUN_CONTROLLER_H
#define BOSUN_CONTROLLER_H

#include "err.h"

struct controller_config {
	const char *kubeconfig;         /* control-plane cluster; required */
	const char *repo_server_url;    /* "http://127.0.0.1:8081"; required */
	const char *address;            /* metrics listener; default 127.0.0.1 */
	int port;                       /* metrics and health; 0 picks one, < 0 none */
	const char *namespace;          /* where apps live; default "bosun" */
	unsigned status_processors;     /* default 20 */
	unsigned operation_processors;  /* default 10 */
	long app_resync_s;              /* periodic refresh; default 120 (+ up to 10% jitter) */
	long self_heal_timeout_s;       /* backoff before self-heal; default 5 */
	long sync_wait_timeout_s;       /* waiting for a wave to be healthy; default 300 */
	unsigned shard, shards;         /* this controller handles hash(name) % shards == shard */
};

struct controller;

/* Installs the CRDs and the default project, then starts the watches and
 * workers. Free with controller_stop(). */
int controller_start(struct controller **out, const struct controller_config *cfg,
		     struct berr *err);
/* The metrics port it listens on; -1 without one. */
int controller_port(const struct controller *c);
/* Stops the workers and watches (a running sync is abandoned; it resumes
 * at the next start) and frees. NULL is fine. */
void controller_stop(struct controller *c);

/* `bosund controller [--port P] [--data-dir D] [--kubeconfig F]
 * [--repo-server URL] [--status-processors N] [--operation-processors N]
 * [--app-resync SECONDS] [--self-heal-timeout SECONDS] [--shard N --shards M]`:
 * runs until SIGINT/SIGTERM, writes <data-dir>/ports.json once listening.
 * Defaults: the kubeconfig is <data-dir>/kubeconfig.yaml, the repo server
 * is the repoServer port of <data-dir>/ports.json. */
int controller_main(int argc, char **argv);

#endif
