/*
 * controller — starting and stopping the reconciler, its workers and its
 * metrics endpoint; `bosund controller`.
 *
 * Start-up order matters: the CRDs and the default project are installed
 * before anything watches them; the live cache exists before the first
 * Application list queues work; workers start last. Two queues as in Argo
 * CD: the refresh queue (compare and status, --status-processors workers)
 * and the operation queue (sync and rollback, --operation-processors
 * workers), so a long sync never delays status for other apps. Stopping
 * sets the cancel flag every watch polls, shuts the queues (workers finish
 * what they hold; a sync in progress returns at its next wait and resumes
 * at the next start) and joins every thread.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctrl.h"
#include "daemon.h"
#include "doc.h"
#include "health.h"
#include "log.h"
#include "queue.h"

struct worker {
	struct controller *c;
	int operations;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct controller *c = w->c;
	struct queue *q = w->operations ? c->op_q : c->refresh_q;
	char *name;
	while (queue_get(q, &name) == 0) {
		if (w->operations)
			sync_run(c, name);
		else
			reconcile_app(c, name);
		queue_done(q, name);
		free(name);
	}
	free(w);
	return NULL;
}

static void on_live_change(const char *app, void *arg)
{
	struct controller *c = arg;
	pthread_mutex_lock(&c->mu);
	int known = json_object_get(c->apps, app) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (known)
		queue_add(c->refresh_q, app);
}

/* ---- HTTP: /healthz and /metrics ---------------------------------------- */

static void handle_healthz(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req;
	(void)arg;
	http_response_text(resp, 200, "text/plain", "ok\n", 3);
}

static void counter(struct buf *b, const char *name, const char *help, unsigned long v)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", name, help, name, name, v);
}

static void gauge(struct buf *b, const char *name, const char *help, unsigned long v)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lu\n", name, help, name, name, v);
}

static void label_value(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addch(b, '\\');
		if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addch(b, *s);
	}
}

static void handle_metrics(struct http_request *req, struct http_response *resp, void *arg)
{
	struct controller *c = arg;
	struct buf b = BUF_INIT;
	(void)req;
	buf_adds(&b, "# HELP bosun_app_info Information about each application.\n"
		     "# TYPE bosun_app_info gauge\n");
	pthread_mutex_lock(&c->mu);
	const char *name;
	json_t *app;
	json_object_foreach(c->apps, name, app) {
		const char *project, *sync, *health;
		appstate_labels(app, &project, &sync, &health);
		buf_adds(&b, "bosun_app_info{name=\"");
		label_value(&b, name);
		buf_adds(&b, "\",namespace=\"");
		label_value(&b, c->cfg.namespace);
		buf_adds(&b, "\",project=\"");
		label_value(&b, project ?: "default");
		buf_adds(&b, "\",sync_status=\"");
		label_value(&b, sync ?: "Unknown");
		buf_adds(&b, "\",health_status=\"");
		label_value(&b, health ?: "Unknown");
		buf_adds(&b, "\"} 1\n");
	}
	size_t napps = json_object_size(c->apps);
	pthread_mutex_unlock(&c->mu);
	gauge(&b, "bosun_apps", "Applications handled by this controller.", napps);

	buf_adds(&b, "# HELP bosun_app_reconcile Application reconciliation duration in seconds.\n"
		     "# TYPE bosun_app_reconcile histogram\n");
	for (int i = 0; i < 8; i++)
		buf_addf(&b, "bosun_app_reconcile_bucket{le=\"%g\"} %lu\n", ctrl_hist_bounds[i],
			 (unsigned long)c->m.hist[i]);
	buf_addf(&b, "bosun_app_reconcile_bucket{le=\"+Inf\"} %lu\n",
		 (unsigned long)c->m.hist_count);
	buf_addf(&b, "bosun_app_reconcile_sum %.6f\nbosun_app_reconcile_count %lu\n",
		 (double)c->m.hist_sum_us / 1e6, (unsigned long)c->m.hist_count);
	counter(&b, "bosun_app_reconcile_total", "Reconciliations run.", c->m.reconciles);
	counter(&b, "bosun_app_reconcile_errors_total", "Reconciliations whose comparison failed.",
		c->m.reconcile_errors);
	counter(&b, "bosun_app_status_writes_total", "Status updates written.", c->m.status_writes);
	counter(&b, "bosun_app_compares_skipped_total",
		"Periodic refreshes of Synced apps whose inputs had not changed.",
		c->m.compares_skipped);
	buf_adds(&b, "# HELP bosun_app_sync_total Sync operations finished, by phase.\n"
		     "# TYPE bosun_app_sync_total counter\n");
	buf_addf(&b, "bosun_app_sync_total{phase=\"Succeeded\"} %lu\n",
		 (unsigned long)c->m.syncs_succeeded);
	buf_addf(&b, "bosun_app_sync_total{phase=\"Failed\"} %lu\n",
		 (unsigned long)c->m.syncs_failed);
	buf_addf(&b, "bosun_app_sync_total{phase=\"Error\"} %lu\n", (unsigned long)c->m.syncs_error);
	counter(&b, "bosun_drift_alerts_total", "Drift alerts raised.", c->m.drift_alerts);
	gauge(&b, "bosun_cluster_cache_resources", "Live objects in the cluster cache.",
	      livecache_count(c->live));
	gauge(&b, "bosun_cluster_cache_kinds", "Kinds watched by the cluster cache.",
	      livecache_kinds(c->live));
	buf_adds(&b, "# HELP workqueue_depth Current depth of the work queue.\n"
		     "# TYPE workqueue_depth gauge\n");
	buf_addf(&b, "workqueue_depth{name=\"app_reconciliation_queue\"} %zu\n",
		 queue_len(c->refresh_q));
	buf_addf(&b, "workqueue_depth{name=\"app_operation_processing_queue\"} %zu\n",
		 queue_len(c->op_q));
	buf_adds(&b, "# HELP workqueue_adds_total Keys added to the work queue.\n"
		     "# TYPE workqueue_adds_total counter\n");
	buf_addf(&b, "workqueue_adds_total{name=\"app_reconciliation_queue\"} %lu\n",
		 queue_adds(c->refresh_q));
	buf_addf(&b, "workqueue_adds_total{name=\"app_operation_processing_queue\"} %lu\n",
		 queue_adds(c->op_q));
	http_response_text(resp, 200, "text/plain; version=0.0.4", b.data, b.len);
	buf_release(&b);
}

