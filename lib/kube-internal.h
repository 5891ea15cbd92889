/*
 * kube-internal — the client struct shared by kube-client.c and
 * kube-discovery.c; not for other modules.
 */
#ifndef BOSUN_KUBE_INTERNAL_H
#define BOSUN_KUBE_INTERNAL_H

#include <pthread.h>
#include <time.h>

#include "kube.h"

struct kube_client {
	struct http_client *http;
	char *namespace;
	char *server;
	long timeout_ms;
	long disc_min_interval_ms;

	pthread_mutex_t disc_mu;        /* res, nres, disc_loaded, disc_at */
	pthread_mutex_t refresh_mu;     /* one discovery at a time */
	struct kube_resource *res;
	size_t nres;
	int disc_loaded;
	struct timespec disc_at;        /* CLOCK_MONOTONIC of the last refresh */

	struct kube_exec *exec;         /* credential plugin, or NULL */
	json_t *exec_cluster;           /* its spec.cluster */
	pthread_mutex_t exec_mu;        /* exec_token, exec_expires; one run at a time */
	char *exec_token;
	time_t exec_expires;            /* 0: until the server answers 401 */
};

/* kube-exec.c: a copy of the settings; the cluster as the plugin sees it;
 * one run of the plugin giving a token (malloc'd) and its expiry (0: none). */
struct kube_exec *kube_exec_copy(const struct kube_exec *e);
json_t *kube_exec_cluster_info(const struct kube_config *cfg);
int kube_exec_token(const struct kube_exec *e, const json_t *cluster, char **token,
		    time_t *expires, struct berr *err);

/* GET path and parse the JSON answer; non-2xx become kube_status_error(). */
int kube_get_json(struct kube_client *kc, json_t **out, const char *path, const char *what,
		  struct berr *err);

#endif
