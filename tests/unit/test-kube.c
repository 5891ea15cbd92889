/*
 * test-kube — the kube client against a small fake API server built on
 * lib/http's server (discovery, list paging, watch, writes, error mapping),
 * and kubeconfig parsing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"
#include "kube.h"
#include "log.h"

/* ------------------------------------------------------------ fake server */

static struct {
	pthread_mutex_t mu;
	int crd_installed;
	int discovery_hits;     /* GET /api */
	char method[16];
	char path[512];
	char query[512];        /* "k=v&k=v" as received */
	char content_type[128];
	char auth[128];
	char body[2048];
	struct http_stream *held;       /* a watch left open (resourceVersion=hold) */
} fake = { .mu = PTHREAD_MUTEX_INITIALIZER };

#define NCONFIGMAPS 7

static void send_status(struct http_response *resp, int code, const char *reason,
			const char *msg)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "apiVersion", "v1", "kind",
			      "Status", "status", "Failure", "message", msg, "reason", reason,
			      "code", code);
	http_response_json(resp, code, s);
	json_decref(s);
}

static void send_json_text(struct http_response *resp, int status, const char *text)
{
	http_response_text(resp, status, "application/json", text, strlen(text));
}

static void h_api(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req, (void)arg;
	pthread_mutex_lock(&fake.mu);
	fake.discovery_hits++;
	pthread_mutex_unlock(&fake.mu);
	send_json_text(resp, 200, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}");
}

static void h_api_v1(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req, (void)arg;
	send_json_text(resp, 200,
		"{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
		"{\"name\":\"configmaps\",\"namespaced\":true,\"kind\":\"ConfigMap\","
		" \"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]},"
		"{\"name\":\"namespaces\",\"namespaced\":false,\"kind\":\"Namespace\","
		" \"verbs\":[\"get\",\"list\"]},"
		"{\"name\":\"pods\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\"]},"
		"{\"name\":\"pods/status\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\"]}"
		"]}");
}

static void h_apis(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req, (void)arg;
	pthread_mutex_lock(&fake.mu);
	int crd = fake.crd_installed;
	pthread_mutex_unlock(&fake.mu);
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"kind\":\"APIGroupList\",\"groups\":["
		     "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}],"
		     " \"preferredVersion\":{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}},"
		     "{\"name\":\"metrics.k8s.io\",\"versions\":[{\"groupVersion\":\"metrics.k8s.io/v1beta1\","
		     " \"version\":\"v1beta1\"}]}");
	if (crd)
		buf_adds(&b, ",{\"name\":\"bosun.io\",\"versions\":[{\"groupVersion\":\"bosun.io/v1alpha1\","
			     "\"version\":\"v1alpha1\"}]}");
	buf_adds(&b, "]}");
	send_json_text(resp, 200, b.data);
	buf_release(&b);
}

static void h_group(struct http_request *req, struct http_response *resp, void *arg)
{
	const char *g = http_request_param(req, "group"), *v = http_request_param(req, "version");
	(void)arg;
	if (!strcmp(g, "apps") && !strcmp(v, "v1")) {
		send_json_text(resp, 200,
			"{\"kind\":\"APIResourceList\",\"groupVersion\":\"apps/v1\",\"resources\":["
			"{\"name\":\"deployments\",\"namespaced\":true,\"kind\":\"Deployment\","
			" \"verbs\":[\"get\",\"list\",\"watch\",\"create\",\"update\",\"patch\",\"delete\"]},"
			"{\"name\":\"deployments/scale\",\"namespaced\":true,\"kind\":\"Scale\",\"verbs\":[]}"
			"]}");
		return;
	}
	if (!strcmp(g, "bosun.io") && !strcmp(v, "v1alpha1")) {
		send_json_text(resp, 200,
			"{\"kind\":\"APIResourceList\",\"groupVersion\":\"bosun.io/v1alpha1\",\"resources\":["
			"{\"name\":\"applications\",\"namespaced\":true,\"kind\":\"Application\","
			" \"verbs\":[\"get\",\"list\"]}]}");
		return;
	}
	send_status(resp, 503, "ServiceUnavailable", "the server is currently unable to handle the request");
}

static void record(struct http_request *req)
{
	pthread_mutex_lock(&fake.mu);
	snprintf(fake.method, sizeof(fake.method), "%s", req->method);
	snprintf(fake.path, sizeof(fake.path), "%s", req->path);
	struct buf q = BUF_INIT;
	for (size_t i = 0; i < req->nquery; i++)
		buf_addf(&q, "%s%s=%s", i ? "&" : "", req->query[i].name, req->query[i].value);
	snprintf(fake.query, sizeof(fake.query), "%s", q.data);
	buf_release(&q);
	const char *ct = http_request_header(req, "Content-Type");
	snprintf(fake.content_type, sizeof(fake.content_type), "%s", ct ? ct : "");
	const char *auth = http_request_header(req, "Authorization");
	snprintf(fake.auth, sizeof(fake.auth), "%s", auth ? auth : "");
	snprintf(fake.body, sizeof(fake.body), "%.*s", (int)req->body_len, req->body);
	pthread_mutex_unlock(&fake.mu);
}

static json_t *configmap(int i)
{
	char name[32];
	snprintf(name, sizeof(name), "cm-%d", i);
	return json_pack("{s:{s:s, s:s, s:s}, s:{s:i}}", "metadata", "name", name, "namespace",
			 "default", "resourceVersion", "7", "data", "i", i);
}

