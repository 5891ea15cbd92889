/*
 * repo-server — the part's contract with cmd/bosund.c: run it alone
 * (`bosund repo-server --port P --data-dir D`) or start and stop it inside
 * `bosund all`.
 *
 * HTTP API (JSON):
 *   POST /v1/manifests        {repoURL, targetRevision, path, directory{recurse,
 *                              include, exclude}, helm{...}, appName, namespace,
 *                              kubeVersion, apiVersions, repo{credentials}, noCache}
 *                             → {revision, sourceType, manifests[], sources[], cached}
 *   POST /v1/resolve          {repoURL, targetRevision, repo} → {revision}
 *   GET  /v1/refs?repo=URL    → {head, branches[{name,sha}], tags[{name,sha}]}
 *   POST /v1/refs             {repoURL, repo} → the same, with credentials
 *   POST /v1/test-connection  {repoURL, repo} → {ok: true, refs: N}
 *   POST /v1/invalidate       {repoURL} (a webhook saw a push) → {ok: true}
 *   GET  /healthz, GET /metrics (Prometheus text)
 * `repo` carries credentials from the repository Secret: username,
 * password, sshPrivateKey, sshPassphrase, sshKnownHosts, tlsCA (PEM),
 * tlsClientCertData and tlsClientCertKey (PEM, the key unencrypted), insecure. They are used for the git transfer only, never logged, stored
 * or echoed. Errors are {"error", "message", "code"} with 400 (bad request
 * or source), 403 (credentials), 404 (repository, revision, path), 413
 * (a limit or the timeout), 502 (the git remote failed).
 */
#ifndef BOSUN_REPO_SERVER_H
#define BOSUN_REPO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "repo-server/tree.h"

struct repo_server_options {
	const char *data_dir;           /* required */
	const char *address;            /* default 127.0.0.1 */
	uint16_t port;                  /* 0 picks a free port */
	unsigned parallelism;           /* concurrent renders; default 4 */
	long timeout_ms;                /* per request; default 60000 */
	long fetch_reuse_ms;            /* a fetch this recent is reused; 0 = 10000,
	                                   negative = fetch on every request */
	size_t cache_max_bytes;         /* default 256 MiB */
	size_t max_fetch_bytes;         /* per git fetch; default 4 GiB */
	struct tree_limits limits;      /* zero fields: defaults (tree.h) */
};

struct repo_server;

/* Starts serving; free with repo_server_stop(). */
int repo_server_start(struct repo_server **out, const struct repo_server_options *opts,
		      struct berr *err);
/* The port it listens on. */
uint16_t repo_server_port(const struct repo_server *s);
/* Stops gracefully (in-flight requests get a few seconds) and frees. */
void repo_server_stop(struct repo_server *s);

/* `bosund repo-server [--port P] [--data-dir D] [--address A]
 * [--parallelism N] [--timeout SECONDS] [--fetch-reuse SECONDS] [--cache-size BYTES]
 * [--max-file-size BYTES] [--max-total-size BYTES] [--max-files N]
 * [--max-fetch-size BYTES]`:
 * serves until SIGINT/SIGTERM, writes <data-dir>/ports.json once listening. */
int repo_server_main(int argc, char **argv);

#endif
