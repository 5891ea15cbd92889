/*
 * route-repositories — registered repositories (Argo CD's
 * /api/v1/repositories): Secrets labelled `bosun.io/secret-type:
 * repository` holding url, type, name, project and credentials. A new or
 * changed repository is registered only after the repo server connected to
 * it with those credentials. Credentials are write-only: answers carry the
 * URL, type, name and user name, never a password, key or certificate key,
 * and the repo server's error messages are passed on without them.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "api/api-internal.h"
#include "doc.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define REPO_LABEL "bosun.io/secret-type"

static const char *const credential_keys[] = { "username", "password", "sshPrivateKey",
					       "sshPassphrase", "tlsClientCertData",
					       "tlsClientCertKey", "bearerToken", NULL };
static const char *const plain_keys[] = { "type", "name", "project", "insecure",
					  "enableLfs", "proxy", "sshKnownHosts", "tlsCA",
					  NULL };

int api_repo_url_valid(const char *url)
{
	static const char *const schemes[] = { "https://", "http://", "ssh://", "git://",
					       "file://", "oci://", NULL };
	if (!url || !*url || strlen(url) > 2048)
		return 0;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	for (size_t i = 0; schemes[i]; i++)
		if (!strncasecmp(url, schemes[i], strlen(schemes[i])))
			return url[strlen(schemes[i])] != 0;
	/* scp-like: user@host:path */
	const char *at = strchr(url, '@'), *colon = strchr(url, ':');
	return at && colon && at > url && colon > at + 1 && colon[1] && !strstr(url, "://");
}

static void secret_name(char *out, size_t size, const char *prefix, const char *url)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)url, strlen(url), md);
	snprintf(out, size, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, md[0], md[1], md[2],
		 md[3], md[4], md[5], md[6], md[7]);
}

static json_t *list_secrets(struct api *api, const char *type, struct berr *err)
{
	char sel[64];
	snprintf(sel, sizeof(sel), REPO_LABEL "=%s", type);
	struct kube_ref ref = { .api_version = "v1", .kind = "Secret", .namespace = api->ns };
	struct kube_list_options lo = { .label_selector = sel };
	json_t *list;
	if (kube_client_list(api->kc, &list, &ref, &lo, err) < 0)
		return NULL;
	json_t *items = json_incref(json_object_get(list, "items"));
	json_decref(list);
	return items;
}

/* The repository Secret whose url is url (new reference) or NULL. */
static json_t *find_repo(struct api *api, const char *url, json_t **data, struct berr *err)
{
	json_t *items = list_secrets(api, "repository", err);
	json_t *found = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(items, i, s) {
		json_t *d = api_decode_data(s, 1);
		if (!found && api_str(d, "url") && !strcmp(api_str(d, "url"), url)) {
			found = json_incref(s);
			*data = json_incref(d);
		}
		json_decref(d);
	}
	json_decref(items);
	return found;
}

json_t *api_repo_credentials(struct api *api, const char *url)
{
	json_t *data = NULL;
	json_t *sec = find_repo(api, url, &data, NULL);
	json_t *out = sec ? secret_repo_credentials(data) : json_object();
	json_decref(sec);
	json_decref(data);
	return out;
}

int api_repo_server_post(struct api *api, const char *path, const json_t *body,
			 json_t **out, long *status, struct berr *err)
{
	*out = NULL;
	*status = 0;
	if (!api->repo)
		return berr_set(err, BERR_UNSUPPORTED, "no repo server is configured");
	char *text = json_dumps(body, JSON_COMPACT);
	const char *headers[] = { "Content-Type: application/json", NULL };
	struct http_client_request rq = { .method = "POST", .path = path, .headers = headers,
					  .body = text, .body_len = strlen(text) };
	struct http_client_response rs = HTTP_CLIENT_RESPONSE_INIT;
	int rc = http_client_do(api->repo, &rs, &rq, err);
	memset(text, 0, strlen(text));  /* it held credentials */
	free(text);
	if (rc < 0) {
		http_client_response_release(&rs);
		return berr_prefix(err, "repo server");
	}
	*status = rs.status;
	json_t *doc = json_loadb(rs.body.data, rs.body.len, 0, NULL);
	if (rs.status >= 300) {
		const char *msg = api_str(doc, "message") ? api_str(doc, "message")
							 : api_str(doc, "error");
		rc = berr_set(err, rs.status == 404 ? BERR_NOTFOUND : rs.status == 403 ? BERR_AUTH
			      : BERR_FAIL, "%s", msg ? msg : "repo server failed");
		json_decref(doc);
	} else if (!doc) {
		rc = berr_set(err, BERR_FAIL, "repo server answered with malformed JSON");
	} else {
		*out = doc;
	}
	http_client_response_release(&rs);
	return rc;
}

