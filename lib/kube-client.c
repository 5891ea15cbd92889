/*
 * kube-client — object operations against a Kubernetes API server.
 *
 * Every operation resolves apiVersion + kind to a resource through the
 * discovery cache (kube-discovery.c), builds the REST path from it and sends
 * JSON over the shared http client. Error answers become berr codes through
 * one function, kube_status_error(), which keeps the server's own message
 * ("configmaps \"x\" not found") because that is what users search for.
 *
 * Lists follow `continue` tokens and merge the pages into one List; watches
 * read the chunked event stream line by line and hand each decoded event to
 * the caller, telling an expired resourceVersion (410) apart from errors so
 * the caller knows to list again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube-internal.h"
#include "log.h"

#define KUBE_MAX_ITEMS_DEFAULT 1000000
#define KUBE_MAX_PAGES 10000         /* against a server that pages forever */

int kube_client_new(struct kube_client **out, const struct kube_config *cfg,
		    const struct kube_client_options *opts, struct berr *err)
{
	struct kube_client_options o = opts ? *opts : (struct kube_client_options){ 0 };
	struct kube_client *kc;
	int ret;

	*out = NULL;
	if (!cfg || !cfg->server || !cfg->server[0])
		return berr_set(err, BERR_INVALID, "kube client: no server in the configuration");
	kc = xcalloc(1, sizeof(*kc));
	kc->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 30000;
	kc->disc_min_interval_ms = o.discovery_min_interval_ms > 0 ? o.discovery_min_interval_ms
								    : 1000;
	kc->namespace = xstrdup(cfg->namespace && cfg->namespace[0] ? cfg->namespace : "default");
	kc->server = xstrdup(cfg->server);
	pthread_mutex_init(&kc->disc_mu, NULL);
	pthread_mutex_init(&kc->refresh_mu, NULL);
	struct http_client_options ho = {
		.base_url = cfg->server,
		.bearer_token = cfg->token,
		.timeout_ms = kc->timeout_ms,
		.ca_pem = cfg->ca_pem,
		.client_cert_pem = cfg->client_cert_pem,
		.client_key_pem = cfg->client_key_pem,
		.insecure_skip_verify = cfg->insecure_skip_verify,
		.user_agent = o.user_agent,
	};
	pthread_mutex_init(&kc->exec_mu, NULL);
	if (cfg->exec && !cfg->token) {
		kc->exec = kube_exec_copy(cfg->exec);
		kc->exec_cluster = kube_exec_cluster_info(cfg);
	}
	if ((ret = http_client_new(&kc->http, &ho, err)) < 0) {
		kube_client_free(kc);
		return berr_prefix(err, "kube client");
	}
	*out = kc;
	return 0;
}

void kube_client_free(struct kube_client *kc)
{
	if (!kc)
		return;
	http_client_free(kc->http);
	free(kc->res);
	free(kc->namespace);
	free(kc->server);
	pthread_mutex_destroy(&kc->disc_mu);
	pthread_mutex_destroy(&kc->refresh_mu);
	kube_exec_free(kc->exec);
	json_decref(kc->exec_cluster);
	if (kc->exec_token) {
		explicit_bzero(kc->exec_token, strlen(kc->exec_token));
		free(kc->exec_token);
	}
	pthread_mutex_destroy(&kc->exec_mu);
	free(kc);
}

const char *kube_client_namespace(const struct kube_client *kc)
{
	return kc->namespace;
}

/* ------------------------------------------------------------ errors */

int kube_status_error(struct berr *err, long status, const char *body, size_t len,
		      const char *what)
{
	json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *msg = NULL, *reason = "";
	int code;

	if (json_is_object(doc)) {
		msg = json_string_value(json_object_get(doc, "message"));
		reason = json_string_value(json_object_get(doc, "reason"));
		if (!reason)
			reason = "";
		if (!msg)
			msg = json_string_value(json_object_get(doc, "error"));
	}
	switch (status) {
	case 400:
	case 422: code = BERR_INVALID; break;
	case 401:
	case 403: code = BERR_AUTH; break;
	case 404: code = BERR_NOTFOUND; break;
	case 405:
	case 406:
	case 415: code = BERR_UNSUPPORTED; break;
	case 409: code = !strcmp(reason, "AlreadyExists") ? BERR_EXISTS : BERR_CONFLICT; break;
	case 410: code = BERR_CONFLICT; break;
	case 413:
	case 429: code = BERR_LIMIT; break;
	case 503:
	case 504: code = BERR_IO; break;
	default: code = status >= 400 && status < 500 ? BERR_INVALID : BERR_FAIL; break;
	}
	char plain[160] = "";
	if (!msg && body && len) {
		/* not a Status: quote the start of the body, without control bytes */
		size_t n = 0;
		for (size_t i = 0; i < len && n < sizeof(plain) - 1; i++)
			plain[n++] = (unsigned char)body[i] < 0x20 ? ' ' : body[i];
		plain[n] = '\0';
		msg = plain;
	}
	berr_set(err, code, "%s: %s (HTTP %ld%s%s)", what, msg && msg[0] ? msg : "no message",
		 status, reason[0] ? " " : "", reason);
	json_decref(doc);
	return code;
}

