/*
 * api — the server: it connects to the control-plane cluster and the repo
 * server, registers every route-*.c table behind one dispatcher, and runs.
 *
 * The dispatcher is where every request passes: it sets the security
 * headers, authenticates (bearer token or bosun.token cookie) unless the
 * route is public, hands the handler a context naming the caller, and
 * counts the request for /metrics. Handlers check RBAC themselves with
 * api_allow(), because only they know the object (project/app, repo URL).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api-internal.h"
#include "daemon.h"
#include "log.h"

struct api_binding {
	struct api *api;
	const struct api_route *route;
};

static const struct api_route *const route_tables[] = {
	api_routes_session, api_routes_accounts, api_routes_applications,
	api_routes_projects, api_routes_project_roles, api_routes_repositories,
	api_routes_clusters,
	api_routes_settings, api_routes_stream, api_routes_webhook, api_routes_notifications,
	api_routes_static,      /* last: its catch-all serves the UI */
};

static const double latency_bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
					 0.25, 0.5, 1, 2.5, 5 };

/* ------------------------------------------------------------ helpers */

const char *api_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

struct kube_ref api_ref(struct api *api, const char *kind, const char *name)
{
	struct kube_ref ref = { .api_version = "v1", .kind = kind, .namespace = api->ns,
				.name = name };
	if (!strcmp(kind, "Application") || !strcmp(kind, "AppProject"))
		ref.api_version = API_GROUP_VERSION;
	return ref;
}

void api_error(struct http_response *resp, const struct berr *err)
{
	http_response_berr(resp, err);
}

int api_can(struct api_ctx *ctx, const char *resource, const char *action,
	    const char *object)
{
	return ctx->st && rbac_enforce(ctx->st->policy, ctx->user, resource, action, object);
}

int api_allow(struct api_ctx *ctx, struct http_response *resp, const char *resource,
	      const char *action, const char *object)
{
	if (api_can(ctx, resource, action, object))
		return 1;
	http_response_error(resp, 403, "permission denied: %s, %s, %s, sub: %s", resource,
			    action, object, ctx->user);
	return 0;
}

int api_body_object(struct http_request *req, struct http_response *resp, json_t **out)
{
	struct berr err = BERR_INIT;
	if (http_request_json(req, out, &err) < 0) {
		http_response_error(resp, 400, "invalid request body: %s", err.msg);
		return -1;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		http_response_error(resp, 400, "invalid request body: expected a JSON object");
		return -1;
	}
	return 0;
}

