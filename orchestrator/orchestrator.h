/*
 * orchestrator — the bundled cluster: a Kubernetes-compatible API server
 * over sqlite with simulated workloads, as one embeddable unit.
 *
 * `bosund cluster` runs orchestrator_main(); `bosund all` starts the same
 * cluster in-process with orchestrator_start() and stops it with
 * orchestrator_stop(). Starting writes <data-dir>/kubeconfig.yaml (server
 * URL and bearer token, mode 0600) so `kubectl --kubeconfig` works at once;
 * the token is generated at first start and kept in <data-dir>/cluster-token.
 * Other files there: cluster.db (sqlite, WAL), cluster.crt/cluster.key (the
 * self-signed serving certificate), encryption-key (0600, AES-256 key of
 * the Secrets stored in cluster.db), sa-signing-key (0600, the HMAC key of
 * the ServiceAccount tokens `kubectl create token` gets).
 */
#ifndef BOSUN_ORCHESTRATOR_H
#define BOSUN_ORCHESTRATOR_H

#include <stdint.h>

#include "err.h"

struct orchestrator;

struct orchestrator_opts {
	const char *data_dir;           /* required */
	const char *address;            /* default "127.0.0.1" */
	int port;                       /* 0 picks a free port */
	int nodes;                      /* simulated nodes; default 1 */
	long pod_start_delay_ms;        /* Pending to Running; default 1000 */
	long history;                   /* revisions kept for watches; default 10000 */
	const char *tls_cert_file;      /* both set: HTTPS */
	const char *tls_key_file;
};

/* Starts serving. Free with orchestrator_stop(). */
int orchestrator_start(struct orchestrator **out, const struct orchestrator_opts *opts,
		       struct berr *err);
/* The port it listens on. */
int orchestrator_port(const struct orchestrator *o);
/* Stops serving, closes watches and the store, frees. NULL is fine. */
void orchestrator_stop(struct orchestrator *o);

/* `bosund cluster --port N --data-dir D [--nodes N] [--pod-start-delay 1s]
 * [--address A] [--tls-cert F --tls-key F] [--history N]`: serves until
 * SIGINT/SIGTERM. */
int orchestrator_main(int argc, char **argv);

#endif
