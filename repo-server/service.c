/*
 * service.c — the repo-server's HTTP face and its `bosund repo-server`
 * entry point (see repo-server.h for the API).
 *
 * Handlers only translate: JSON body → struct render_request, the engine's
 * answer or struct berr → JSON. Field types are checked here so a wrong
 * request says which field is wrong. The render work is synchronous and may
 * wait on a git fetch, so the server gets more pool threads than render
 * slots: requests that hit the cache, /healthz and /metrics keep flowing
 * while renders run.
 */
#include "repo-server/repo-server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "repo-server/render.h"
#include "repo-server/route-metadata.h"

struct repo_server {
	struct render_engine *engine;
	struct http_server *http;
	struct revision_metadata *metadata;     /* POST /v1/revision-metadata */
};

/* --- request parsing -------------------------------------------------------- */

static int get_string(const char **out, json_t *obj, const char *field, const char *where,
		      struct berr *err)
{
	json_t *v = json_object_get(obj, field);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berr_set(err, BERR_INVALID, "field '%s%s' must be a string", where, field);
	*out = json_string_value(v);
	return 0;
}

static int get_object(json_t **out, json_t *obj, const char *field, struct berr *err)
{
	json_t *v = json_object_get(obj, field);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return berr_set(err, BERR_INVALID, "field '%s' must be an object", field);
	*out = v;
	return 0;
}

/* Credentials from `repo`; the strings stay owned by the body. */
static int parse_creds(struct repo_creds *c, json_t *body, struct berr *err)
{
	json_t *repo = NULL;
	memset(c, 0, sizeof(*c));
	int rc = get_object(&repo, body, "repo", err);
	if (rc < 0 || !repo)
		return rc;
	if ((rc = get_string(&c->username, repo, "username", "repo.", err)) < 0
	    || (rc = get_string(&c->password, repo, "password", "repo.", err)) < 0
	    || (rc = get_string(&c->ssh_private_key, repo, "sshPrivateKey", "repo.", err)) < 0
	    || (rc = get_string(&c->ssh_passphrase, repo, "sshPassphrase", "repo.", err)) < 0
	    || (rc = get_string(&c->ssh_known_hosts, repo, "sshKnownHosts", "repo.", err)) < 0
	    || (rc = get_string(&c->ca_pem, repo, "tlsCA", "repo.", err)) < 0
	    || (rc = get_string(&c->tls_client_cert, repo, "tlsClientCertData", "repo.", err)) < 0
	    || (rc = get_string(&c->tls_client_key, repo, "tlsClientCertKey", "repo.", err)) < 0)
		return rc;
	json_t *insecure = json_object_get(repo, "insecure");
	if (insecure && !json_is_boolean(insecure) && !json_is_null(insecure))
		return berr_set(err, BERR_INVALID, "field 'repo.insecure' must be a boolean");
	c->insecure = json_is_true(insecure);
	return 0;
}

static int parse_bool(int *out, json_t *obj, const char *field, const char *where,
		      struct berr *err)
{
	json_t *v = json_object_get(obj, field);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return berr_set(err, BERR_INVALID, "field '%s%s' must be a boolean", where, field);
	*out = json_is_true(v);
	return 0;
}

/* Everything in the body that shapes the rendered output (no credentials). */
static json_t *output_options(json_t *body)
{
	static const char *const fields[] = { "directory", "helm", "appName", "namespace",
					      "kubeVersion", "apiVersions" };
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(body, fields[i]);
		if (v && !json_is_null(v))
			json_object_set(o, fields[i], v);
	}
	return o;
}