/* ------------------------------------------------------------ requests */

#define AUTH_PREFIX "Authorization: Bearer "

/* The Authorization header with the exec plugin's token into hdr, running
 * the plugin when there is no token yet, it expired, or the server refused
 * the one hdr holds (refused) and nobody has replaced it meanwhile. */
static int exec_header(struct kube_client *kc, struct buf *hdr, int refused, struct berr *err)
{
	int rc = 0;
	pthread_mutex_lock(&kc->exec_mu);
	const char *used = hdr->len ? hdr->data + strlen(AUTH_PREFIX) : NULL;
	if (!kc->exec_token || (kc->exec_expires && time(NULL) >= kc->exec_expires)
	    || (refused && used && !strcmp(used, kc->exec_token))) {
		char *tok;
		time_t expires;
		rc = kube_exec_token(kc->exec, kc->exec_cluster, &tok, &expires, err);
		if (rc == 0) {
			if (kc->exec_token) {
				explicit_bzero(kc->exec_token, strlen(kc->exec_token));
				free(kc->exec_token);
			}
			kc->exec_token = tok;
			kc->exec_expires = expires;
		}
	}
	if (rc == 0) {
		if (hdr->len)
			explicit_bzero(hdr->data, hdr->len);
		buf_reset(hdr);
		buf_addf(hdr, AUTH_PREFIX "%s", kc->exec_token);
	}
	pthread_mutex_unlock(&kc->exec_mu);
	return rc;
}

/* Sends req (streamed to fn when fn is set), with the exec plugin's token
 * when the client has a plugin: a 401 runs it again and retries once, as
 * client-go does when a token is revoked or rotated. */
static int send_request(struct kube_client *kc, struct http_client_response *out,
			const struct http_client_request *req, http_line_fn fn, void *arg,
			struct berr *err)
{
	if (!kc->exec)
		return fn ? http_client_stream(kc->http, out, req, fn, arg, err)
			  : http_client_do(kc->http, out, req, err);
	const char *headers[8] = { NULL };
	size_t n = 0;
	while (req->headers && req->headers[n] && n < 6) {
		headers[n] = req->headers[n];
		n++;
	}
	struct http_client_request r = *req;
	r.headers = headers;
	struct buf auth = BUF_INIT;
	int rc = 0;
	for (int attempt = 0; attempt < 2 && rc == 0; attempt++) {
		if ((rc = exec_header(kc, &auth, attempt, err)) < 0)
			break;
		headers[n] = auth.data;
		if (attempt) {
			http_client_response_release(out);
			*out = (struct http_client_response)HTTP_CLIENT_RESPONSE_INIT;
		}
		rc = fn ? http_client_stream(kc->http, out, &r, fn, arg, err)
			: http_client_do(kc->http, out, &r, err);
		if (rc < 0 || out->status != 401)
			break;
	}
	if (auth.len)
		explicit_bzero(auth.data, auth.len);
	buf_release(&auth);
	return rc;
}

int kube_client_request(struct kube_client *kc, struct http_client_response *out,
			const char *method, const char *path, const char *content_type,
			const void *body, size_t len, struct berr *err)
{
	char ct[160];
	const char *headers[3] = { "Accept: application/json", NULL, NULL };

	if (content_type) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		headers[1] = ct;
	}
	struct http_client_request req = {
		.method = method, .path = path, .headers = headers,
		.body = body, .body_len = len,
	};
	return send_request(kc, out, &req, NULL, NULL, err);
}