/* ---- start / stop ------------------------------------------------------ */

static char *dup_or(const char *s, const char *dflt)
{
	return xstrdup(s && *s ? s : dflt);
}

static void free_config(struct controller_config *cfg)
{
	free((char *)cfg->kubeconfig);
	free((char *)cfg->repo_server_url);
	free((char *)cfg->address);
	free((char *)cfg->namespace);
}

int controller_start(struct controller **out, const struct controller_config *cfg,
		     struct berr *err)
{
	struct controller *c = xcalloc(1, sizeof(*c));
	struct kube_config *kcfg = NULL;
	int rc;
	*out = NULL;
	if (!cfg->kubeconfig || !cfg->repo_server_url) {
		free(c);
		return berr_set(err, BERR_INVALID, "controller needs a kubeconfig and a repo server URL");
	}
	c->cfg = *cfg;
	c->cfg.kubeconfig = xstrdup(cfg->kubeconfig);
	c->cfg.repo_server_url = xstrdup(cfg->repo_server_url);
	c->cfg.address = dup_or(cfg->address, "127.0.0.1");
	c->cfg.namespace = dup_or(cfg->namespace, "bosun");
	if (!c->cfg.status_processors)
		c->cfg.status_processors = 20;
	if (!c->cfg.operation_processors)
		c->cfg.operation_processors = 10;
	if (c->cfg.app_resync_s <= 0)
		c->cfg.app_resync_s = 120;
	if (c->cfg.self_heal_timeout_s <= 0)
		c->cfg.self_heal_timeout_s = 5;
	if (c->cfg.sync_wait_timeout_s <= 0)
		c->cfg.sync_wait_timeout_s = 300;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->dest_mu, NULL);
	pthread_mutex_init(&c->resolve_mu, NULL);
	c->resolved = json_object();
	c->live_notify = on_live_change;
	c->apps = json_object();
	c->mem = json_object();
	c->refresh_q = queue_new();
	c->op_q = queue_new();
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	struct http_client_options ho = { .base_url = c->cfg.repo_server_url,
					  .timeout_ms = 120000 };
	struct kube_client_options ko = { .user_agent = "bosun-controller" };
	if ((rc = kube_config_load(&kcfg, c->cfg.kubeconfig, NULL, err)) < 0
	    || (rc = kube_client_new(&c->kc, kcfg, &ko, err)) < 0
	    || (rc = http_client_new(&c->repo, &ho, err)) < 0
	    || (rc = crds_install(c->kc, c->cfg.namespace, err)) < 0
	    || (rc = livecache_new(&c->live, c->kc, &c->cancel, on_live_change, c)) < 0) {
		kube_config_free(kcfg);
		controller_stop(c);
		return rc;
	}
	kube_config_free(kcfg);
	struct dest *in_cluster = xcalloc(1, sizeof(*in_cluster));
	in_cluster->server = xstrdup(IN_CLUSTER_SERVER);
	in_cluster->name = xstrdup("in-cluster");
	in_cluster->kc = c->kc;
	in_cluster->live = c->live;
	c->dests = xcalloc(1, sizeof(*c->dests));
	c->dests[0] = in_cluster;
	c->ndests = 1;
	if (c->cfg.port >= 0) {
		struct http_server_options so = { .name = "controller", .address = c->cfg.address,
						  .port = (uint16_t)c->cfg.port, .threads = 2,
						  .access_log = HTTP_ACCESS_LOG_DEBUG };
		if ((rc = http_server_new(&c->http, &so, err)) < 0
		    || (rc = http_server_route(c->http, "GET", "/healthz", handle_healthz, c, err)) < 0
		    || (rc = http_server_route(c->http, "GET", "/metrics", handle_metrics, c, err)) < 0
		    || (rc = serve_routes(c, c->http, err)) < 0
		    || (rc = http_server_start(c->http, err)) < 0) {
			controller_stop(c);
			return rc;
		}
	}
	if ((rc = appstate_start(c, err)) < 0) {
		controller_stop(c);
		return rc;
	}
	c->nworkers = c->cfg.status_processors + c->cfg.operation_processors;
	c->workers = xcalloc(c->nworkers, sizeof(*c->workers));
	for (size_t i = 0; i < c->nworkers; i++) {
		struct worker *w = xcalloc(1, sizeof(*w));
		w->c = c;
		w->operations = i >= c->cfg.status_processors;
		pthread_create(&c->workers[i], NULL, worker_main, w);
	}
	c->started = 1;
	*out = c;
	return 0;
}