static int parse_manifest_request(struct render_request *req, struct repo_creds *creds,
				  json_t *body, struct berr *err)
{
	json_t *dir = NULL, *helm = NULL;
	memset(req, 0, sizeof(*req));
	if (!json_is_object(body))
		return berr_set(err, BERR_INVALID, "request body must be a JSON object");
	int rc;
	if ((rc = get_string(&req->repo_url, body, "repoURL", "", err)) < 0
	    || (rc = get_string(&req->revision, body, "targetRevision", "", err)) < 0
	    || (rc = get_string(&req->path, body, "path", "", err)) < 0
	    || (rc = get_object(&dir, body, "directory", err)) < 0
	    || (rc = get_object(&helm, body, "helm", err)) < 0
	    || (rc = parse_bool(&req->no_cache, body, "noCache", "", err)) < 0
	    || (rc = parse_creds(creds, body, err)) < 0)
		return rc;
	if (!req->repo_url || !*req->repo_url)
		return berr_set(err, BERR_INVALID, "field 'repoURL' is required");
	if (dir && ((rc = parse_bool(&req->directory.recurse, dir, "recurse", "directory.", err)) < 0
		    || (rc = get_string(&req->directory.include, dir, "include", "directory.", err)) < 0
		    || (rc = get_string(&req->directory.exclude, dir, "exclude", "directory.", err)) < 0))
		return rc;
	req->helm = helm != NULL;
	req->creds = creds;
	return 0;
}

/* --- handlers ---------------------------------------------------------------- */

static void reply_error(struct http_response *resp, struct berr *err)
{
	http_response_berr(resp, err);
}

static int read_body(json_t **out, struct http_request *req, struct berr *err)
{
	int rc = http_request_json(req, out, err);
	if (rc == 0 && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return berr_set(err, BERR_INVALID, "request body must be a JSON object");
	}
	return rc;
}

static void handle_manifests(struct http_request *hreq, struct http_response *resp, void *arg)
{
	struct repo_server *s = arg;
	struct berr err = BERR_INIT;
	struct render_request req;
	struct repo_creds creds;
	json_t *body = NULL, *options = NULL;
	struct buf result = BUF_INIT;
	if (read_body(&body, hreq, &err) < 0
	    || parse_manifest_request(&req, &creds, body, &err) < 0) {
		reply_error(resp, &err);
		goto out;
	}
	options = output_options(body);
	req.options = options;
	if (render_manifests(&result, s->engine, &req, &err) < 0) {
		reply_error(resp, &err);
		goto out;
	}
	http_response_text(resp, 200, "application/json", result.data, result.len);
out:
	buf_release(&result);
	json_decref(options);
	json_decref(body);
}

static void handle_resolve(struct http_request *hreq, struct http_response *resp, void *arg)
{
	struct repo_server *s = arg;
	struct berr err = BERR_INIT;
	struct repo_creds creds;
	const char *url = NULL, *rev = NULL;
	char sha[41];
	json_t *body = NULL;
	if (read_body(&body, hreq, &err) < 0
	    || get_string(&url, body, "repoURL", "", &err) < 0
	    || get_string(&rev, body, "targetRevision", "", &err) < 0
	    || parse_creds(&creds, body, &err) < 0
	    || render_resolve(sha, s->engine, url, rev, &creds, &err) < 0) {
		reply_error(resp, &err);
	} else {
		json_t *out = json_pack("{s:s}", "revision", sha);
		http_response_json(resp, 200, out);
		json_decref(out);
	}
	json_decref(body);
}

static void handle_refs(struct http_request *hreq, struct http_response *resp, void *arg)
{
	struct repo_server *s = arg;
	struct berr err = BERR_INIT;
	struct repo_creds creds;
	memset(&creds, 0, sizeof(creds));
	const char *url = http_request_query(hreq, "repo");
	json_t *body = NULL, *refs = NULL;
	if (!strcmp(hreq->method, "POST")
	    && (read_body(&body, hreq, &err) < 0
		|| get_string(&url, body, "repoURL", "", &err) < 0
		|| parse_creds(&creds, body, &err) < 0)) {
		reply_error(resp, &err);
		goto out;
	}
	if (render_refs(&refs, s->engine, url, &creds, &err) < 0) {
		reply_error(resp, &err);
		goto out;
	}
	http_response_json(resp, 200, refs);
out:
	json_decref(refs);
	json_decref(body);
}