static void list_configmaps(struct http_request *req, struct http_response *resp)
{
	const char *limit_s = http_request_query(req, "limit");
	const char *cont = http_request_query(req, "continue");
	int limit = limit_s ? atoi(limit_s) : 500, start = cont ? atoi(cont) : 0;
	if (cont && !strcmp(cont, "expired")) {
		send_status(resp, 410, "Expired", "The provided continue parameter is too old");
		return;
	}
	json_t *items = json_array();
	int i;
	for (i = start; i < NCONFIGMAPS && i < start + limit; i++)
		json_array_append_new(items, configmap(i));
	char next[16] = "";
	if (i < NCONFIGMAPS)
		snprintf(next, sizeof(next), "%d", i);
	json_t *list = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "apiVersion", "v1", "kind",
				 "ConfigMapList", "metadata", "resourceVersion", "42", "continue",
				 next, "items", items);
	http_response_json(resp, 200, list);
	json_decref(list);
}

static void watch_configmaps(struct http_request *req, struct http_response *resp)
{
	const char *rv = http_request_query(req, "resourceVersion");
	if (rv && !strcmp(rv, "gone-http")) {
		send_status(resp, 410, "Gone", "too old resource version: 1 (40)");
		return;
	}
	struct http_stream *s = http_response_stream(resp, "application/json");
	if (rv && !strcmp(rv, "hold")) {
		json_t *ev = json_pack("{s:s, s:o}", "type", "ADDED", "object", configmap(5));
		http_stream_write_json(s, ev);
		json_decref(ev);
		pthread_mutex_lock(&fake.mu);
		fake.held = s;
		pthread_mutex_unlock(&fake.mu);
		return;
	}
	if (rv && !strcmp(rv, "old")) {
		const char *e = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
				"\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
				"\"too old resource version: 1 (40)\",\"reason\":\"Expired\","
				"\"code\":410}}\n";
		http_stream_write(s, e, strlen(e));
	} else if (rv && !strcmp(rv, "garbage")) {
		http_stream_write(s, "{\"type\":\"ADDED\",\"obj", 20);
		http_stream_write(s, "\n", 1);
	} else {
		const char *types[] = { "ADDED", "MODIFIED", "BOOKMARK", "DELETED" };
		for (int i = 0; i < 4; i++) {
			json_t *ev = json_pack("{s:s, s:o}", "type", types[i], "object", configmap(i));
			http_stream_write_json(s, ev);
			json_decref(ev);
			if (i == 1)
				http_stream_write(s, "\n", 1);  /* a blank keep-alive line */
		}
	}
	http_stream_close(s);
}

/* Object paths are routed by hand through the catch-all. */
static void h_objects(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)arg;
	record(req);
	const char *p = req->path;
	if (!strcmp(p, "/api/v1/namespaces/default/configmaps") && !strcmp(req->method, "GET")) {
		if (http_request_query(req, "watch"))
			watch_configmaps(req, resp);
		else
			list_configmaps(req, resp);
		return;
	}
	if (!strcmp(p, "/api/v1/configmaps") && !strcmp(req->method, "GET")) {
		list_configmaps(req, resp);
		return;
	}
	if (!strncmp(p, "/api/v1/namespaces/forbidden/", 29)) {
		send_status(resp, 403, "Forbidden",
			    "configmaps is forbidden: User \"bob\" cannot list resource");
		return;
	}
	if (!strcmp(p, "/api/v1/namespaces/default/configmaps/cm-1") && !strcmp(req->method, "GET")) {
		json_t *o = configmap(1);
		http_response_json(resp, 200, o);
		json_decref(o);
		return;
	}
	if (!strncmp(p, "/api/v1/namespaces/default/configmaps/", 38) && !strcmp(req->method, "GET")) {
		send_status(resp, 404, "NotFound", "configmaps \"missing\" not found");
		return;
	}
	if (!strcmp(p, "/api/v1/namespaces/default/configmaps") && !strcmp(req->method, "POST")) {
		if (strstr(req->body, "\"cm-1\"")) {
			send_status(resp, 409, "AlreadyExists",
				    "configmaps \"cm-1\" already exists");
			return;
		}
		if (strstr(req->body, "\"Bad_Name\"")) {
			send_status(resp, 422, "Invalid",
				    "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value");
			return;
		}
		http_response_text(resp, 201, "application/json", req->body, req->body_len);
		return;
	}
	if (!strcmp(p, "/api/v1/namespaces/default/configmaps/cm-1") && !strcmp(req->method, "PUT")) {
		send_status(resp, 409, "Conflict",
			    "Operation cannot be fulfilled on configmaps \"cm-1\": the object has been modified");
		return;
	}
	if (!strcmp(req->method, "PATCH") || !strcmp(req->method, "DELETE") ||
	    !strcmp(req->method, "PUT")) {
		json_t *o = configmap(1);
		http_response_json(resp, 200, o);
		json_decref(o);
		return;
	}
	if (!strcmp(p, "/api/v1/namespaces/default/pods/boom")) {
		send_json_text(resp, 500, "internal\nerror");
		return;
	}
	if (!strcmp(p, "/apis/bosun.io/v1alpha1/namespaces/bosun/applications/guestbook")) {
		send_json_text(resp, 200, "{\"kind\":\"Application\",\"metadata\":{\"name\":\"guestbook\"}}");
		return;
	}
	if (!strcmp(p, "/api/v1/namespaces/web")) {
		send_json_text(resp, 200, "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"web\"}}");
		return;
	}
	send_status(resp, 404, "NotFound", "the server could not find the requested resource");
}