/* Sends a request, maps errors, parses the JSON answer into *out (if out). */
static int call(struct kube_client *kc, json_t **out, const char *method, const char *path,
		const char *content_type, const void *body, size_t len, const char *what,
		struct berr *err)
{
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	int ret;

	if (out)
		*out = NULL;
	ret = kube_client_request(kc, &resp, method, path, content_type, body, len, err);
	if (ret < 0) {
		http_client_response_release(&resp);
		return berr_prefix(err, "%s", what);
	}
	if (resp.status >= 400 || resp.status < 200) {
		ret = kube_status_error(err, resp.status, resp.body.data, resp.body.len, what);
	} else if (out) {
		json_error_t je;
		*out = json_loadb(resp.body.data, resp.body.len, 0, &je);
		if (!*out)
			ret = berr_set(err, BERR_INVALID, "%s: answer is not JSON: %d:%d: %s",
				       what, je.line, je.column, je.text);
	}
	http_client_response_release(&resp);
	return ret;
}

int kube_get_json(struct kube_client *kc, json_t **out, const char *path, const char *what,
		  struct berr *err)
{
	return call(kc, out, "GET", path, NULL, NULL, 0, what, err);
}

/* ------------------------------------------------------------ paths */

int kube_split_api_version(const char *api_version, char *group, size_t group_size,
			   char *version, size_t version_size)
{
	const char *slash = strchr(api_version, '/');
	size_t glen = slash ? (size_t)(slash - api_version) : 0;
	const char *v = slash ? slash + 1 : api_version;

	if (!v[0] || strchr(v, '/') || glen >= group_size || strlen(v) >= version_size ||
	    (slash && !glen))
		return BERR_INVALID;
	memcpy(group, api_version, glen);
	group[glen] = '\0';
	strcpy(version, v);
	return 0;
}

struct target {
	struct kube_resource res;
	struct buf path;
	char what[512];         /* "ConfigMap 'default/x'" for messages */
};

/*
 * Resolves ref and builds its path. with_name: append ref->name (required)
 * and ref->subresource. all_ns: a NULL namespace means every namespace.
 */
static int target_for(struct kube_client *kc, struct target *t, const struct kube_ref *ref,
		      const char *ns_fallback, int with_name, int all_ns, struct berr *err)
{
	int ret;

	t->path = (struct buf)BUF_INIT;
	if (!ref->api_version || !ref->kind || !ref->api_version[0] || !ref->kind[0])
		return berr_set(err, BERR_INVALID, "object reference needs apiVersion and kind");
	if (with_name && (!ref->name || !ref->name[0]))
		return berr_set(err, BERR_INVALID, "%s: object reference needs a name", ref->kind);
	if ((ret = kube_client_resource(kc, &t->res, ref->api_version, ref->kind, err)) < 0)
		return ret;
	const char *ns = ref->namespace && ref->namespace[0] ? ref->namespace : ns_fallback;
	if (!ns && !all_ns)
		ns = kc->namespace;
	if (!t->res.namespaced)
		ns = NULL;

	if (t->res.group[0])
		buf_addf(&t->path, "/apis/%s/%s", t->res.group, t->res.version);
	else
		buf_addf(&t->path, "/api/%s", t->res.version);
	if (ns) {
		buf_adds(&t->path, "/namespaces/");
		http_url_escape(&t->path, ns);
	}
	buf_addf(&t->path, "/%s", t->res.name);
	if (with_name) {
		buf_addch(&t->path, '/');
		http_url_escape(&t->path, ref->name);
		if (ref->subresource && ref->subresource[0]) {
			buf_addch(&t->path, '/');
			http_url_escape(&t->path, ref->subresource);
		}
	}
	if (with_name)
		snprintf(t->what, sizeof(t->what), "%s '%s%s%s'", ref->kind, ns ? ns : "",
			 ns ? "/" : "", ref->name);
	else
		snprintf(t->what, sizeof(t->what), "%s in '%s'", t->res.name,
			 ns ? ns : "all namespaces");
	return 0;
}

static void add_query(struct buf *path, const char *key, const char *value)
{
	buf_addch(path, strchr(path->data, '?') ? '&' : '?');
	buf_adds(path, key);
	buf_addch(path, '=');
	http_url_escape(path, value);
}