static void handle_test_connection(struct http_request *hreq, struct http_response *resp,
				   void *arg)
{
	(void)arg;
	struct berr err = BERR_INIT;
	struct repo_creds creds;
	const char *url = NULL;
	size_t n = 0;
	json_t *body = NULL;
	if (read_body(&body, hreq, &err) < 0
	    || get_string(&url, body, "repoURL", "", &err) < 0
	    || parse_creds(&creds, body, &err) < 0
	    || mirror_test_connection(url, &creds, 30000, &n, &err) < 0) {
		reply_error(resp, &err);
	} else {
		json_t *out = json_pack("{s:b, s:I}", "ok", 1, "refs", (json_int_t)n);
		http_response_json(resp, 200, out);
		json_decref(out);
	}
	json_decref(body);
}

static void handle_invalidate(struct http_request *hreq, struct http_response *resp, void *arg)
{
	struct repo_server *s = arg;
	struct berr err = BERR_INIT;
	const char *url = NULL;
	json_t *body = NULL;
	if (read_body(&body, hreq, &err) < 0 || get_string(&url, body, "repoURL", "", &err) < 0
	    || (!url && berr_set(&err, BERR_INVALID, "field 'repoURL' is required") < 0)) {
		reply_error(resp, &err);
	} else {
		render_invalidate(s->engine, url);
		json_t *out = json_pack("{s:b}", "ok", 1);
		http_response_json(resp, 200, out);
		json_decref(out);
	}
	json_decref(body);
}

static void handle_healthz(struct http_request *hreq, struct http_response *resp, void *arg)
{
	(void)hreq;
	(void)arg;
	http_response_text(resp, 200, "text/plain", "ok\n", 3);
}

static void handle_metrics(struct http_request *hreq, struct http_response *resp, void *arg)
{
	struct repo_server *s = arg;
	struct buf b = BUF_INIT;
	(void)hreq;
	render_metrics(&b, s->engine);
	http_response_text(resp, 200, "text/plain; version=0.0.4", b.data, b.len);
	buf_release(&b);
}

static const struct route {
	const char *method;
	const char *pattern;
	http_handler_fn fn;
} routes[] = {
	{ "POST", "/v1/manifests", handle_manifests },
	{ "POST", "/v1/resolve", handle_resolve },
	{ "GET", "/v1/refs", handle_refs },
	{ "POST", "/v1/refs", handle_refs },
	{ "POST", "/v1/test-connection", handle_test_connection },
	{ "POST", "/v1/invalidate", handle_invalidate },
	{ "GET", "/healthz", handle_healthz },
	{ "GET", "/metrics", handle_metrics },
};

/* --- start / stop --------------------------------------------------------------- */