static struct http_server *srv;
static struct kube_client *kc;

static int setup(void **state)
{
	struct berr err = BERR_INIT;
	(void)state;
	struct http_server_options o = { .name = "fake-k8s", .access_log = HTTP_ACCESS_LOG_OFF };
	if (http_server_new(&srv, &o, &err) < 0 ||
	    http_server_route(srv, "GET", "/api", h_api, NULL, &err) < 0 ||
	    http_server_route(srv, "GET", "/api/v1", h_api_v1, NULL, &err) < 0 ||
	    http_server_route(srv, "GET", "/apis", h_apis, NULL, &err) < 0 ||
	    http_server_route(srv, "GET", "/apis/{group}/{version}", h_group, NULL, &err) < 0 ||
	    http_server_route(srv, NULL, "/*", h_objects, NULL, &err) < 0 ||
	    http_server_start(srv, &err) < 0) {
		fprintf(stderr, "fake server: %s\n", err.msg);
		return -1;
	}
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", http_server_port(srv));
	struct kube_config cfg = { .server = url, .token = "s3cret-token", .namespace = "default" };
	if (kube_client_new(&kc, &cfg, &(struct kube_client_options){
		.discovery_min_interval_ms = 500 }, &err) < 0) {
		fprintf(stderr, "kube client: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kube_client_free(kc);
	http_server_free(srv);
	return 0;
}

/* ------------------------------------------------------------ tests */

static void test_discovery(void **state)
{
	(void)state;
	struct kube_resource r;
	struct berr err = BERR_INIT;

	assert_int_equal(kube_client_resource(kc, &r, "v1", "ConfigMap", &err), 0);
	assert_string_equal(r.name, "configmaps");
	assert_string_equal(r.group, "");
	assert_string_equal(r.api_version, "v1");
	assert_true(r.namespaced);
	assert_true(r.verbs & KUBE_VERB_WATCH);
	assert_false(r.verbs & KUBE_VERB_DELETECOLLECTION);

	assert_int_equal(kube_client_resource(kc, &r, "v1", "Namespace", &err), 0);
	assert_false(r.namespaced);
	assert_int_equal(kube_client_resource(kc, &r, "apps/v1", "Deployment", &err), 0);
	assert_string_equal(r.name, "deployments");
	assert_string_equal(r.group, "apps");

	/* subresources are not kinds of their own */
	struct kube_resource *all;
	size_t n;
	assert_int_equal(kube_client_resources(kc, &all, &n, &err), 0);
	assert_int_equal(n, 4);        /* configmaps namespaces pods deployments */
	for (size_t i = 0; i < n; i++)
		assert_null(strchr(all[i].name, '/'));
	free(all);

	/* an unknown kind is not found, and asking again at once does not re-discover */
	pthread_mutex_lock(&fake.mu);
	int hits = fake.discovery_hits;
	pthread_mutex_unlock(&fake.mu);
	assert_int_equal(kube_client_resource(kc, &r, "bosun.io/v1alpha1", "Application", &err),
			 BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "kind 'Application' of 'bosun.io/v1alpha1' is not served"));
	assert_int_equal(kube_client_resource(kc, &r, "bosun.io/v1alpha1", "Application", &err),
			 BERR_NOTFOUND);
	pthread_mutex_lock(&fake.mu);
	assert_true(fake.discovery_hits - hits <= 1);
	/* the CRD appears: after the minimum interval a miss refreshes */
	fake.crd_installed = 1;
	pthread_mutex_unlock(&fake.mu);
	usleep(600 * 1000);
	assert_int_equal(kube_client_resource(kc, &r, "bosun.io/v1alpha1", "Application", &err), 0);
	assert_string_equal(r.name, "applications");

	json_t *app;
	assert_int_equal(kube_client_get(kc, &app, &(struct kube_ref){
		.api_version = "bosun.io/v1alpha1", .kind = "Application", .namespace = "bosun",
		.name = "guestbook" }, &err), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(app, "metadata"),
							      "name")), "guestbook");
	json_decref(app);

	assert_int_equal(kube_client_resource(kc, &r, "apps/v1/x", "Deployment", &err), BERR_INVALID);
	assert_int_equal(kube_client_resource(kc, &r, "/v1", "Deployment", &err), BERR_INVALID);
}

static void test_get_and_paths(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *o;

	assert_int_equal(kube_client_get(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .name = "cm-1" }, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "data"), "i")), 1);
	json_decref(o);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.path, "/api/v1/namespaces/default/configmaps/cm-1");
	assert_string_equal(fake.auth, "Bearer s3cret-token");
	pthread_mutex_unlock(&fake.mu);

	/* cluster-scoped: the namespace is ignored */
	assert_int_equal(kube_client_get(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "Namespace", .namespace = "ignored", .name = "web" },
		&err), 0);
	json_decref(o);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.path, "/api/v1/namespaces/web");
	pthread_mutex_unlock(&fake.mu);

	assert_int_equal(kube_client_get(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap" }, &err), BERR_INVALID);
	assert_null(o);
	assert_int_equal(kube_client_get(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "Nope", .name = "x" }, &err), BERR_NOTFOUND);
}

