/*
 * api-common.c — what every handler of the cluster API does alike: check
 * the bearer token, parse /api and /apis paths into group, version,
 * namespace, resource, name and subresource, read bodies, answer JSON and
 * Status errors.
 *
 * Path grammar (as kube-apiserver's):
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{sub}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{sub}]]
 * where /api/v1/namespaces/{name}[/{sub}] is the Namespace itself: a path
 * whose third segment is not a served resource is read that way.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "convert.h"
#include "doc.h"
#include "log.h"
#include "protobuf.h"
#include "yaml.h"

int api_truthy(const char *s)
{
	return s && (!strcmp(s, "1") || !strcmp(s, "t") || !strcmp(s, "T") ||
		     !strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"));
}

int api_wants_table(struct http_request *req)
{
	const char *accept = http_request_header(req, "Accept");
	return accept && strstr(accept, "as=Table") != NULL;
}

void api_send_json(struct http_response *resp, int code, const json_t *doc)
{
	http_response_json(resp, code, doc);
}

void api_send_status(struct http_response *resp, struct kstatus *st)
{
	if (!st->code)
		kstatus_set(st, 500, "InternalError", "%s",
			    st->message[0] ? st->message : "internal error");
	json_t *s = kstatus_json(st);
	http_response_json(resp, st->code, s);
	json_decref(s);
	kstatus_release(st);
}

/* Impersonate-User (with Impersonate-Group) turns the admin into that user;
 * anyone else asking is refused. 1, or 0 with a 403 answered. */
static int impersonate(struct http_request *req, struct http_response *resp,
		       struct api_user *user)
{
	const char *as = http_request_header(req, "Impersonate-User");
	if (!as)
		return 1;
	if (!user->admin) {
		struct kstatus st = KSTATUS_INIT;
		kstatus_details(&st, as, "", "users");
		kstatus_set(&st, 403, "Forbidden", "users \"%s\" is forbidden: User \"%s\" cannot "
			    "impersonate resource \"users\" in API group \"\" at the cluster scope",
			    as, user->username);
		api_send_status(resp, &st);
		return 0;
	}
	const char *groups[API_MAX_GROUPS];
	size_t n = 0;
	for (size_t i = 0; i < req->nheaders && n < API_MAX_GROUPS - 1; i++)
		if (!strcasecmp(req->headers[i].name, "Impersonate-Group"))
			groups[n++] = req->headers[i].value;
	groups[n] = NULL;
	api_user_set(user, as, groups);
	return 1;
}

int api_authorized(struct api *api, struct http_request *req, struct http_response *resp,
		   struct api_user *user)
{
	struct api_user local;
	if (!user)
		user = &local;
	const char *h = http_request_header(req, "Authorization");
	if (h && !strncasecmp(h, "Bearer ", 7)) {
		const char *t = h + 7;
		while (*t == ' ')
			t++;
		size_t a = strlen(t), b = strlen(api->token);
		unsigned diff = (unsigned)(a ^ b);
		for (size_t i = 0; i < a && i < b; i++)
			diff |= (unsigned)(t[i] ^ api->token[i]);
		if (!diff) {
			static const char *const masters[] = { "system:masters", NULL };
			api_user_set(user, "system:admin", masters);
			return impersonate(req, resp, user);
		}
		if (api_token_authenticate(api, t, user) == 0)
			return impersonate(req, resp, user);
	}
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 401, "Unauthorized", "Unauthorized");
	api_send_status(resp, &st);
	return 0;
}

/* The key a duplicate-key error names: jansson's "... duplicate object key
 * near '"replicas"'" or the YAML reader's "... duplicate key 'replicas'". */
static int duplicate_key(const char *msg, char *out, size_t size)
{
	const char *p = strstr(msg, "duplicate object key near '\"");
	const char *end = NULL;
	if (p) {
		p += strlen("duplicate object key near '\"");
		end = strstr(p, "\"'");
	} else if ((p = strstr(msg, "duplicate key '"))) {
		p += strlen("duplicate key '");
		end = strrchr(p, '\'');
	}
	if (!p || !end || end < p)
		return 0;
	snprintf(out, size, "%.*s", (int)(end - p), p);
	return 1;
}