int controller_port(const struct controller *c)
{
	return c && c->http ? (int)http_server_port(c->http) : -1;
}

void controller_stop(struct controller *c)
{
	if (!c)
		return;
	c->stopping = 1;
	c->cancel = 1;
	queue_shutdown(c->refresh_q);
	queue_shutdown(c->op_q);
	for (size_t i = 0; i < c->nworkers; i++)
		pthread_join(c->workers[i], NULL);
	if (c->started)
		appstate_stop(c);
	dest_free_all(c);
	livecache_free(c->live);
	if (c->http)
		http_server_free(c->http);
	queue_free(c->refresh_q);
	queue_free(c->op_q);
	kube_client_free(c->kc);
	http_client_free(c->repo);
	json_decref(c->apps);
	json_decref(c->mem);
	free(c->apps_rv);
	free(c->workers);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->dest_mu);
	pthread_mutex_destroy(&c->resolve_mu);
	json_decref(c->resolved);
	json_decref(c->repo_creds);
	free_config(&c->cfg);
	free(c);
}

/* ---- bosund controller ----------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: bosund controller [--port P] [--data-dir D] [--address A]\n"
		"         [--kubeconfig FILE] [--repo-server URL] [--namespace NS]\n"
		"         [--status-processors N] [--operation-processors N]\n"
		"         [--app-resync SECONDS] [--self-heal-timeout SECONDS]\n"
		"         [--sync-timeout SECONDS] [--shard N --shards M]\n");
	return 2;
}

/* The repo server from <data-dir>/ports.json, as `bosund all` writes it. */
static char *repo_url_from_ports(const char *data_dir)
{
	char path[4096];
	struct buf text = BUF_INIT;
	json_t *doc = NULL;
	char *url = NULL;
	snprintf(path, sizeof(path), "%s/ports.json", data_dir);
	if (buf_read_file(&text, path, 1 << 16) == 0
	    && doc_parse_json(&doc, text.data, text.len, NULL, path, NULL) == 0
	    && doc_get_int(doc, "repoServer", 0) > 0) {
		struct buf u = BUF_INIT;
		buf_addf(&u, "http://127.0.0.1:%lld", (long long)doc_get_int(doc, "repoServer", 0));
		url = buf_detach(&u, NULL);
	}
	json_decref(doc);
	buf_release(&text);
	return url;
}