/* What a client may see of a repository. */
static json_t *repo_view(const json_t *sec, const json_t *data)
{
	json_t *out = json_object();
	const char *url = api_str(data, "url");
	json_object_set_new(out, "repo", json_string(url ? url : ""));
	const char *type = api_str(data, "type");
	json_object_set_new(out, "type", json_string(type ? type : "git"));
	const char *keys[] = { "name", "project", "username" };
	for (size_t i = 0; i < 3; i++)
		if (api_str(data, keys[i]))
			json_object_set(out, keys[i], json_object_get(data, keys[i]));
	const char *insecure = api_str(data, "insecure");
	json_object_set_new(out, "insecure", json_boolean(insecure && !strcmp(insecure, "true")));
	json_object_set_new(out, "hasCredentials",
			    json_boolean(api_str(data, "password") ||
					 api_str(data, "sshPrivateKey") ||
					 api_str(data, "tlsClientCertKey")));
	json_t *ann = doc_get(sec, "metadata.annotations");
	const char *status = api_str(ann, "bosun.io/connection-status");
	if (status)
		json_object_set_new(out, "connectionState",
				    json_pack("{s:s, s:s, s:s}", "status", status, "message",
					      api_str(ann, "bosun.io/connection-message")
					      ? api_str(ann, "bosun.io/connection-message") : "",
					      "attemptedAt", api_str(ann, "bosun.io/connection-time")
					      ? api_str(ann, "bosun.io/connection-time") : ""));
	return out;
}

static void reply(struct http_response *resp, int status, json_t *doc)
{
	http_response_json(resp, status, doc);
	json_decref(doc);
}

/* The repository URL from the path (`/api/v1/repositories/<url>`, the URL
 * percent-encoded or not) or from ?repo=. */
static const char *url_param(struct http_request *req, struct http_response *resp,
			     char *buf, size_t size)
{
	const char *url = http_request_query(req, "repo");
	if (!url || !*url) {
		url = http_request_param(req, "*");
		/* a path keeps "https:/host" when a proxy merged the slashes */
		const char *p = url ? strstr(url, ":/") : NULL;
		if (p && p[2] != '/') {
			snprintf(buf, size, "%.*s://%s", (int)(p - url), url, p + 2);
			url = buf;
		}
	}
	if (!url || !api_repo_url_valid(url)) {
		http_response_error(resp, 400, "invalid repository URL '%.200s'", url ? url : "");
		return NULL;
	}
	return url;
}

static void list_repos(struct api_ctx *ctx, struct http_request *req,
		       struct http_response *resp)
{
	(void)req;
	struct berr err = BERR_INIT;
	json_t *secrets = list_secrets(ctx->api, "repository", &err);
	if (!secrets)
		return api_error(resp, &err);
	json_t *items = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(secrets, i, s) {
		json_t *data = api_decode_data(s, 1);
		const char *url = api_str(data, "url");
		if (url && api_can(ctx, "repositories", "get", url))
			json_array_append_new(items, repo_view(s, data));
		json_decref(data);
	}
	json_decref(secrets);
	reply(resp, 200, json_pack("{s:{}, s:o}", "metadata", "items", items));
}

static void get_repo(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	char buf[2100];
	const char *url = url_param(req, resp, buf, sizeof(buf));
	if (!url || !api_allow(ctx, resp, "repositories", "get", url))
		return;
	struct berr err = BERR_INIT;
	json_t *data = NULL;
	json_t *sec = find_repo(ctx->api, url, &data, &err);
	if (!sec) {
		if (err.code)
			return api_error(resp, &err);
		return http_response_error(resp, 404, "repository '%s' not found", url);
	}
	reply(resp, 200, repo_view(sec, data));
	json_decref(sec);
	json_decref(data);
}