static void add_write_query(struct buf *path, const struct kube_write_options *opts,
			    int apply)
{
	const char *fm = opts && opts->field_manager ? opts->field_manager : "bosun";
	add_query(path, "fieldManager", fm);
	if (opts && opts->dry_run)
		add_query(path, "dryRun", "All");
	if (apply && opts && opts->force)
		add_query(path, "force", "true");
}

/* ------------------------------------------------------------ verbs */

int kube_client_get(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		    struct berr *err)
{
	struct target t;
	int ret;

	*out = NULL;
	if ((ret = target_for(kc, &t, ref, NULL, 1, 0, err)) == 0)
		ret = call(kc, out, "GET", t.path.data, NULL, NULL, 0, t.what, err);
	buf_release(&t.path);
	return ret;
}

int kube_client_list(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		     const struct kube_list_options *opts, struct berr *err)
{
	struct kube_list_options o = opts ? *opts : (struct kube_list_options){ 0 };
	struct kube_ref r = *ref;
	struct target t;
	json_t *items = json_array(), *page = NULL;
	char *cont = NULL, *rv = NULL;
	int ret;

	*out = NULL;
	r.name = NULL;
	r.subresource = NULL;
	if (o.limit <= 0)
		o.limit = 500;
	if (!o.max_items)
		o.max_items = KUBE_MAX_ITEMS_DEFAULT;
	if ((ret = target_for(kc, &t, &r, NULL, 0, 1, err)) < 0)
		goto out;
	for (size_t pages = 0;; pages++) {
		struct buf path = BUF_INIT;
		char limit[32];
		buf_adds(&path, t.path.data);
		snprintf(limit, sizeof(limit), "%ld", o.limit);
		add_query(&path, "limit", limit);
		if (o.label_selector && o.label_selector[0])
			add_query(&path, "labelSelector", o.label_selector);
		if (o.field_selector && o.field_selector[0])
			add_query(&path, "fieldSelector", o.field_selector);
		if (cont)
			add_query(&path, "continue", cont);
		else if (o.resource_version && o.resource_version[0])
			add_query(&path, "resourceVersion", o.resource_version);
		ret = call(kc, &page, "GET", path.data, NULL, NULL, 0, t.what, err);
		buf_release(&path);
		if (ret < 0)
			goto out;
		json_t *pi = json_object_get(page, "items");
		if (!json_is_array(pi) && !json_is_null(pi) && pi) {
			ret = berr_set(err, BERR_INVALID, "list %s: 'items' is not an array",
				       t.what);
			goto out;
		}
		size_t i;
		json_t *item;
		json_array_foreach(pi, i, item) {
			if (json_array_size(items) >= o.max_items) {
				ret = berr_set(err, BERR_LIMIT, "list %s: more than %zu items",
					       t.what, o.max_items);
				goto out;
			}
			if (!json_is_object(item))
				continue;
			if (!json_object_get(item, "apiVersion"))
				json_object_set_new(item, "apiVersion",
						    json_string(t.res.api_version));
			if (!json_object_get(item, "kind"))
				json_object_set_new(item, "kind", json_string(t.res.kind));
			json_array_append(items, item);
		}
		json_t *meta = json_object_get(page, "metadata");
		const char *prv = json_string_value(json_object_get(meta, "resourceVersion"));
		const char *pc = json_string_value(json_object_get(meta, "continue"));
		free(rv);
		rv = prv ? xstrdup(prv) : NULL;
		int again = pc && pc[0];
		if (again && cont && !strcmp(cont, pc)) {
			ret = berr_set(err, BERR_INVALID, "list %s: server repeated a continue token",
				       t.what);
			goto out;
		}
		if (again && pages + 1 >= KUBE_MAX_PAGES) {
			ret = berr_set(err, BERR_LIMIT, "list %s: more than %d pages", t.what,
				       KUBE_MAX_PAGES);
			goto out;
		}
		free(cont);
		cont = again ? xstrdup(pc) : NULL;
		json_decref(page);
		page = NULL;
		if (!again)
			break;
	}
	char kind[160];
	snprintf(kind, sizeof(kind), "%sList", t.res.kind);
	*out = json_pack("{s:s, s:s, s:{s:s}, s:O}", "apiVersion", t.res.api_version, "kind",
			 kind, "metadata", "resourceVersion", rv ? rv : "", "items", items);
out:
	json_decref(page);
	json_decref(items);
	free(cont);
	free(rv);
	buf_release(&t.path);
	return ret;
}