int api_parse_object(const char *text, size_t len, int yaml, json_t *problems, json_t **out,
		     struct kstatus *st)
{
	*out = NULL;
	struct berr e = BERR_INIT;
	int rc = yaml ? yaml_read(out, text, len, "request body", &e)
		      : doc_parse_json(out, text, len, NULL, "request body", &e);
	char key[256];
	if (rc < 0 && rc != BERR_LIMIT && problems && duplicate_key(e.msg, key, sizeof(key))) {
		/* as the real server's non-strict decoding: the last one wins */
		struct berr e2 = BERR_INIT;
		if (yaml) {
			struct yaml_limits lim = { .duplicate_keys_last_wins = 1 };
			json_t *docs = NULL;
			rc = yaml_read_stream(&docs, text, len, "request body", &lim, &e2);
			if (rc == 0 && json_array_size(docs) == 1)
				*out = json_incref(json_array_get(docs, 0));
			else if (rc == 0)
				rc = BERR_INVALID;
			json_decref(docs);
		} else {
			json_error_t je;
			*out = json_loadb(text, len, JSON_DECODE_ANY, &je);
			rc = *out ? 0 : BERR_INVALID;
		}
		if (rc == 0) {
			char msg[300];
			snprintf(msg, sizeof(msg), "duplicate field \"%s\"", key);
			json_array_append_new(problems, json_string(msg));
		}
	}
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return kstatus_bad_request(st, "%s", e.msg);
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return kstatus_bad_request(st, "the body of the request was not a %s",
					   yaml ? "YAML mapping" : "JSON object");
	}
	return 0;
}

int api_read_object(struct http_request *req, json_t *problems, json_t **out, struct kstatus *st)
{
	*out = NULL;
	const char *ct = http_request_header(req, "Content-Type");
	if (ct && strstr(ct, "protobuf")) {
		struct berr e = BERR_INIT;
		int rc = protobuf_decode(out, req->body, req->body_len, &e);
		if (rc != BERR_UNSUPPORTED)
			return rc == 0 ? 0 : kstatus_bad_request(st, "%s", e.msg);
		return kstatus_set(st, 415, "UnsupportedMediaType",
				   "the body of the request was in an unknown format - accepted "
				   "media types include: application/json, application/yaml (the "
				   "bundled cluster does not read protobuf: use `kubectl apply -f` "
				   "or `kubectl create -f` with a manifest: %s)", e.msg);
	}
	if (ct && !strstr(ct, "json") && !strstr(ct, "yaml"))
		return kstatus_set(st, 415, "UnsupportedMediaType",
				   "the body of the request was in an unknown format - accepted "
				   "media types include: application/json, application/yaml");
	if (req->body_len == 0)
		return kstatus_bad_request(st, "the body of the request is empty");
	return api_parse_object(req->body, req->body_len, ct && strstr(ct, "yaml"), problems, out,
				st);
}

int api_read_body(struct http_request *req, json_t **out, struct kstatus *st)
{
	return api_read_object(req, NULL, out, st);
}

int api_field_validation(struct http_request *req, enum schema_validation *out,
			 struct kstatus *st)
{
	const char *v = http_request_query(req, "fieldValidation");
	if (!v || !v[0] || !strcmp(v, "Warn"))
		*out = SCHEMA_WARN;
	else if (!strcmp(v, "Strict"))
		*out = SCHEMA_STRICT;
	else if (!strcmp(v, "Ignore"))
		*out = SCHEMA_IGNORE;
	else
		return kstatus_bad_request(st, "fieldValidation parameter unsupported media type: %s: "
					   "must be one of Ignore, Warn or Strict", v);
	return 0;
}

/* Appends a Warning header the way Go's net/http writes warnings:
 * 299 - "<message with quotes and backslashes escaped>". */
static void add_warning(struct http_response *resp, const char *msg)
{
	struct buf h = BUF_INIT;
	buf_adds(&h, "299 - \"");
	for (const char *c = msg; *c; c++) {
		if (*c == '"' || *c == '\\')
			buf_addch(&h, '\\');
		buf_addch(&h, *c);
	}
	buf_addch(&h, '"');
	http_response_header(resp, "Warning", h.data);
	buf_release(&h);
}

int api_check_fields(const struct resource *r, json_t *obj, enum schema_validation mode,
		     json_t *problems, int apply, struct http_response *resp, struct kstatus *st)
{
	json_t *unknown = json_array();
	schema_prune(r, obj, unknown);
	int rc = 0;
	if (mode == SCHEMA_IGNORE || (!json_array_size(problems) && !json_array_size(unknown)))
		goto out;
	struct buf msg = BUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(problems, i, v) {
		if (mode == SCHEMA_WARN)
			add_warning(resp, json_string_value(v));
		buf_addf(&msg, "%s%s", msg.len ? ", " : "", json_string_value(v));
	}
	json_array_foreach(unknown, i, v) {
		struct buf one = BUF_INIT;
		if (apply)
			buf_addf(&one, ".%s: field not declared in schema", json_string_value(v));
		else
			buf_addf(&one, "unknown field \"%s\"", json_string_value(v));
		if (mode == SCHEMA_WARN)
			add_warning(resp, one.data);
		buf_addf(&msg, "%s%s", msg.len ? ", " : "", one.data);
		buf_release(&one);
	}
	if (mode == SCHEMA_STRICT) {
		char av[300];
		resource_api_version(r, av, sizeof(av));
		if (apply && !json_array_size(problems))
			rc = kstatus_bad_request(st, "failed to create typed patch object (%s%s, "
						 "Kind=%s): %s", r->group[0] ? "" : "/", av,
						 r->kind, msg.data);
		else
			rc = kstatus_bad_request(st, "strict decoding error: %s", msg.data);
	}
	buf_release(&msg);
out:
	json_decref(unknown);
	return rc;
}