int repo_server_start(struct repo_server **out, const struct repo_server_options *o,
		      struct berr *err)
{
	*out = NULL;
	if (!o->data_dir || !*o->data_dir)
		return berr_set(err, BERR_INVALID, "repo-server: a data dir is required");
	struct repo_server *s = xcalloc(1, sizeof(*s));
	struct render_config cfg = {
		.data_dir = o->data_dir,
		.parallelism = o->parallelism,
		.timeout_ms = o->timeout_ms,
		.fresh_ms = o->fetch_reuse_ms,
		.cache_max_bytes = o->cache_max_bytes,
		.max_fetch_bytes = o->max_fetch_bytes,
		.limits = o->limits,
	};
	unsigned slots = o->parallelism ? o->parallelism : 4;
	struct http_server_options ho = {
		.name = "repo-server",
		.address = o->address,
		.port = o->port,
		.threads = slots * 2 < 8 ? 8 : slots * 2,
		.max_body_bytes = 1 << 20,
		.access_log = HTTP_ACCESS_LOG_DEBUG,
	};
	int rc = render_engine_open(&s->engine, &cfg, err);
	if (rc == 0)
		rc = http_server_new(&s->http, &ho, err);
	for (size_t i = 0; rc == 0 && i < sizeof(routes) / sizeof(routes[0]); i++)
		rc = http_server_route(s->http, routes[i].method, routes[i].pattern, routes[i].fn, s, err);
	if (rc == 0)
		rc = revision_metadata_routes(&s->metadata, s->http, s->engine, o->data_dir, err);
	if (rc == 0)
		rc = http_server_start(s->http, err);
	if (rc < 0) {
		repo_server_stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

uint16_t repo_server_port(const struct repo_server *s)
{
	return http_server_port(s->http);
}

void repo_server_stop(struct repo_server *s)
{
	if (!s)
		return;
	if (s->http)
		http_server_free(s->http);      /* stops first */
	revision_metadata_free(s->metadata);
	render_engine_free(s->engine);
	free(s);
}

/* --- bosund repo-server ----------------------------------------------------------- */

static int usage(FILE *f)
{
	fprintf(f,
		"usage: bosund repo-server [--port P] [--data-dir D] [--address A]\n"
		"                          [--parallelism N] [--timeout SECONDS] [--fetch-reuse SECONDS]\n"
		"                          [--cache-size BYTES]\n"
		"                          [--max-file-size BYTES] [--max-total-size BYTES] [--max-files N]\n"
		"                          [--max-fetch-size BYTES]\n");
	return f == stderr ? 2 : 0;
}

int repo_server_main(int argc, char **argv)
{
	const char *data_dir = "./bosun-data";
	struct repo_server_options o = { 0 };
	int port = 8081;
	long timeout_s = 0, reuse_s = -1;

	argc = daemon_common_options(argc, argv, &data_dir);
	if (argc < 0)
		return 2;
	const struct daemon_opt table[] = {
		{ "--port", DAEMON_OPT_PORT, &port, 0, 0 },
		{ "--address", DAEMON_OPT_STRING, &o.address, 0, 0 },
		{ "--parallelism", DAEMON_OPT_UINT, &o.parallelism, 1, 1024 },
		{ "--timeout", DAEMON_OPT_LONG, &timeout_s, 1, 86400 },
		{ "--fetch-reuse", DAEMON_OPT_LONG, &reuse_s, 0, 86400 },
		{ "--cache-size", DAEMON_OPT_SIZE, &o.cache_max_bytes, 0, 0 },
		{ "--max-file-size", DAEMON_OPT_SIZE, &o.limits.max_file_bytes, 0, 0 },
		{ "--max-total-size", DAEMON_OPT_SIZE, &o.limits.max_total_bytes, 0, 0 },
		{ "--max-fetch-size", DAEMON_OPT_SIZE, &o.max_fetch_bytes, 0, 0 },
		{ "--max-files", DAEMON_OPT_SIZE, &o.limits.max_files, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	int rc = daemon_parse_options("repo-server", argc, argv, table);
	if (rc)
		return usage(rc > 0 ? stdout : stderr);
	o.timeout_ms = timeout_s * 1000;
	if (reuse_s >= 0)
		o.fetch_reuse_ms = reuse_s ? reuse_s * 1000 : -1;
	o.port = (uint16_t)port;
	o.data_dir = data_dir;

	struct berr err = BERR_INIT;
	struct repo_server *s = NULL;
	daemon_block_signals();
	if (daemon_ensure_dir(data_dir, 0700, &err) < 0
	    || repo_server_start(&s, &o, &err) < 0) {
		log_error("repo-server failed to start", "error", err.msg, NULL);
		return 1;
	}
	struct daemon_ports ports = DAEMON_PORTS_NONE;
	ports.repo_server = repo_server_port(s);
	if (daemon_write_ports(data_dir, &ports, &err) < 0) {
		log_error("cannot write ports.json", "error", err.msg, NULL);
		repo_server_stop(s);
		return 1;
	}
	char port_str[16];
	snprintf(port_str, sizeof(port_str), "%u", (unsigned)repo_server_port(s));
	log_info("repo-server listening", "port", port_str, "data-dir", data_dir, NULL);
	int sig = daemon_wait_for_signal();
	log_info("repo-server stopping", "signal", sig == 2 ? "SIGINT" : "SIGTERM", NULL);
	repo_server_stop(s);
	return 0;
}