static void test_error_mapping(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *o;

	assert_int_equal(kube_client_get(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .name = "missing" }, &err), BERR_NOTFOUND);
	assert_string_equal(err.msg, "ConfigMap 'default/missing': configmaps \"missing\" not found "
				     "(HTTP 404 NotFound)");

	json_t *cm = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
			       "metadata", "name", "cm-1");
	assert_int_equal(kube_client_create(kc, &o, cm, NULL, &err), BERR_EXISTS);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(kube_client_update(kc, &o, cm, NULL, &err), BERR_CONFLICT);
	assert_non_null(strstr(err.msg, "the object has been modified"));
	json_decref(cm);

	cm = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
		       "metadata", "name", "Bad_Name");
	assert_int_equal(kube_client_create(kc, &o, cm, NULL, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "is invalid"));
	json_decref(cm);

	assert_int_equal(kube_client_list(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .namespace = "forbidden" }, NULL, &err),
		BERR_AUTH);
	assert_non_null(strstr(err.msg, "cannot list resource"));
	assert_int_equal(kube_client_get(kc, &o, &(struct kube_ref){
		.api_version = "v1", .kind = "Pod", .name = "boom" }, &err), BERR_FAIL);
	assert_non_null(strstr(err.msg, "internal error (HTTP 500)"));

	/* the mapping function itself */
	assert_int_equal(kube_status_error(&err, 409, "{\"reason\":\"AlreadyExists\"}", 26, "x"),
			 BERR_EXISTS);
	assert_int_equal(kube_status_error(&err, 422, "", 0, "x"), BERR_INVALID);
	assert_string_equal(err.msg, "x: no message (HTTP 422)");
	assert_int_equal(kube_status_error(&err, 429, NULL, 0, "x"), BERR_LIMIT);
	assert_int_equal(kube_status_error(&err, 401, NULL, 0, "x"), BERR_AUTH);
	assert_int_equal(kube_status_error(&err, 503, NULL, 0, "x"), BERR_IO);
	assert_int_equal(kube_status_error(&err, 410, NULL, 0, "x"), BERR_CONFLICT);
}

static void test_list_paging(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *list;

	assert_int_equal(kube_client_list(kc, &list, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .namespace = "default" },
		&(struct kube_list_options){ .limit = 3, .label_selector = "app=web,tier!=db",
					     .field_selector = "metadata.name!=x" }, &err), 0);
	assert_string_equal(json_string_value(json_object_get(list, "kind")), "ConfigMapList");
	assert_string_equal(json_string_value(json_object_get(json_object_get(list, "metadata"),
							      "resourceVersion")), "42");
	json_t *items = json_object_get(list, "items");
	assert_int_equal(json_array_size(items), NCONFIGMAPS);
	for (size_t i = 0; i < NCONFIGMAPS; i++) {
		json_t *it = json_array_get(items, i);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(it, "data"), "i")),
				 i);
		assert_string_equal(json_string_value(json_object_get(it, "kind")), "ConfigMap");
		assert_string_equal(json_string_value(json_object_get(it, "apiVersion")), "v1");
	}
	json_decref(list);
	pthread_mutex_lock(&fake.mu);
	/* the last page asked with the continue token and kept the selectors */
	assert_string_equal(fake.query, "limit=3&labelSelector=app=web,tier!=db&"
					"fieldSelector=metadata.name!=x&continue=6");
	pthread_mutex_unlock(&fake.mu);

	/* all namespaces */
	assert_int_equal(kube_client_list(kc, &list, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap" }, NULL, &err), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), NCONFIGMAPS);
	json_decref(list);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.path, "/api/v1/configmaps");
	pthread_mutex_unlock(&fake.mu);

	/* item cap */
	assert_int_equal(kube_client_list(kc, &list, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .namespace = "default" },
		&(struct kube_list_options){ .limit = 2, .max_items = 5 }, &err), BERR_LIMIT);
	assert_null(list);
}

struct events {
	int n;
	char types[8][16];
	char names[8][16];
	int stop_after;
};

static int on_event(const char *type, json_t *obj, void *arg)
{
	struct events *e = arg;
	if (e->n < 8) {
		snprintf(e->types[e->n], sizeof(e->types[0]), "%s", type);
		snprintf(e->names[e->n], sizeof(e->names[0]), "%s", json_string_value(
			json_object_get(json_object_get(obj, "metadata"), "name")));
	}
	e->n++;
	return e->stop_after && e->n >= e->stop_after;
}