/* Validates a repository body into Secret data ({key: string}). */
static int repo_data(const json_t *body, json_t **out, struct berr *err)
{
	static const char *const known[] = { "repo", "type", "name", "project", "username",
					     "password", "sshPrivateKey", "sshPassphrase",
					     "tlsClientCertData", "tlsClientCertKey", "insecure",
					     "enableLfs", "proxy", "sshKnownHosts", "tlsCA",
					     "bearerToken", "upsert", "connectionState",
					     "hasCredentials", NULL };
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)body, k, v) {
		int ok = 0;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(known[i], k);
		if (!ok)
			return berr_set(err, BERR_INVALID, "unknown field '%.64s'", k);
	}
	const char *url = api_str(body, "repo");
	if (!url || !api_repo_url_valid(url))
		return berr_set(err, BERR_INVALID, "'repo' must be a git or helm repository URL");
	const char *type = api_str(body, "type");
	if (type && strcmp(type, "git") && strcmp(type, "helm"))
		return berr_set(err, BERR_INVALID, "'type' must be git or helm");
	json_t *data = json_pack("{s:s, s:s}", "url", url, "type", type ? type : "git");
	for (int pass = 0; pass < 2; pass++) {
		const char *const *keys = pass ? credential_keys : plain_keys;
		for (size_t i = 0; keys[i]; i++) {
			if (!strcmp(keys[i], "type"))
				continue;
			json_t *val = json_object_get(body, keys[i]);
			if (!val || json_is_null(val))
				continue;
			if (json_is_boolean(val)) {
				json_object_set_new(data, keys[i],
						    json_string(json_is_true(val) ? "true" : "false"));
				continue;
			}
			if (!json_is_string(val) || json_string_length(val) > 65536 ||
			    strlen(json_string_value(val)) != json_string_length(val)) {
				json_decref(data);
				return berr_set(err, BERR_INVALID, "'%s' must be a string", keys[i]);
			}
			if (json_string_length(val))
				json_object_set(data, keys[i], val);
		}
	}
	const char *name = api_str(data, "name");
	if (name && strlen(name) > 253) {
		json_decref(data);
		return berr_set(err, BERR_INVALID, "'name' is too long");
	}
	*out = data;
	return 0;
}

/* Asks the repo server to connect; a failure says why, without secrets. */
static int test_connection(struct api *api, const json_t *data, struct berr *err)
{
	if (!api->repo)
		return 0;
	json_t *creds = secret_repo_credentials(data);
	json_t *body = json_pack("{s:s, s:o}", "repoURL", api_str(data, "url"), "repo", creds);
	json_t *out = NULL;
	long status;
	const char *type = api_str(data, "type");
	int rc = type && !strcmp(type, "helm") ? 0
		 : api_repo_server_post(api, "/v1/test-connection", body, &out, &status, err);
	json_decref(body);
	json_decref(out);
	if (rc < 0) {
		const char *why = status == 403 ? "authentication failed"
				  : status == 404 ? "repository not found"
				  : status == 413 ? "timed out"
				  : status == 0 ? "repo server unreachable" : "connection failed";
		/* the repo server's message may already name the repository and
		 * the reason: say each once */
		char msg[BERR_MSG_MAX], named[BERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		snprintf(named, sizeof(named), "cannot connect to repository '%s': ",
			 api_str(data, "url"));
		const char *m = strncmp(msg, named, strlen(named)) ? msg : msg + strlen(named);
		if (!strncmp(m, why, strlen(why)))
			return berr_set(err, BERR_INVALID, "unable to connect to repository '%s': %s",
					api_str(data, "url"), m);
		return berr_set(err, BERR_INVALID, "unable to connect to repository '%s': %s: %s",
				api_str(data, "url"), why, m);
	}
	return 0;
}

static json_t *repo_secret(struct api *api, const char *name, const json_t *data,
			   const char *status, const char *message)
{
	json_t *enc = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)data, k, v) {
		struct buf b = BUF_INIT;
		b64_encode(&b, json_string_value(v), json_string_length(v));
		json_object_set_new(enc, k, json_string(b.data));
		buf_release(&b);
	}
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}}, s:s, s:o}",
			 "apiVersion", "v1", "kind", "Secret", "metadata", "name", name,
			 "namespace", api->ns, "labels", REPO_LABEL, "repository",
			 "app.kubernetes.io/part-of", "bosun", "annotations",
			 "bosun.io/connection-status", status, "bosun.io/connection-message",
			 message, "bosun.io/connection-time", now, "type", "Opaque", "data", enc);
}