static int write_object(struct kube_client *kc, json_t **out, const json_t *obj,
			const struct kube_write_options *opts, const char *method, int with_name,
			struct berr *err)
{
	json_t *meta = json_object_get(obj, "metadata");
	struct kube_ref ref = {
		.api_version = json_string_value(json_object_get(obj, "apiVersion")),
		.kind = json_string_value(json_object_get(obj, "kind")),
		.namespace = json_string_value(json_object_get(meta, "namespace")),
		.name = json_string_value(json_object_get(meta, "name")),
		.subresource = opts ? opts->subresource : NULL,
	};
	struct target t;
	int ret;

	if (out)
		*out = NULL;
	if (!json_is_object(obj) || !ref.api_version || !ref.kind)
		return berr_set(err, BERR_INVALID, "object has no apiVersion or kind");
	if (!with_name && !ref.name && !json_object_get(meta, "generateName"))
		return berr_set(err, BERR_INVALID, "%s: object has no metadata.name", ref.kind);
	if ((ret = target_for(kc, &t, &ref, NULL, with_name, 0, err)) < 0)
		return ret;
	if (!with_name && ref.name)
		snprintf(t.what, sizeof(t.what), "%s '%s'", ref.kind, ref.name);
	add_write_query(&t.path, opts, 0);
	char *body = json_dumps(obj, JSON_COMPACT);
	ret = call(kc, out, method, t.path.data, "application/json", body, strlen(body), t.what,
		   err);
	free(body);
	buf_release(&t.path);
	return ret;
}

int kube_client_create(struct kube_client *kc, json_t **out, const json_t *obj,
		       const struct kube_write_options *opts, struct berr *err)
{
	return write_object(kc, out, obj, opts, "POST", 0, err);
}

int kube_client_update(struct kube_client *kc, json_t **out, const json_t *obj,
		       const struct kube_write_options *opts, struct berr *err)
{
	return write_object(kc, out, obj, opts, "PUT", 1, err);
}

int kube_client_patch(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		      enum kube_patch_type type, const char *patch, size_t len,
		      const struct kube_write_options *opts, struct berr *err)
{
	static const char *const types[] = {
		[KUBE_PATCH_MERGE] = "application/merge-patch+json",
		[KUBE_PATCH_JSON] = "application/json-patch+json",
		[KUBE_PATCH_STRATEGIC] = "application/strategic-merge-patch+json",
		[KUBE_PATCH_APPLY] = "application/apply-patch+yaml",
	};
	struct target t;
	int ret;

	if (out)
		*out = NULL;
	if ((unsigned)type > KUBE_PATCH_APPLY)
		return berr_set(err, BERR_INVALID, "patch type %d is unknown", (int)type);
	if ((ret = target_for(kc, &t, ref, NULL, 1, 0, err)) < 0)
		return ret;
	add_write_query(&t.path, opts, type == KUBE_PATCH_APPLY);
	ret = call(kc, out, "PATCH", t.path.data, types[type], patch, len, t.what, err);
	buf_release(&t.path);
	return ret;
}

int kube_client_apply(struct kube_client *kc, json_t **out, const json_t *obj,
		      const struct kube_write_options *opts, struct berr *err)
{
	json_t *meta = json_object_get(obj, "metadata");
	struct kube_ref ref = {
		.api_version = json_string_value(json_object_get(obj, "apiVersion")),
		.kind = json_string_value(json_object_get(obj, "kind")),
		.namespace = json_string_value(json_object_get(meta, "namespace")),
		.name = json_string_value(json_object_get(meta, "name")),
		.subresource = opts ? opts->subresource : NULL,
	};

	if (out)
		*out = NULL;
	if (!json_is_object(obj) || !ref.api_version || !ref.kind || !ref.name)
		return berr_set(err, BERR_INVALID,
				"object to apply has no apiVersion, kind or metadata.name");
	char *body = json_dumps(obj, JSON_COMPACT);
	int ret = kube_client_patch(kc, out, &ref, KUBE_PATCH_APPLY, body, strlen(body), opts, err);
	free(body);
	return ret;
}