static void test_watch(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	struct events ev = { 0 };
	struct kube_ref ref = { .api_version = "v1", .kind = "ConfigMap", .namespace = "default" };

	assert_int_equal(kube_client_watch(kc, &ref, &(struct kube_watch_options){
		.resource_version = "42", .allow_bookmarks = 1, .timeout_seconds = 30 },
		on_event, &ev, &err), 0);
	assert_int_equal(ev.n, 4);
	assert_string_equal(ev.types[0], "ADDED");
	assert_string_equal(ev.types[1], "MODIFIED");
	assert_string_equal(ev.types[2], "BOOKMARK");
	assert_string_equal(ev.types[3], "DELETED");
	assert_string_equal(ev.names[3], "cm-3");
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.query, "watch=1&resourceVersion=42&allowWatchBookmarks=true&"
					"timeoutSeconds=30");
	pthread_mutex_unlock(&fake.mu);

	/* stop from the callback */
	memset(&ev, 0, sizeof(ev));
	ev.stop_after = 2;
	assert_int_equal(kube_client_watch(kc, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .namespace = "default", .name = "cm-0" },
		NULL, on_event, &ev, &err), 0);
	assert_int_equal(ev.n, 2);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.query, "watch=1&fieldSelector=metadata.name=cm-0");
	pthread_mutex_unlock(&fake.mu);

	/* expired resource version, in the stream or as the HTTP status */
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(kube_client_watch(kc, &ref, &(struct kube_watch_options){
		.resource_version = "old" }, on_event, &ev, &err), KUBE_WATCH_GONE);
	assert_int_equal(ev.n, 0);
	assert_int_equal(kube_client_watch(kc, &ref, &(struct kube_watch_options){
		.resource_version = "gone-http" }, on_event, &ev, &err), KUBE_WATCH_GONE);

	/* a malformed event line is an error, not a crash */
	assert_int_equal(kube_client_watch(kc, &ref, &(struct kube_watch_options){
		.resource_version = "garbage" }, on_event, &ev, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "malformed event"));

	assert_int_equal(kube_client_watch(kc, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .namespace = "forbidden" }, NULL,
		on_event, &ev, &err), BERR_AUTH);
}

struct cancel_watch {
	int cancel;
	int events;
	int ret;
};

static int count_events(const char *type, json_t *obj, void *arg)
{
	struct cancel_watch *w = arg;
	(void)type, (void)obj;
	w->events++;
	return 0;
}

static void *watch_held(void *arg)
{
	struct cancel_watch *w = arg;
	struct berr err = BERR_INIT;
	w->ret = kube_client_watch(kc, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .namespace = "default" },
		&(struct kube_watch_options){ .resource_version = "hold", .cancel = &w->cancel },
		count_events, w, &err);
	return NULL;
}

/* A watch that stays open is stopped from another thread through the flag. */
static void test_watch_cancel(void **state)
{
	(void)state;
	struct cancel_watch w = { 0 };
	pthread_t th;
	pthread_create(&th, NULL, watch_held, &w);
	for (int i = 0; i < 500 && !__atomic_load_n(&w.events, __ATOMIC_SEQ_CST); i++)
		usleep(10 * 1000);
	__atomic_store_n(&w.cancel, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	assert_int_equal(w.ret, 0);
	assert_int_equal(w.events, 1);
	pthread_mutex_lock(&fake.mu);
	struct http_stream *s = fake.held;
	fake.held = NULL;
	pthread_mutex_unlock(&fake.mu);
	assert_non_null(s);
	http_stream_close(s);
}

static void test_writes(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *o, *cm = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", "v1", "kind",
			    "ConfigMap", "metadata", "name", "new", "data", "k", "v");

	assert_int_equal(kube_client_create(kc, &o, cm, &(struct kube_write_options){
		.dry_run = 1 }, &err), 0);
	assert_true(json_equal(o, cm));
	json_decref(o);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.method, "POST");
	assert_string_equal(fake.path, "/api/v1/namespaces/default/configmaps");
	assert_string_equal(fake.query, "fieldManager=bosun&dryRun=All");
	assert_string_equal(fake.content_type, "application/json");
	pthread_mutex_unlock(&fake.mu);

	assert_int_equal(kube_client_update(kc, &o, cm, &(struct kube_write_options){
		.subresource = "status" }, &err), 0);
	json_decref(o);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.method, "PUT");
	assert_string_equal(fake.path, "/api/v1/namespaces/default/configmaps/new/status");
	pthread_mutex_unlock(&fake.mu);
	json_decref(cm);

	static const struct {
		enum kube_patch_type type;
		const char *ct;
	} patches[] = {
		{ KUBE_PATCH_MERGE, "application/merge-patch+json" },
		{ KUBE_PATCH_JSON, "application/json-patch+json" },
		{ KUBE_PATCH_STRATEGIC, "application/strategic-merge-patch+json" },
		{ KUBE_PATCH_APPLY, "application/apply-patch+yaml" },
	};
	struct kube_ref ref = { .api_version = "apps/v1", .kind = "Deployment",
				.namespace = "web", .name = "front" };
	for (size_t i = 0; i < 4; i++) {
		const char *p = "{\"spec\":{\"replicas\":3}}";
		assert_int_equal(kube_client_patch(kc, &o, &ref, patches[i].type, p, strlen(p),
			&(struct kube_write_options){ .field_manager = "tester", .force = 1 }, &err), 0);
		json_decref(o);
		pthread_mutex_lock(&fake.mu);
		assert_string_equal(fake.method, "PATCH");
		assert_string_equal(fake.path, "/apis/apps/v1/namespaces/web/deployments/front");
		assert_string_equal(fake.content_type, patches[i].ct);
		assert_string_equal(fake.body, p);
		assert_string_equal(fake.query, patches[i].type == KUBE_PATCH_APPLY
			? "fieldManager=tester&force=true" : "fieldManager=tester");
		pthread_mutex_unlock(&fake.mu);
	}

	assert_int_equal(kube_client_delete(kc, NULL, &ref, "Foreground", &err), 0);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.method, "DELETE");
	assert_non_null(strstr(fake.body, "\"propagationPolicy\":\"Foreground\""));
	pthread_mutex_unlock(&fake.mu);
	assert_int_equal(kube_client_delete(kc, &o, &ref, NULL, &err), 0);
	assert_non_null(o);
	json_decref(o);
	pthread_mutex_lock(&fake.mu);
	assert_null(strstr(fake.body, "propagationPolicy"));
	pthread_mutex_unlock(&fake.mu);
	assert_int_equal(kube_client_delete(kc, NULL, &ref, "Sideways", &err), BERR_INVALID);

	json_t *dep = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}}", "apiVersion", "apps/v1",
				"kind", "Deployment", "metadata", "name", "api", "namespace", "shop",
				"spec", "replicas", 2);
	assert_int_equal(kube_client_apply(kc, &o, dep, &(struct kube_write_options){
		.force = 1 }, &err), 0);
	json_decref(o);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.method, "PATCH");
	assert_string_equal(fake.path, "/apis/apps/v1/namespaces/shop/deployments/api");
	assert_string_equal(fake.content_type, "application/apply-patch+yaml");
	assert_string_equal(fake.query, "fieldManager=bosun&force=true");
	json_t *sent = json_loads(fake.body, 0, NULL);
	pthread_mutex_unlock(&fake.mu);
	assert_true(json_equal(sent, dep));
	json_decref(sent);
	json_decref(dep);

	json_t *nokind = json_pack("{s:{s:s}}", "metadata", "name", "x");
	assert_int_equal(kube_client_apply(kc, &o, nokind, NULL, &err), BERR_INVALID);
	assert_int_equal(kube_client_create(kc, &o, nokind, NULL, &err), BERR_INVALID);
	json_decref(nokind);
}