int controller_main(int argc, char **argv)
{
	const char *data_dir = "./bosun-data";
	struct controller_config cfg = { .port = 8082 };
	char kubeconfig[4096];
	char *repo_url = NULL;

	argc = daemon_common_options(argc, argv, &data_dir);
	if (argc < 0)
		return 2;
	const struct daemon_opt table[] = {
		{ "--port", DAEMON_OPT_PORT, &cfg.port, 0, 0 },
		{ "--address", DAEMON_OPT_STRING, &cfg.address, 0, 0 },
		{ "--kubeconfig", DAEMON_OPT_STRING, &cfg.kubeconfig, 0, 0 },
		{ "--repo-server", DAEMON_OPT_STRING, &cfg.repo_server_url, 0, 0 },
		{ "--namespace", DAEMON_OPT_STRING, &cfg.namespace, 0, 0 },
		{ "--status-processors", DAEMON_OPT_UINT, &cfg.status_processors, 1, 1000 },
		{ "--operation-processors", DAEMON_OPT_UINT, &cfg.operation_processors, 1, 1000 },
		{ "--app-resync", DAEMON_OPT_LONG, &cfg.app_resync_s, 1, 86400 * 7 },
		{ "--self-heal-timeout", DAEMON_OPT_LONG, &cfg.self_heal_timeout_s, 1, 86400 },
		{ "--sync-timeout", DAEMON_OPT_LONG, &cfg.sync_wait_timeout_s, 1, 86400 },
		{ "--shard", DAEMON_OPT_UINT, &cfg.shard, 0, 1 << 20 },
		{ "--shards", DAEMON_OPT_UINT, &cfg.shards, 1, 1 << 20 },
		{ NULL, 0, NULL, 0, 0 },
	};
	int rc = daemon_parse_options("controller", argc, argv, table);
	if (rc) {
		usage();
		return rc > 0 ? 0 : 2;
	}
	if (cfg.shards && cfg.shard >= cfg.shards) {
		fprintf(stderr, "bosund controller: --shard must be below --shards\n");
		return usage();
	}
	if (!cfg.kubeconfig) {
		snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig.yaml", data_dir);
		cfg.kubeconfig = kubeconfig;
	}
	if (!cfg.repo_server_url) {
		repo_url = repo_url_from_ports(data_dir);
		if (!repo_url) {
			fprintf(stderr, "bosund controller: no --repo-server and no repoServer port "
					"in '%s/ports.json'\n", data_dir);
			return usage();
		}
		cfg.repo_server_url = repo_url;
	}

	struct berr err = BERR_INIT;
	struct controller *c = NULL;
	/* every worker thread would get a malloc arena of its own; with 30
	 * threads holding small JSON trees that costs more memory than it saves
	 * in lock waits (at 10,000 apps about a seventh of the peak RSS) */
	mallopt(M_ARENA_MAX, 2);
	daemon_block_signals();
	if (daemon_ensure_dir(data_dir, 0700, &err) < 0 || controller_start(&c, &cfg, &err) < 0) {
		log_error("controller failed to start", "error", err.msg, NULL);
		free(repo_url);
		return 1;
	}
	struct daemon_ports ports = DAEMON_PORTS_NONE;
	ports.controller = controller_port(c);
	if (daemon_write_ports(data_dir, &ports, &err) < 0) {
		log_error("cannot write ports.json", "error", err.msg, NULL);
		controller_stop(c);
		free(repo_url);
		return 1;
	}
	char port_str[16];
	snprintf(port_str, sizeof(port_str), "%d", controller_port(c));
	log_info("controller running", "port", port_str, "repo-server", cfg.repo_server_url,
		 "kubeconfig", cfg.kubeconfig, NULL);
	int sig = daemon_wait_for_signal();
	log_info("controller stopping", "signal", sig == 2 ? "SIGINT" : "SIGTERM", NULL);
	controller_stop(c);
	free(repo_url);
	return 0;
}