/* Splits path into segments (at most max); returns the count, or -1. */
static int split(const char *path, char segs[][256], int max)
{
	int n = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n == max || len >= 256)
			return -1;
		memcpy(segs[n], p, len);
		segs[n][len] = '\0';
		n++;
		p += len;
	}
	return n;
}

/* Fills p from the path; answers 404 itself when it cannot, returning 0. */
static int parse_path(struct api *api, const char *path, struct api_path *p,
		      struct http_response *resp)
{
	char segs[9][256];
	memset(p, 0, sizeof(*p));
	int n = split(path, segs, 9);
	int i = 0;
	if (n >= 2 && !strcmp(segs[0], "api")) {
		p->is_core = 1;
		snprintf(p->version, sizeof(p->version), "%s", segs[1]);
		i = 2;
	} else if (n >= 3 && !strcmp(segs[0], "apis")) {
		snprintf(p->group, sizeof(p->group), "%s", segs[1]);
		snprintf(p->version, sizeof(p->version), "%s", segs[2]);
		i = 3;
	} else {
		goto notfound;
	}
	int rest = n - i;
	if (rest >= 3 && !strcmp(segs[i], "namespaces")) {
		struct resource *r = registry_find(api->reg, p->group, p->version, segs[i + 2]);
		if (r) {
			snprintf(p->ns, sizeof(p->ns), "%s", segs[i + 1]);
			i += 2;
			rest -= 2;
			resource_unref(r);
		}
	}
	if (rest > 3)
		goto notfound;
	if (rest >= 1)
		snprintf(p->resource, sizeof(p->resource), "%s", segs[i]);
	if (rest >= 2)
		snprintf(p->name, sizeof(p->name), "%s", segs[i + 1]);
	if (rest >= 3)
		snprintf(p->sub, sizeof(p->sub), "%s", segs[i + 2]);
	if (!p->resource[0])
		return 1;
	p->res = registry_find(api->reg, p->group, p->version, p->resource);
	if (!p->res)
		goto notfound;
	if (p->ns[0] && !p->res->namespaced)
		goto notfound;
	return 1;
notfound:;
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
	api_send_status(resp, &st);
	return 0;
}

static void handle(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	struct api_user user;
	if (!api_authorized(api, req, resp, &user) || api_review(api, &user, req, resp))
		return;
	struct api_path p;
	if (!parse_path(api, req->path, &p, resp))
		return;
	if (p.resource[0] && !user.admin && !api_token_authorize(api, &user, &p, req, resp)) {
		resource_unref(p.res);
		return;
	}
	if (!p.resource[0]) {
		/* group-version roots are discovery: answered by api-discovery.c */
		struct kstatus st = KSTATUS_INIT;
		kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
		api_send_status(resp, &st);
		return;
	}
	if (!strcmp(p.sub, "token") && !p.res->group[0] && !strcmp(p.res->resource, "serviceaccounts"))
		api_token_request(api, &p, req, resp);
	else if (convert_needed(p.res))
		api_convert_serve(api, &p, req, resp);
	else if (!strcmp(req->method, "PATCH"))
		api_patch(api, &p, req, resp);
	else
		api_crud(api, &p, req, resp);
	json_decref(p.body);
	resource_unref(p.res);
}

static void healthz(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req;
	(void)arg;
	http_response_text(resp, 200, "text/plain", "ok", 2);
}

int api_routes(struct http_server *srv, struct api *api, struct berr *err)
{
	int rc;
	if ((rc = http_server_route(srv, "GET", "/healthz", healthz, api, err)) ||
	    (rc = http_server_route(srv, "GET", "/livez", healthz, api, err)) ||
	    (rc = http_server_route(srv, "GET", "/readyz", healthz, api, err)))
		return rc;
	api_discovery_routes(srv, api);
	api_openapi_routes(srv, api);
	if ((rc = http_server_route(srv, "*", "/api/*", handle, api, err)) ||
	    (rc = http_server_route(srv, "*", "/apis/*", handle, api, err)))
		return rc;
	return 0;
}