static void test_unreachable(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	struct kube_client *dead;
	struct kube_config cfg = { .server = "http://127.0.0.1:1" };
	struct kube_resource r;

	assert_int_equal(kube_client_new(&dead, &cfg, NULL, &err), 0);
	assert_string_equal(kube_client_namespace(dead), "default");
	assert_int_equal(kube_client_resource(dead, &r, "v1", "Pod", &err), BERR_IO);
	assert_non_null(strstr(err.msg, "discovery of 'http://127.0.0.1:1'"));
	kube_client_free(dead);
	assert_int_equal(kube_client_new(&dead, &(struct kube_config){ 0 }, NULL, &err),
			 BERR_INVALID);
}

/* ------------------------------------------------------------ kubeconfig */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char kubeconfig_text[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: dev\n"
	"clusters:\n"
	"- name: bundled\n"
	"  cluster:\n"
	"    server: https://127.0.0.1:6443\n"
	"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	"- name: files\n"
	"  cluster:\n"
	"    server: https://kube.example:443\n"
	"    certificate-authority: ca.pem\n"
	"- name: lab\n"
	"  cluster:\n"
	"    server: http://10.0.0.1:8080\n"
	"    insecure-skip-tls-verify: true\n"
	"- name: noserver\n"
	"  cluster: {}\n"
	"users:\n"
	"- name: admin\n"
	"  user:\n"
	"    token: abc.def\n"
	"- name: filer\n"
	"  user:\n"
	"    tokenFile: token\n"
	"    client-certificate: client.pem\n"
	"    client-key: client-key.pem\n"
	"- name: certs\n"
	"  user:\n"
	"    client-certificate-data: Y2VydA==\n"
	"    client-key-data: a2V5\n"
	"- name: gcloud\n"
	"  user:\n"
	"    exec:\n"
	"      command: gke-gcloud-auth-plugin\n"
	"- name: oidc\n"
	"  user:\n"
	"    auth-provider: {name: oidc}\n"
	"- name: eks\n"
	"  user:\n"
	"    exec:\n"
	"      apiVersion: client.authentication.k8s.io/v1beta1\n"
	"      command: bin/aws\n"
	"      args: [eks, get-token, --cluster-name, lab]\n"
	"      env: [{name: AWS_PROFILE, value: ops}]\n"
	"- name: halfcert\n"
	"  user:\n"
	"    client-certificate-data: Y2VydA==\n"
	"- name: badb64\n"
	"  user:\n"
	"    client-certificate-data: '***'\n"
	"    client-key-data: a2V5\n"
	"- name: nofile\n"
	"  user:\n"
	"    tokenFile: /nonexistent/token\n"
	"contexts:\n"
	"- name: dev\n"
	"  context: {cluster: bundled, user: admin, namespace: team-a}\n"
	"- name: files\n"
	"  context: {cluster: files, user: filer}\n"
	"- name: lab\n"
	"  context: {cluster: lab, user: certs}\n"
	"- name: anonymous\n"
	"  context: {cluster: lab}\n"
	"- name: ghost\n"
	"  context: {cluster: nowhere, user: admin}\n"
	"- name: noserver\n"
	"  context: {cluster: noserver, user: admin}\n"
	"- name: exec\n"
	"  context: {cluster: lab, user: gcloud}\n"
	"- name: oidc\n"
	"  context: {cluster: lab, user: oidc}\n"
	"- name: eks\n"
	"  context: {cluster: lab, user: eks}\n"
	"- name: halfcert\n"
	"  context: {cluster: lab, user: halfcert}\n"
	"- name: badb64\n"
	"  context: {cluster: lab, user: badb64}\n"
	"- name: nofile\n"
	"  context: {cluster: lab, user: nofile}\n"
	"- name: nocluster\n"
	"  context: {user: admin}\n";

static int parse_ctx(struct kube_config **cfg, const char *context, struct berr *err)
{
	return kube_config_parse(cfg, kubeconfig_text, strlen(kubeconfig_text), "kc.yaml",
				 tmpdir, context, err);
}

static void test_kubeconfig(void **state)
{
	(void)state;
	struct kube_config *cfg;
	struct berr err = BERR_INIT;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bosun-kubeconfig-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	write_file("ca.pem", "CA PEM\n");
	write_file("token", "file-token\n");
	write_file("client.pem", "CLIENT CERT\n");
	write_file("client-key.pem", "CLIENT KEY\n");

	/* current-context: token, CA data decoded, context namespace */
	assert_int_equal(parse_ctx(&cfg, NULL, &err), 0);
	assert_string_equal(cfg->context, "dev");
	assert_string_equal(cfg->cluster, "bundled");
	assert_string_equal(cfg->user, "admin");
	assert_string_equal(cfg->server, "https://127.0.0.1:6443");
	assert_string_equal(cfg->namespace, "team-a");
	assert_string_equal(cfg->token, "abc.def");
	assert_string_equal(cfg->ca_pem, "-----BEGIN CERTIFICATE-----\n");
	assert_null(cfg->client_cert_pem);
	assert_false(cfg->insecure_skip_verify);
	kube_config_free(cfg);

	/* files relative to the kubeconfig; tokenFile trimmed; default namespace */
	assert_int_equal(parse_ctx(&cfg, "files", &err), 0);
	assert_string_equal(cfg->ca_pem, "CA PEM\n");
	assert_string_equal(cfg->token, "file-token");
	assert_string_equal(cfg->client_cert_pem, "CLIENT CERT\n");
	assert_string_equal(cfg->client_key_pem, "CLIENT KEY\n");
	assert_string_equal(cfg->namespace, "default");
	kube_config_free(cfg);

	/* client certificate data, insecure */
	assert_int_equal(parse_ctx(&cfg, "lab", &err), 0);
	assert_string_equal(cfg->client_cert_pem, "cert");
	assert_string_equal(cfg->client_key_pem, "key");
	assert_true(cfg->insecure_skip_verify);
	assert_null(cfg->token);
	kube_config_free(cfg);

	/* a context without a user is allowed */
	assert_int_equal(parse_ctx(&cfg, "anonymous", &err), 0);
	assert_null(cfg->user);
	kube_config_free(cfg);

	/* an exec plugin: a relative command with a '/' is resolved against the
	 * kubeconfig's directory; args and env as given */
	assert_int_equal(parse_ctx(&cfg, "eks", &err), 0);
	assert_null(cfg->token);
	assert_non_null(cfg->exec);
	char want[300];
	snprintf(want, sizeof(want), "%s/bin/aws", tmpdir);
	assert_string_equal(cfg->exec->command, want);
	assert_string_equal(cfg->exec->api_version, "client.authentication.k8s.io/v1beta1");
	assert_string_equal(cfg->exec->args[0], "eks");
	assert_string_equal(cfg->exec->args[3], "lab");
	assert_null(cfg->exec->args[4]);
	assert_string_equal(cfg->exec->env[0], "AWS_PROFILE=ops");
	assert_null(cfg->exec->env[1]);
	kube_config_free(cfg);

	static const struct {
		const char *context;
		int code;
		const char *msg;
	} bad[] = {
		{ "nope", BERR_NOTFOUND, "kubeconfig 'kc.yaml': context 'nope' not found" },
		{ "ghost", BERR_NOTFOUND, "kubeconfig 'kc.yaml': cluster 'nowhere' not found" },
		{ "noserver", BERR_INVALID, "cluster 'noserver': 'server' is missing" },
		{ "exec", BERR_INVALID, "user 'gcloud': exec: apiVersion '' is not supported" },
		{ "oidc", BERR_UNSUPPORTED, "user 'oidc': auth-provider plugins are not supported" },
		{ "halfcert", BERR_INVALID, "user 'halfcert': client-certificate is set without client-key" },
		{ "badb64", BERR_INVALID, "user 'badb64': 'client-certificate-data' is not valid base64" },
		{ "nofile", BERR_NOTFOUND, "user 'nofile': tokenFile '/nonexistent/token'" },
		{ "nocluster", BERR_INVALID, "context 'nocluster': 'cluster' is missing" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = (struct kube_config *)1;
		assert_int_equal(parse_ctx(&cfg, bad[i].context, &err), bad[i].code);
		assert_null(cfg);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("context '%s': got '%s'", bad[i].context, err.msg);
	}

	const char *nocur = "apiVersion: v1\nkind: Config\nclusters: []\n";
	assert_int_equal(kube_config_parse(&cfg, nocur, strlen(nocur), "x.yaml", NULL, NULL, &err),
			 BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "'current-context' is not set"));
	const char *broken = "clusters:\n- name: a\n  cluster: [\n";
	assert_int_equal(kube_config_parse(&cfg, broken, strlen(broken), "y.yaml", NULL, "a", &err),
			 BERR_INVALID);
	assert_non_null(strstr(err.msg, "y.yaml:"));
	const char *notlist = "current-context: a\ncontexts: {a: 1}\n";
	assert_int_equal(kube_config_parse(&cfg, notlist, strlen(notlist), "z.yaml", NULL, NULL,
					   &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'contexts' is not a list"));
	const char *scalar = "just text\n";
	assert_int_equal(kube_config_parse(&cfg, scalar, strlen(scalar), "s.yaml", NULL, NULL,
					   &err), BERR_INVALID);

	/* loading from a file, and through $KUBECONFIG */
	write_file("config", kubeconfig_text);
	char path[256];
	snprintf(path, sizeof(path), "%s/config", tmpdir);
	assert_int_equal(kube_config_load(&cfg, path, "files", &err), 0);
	assert_string_equal(cfg->token, "file-token");      /* relative to the file's dir */
	kube_config_free(cfg);
	char env[600];
	snprintf(env, sizeof(env), "%s:/nonexistent/other", path);
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(kube_config_load(&cfg, NULL, NULL, &err), 0);
	assert_string_equal(cfg->context, "dev");
	kube_config_free(cfg);
	unsetenv("KUBECONFIG");
	assert_int_equal(kube_config_load(&cfg, "/nonexistent/kubeconfig", NULL, &err),
			 BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "cannot read kubeconfig '/nonexistent/kubeconfig'"));
}

static void test_in_cluster(void **state)
{
	(void)state;
	struct kube_config *cfg;
	struct berr err = BERR_INIT;

	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kube_config_in_cluster(&cfg, tmpdir, &err), BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "not running in a cluster"));
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_config_in_cluster(&cfg, tmpdir, &err), BERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "/ca.crt'"));   /* tmpdir has "token" but not ca.crt */
	write_file("ca.crt", "SA CA\n");
	write_file("namespace", "bosun\n");
	assert_int_equal(kube_config_in_cluster(&cfg, tmpdir, &err), 0);
	assert_string_equal(cfg->server, "https://10.96.0.1:443");
	assert_string_equal(cfg->token, "file-token");
	assert_string_equal(cfg->ca_pem, "SA CA\n");
	assert_string_equal(cfg->namespace, "bosun");
	assert_string_equal(cfg->context, "in-cluster");
	kube_config_free(cfg);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_int_equal(kube_config_in_cluster(&cfg, tmpdir, &err), 0);
	assert_string_equal(cfg->server, "https://[fd00::1]:443");
	kube_config_free(cfg);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

