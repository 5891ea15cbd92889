/*
 * route-clusters — destination clusters (Argo CD's /api/v1/clusters): the
 * built-in `in-cluster` (https://kubernetes.default.svc, the control-plane
 * cluster itself) and Secrets labelled `bosun.io/secret-type: cluster`
 * holding name, server and config (bearer token and TLS material, as Argo
 * CD's). The config is write-only: answers show only whether TLS
 * verification is skipped.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "api/api-internal.h"
#include "doc.h"
#include "log.h"

static void reply(struct http_response *resp, int status, json_t *doc)
{
	http_response_json(resp, status, doc);
	json_decref(doc);
}

static json_t *cluster_view(const json_t *data)
{
	json_t *config = json_loads(api_str(data, "config") ? api_str(data, "config") : "{}", 0,
				    NULL);
	int insecure = json_is_true(doc_get(config, "tlsClientConfig.insecure"));
	json_decref(config);
	json_t *out = json_pack("{s:s, s:s, s:{s:{s:b}}}", "server",
				api_str(data, "server") ? api_str(data, "server") : "", "name",
				api_str(data, "name") ? api_str(data, "name") : "", "config",
				"tlsClientConfig", "insecure", insecure);
	if (api_str(data, "project"))
		json_object_set(out, "project", json_object_get(data, "project"));
	return out;
}

static json_t *in_cluster(void)
{
	return json_pack("{s:s, s:s, s:{s:{s:b}}, s:{s:s}}", "server", API_IN_CLUSTER, "name",
			 "in-cluster", "config", "tlsClientConfig", "insecure", 0,
			 "connectionState", "status", "Successful");
}

static json_t *cluster_secrets(struct api *api, struct berr *err)
{
	struct kube_ref ref = { .api_version = "v1", .kind = "Secret", .namespace = api->ns };
	struct kube_list_options lo = { .label_selector = "bosun.io/secret-type=cluster" };
	json_t *list;
	if (kube_client_list(api->kc, &list, &ref, &lo, err) < 0)
		return NULL;
	json_t *items = json_incref(json_object_get(list, "items"));
	json_decref(list);
	return items;
}

/* The Secret registering the cluster with this server or this name (either
 * may be NULL), new reference; NULL when none does or on error (err set). */
static json_t *find_cluster_by(struct api *api, const char *server, const char *name,
			       struct berr *err)
{
	json_t *items = cluster_secrets(api, err);
	json_t *found = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(items, i, s) {
		json_t *d = api_decode_data(s, 1);
		const char *cs = api_str(d, "server"), *cn = api_str(d, "name");
		if (!found && cs && ((server && !strcmp(cs, server)) || (name && cn && !strcmp(cn, name))))
			found = json_incref(s);
		json_decref(d);
	}
	json_decref(items);
	return found;
}

static json_t *find_cluster(struct api *api, const char *server, struct berr *err)
{
	return find_cluster_by(api, server, NULL, err);
}

static int is_in_cluster(const json_t *dest)
{
	const char *s = api_str(dest, "server"), *name = api_str(dest, "name");
	return (s && !strcmp(s, API_IN_CLUSTER)) || (name && !strcmp(name, "in-cluster"));
}

/* The Secret of a destination that is not in-cluster; BERR_INVALID names it
 * when it is not registered. */
static json_t *destination_secret(struct api *api, const json_t *dest, struct berr *err)
{
	const char *s = api_str(dest, "server"), *name = api_str(dest, "name");
	json_t *sec = find_cluster_by(api, s, s ? NULL : name, err);
	if (!sec && !err->code)
		berr_set(err, BERR_INVALID, "destination cluster '%s' is not registered",
			 s && *s ? s : (name ? name : ""));
	return sec;
}

int api_destination_resolve(struct api *api, const json_t *dest, char **server,
			    struct berr *err)
{
	*server = NULL;
	if (is_in_cluster(dest)) {
		*server = xstrdup(API_IN_CLUSTER);
		return 0;
	}
	json_t *sec = destination_secret(api, dest, err);
	if (!sec)
		return err->code;
	json_t *d = api_decode_data(sec, 1);
	*server = xstrdup(api_str(d, "server"));
	json_decref(d);
	json_decref(sec);
	return 0;
}

