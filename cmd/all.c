/*
 * all.c — `bosund all` (and plain `bosund`): every part in one process.
 *
 * Each part runs as it would alone, on its own loopback port, and reaches
 * the others over HTTP exactly as across machines (DESIGN.md): the bundled
 * cluster first (it is the control-plane store and writes kubeconfig.yaml),
 * then the repo server, the controller and the API. ports.json is written
 * only once all four listen; SIGINT/SIGTERM stops them in reverse order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "buf.h"
#include "controller/controller.h"
#include "daemon.h"
#include "log.h"
#include "orchestrator/orchestrator.h"
#include "repo-server/repo-server.h"

#include "cmd/all.h"

struct all_options {
	const char *data_dir;
	int api_port, cluster_port, repo_port, controller_port;
	int nodes;
	long pod_start_delay_ms;
	const char *ui_dir;
	const char *tls_cert, *tls_key;
};

static int usage(FILE *f)
{
	fprintf(f,
		"usage: bosund all [--data-dir DIR] [--api-port N] [--cluster-port N]\n"
		"                  [--repo-server-port N] [--controller-port N] [--nodes N]\n"
		"                  [--pod-start-delay 1s] [--ui-dir DIR] [--tls-cert F --tls-key F]\n"
		"                  [--log-level L] [--log-format text|json]\n"
		"Ports default to 8080, 6443, 8081, 8082; 0 picks a free one.\n");
	return f == stderr ? 2 : 0;
}

/* 0, 1 for --help, -1 after an error on stderr. */
static int parse_options(int argc, char **argv, struct all_options *o)
{
	const struct daemon_opt table[] = {
		{ "--api-port", DAEMON_OPT_PORT, &o->api_port, 0, 0 },
		{ "--cluster-port", DAEMON_OPT_PORT, &o->cluster_port, 0, 0 },
		{ "--repo-server-port", DAEMON_OPT_PORT, &o->repo_port, 0, 0 },
		{ "--controller-port", DAEMON_OPT_PORT, &o->controller_port, 0, 0 },
		{ "--nodes", DAEMON_OPT_INT, &o->nodes, 0, 1000 },
		{ "--pod-start-delay", DAEMON_OPT_DURATION, &o->pod_start_delay_ms, 0, 0 },
		{ "--ui-dir", DAEMON_OPT_STRING, &o->ui_dir, 0, 0 },
		{ "--tls-cert", DAEMON_OPT_STRING, &o->tls_cert, 0, 0 },
		{ "--tls-key", DAEMON_OPT_STRING, &o->tls_key, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	return daemon_parse_options("all", argc, argv, table);
}

int all_main(int argc, char **argv)
{
	struct all_options o = { .data_dir = "./bosun-data", .api_port = 8080,
				 .cluster_port = 6443, .repo_port = 8081,
				 .controller_port = 8082,
				 .pod_start_delay_ms = -1 /* the cluster's default */ };
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return usage(stdout);
	argc = daemon_common_options(argc, argv, &o.data_dir);
	if (argc < 0 || parse_options(argc, argv, &o) != 0)
		return usage(stderr);

	struct berr err = BERR_INIT;
	if (daemon_ensure_dir(o.data_dir, 0700, &err) < 0) {
		fprintf(stderr, "bosund: %s\n", err.msg);
		return 1;
	}
	daemon_block_signals();

	struct orchestrator *cluster = NULL;
	struct repo_server *repo = NULL;
	struct controller *ctrl = NULL;
	struct api *api = NULL;
	struct buf kubeconfig = BUF_INIT, repo_url = BUF_INIT, ctrl_url = BUF_INIT;
	int rc = 1;

	struct orchestrator_opts copts = { .data_dir = o.data_dir, .port = o.cluster_port,
					   .nodes = o.nodes,
					   .pod_start_delay_ms = o.pod_start_delay_ms };
	if (orchestrator_start(&cluster, &copts, &err) < 0) {
		berr_prefix(&err, "cannot start the cluster");
		goto out;
	}
	struct repo_server_options ropts = { .data_dir = o.data_dir,
					     .port = (uint16_t)o.repo_port };
	if (repo_server_start(&repo, &ropts, &err) < 0) {
		berr_prefix(&err, "cannot start the repo server");
		goto out;
	}
	buf_addf(&kubeconfig, "%s/kubeconfig.yaml", o.data_dir);
	buf_addf(&repo_url, "http://127.0.0.1:%u", (unsigned)repo_server_port(repo));
	struct controller_config ccfg = { .kubeconfig = kubeconfig.data,
					  .repo_server_url = repo_url.data,
					  .port = o.controller_port };
	if (controller_start(&ctrl, &ccfg, &err) < 0) {
		berr_prefix(&err, "cannot start the controller");
		goto out;
	}
	buf_addf(&ctrl_url, "http://127.0.0.1:%d", controller_port(ctrl));
	struct api_config acfg = { .kubeconfig = kubeconfig.data,
				   .repo_server_url = repo_url.data,
				   .controller_urls = ctrl_url.data,
				   .data_dir = o.data_dir, .port = o.api_port,
				   .ui_dir = o.ui_dir, .tls_cert_file = o.tls_cert,
				   .tls_key_file = o.tls_key };
	if (api_start(&api, &acfg, &err) < 0) {
		berr_prefix(&err, "cannot start the API");
		goto out;
	}
	struct daemon_ports ports = { .api = api_port(api),
				      .cluster = orchestrator_port(cluster),
				      .repo_server = repo_server_port(repo),
				      .controller = controller_port(ctrl) };
	if (daemon_write_ports(o.data_dir, &ports, &err) < 0)
		goto out;
	char p_api[16], p_cluster[16];
	snprintf(p_api, sizeof(p_api), "%d", ports.api);
	snprintf(p_cluster, sizeof(p_cluster), "%d", ports.cluster);
	log_info("bosun is running", "api", p_api, "cluster", p_cluster,
		 "dataDir", o.data_dir, NULL);

	int sig = daemon_wait_for_signal();
	log_info("shutting down", "signal", sig == 2 ? "SIGINT" : "SIGTERM", NULL);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bosund: %s\n", err.msg);
	if (api)
		api_stop(api);
	if (ctrl)
		controller_stop(ctrl);
	if (repo)
		repo_server_stop(repo);
	if (cluster)
		orchestrator_stop(cluster);
	buf_release(&kubeconfig);
	buf_release(&repo_url);
	buf_release(&ctrl_url);
	return rc;
}