/* A kubeconfig with CA data and a token, against the fake server over TLS. */
static void test_kubeconfig_tls_end_to_end(void **state)
{
	(void)state;
	char cmd[1024], cert[128], key[128];
	snprintf(cert, sizeof(cert), "%s/srv.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/srv-key.pem", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 2 "
		 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
		 key, cert);
	if (system(cmd) != 0)
		skip();

	struct berr err = BERR_INIT;
	struct http_server *tls;
	struct http_server_options o = { .tls_cert_file = cert, .tls_key_file = key,
					 .access_log = HTTP_ACCESS_LOG_OFF };
	assert_int_equal(http_server_new(&tls, &o, &err), 0);
	assert_int_equal(http_server_route(tls, "GET", "/api", h_api, NULL, &err), 0);
	assert_int_equal(http_server_route(tls, "GET", "/api/v1", h_api_v1, NULL, &err), 0);
	assert_int_equal(http_server_route(tls, "GET", "/apis", h_apis, NULL, &err), 0);
	assert_int_equal(http_server_route(tls, "GET", "/apis/{group}/{version}", h_group, NULL,
					   &err), 0);
	assert_int_equal(http_server_route(tls, NULL, "/*", h_objects, NULL, &err), 0);
	assert_int_equal(http_server_start(tls, &err), 0);

	struct buf pem = BUF_INIT, text = BUF_INIT, b64 = BUF_INIT;
	assert_int_equal(buf_read_file(&pem, cert, 1 << 20), 0);
	snprintf(cmd, sizeof(cmd), "base64 -w0 < %s > %s/ca.b64", cert, tmpdir);
	assert_int_equal(system(cmd), 0);
	char p[256];
	snprintf(p, sizeof(p), "%s/ca.b64", tmpdir);
	assert_int_equal(buf_read_file(&b64, p, 1 << 20), 0);
	buf_addf(&text,
		 "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
		 "clusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:%u\n"
		 "    certificate-authority-data: %s\n"
		 "users:\n- name: u\n  user:\n    token: tls-token\n"
		 "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n",
		 http_server_port(tls), b64.data);
	struct kube_config *cfg;
	assert_int_equal(kube_config_parse(&cfg, text.data, text.len, "tls.yaml", NULL, NULL,
					   &err), 0);
	assert_string_equal(cfg->ca_pem, pem.data);
	struct kube_client *tc;
	assert_int_equal(kube_client_new(&tc, cfg, NULL, &err), 0);
	json_t *o1;
	assert_int_equal(kube_client_get(tc, &o1, &(struct kube_ref){
		.api_version = "v1", .kind = "ConfigMap", .name = "cm-1" }, &err), 0);
	json_decref(o1);
	pthread_mutex_lock(&fake.mu);
	assert_string_equal(fake.auth, "Bearer tls-token");
	pthread_mutex_unlock(&fake.mu);
	kube_client_free(tc);
	kube_config_free(cfg);

	http_server_free(tls);
	buf_release(&pem);
	buf_release(&text);
	buf_release(&b64);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	enum log_level level = LOG_ERROR;
	if (getenv("BOSUN_TEST_LOG"))   /* e.g. BOSUN_TEST_LOG=debug to see the access log */
		log_parse_level(getenv("BOSUN_TEST_LOG"), &level);
	log_setup(level, LOG_TEXT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_get_and_paths),
		cmocka_unit_test(test_error_mapping),
		cmocka_unit_test(test_list_paging),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_watch_cancel),
		cmocka_unit_test(test_writes),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_kubeconfig),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_kubeconfig_tls_end_to_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
