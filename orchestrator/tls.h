/*
 * tls — the cluster's self-signed serving certificate (kubectl sends its
 * bearer token only over TLS).
 */
#ifndef BOSUN_ORCH_TLS_H
#define BOSUN_ORCH_TLS_H

#include "err.h"

/* Makes <dir>/cluster.crt and <dir>/cluster.key (0600) unless they exist,
 * and returns their paths (malloc'd, caller frees). */
int tls_ensure_cert(const char *dir, const char *address, char **cert_path,
		    char **key_path, struct berr *err);

#endif