static void write_repo(struct api_ctx *ctx, struct http_response *resp, json_t *body,
		       const char *path_url, int create)
{
	struct berr err = BERR_INIT;
	json_t *data = NULL, *old = NULL, *old_data = NULL, *obj = NULL, *res = NULL;
	if (path_url && !json_object_get(body, "repo"))
		json_object_set_new(body, "repo", json_string(path_url));
	if (repo_data(body, &data, &err) < 0) {
		http_response_error(resp, 400, "%s", err.msg);
		goto out;
	}
	const char *url = api_str(data, "url");
	if (path_url && strcmp(path_url, url)) {
		http_response_error(resp, 400, "'repo' does not match the path");
		goto out;
	}
	if (!api_allow(ctx, resp, "repositories", create ? "create" : "update", url))
		goto out;
	old = find_repo(ctx->api, url, &old_data, &err);
	if (!old && err.code) {
		api_error(resp, &err);
		goto out;
	}
	int upsert = json_is_true(json_object_get(body, "upsert"));
	if (create && old && !upsert) {
		http_response_error(resp, 409, "repository '%s' already exists", url);
		goto out;
	}
	if (!create && !old) {
		http_response_error(resp, 404, "repository '%s' not found", url);
		goto out;
	}
	if (!create) {  /* an update keeps what it does not change */
		const char *k;
		json_t *v;
		json_object_foreach(old_data, k, v)
			if (!json_object_get(data, k))
				json_object_set(data, k, v);
	}
	if (test_connection(ctx->api, data, &err) < 0) {
		http_response_error(resp, 400, "%s", err.msg);
		goto out;
	}
	char name[64];
	secret_name(name, sizeof(name), "repo", url);
	obj = repo_secret(ctx->api, old ? doc_get_str(old, "metadata.name") : name, data,
			  ctx->api->repo ? "Successful" : "Unknown", "");
	int rc;
	if (old) {
		doc_set_new(obj, "metadata.resourceVersion",
			    json_string(doc_get_str(old, "metadata.resourceVersion")), NULL);
		rc = kube_client_update(ctx->api->kc, &res, obj, NULL, &err);
	} else {
		rc = kube_client_create(ctx->api->kc, &res, obj, NULL, &err);
	}
	if (rc < 0) {
		api_error(resp, &err);
		goto out;
	}
	log_info(create ? "repository added" : "repository updated", "repo", url, "by",
		 ctx->user, NULL);
	reply(resp, 200, repo_view(res, data));
out:
	json_decref(res);
	json_decref(obj);
	json_decref(old);
	json_decref(old_data);
	json_decref(data);
}

static void create_repo(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return;
	const char *upsert = http_request_query(req, "upsert");
	if (upsert && !strcmp(upsert, "true"))
		json_object_set_new(body, "upsert", json_true());
	write_repo(ctx, resp, body, NULL, 1);
	json_decref(body);
}

static void update_repo(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	char buf[2100];
	const char *url = url_param(req, resp, buf, sizeof(buf));
	json_t *body;
	if (!url || api_body_object(req, resp, &body) < 0)
		return;
	write_repo(ctx, resp, body, url, 0);
	json_decref(body);
}

static void delete_repo(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	char buf[2100];
	const char *url = url_param(req, resp, buf, sizeof(buf));
	if (!url || !api_allow(ctx, resp, "repositories", "delete", url))
		return;
	struct berr err = BERR_INIT;
	json_t *data = NULL;
	json_t *sec = find_repo(ctx->api, url, &data, &err);
	json_decref(data);
	if (!sec) {
		if (err.code)
			return api_error(resp, &err);
		return http_response_error(resp, 404, "repository '%s' not found", url);
	}
	struct kube_ref ref = api_ref(ctx->api, "Secret", doc_get_str(sec, "metadata.name"));
	int rc = kube_client_delete(ctx->api->kc, NULL, &ref, NULL, &err);
	json_decref(sec);
	if (rc < 0)
		return api_error(resp, &err);
	log_info("repository deleted", "repo", url, "by", ctx->user, NULL);
	reply(resp, 200, json_object());
}

const struct api_route api_routes_repositories[] = {
	{ "GET", "/api/v1/repositories", list_repos, 0 },
	{ "POST", "/api/v1/repositories", create_repo, 0 },
	{ "GET", "/api/v1/repositories/*", get_repo, 0 },
	{ "PUT", "/api/v1/repositories/*", update_repo, 0 },
	{ "DELETE", "/api/v1/repositories/*", delete_repo, 0 },
	{ NULL, NULL, NULL, 0 },
};