int api_destination_client(struct api *api, const json_t *dest, struct kube_client **out,
			   struct berr *err)
{
	struct berr local = BERR_INIT;
	err = err ? err : &local;
	*out = NULL;
	if (is_in_cluster(dest)) {
		*out = api->kc;
		return 0;
	}
	json_t *sec = destination_secret(api, dest, err);
	struct kube_config *kc = NULL;
	int rc = sec ? kube_config_from_cluster_secret(&kc, sec, err) : err->code;
	if (rc == 0) {
		struct kube_client_options ko = { .user_agent = "bosun-api", .timeout_ms = 10000 };
		rc = kube_client_new(out, kc, &ko, err);
	}
	kube_config_free(kc);
	json_decref(sec);
	return rc;
}

static void list_clusters(struct api_ctx *ctx, struct http_request *req,
			  struct http_response *resp)
{
	(void)req;
	struct berr err = BERR_INIT;
	json_t *secrets = cluster_secrets(ctx->api, &err);
	if (!secrets)
		return api_error(resp, &err);
	json_t *items = json_array();
	if (api_can(ctx, "clusters", "get", API_IN_CLUSTER))
		json_array_append_new(items, in_cluster());
	size_t i;
	json_t *s;
	json_array_foreach(secrets, i, s) {
		json_t *d = api_decode_data(s, 1);
		if (api_str(d, "server") && api_can(ctx, "clusters", "get", api_str(d, "server")))
			json_array_append_new(items, cluster_view(d));
		json_decref(d);
	}
	json_decref(secrets);
	reply(resp, 200, json_pack("{s:{}, s:o}", "metadata", "items", items));
}

static const char *server_param(struct http_request *req, struct http_response *resp,
				char *buf, size_t size)
{
	const char *s = http_request_query(req, "server");
	if (!s || !*s)
		s = http_request_param(req, "*");
	const char *p = s ? strstr(s, ":/") : NULL;
	if (p && p[2] != '/') {
		snprintf(buf, size, "%.*s://%s", (int)(p - s), s, p + 2);
		s = buf;
	}
	if (!s || strncmp(s, "https://", 8) || strlen(s) > 2048 || strpbrk(s, " \t\r\n")) {
		http_response_error(resp, 400, "invalid cluster server '%.200s'", s ? s : "");
		return NULL;
	}
	return s;
}

static void get_cluster(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	char buf[2100];
	const char *server = server_param(req, resp, buf, sizeof(buf));
	if (!server || !api_allow(ctx, resp, "clusters", "get", server))
		return;
	if (!strcmp(server, API_IN_CLUSTER))
		return reply(resp, 200, in_cluster());
	struct berr err = BERR_INIT;
	json_t *sec = find_cluster(ctx->api, server, &err);
	if (!sec) {
		if (err.code)
			return api_error(resp, &err);
		return http_response_error(resp, 404, "cluster '%s' not found", server);
	}
	json_t *d = api_decode_data(sec, 1);
	reply(resp, 200, cluster_view(d));
	json_decref(d);
	json_decref(sec);
}