int api_valid_name(const char *name, size_t max)
{
	size_t n = strlen(name);
	if (n == 0 || n > max)
		return 0;
	/* labels of [a-z0-9] with inner '-', joined by '.' */
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];
		if (c == '.' || c == 0) {
			if (label == 0 || name[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (c == '-' && label == 0)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
		label++;
	}
	return 1;
}

void api_metrics_login_failed(struct api *api)
{
	pthread_mutex_lock(&api->metrics_mu);
	api->logins_failed++;
	pthread_mutex_unlock(&api->metrics_mu);
}

static void count_request(struct api *api, const char *pattern, int status, double secs)
{
	char key[512];
	snprintf(key, sizeof(key), "%s\t%d", pattern, status);
	pthread_mutex_lock(&api->metrics_mu);
	json_t *v = json_object_get(api->metrics, key);
	json_object_set_new(api->metrics, key,
			    json_integer((v ? json_integer_value(v) : 0) + 1));
	size_t b = 0;
	while (b < sizeof(latency_bounds) / sizeof(*latency_bounds) && secs > latency_bounds[b])
		b++;
	api->latency_buckets[b]++;
	api->latency_sum += secs;
	api->latency_count++;
	pthread_mutex_unlock(&api->metrics_mu);
}

/* Prometheus text for /metrics (route-settings.c serves it). */
void api_metrics_write(struct api *api, struct buf *out);
void api_metrics_write(struct api *api, struct buf *out)
{
	pthread_mutex_lock(&api->metrics_mu);
	buf_adds(out, "# HELP bosun_api_requests_total API requests by route and status code.\n"
		      "# TYPE bosun_api_requests_total counter\n");
	const char *k;
	json_t *v;
	json_object_foreach(api->metrics, k, v) {
		const char *tab = strchr(k, '\t');
		buf_addf(out, "bosun_api_requests_total{route=\"%.*s\",code=\"%s\"} %lld\n",
			 (int)(tab - k), k, tab + 1, (long long)json_integer_value(v));
	}
	buf_adds(out, "# HELP bosun_api_request_duration_seconds API request latency.\n"
		      "# TYPE bosun_api_request_duration_seconds histogram\n");
	unsigned long long cum = 0;
	size_t nb = sizeof(latency_bounds) / sizeof(*latency_bounds);
	for (size_t i = 0; i < nb; i++) {
		cum += api->latency_buckets[i];
		buf_addf(out, "bosun_api_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			 latency_bounds[i], cum);
	}
	cum += api->latency_buckets[nb];
	buf_addf(out, "bosun_api_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	buf_addf(out, "bosun_api_request_duration_seconds_sum %f\n", api->latency_sum);
	buf_addf(out, "bosun_api_request_duration_seconds_count %llu\n", api->latency_count);
	unsigned long long hits = 0, misses = 0;
	if (api->list_cache)
		api_list_cache_stats(api->list_cache, &hits, &misses);
	buf_addf(out, "# HELP bosun_api_list_cache_total Unfiltered application lists answered "
		      "from the list cache (hit) or built (miss).\n"
		      "# TYPE bosun_api_list_cache_total counter\n"
		      "bosun_api_list_cache_total{result=\"hit\"} %llu\n"
		      "bosun_api_list_cache_total{result=\"miss\"} %llu\n", hits, misses);
	buf_addf(out, "# HELP bosun_api_logins_failed_total Failed logins.\n"
		      "# TYPE bosun_api_logins_failed_total counter\n"
		      "bosun_api_logins_failed_total %llu\n", api->logins_failed);
	pthread_mutex_unlock(&api->metrics_mu);
}

/* ------------------------------------------------------------ dispatch */

static void security_headers(struct http_response *resp)
{
	http_response_header(resp, "X-Content-Type-Options", "nosniff");
	http_response_header(resp, "X-Frame-Options", "DENY");
	http_response_header(resp, "Referrer-Policy", "no-referrer");
	http_response_header(resp, "Content-Security-Policy",
			     "default-src 'self'; script-src 'self'; style-src 'self'; "
			     "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
			     "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
}

static void dispatch(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api_binding *b = arg;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct api_ctx ctx = { .api = b->api };
	security_headers(resp);
	if (!(b->route->flags & API_NO_CACHE_HEADERS))
		http_response_header(resp, "Cache-Control", "no-store");
	struct berr err = BERR_INIT;
	int authed = 1;
	if (!(b->route->flags & API_PUBLIC)) {
		int rc = api_authenticate(&ctx, req, &err);
		if (rc < 0 && rc != BERR_AUTH) {
			api_error(resp, &err);
			authed = -1;
		} else if (rc < 0) {
			authed = 0;
			if (!(b->route->flags & API_OPTIONAL_AUTH)) {
				http_response_error(resp, 401, "%s", err.msg);
				authed = -1;
			}
		}
	}
	if (authed >= 0)
		b->route->fn(&ctx, req, resp);
	api_settings_put(ctx.st);
	json_decref(ctx.claims);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	count_request(b->api, b->route->pattern, resp->status,
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

/* ------------------------------------------------------------ lifecycle */

int api_port(const struct api *a)
{
	return a ? http_server_port(a->srv) : 0;
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	if (a->srv)
		http_server_stop(a->srv, 2000);
	api_streams_stop(a);
	api_notifier_stop(a);
	http_server_free(a->srv);
	http_client_free(a->repo);
	api_tree_free(a);
	api_list_cache_free(a->list_cache);
	kube_client_free(a->kc);
	throttle_free(a->throttle);
	api_revoked_free(a->revoked);
	api_settings_put(a->settings);
	json_decref(a->metrics);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->metrics_mu);
	free(a->data_dir);
	free(a->ns);
	free(a->ui_dir);
	free(a->bindings);
	free(a);
}

static int connect_cluster(struct api *a, struct berr *err)
{
	char path[4096];
	const char *kcpath = a->cfg.kubeconfig;
	if (!kcpath) {
		snprintf(path, sizeof(path), "%s/kubeconfig.yaml", a->data_dir);
		kcpath = path;
	}
	struct kube_config *cfg;
	int rc = kube_config_load(&cfg, kcpath, NULL, err);
	if (rc < 0)
		return rc;
	rc = kube_client_new(&a->kc, cfg, NULL, err);
	kube_config_free(cfg);
	return rc;
}

static int register_routes(struct api *a, struct berr *err)
{
	size_t n = 0;
	for (size_t t = 0; t < sizeof(route_tables) / sizeof(*route_tables); t++)
		for (const struct api_route *r = route_tables[t]; r->pattern; r++)
			n++;
	a->bindings = xcalloc(n, sizeof(*a->bindings));
	for (size_t t = 0; t < sizeof(route_tables) / sizeof(*route_tables); t++) {
		for (const struct api_route *r = route_tables[t]; r->pattern; r++) {
			struct api_binding *b = &a->bindings[a->nbindings++];
			b->api = a;
			b->route = r;
			int rc = http_server_route(a->srv, r->method, r->pattern, dispatch, b, err);
			if (rc < 0)
				return berr_prefix(err, "route '%s'", r->pattern);
		}
	}
	return 0;
}

int api_start(struct api **out, const struct api_config *cfg, struct berr *err)
{
	*out = NULL;
	if (!cfg->data_dir)
		return berr_set(err, BERR_INVALID, "no data directory");
	struct api *a = xcalloc(1, sizeof(*a));
	a->cfg = *cfg;
	a->data_dir = xstrdup(cfg->data_dir);
	a->ns = xstrdup(cfg->namespace ? cfg->namespace : "bosun");
	a->ui_dir = xstrdup(cfg->ui_dir ? cfg->ui_dir : "ui");
	if (a->cfg.session_ttl_s <= 0)
		a->cfg.session_ttl_s = 86400;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->metrics_mu, NULL);
	a->metrics = json_object();
	a->throttle = throttle_new(10000, 5, 300);
	a->revoked = api_revoked_new();
	a->list_cache = api_list_cache_new();

	int rc = daemon_ensure_dir(a->data_dir, 0700, err);
	if (!rc)
		rc = connect_cluster(a, err);
	if (!rc && cfg->repo_server_url) {
		struct http_client_options ho = { .base_url = cfg->repo_server_url,
						  .timeout_ms = 120000 };
		rc = http_client_new(&a->repo, &ho, err);
	}
	if (!rc)
		rc = api_tree_init(a, err);
	if (!rc)
		rc = api_accounts_bootstrap(a, err);
	if (!rc) {
		struct http_server_options so = {
			.name = "api",
			.address = cfg->address,
			.port = (uint16_t)cfg->port,
			.threads = 8,
			.max_body_bytes = 4 << 20,
			.tls_cert_file = cfg->tls_cert_file,
			.tls_key_file = cfg->tls_key_file,
		};
		rc = http_server_new(&a->srv, &so, err);
	}
	if (!rc)
		rc = register_routes(a, err);
	if (!rc)
		rc = api_notifier_start(a, err);
	if (!rc)
		rc = api_streams_start(a, err);
	if (!rc)
		rc = http_server_start(a->srv, err);
	if (rc < 0) {
		api_stop(a);
		return rc;
	}
	*out = a;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bosund api [--port P] [--data-dir D] [--kubeconfig FILE]\n"
		"                  [--repo-server URL] [--controller URL[,URL...]]\n"
		"                  [--address A] [--ui-dir DIR]\n"
		"                  [--tls-cert FILE --tls-key FILE]\n");
	return 2;
}

int api_main(int argc, char **argv)
{
	const char *data_dir = "./bosun-data";
	argc = daemon_common_options(argc, argv, &data_dir);
	if (argc < 0)
		return usage();
	struct api_config cfg = { .port = 8080 };
	const struct daemon_opt table[] = {
		{ "--port", DAEMON_OPT_PORT, &cfg.port, 0, 0 },
		{ "--kubeconfig", DAEMON_OPT_STRING, &cfg.kubeconfig, 0, 0 },
		{ "--repo-server", DAEMON_OPT_STRING, &cfg.repo_server_url, 0, 0 },
		{ "--controller", DAEMON_OPT_STRING, &cfg.controller_urls, 0, 0 },
		{ "--address", DAEMON_OPT_STRING, &cfg.address, 0, 0 },
		{ "--ui-dir", DAEMON_OPT_STRING, &cfg.ui_dir, 0, 0 },
		{ "--tls-cert", DAEMON_OPT_STRING, &cfg.tls_cert_file, 0, 0 },
		{ "--tls-key", DAEMON_OPT_STRING, &cfg.tls_key_file, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	int rc = daemon_parse_options("api", argc, argv, table);
	if (rc) {
		usage();
		return rc > 0 ? 0 : 2;
	}
	if (!cfg.tls_cert_file != !cfg.tls_key_file) {
		fprintf(stderr, "bosund api: --tls-cert and --tls-key go together\n");
		return 2;
	}
	cfg.data_dir = data_dir;
	daemon_block_signals();
	struct berr err = BERR_INIT;
	struct api *a;
	if (api_start(&a, &cfg, &err) < 0) {
		fprintf(stderr, "bosund api: %s\n", err.msg);
		return 1;
	}
	struct daemon_ports ports = DAEMON_PORTS_NONE;
	ports.api = api_port(a);
	if (daemon_write_ports(data_dir, &ports, &err) < 0) {
		fprintf(stderr, "bosund api: %s\n", err.msg);
		api_stop(a);
		return 1;
	}
	char port[16];
	snprintf(port, sizeof(port), "%d", ports.api);
	log_info("api listening", "port", port, NULL);
	daemon_wait_for_signal();
	log_info("api stopping", NULL);
	api_stop(a);
	return 0;
}
