/*
 * api — the API server's contract with cmd/bosund.c: run it alone
 * (`bosund api --port P --data-dir D --kubeconfig F --repo-server URL`) or
 * start and stop it inside `bosund all`.
 *
 * It serves JSON under /api/v1 (close to Argo CD's paths), server-sent
 * events under /api/v1/stream, /healthz and /metrics, and the UI's static
 * files at /. It keeps no state of its own: accounts, RBAC policy,
 * Applications, AppProjects, repositories and clusters are objects in the
 * control-plane cluster's `bosun` namespace, and manifests come from the
 * repo server. At first start it creates the `admin` account and writes its
 * random password to <data-dir>/admin-password (mode 0600).
 */
#ifndef BOSUN_API_H
#define BOSUN_API_H

#include "err.h"

struct api_config {
	const char *kubeconfig;         /* control-plane cluster; NULL: <data-dir>/kubeconfig.yaml */
	const char *repo_server_url;    /* "http://127.0.0.1:8081"; NULL: manifests unavailable */
	const char *controller_urls;    /* "http://127.0.0.1:8082", comma-separated, one per
	                                   controller shard: the resource tree comes from their
	                                   live caches; NULL: it lists only the app's own
	                                   resources (from status.resources) */
	const char *data_dir;           /* required (admin-password) */
	const char *address;            /* default "127.0.0.1" */
	int port;                       /* 0 picks a free port */
	const char *tls_cert_file;      /* both set: HTTPS */
	const char *tls_key_file;
	const char *namespace;          /* where Bosun's objects live; default "bosun" */
	const char *ui_dir;             /* static files served at /; NULL: "ui" */
	long session_ttl_s;             /* default 86400 */
};

struct api;

/* Connects to the cluster, creates the admin account on first start and
 * starts serving. Free with api_stop(). */
int api_start(struct api **out, const struct api_config *cfg, struct berr *err);
/* The port it listens on. */
int api_port(const struct api *a);
/* Stops serving (streams end), frees. NULL is fine. */
void api_stop(struct api *a);

/* `bosund api [--port P] [--data-dir D] [--kubeconfig F] [--repo-server URL]
 * [--controller URL[,URL...]] [--address A] [--tls-cert F --tls-key F]
 * [--ui-dir DIR]`: serves until
 * SIGINT/SIGTERM, writes <data-dir>/ports.json once listening. */
int api_main(int argc, char **argv);

#endif