static void create_cluster(struct api_ctx *ctx, struct http_request *req,
			   struct http_response *resp)
{
	static const char *const known[] = { "server", "name", "config", "namespaces",
					     "project", "upsert", NULL };
	static const char *const config_known[] = { "bearerToken", "username", "password",
						    "tlsClientConfig", "execProviderConfig", NULL };
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return;
	struct berr err = BERR_INIT;
	const char *server = api_str(body, "server"), *name = api_str(body, "name");
	json_t *config = json_object_get(body, "config");
	const char *k;
	json_t *v;
	int bad = 0;
	json_object_foreach(body, k, v) {
		int ok = 0;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(known[i], k);
		if (!ok && !bad) {
			http_response_error(resp, 400, "unknown field '%.64s'", k);
			bad = 1;
		}
	}
	if (!bad && config && !json_is_object(config)) {
		http_response_error(resp, 400, "'config' must be an object");
		bad = 1;
	}
	json_object_foreach(config, k, v) {
		int ok = 0;
		for (size_t i = 0; config_known[i] && !ok; i++)
			ok = !strcmp(config_known[i], k);
		if (!ok && !bad) {
			http_response_error(resp, 400, "unknown field 'config.%.64s'", k);
			bad = 1;
		}
	}
	struct kube_exec *exec = NULL;
	if (!bad && json_object_get(config, "execProviderConfig")
	    && kube_exec_parse(&exec, json_object_get(config, "execProviderConfig"), NULL, "config",
			       &err) < 0) {
		http_response_error(resp, 400, "%s", err.msg);
		bad = 1;
	}
	kube_exec_free(exec);
	if (bad)
		goto out;
	if (!server || strncmp(server, "https://", 8) || strlen(server) > 2048 ||
	    strpbrk(server, " \t\r\n")) {
		http_response_error(resp, 400, "'server' must be an https:// URL");
		goto out;
	}
	if (!name || !api_valid_name(name, 253)) {
		http_response_error(resp, 400, "'name' must be a DNS-1123 name");
		goto out;
	}
	if (!strcmp(server, API_IN_CLUSTER) || !strcmp(name, "in-cluster")) {
		http_response_error(resp, 400, "'in-cluster' is built in");
		goto out;
	}
	if (!api_allow(ctx, resp, "clusters", "create", server))
		goto out;
	json_t *old = find_cluster(ctx->api, server, &err);
	if (!old && err.code) {
		api_error(resp, &err);
		goto out;
	}
	if (old && !json_is_true(json_object_get(body, "upsert")) &&
	    !(http_request_query(req, "upsert") && !strcmp(http_request_query(req, "upsert"), "true"))) {
		json_decref(old);
		http_response_error(resp, 409, "cluster '%s' already exists", server);
		goto out;
	}
	char *cfg_text = json_dumps(config ? config : json_object(), JSON_COMPACT);
	struct buf e_server = BUF_INIT, e_name = BUF_INIT, e_cfg = BUF_INIT;
	b64_encode(&e_server, server, strlen(server));
	b64_encode(&e_name, name, strlen(name));
	b64_encode(&e_cfg, cfg_text, strlen(cfg_text));
	memset(cfg_text, 0, strlen(cfg_text));
	free(cfg_text);
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)server, strlen(server), md);
	char sname[64];
	snprintf(sname, sizeof(sname), "cluster-%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2],
		 md[3], md[4], md[5]);
	json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:s, s:{s:s, s:s, s:s}}",
				"apiVersion", "v1", "kind", "Secret", "metadata", "name",
				old ? doc_get_str(old, "metadata.name") : sname, "namespace",
				ctx->api->ns, "labels", "bosun.io/secret-type", "cluster", "type",
				"Opaque", "data", "server", e_server.data, "name", e_name.data,
				"config", e_cfg.data);
	buf_release(&e_server);
	buf_release(&e_name);
	buf_release(&e_cfg);
	json_t *res = NULL;
	int rc;
	if (old) {
		doc_set_new(obj, "metadata.resourceVersion",
			    json_string(doc_get_str(old, "metadata.resourceVersion")), NULL);
		rc = kube_client_update(ctx->api->kc, &res, obj, NULL, &err);
	} else {
		rc = kube_client_create(ctx->api->kc, &res, obj, NULL, &err);
	}
	json_decref(obj);
	json_decref(old);
	if (rc < 0) {
		api_error(resp, &err);
	} else {
		log_info("cluster added", "server", server, "by", ctx->user, NULL);
		json_t *d = api_decode_data(res, 1);
		reply(resp, 200, cluster_view(d));
		json_decref(d);
	}
	json_decref(res);
out:
	json_decref(body);
}

static void delete_cluster(struct api_ctx *ctx, struct http_request *req,
			   struct http_response *resp)
{
	char buf[2100];
	const char *server = server_param(req, resp, buf, sizeof(buf));
	if (!server || !api_allow(ctx, resp, "clusters", "delete", server))
		return;
	if (!strcmp(server, API_IN_CLUSTER))
		return http_response_error(resp, 400, "'in-cluster' is built in and cannot be removed");
	struct berr err = BERR_INIT;
	json_t *sec = find_cluster(ctx->api, server, &err);
	if (!sec) {
		if (err.code)
			return api_error(resp, &err);
		return http_response_error(resp, 404, "cluster '%s' not found", server);
	}
	struct kube_ref ref = api_ref(ctx->api, "Secret", doc_get_str(sec, "metadata.name"));
	int rc = kube_client_delete(ctx->api->kc, NULL, &ref, NULL, &err);
	json_decref(sec);
	if (rc < 0)
		return api_error(resp, &err);
	log_info("cluster removed", "server", server, "by", ctx->user, NULL);
	reply(resp, 200, json_object());
}

const struct api_route api_routes_clusters[] = {
	{ "GET", "/api/v1/clusters", list_clusters, 0 },
	{ "POST", "/api/v1/clusters", create_cluster, 0 },
	{ "GET", "/api/v1/clusters/*", get_cluster, 0 },
	{ "DELETE", "/api/v1/clusters/*", delete_cluster, 0 },
	{ NULL, NULL, NULL, 0 },
};