int kube_client_delete(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		       const char *propagation, struct berr *err)
{
	struct target t;
	int ret;

	if (out)
		*out = NULL;
	if (propagation && strcmp(propagation, "Foreground") && strcmp(propagation, "Background") &&
	    strcmp(propagation, "Orphan"))
		return berr_set(err, BERR_INVALID,
				"propagation policy '%s' is not Foreground, Background or Orphan",
				propagation);
	if ((ret = target_for(kc, &t, ref, NULL, 1, 0, err)) < 0)
		return ret;
	json_t *opts = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "DeleteOptions");
	if (propagation)
		json_object_set_new(opts, "propagationPolicy", json_string(propagation));
	char *body = json_dumps(opts, JSON_COMPACT);
	json_decref(opts);
	json_t *answer = NULL;
	ret = call(kc, &answer, "DELETE", t.path.data, "application/json", body, strlen(body),
		   t.what, err);
	free(body);
	if (out)
		*out = answer;
	else
		json_decref(answer);
	buf_release(&t.path);
	return ret;
}

/* ------------------------------------------------------------ watch */

struct watch_ctx {
	kube_watch_fn fn;
	void *arg;
	const char *what;
	struct berr *err;
	int ret;
	int gone;
};

static int on_watch_line(const char *line, size_t len, void *arg)
{
	struct watch_ctx *w = arg;
	json_error_t je;

	if (!len || strspn(line, " \t\r") == len)
		return 0;       /* keep-alive */
	json_t *ev = json_loadb(line, len, 0, &je);
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *obj = json_object_get(ev, "object");
	if (!ev || !type || !json_is_object(obj)) {
		w->ret = berr_set(w->err, BERR_INVALID, "watch %s: malformed event%s%s", w->what,
				  ev ? "" : ": ", ev ? "" : je.text);
		json_decref(ev);
		return 1;
	}
	int stop = 0;
	if (!strcmp(type, "ERROR")) {
		json_int_t code = json_integer_value(json_object_get(obj, "code"));
		if (code == 410) {
			w->gone = 1;
		} else {
			char *body = json_dumps(obj, JSON_COMPACT);
			w->ret = kube_status_error(w->err, code ? code : 500, body, strlen(body),
						   w->what);
			free(body);
		}
		stop = 1;
	} else {
		stop = w->fn(type, obj, w->arg) != 0;
	}
	json_decref(ev);
	return stop;
}

int kube_client_watch(struct kube_client *kc, const struct kube_ref *ref,
		      const struct kube_watch_options *opts, kube_watch_fn fn, void *arg,
		      struct berr *err)
{
	struct kube_watch_options o = opts ? *opts : (struct kube_watch_options){ 0 };
	struct kube_ref r = *ref;
	struct target t;
	struct buf fs = BUF_INIT;
	int ret;

	r.name = NULL;
	r.subresource = NULL;
	if ((ret = target_for(kc, &t, &r, NULL, 0, 1, err)) < 0)
		return ret;
	add_query(&t.path, "watch", "1");
	if (o.resource_version && o.resource_version[0])
		add_query(&t.path, "resourceVersion", o.resource_version);
	if (o.allow_bookmarks)
		add_query(&t.path, "allowWatchBookmarks", "true");
	if (o.timeout_seconds > 0) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", o.timeout_seconds);
		add_query(&t.path, "timeoutSeconds", n);
	}
	if (o.label_selector && o.label_selector[0])
		add_query(&t.path, "labelSelector", o.label_selector);
	if (o.field_selector && o.field_selector[0])
		buf_adds(&fs, o.field_selector);
	if (ref->name && ref->name[0])
		buf_addf(&fs, "%smetadata.name=%s", fs.len ? "," : "", ref->name);
	if (fs.len)
		add_query(&t.path, "fieldSelector", fs.data);

	struct watch_ctx w = { .fn = fn, .arg = arg, .what = t.what, .err = err };
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	const char *headers[] = { "Accept: application/json", NULL };
	struct http_client_request req = { .path = t.path.data, .headers = headers,
					   .cancel = o.cancel };
	ret = send_request(kc, &resp, &req, on_watch_line, &w, err);
	if (ret < 0)
		berr_prefix(err, "watch %s", t.what);
	else if (resp.status == 410)
		ret = KUBE_WATCH_GONE;
	else if (resp.status >= 400 || resp.status < 200)
		ret = kube_status_error(err, resp.status, resp.body.data, resp.body.len, t.what);
	else if (w.gone)
		ret = KUBE_WATCH_GONE;
	else
		ret = w.ret;
	http_client_response_release(&resp);
	buf_release(&fs);
	buf_release(&t.path);
	return ret;
}
