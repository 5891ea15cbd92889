/*
 * dest — destination clusters.
 *
 * `https://kubernetes.default.svc` (or the name `in-cluster`, or no
 * destination server at all) is the control-plane cluster itself, as in
 * Argo CD. Any other cluster is registered as a Secret in the controller's
 * namespace labelled `bosun.io/secret-type: cluster` (Argo CD's
 * `argocd.argoproj.io/secret-type: cluster` works too) holding `name`,
 * `server` and `config`, a JSON document {bearerToken, tlsClientConfig
 * {insecure, caData, certData, keyData}} with base64 PEM data, exactly as
 * Argo CD stores it. Each destination gets its own kube client and live
 * cache, created the first time an app points at it and kept for the
 * controller's life; the secrets are read again, at most every few seconds,
 * when an app names a cluster not yet known.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ctrl.h"
#include "doc.h"
#include "log.h"

#define RELOAD_MIN_S 5

static const char *dest_server(const json_t *app, const char **name)
{
	const char *server = doc_get_str(app, "spec.destination.server");
	*name = doc_get_str(app, "spec.destination.name");
	return server && *server ? server : NULL;
}

static int is_in_cluster(const char *server, const char *name)
{
	if (server)
		return !strcmp(server, IN_CLUSTER_SERVER);
	return !name || !*name || !strcmp(name, "in-cluster");
}

/* A destination with its own client and live cache; NULL (err set) on failure. */
static struct dest *dest_new(struct controller *c, const struct kube_config *kc,
			     struct berr *err)
{
	struct dest *d = xcalloc(1, sizeof(*d));
	d->server = xstrdup(kc->server);
	d->name = xstrdup(kc->context);
	struct kube_client_options ko = { .user_agent = "bosun-controller" };
	if (kube_client_new(&d->kc, kc, &ko, err) < 0
	    || livecache_new(&d->live, d->kc, &c->cancel, c->live_notify, c) < 0) {
		kube_client_free(d->kc);
		free(d->server);
		free(d->name);
		free(d);
		d = NULL;
	}
	return d;
}

static struct dest *find_locked(struct controller *c, const char *server, const char *name)
{
	for (size_t i = 0; i < c->ndests; i++) {
		struct dest *d = c->dests[i];
		if (server ? !strcmp(d->server, server) : !strcmp(d->name, name))
			return d;
	}
	return NULL;
}

static void load_secrets(struct controller *c, const char *selector)
{
	struct kube_ref ref = { "v1", "Secret", c->cfg.namespace, NULL, NULL };
	struct kube_list_options lo = { .label_selector = selector };
	json_t *list = NULL, *s;
	struct berr err = BERR_INIT;
	size_t i;
	if (kube_client_list(c->kc, &list, &ref, &lo, &err) < 0) {
		log_warn("cannot list cluster secrets", "error", err.msg, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, s) {
		struct kube_config *kc = NULL;
		struct dest *d = NULL;
		if (kube_config_from_cluster_secret(&kc, s, &err) == 0) {
			pthread_mutex_lock(&c->dest_mu);
			int known = find_locked(c, kc->server, NULL) != NULL;
			pthread_mutex_unlock(&c->dest_mu);
			d = known ? NULL : dest_new(c, kc, &err);
			kube_config_free(kc);
			if (known)
				continue;
		}
		if (!d) {
			log_warn("cluster secret skipped", "secret", doc_get_str(s, "metadata.name"),
				 "error", err.msg, NULL);
			continue;
		}
		pthread_mutex_lock(&c->dest_mu);
		c->dests = xrealloc(c->dests, (c->ndests + 1) * sizeof(*c->dests));
		c->dests[c->ndests++] = d;
		pthread_mutex_unlock(&c->dest_mu);
		log_info("cluster registered", "name", d->name, "server", d->server, NULL);
	}
	json_decref(list);
}

int dest_for_app(struct controller *c, const json_t *app, struct dest **out, struct berr *err)
{
	const char *name, *server = dest_server(app, &name);
	*out = NULL;
	if (is_in_cluster(server, name)) {
		*out = c->dests[0];
		return 0;
	}
	pthread_mutex_lock(&c->dest_mu);
	struct dest *d = find_locked(c, server, name);
	int reload = !d && (long)clock_s() - c->dests_loaded_at >= RELOAD_MIN_S;
	if (reload)
		c->dests_loaded_at = (long)clock_s();
	pthread_mutex_unlock(&c->dest_mu);
	if (reload) {
		load_secrets(c, "bosun.io/secret-type=cluster");
		load_secrets(c, "argocd.argoproj.io/secret-type=cluster");
		pthread_mutex_lock(&c->dest_mu);
		d = find_locked(c, server, name);
		pthread_mutex_unlock(&c->dest_mu);
	}
	if (!d)
		return server ? berr_set(err, BERR_NOTFOUND,
					 "destination cluster '%s' is not registered", server)
			      : berr_set(err, BERR_NOTFOUND,
					 "destination cluster named '%s' is not registered", name);
	*out = d;
	return 0;
}

void dest_free_all(struct controller *c)
{
	/* dests[0] is the control plane: its client and cache are c->kc and c->live */
	for (size_t i = 1; i < c->ndests; i++) {
		livecache_free(c->dests[i]->live);
		kube_client_free(c->dests[i]->kc);
		free(c->dests[i]->server);
		free(c->dests[i]->name);
		free(c->dests[i]);
	}
	if (c->ndests) {
		free(c->dests[0]->server);
		free(c->dests[0]->name);
		free(c->dests[0]);
	}
	free(c->dests);
	c->dests = NULL;
	c->ndests = 0;
}
