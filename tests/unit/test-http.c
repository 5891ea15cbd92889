/*
 * test-http — the HTTP server and client against each other on loopback:
 * routing, query and body handling, limits, streams (incremental delivery,
 * cancel, disconnect, slow readers, 200 at once, a worker of their own),
 * pull bodies, TLS and shutdown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"
#include "log.h"

/* ------------------------------------------------------------ helpers */

static struct http_server *start_server(struct http_server_options *o)
{
	struct http_server *srv;
	struct berr err = BERR_INIT;

	o->access_log = HTTP_ACCESS_LOG_OFF;
	if (http_server_new(&srv, o, &err) < 0)
		fail_msg("server: %s", err.msg);
	return srv;
}

static void listen_now(struct http_server *srv)
{
	struct berr err = BERR_INIT;
	if (http_server_start(srv, &err) < 0)
		fail_msg("start: %s", err.msg);
	assert_true(http_server_port(srv) > 0);
}

static struct http_client *client_for(struct http_server *srv, const char *scheme)
{
	struct http_client *c;
	struct berr err = BERR_INIT;
	char url[64];

	snprintf(url, sizeof(url), "%s://127.0.0.1:%u", scheme, http_server_port(srv));
	if (http_client_new(&c, &(struct http_client_options){ .base_url = url,
							       .timeout_ms = 10000 },
			    &err) < 0)
		fail_msg("client: %s", err.msg);
	return c;
}

static long do_req(struct http_client *c, const char *method, const char *path,
		   const char *body, size_t len, struct buf *out)
{
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	struct berr err = BERR_INIT;

	if (http_client_do(c, &resp, &(struct http_client_request){ .method = method,
								     .path = path, .body = body,
								     .body_len = len },
			   &err) < 0)
		fail_msg("request %s %s: %s", method, path, err.msg);
	long status = resp.status;
	if (out) {
		buf_reset(out);
		buf_add(out, resp.body.data, resp.body.len);
	}
	http_client_response_release(&resp);
	return status;
}

static json_t *parse(const struct buf *b)
{
	json_error_t je;
	json_t *j = json_loadb(b->data, b->len, 0, &je);
	if (!j)
		fail_msg("not JSON (%s): %s", je.text, b->data);
	return j;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Waits up to 10 s for *flag (read under mu) to reach want. */
static int wait_for(pthread_mutex_t *mu, pthread_cond_t *cond, int *flag, int want)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(mu);
	while (*flag < want)
		if (pthread_cond_timedwait(cond, mu, &dl) == ETIMEDOUT)
			break;
	int ok = *flag >= want;
	pthread_mutex_unlock(mu);
	return ok;
}

/* ------------------------------------------------------------ handlers */

static void h_params(struct http_request *req, struct http_response *resp, void *arg)
{
	json_t *o = json_object();
	json_object_set_new(o, "route", json_string(arg));
	json_object_set_new(o, "method", json_string(req->method));
	const char *names[] = { "group", "version", "namespace", "resource", "name", "*" };
	for (size_t i = 0; i < 6; i++) {
		const char *v = http_request_param(req, names[i]);
		if (v)
			json_object_set_new(o, names[i], json_string(v));
	}
	http_response_header(resp, "X-Test", "yes");
	http_response_json(resp, 200, o);
	json_decref(o);
}

static void h_query(struct http_request *req, struct http_response *resp, void *arg)
{
	const char *vals[8];
	(void)arg;
	size_t n = http_request_query_all(req, "a", vals, 8);
	json_t *o = json_object(), *a = json_array();
	for (size_t i = 0; i < n && i < 8; i++)
		json_array_append_new(a, json_string(vals[i]));
	json_object_set_new(o, "a", a);
	const char *b = http_request_query(req, "b"), *flag = http_request_query(req, "flag");
	json_object_set_new(o, "b", b ? json_string(b) : json_null());
	json_object_set_new(o, "flag", flag ? json_string(flag) : json_null());
	json_object_set_new(o, "missing", json_boolean(http_request_query(req, "zz") != NULL));
	const char *ua = http_request_header(req, "user-agent");
	json_object_set_new(o, "ua", json_string(ua ? ua : ""));
	json_object_set_new(o, "port", json_integer(req->remote_port));
	json_object_set_new(o, "addr", json_string(req->remote_addr));
	http_response_json(resp, 200, o);
	json_decref(o);
}

static void h_echo(struct http_request *req, struct http_response *resp, void *arg)
{
	json_t *doc;
	struct berr err = BERR_INIT;
	(void)arg;
	if (http_request_json(req, &doc, &err) < 0) {
		http_response_berr(resp, &err);
		return;
	}
	json_t *o = json_pack("{s:o, s:I}", "got", doc, "len", (json_int_t)req->body_len);
	http_response_json(resp, 201, o);
	json_decref(o);
}

static void h_slow(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req;
	(void)arg;
	sleep_ms(400);
	http_response_text(resp, 200, "text/plain", "late\n", 5);
}

/* Stream registry shared by the stream tests. */
struct streams {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct http_stream *s[2048];
	int n;
	int closed;             /* on_close calls */
	int client_lines;
	char last_line[64];
};

static struct streams reg = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void reg_reset(void)
{
	pthread_mutex_lock(&reg.mu);
	reg.n = reg.closed = reg.client_lines = 0;
	reg.last_line[0] = '\0';
	pthread_mutex_unlock(&reg.mu);
}

static void on_stream_close(struct http_stream *s, void *arg)
{
	(void)s;
	(void)arg;
	pthread_mutex_lock(&reg.mu);
	reg.closed++;
	pthread_cond_broadcast(&reg.cond);
	pthread_mutex_unlock(&reg.mu);
}

static void h_watch(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req;
	(void)arg;
	struct http_stream *s = http_response_stream(resp, "application/json");
	http_stream_on_close(s, on_stream_close, NULL);
	pthread_mutex_lock(&reg.mu);
	if (reg.n < 2048)
		reg.s[reg.n++] = s;
	pthread_cond_broadcast(&reg.cond);
	pthread_mutex_unlock(&reg.mu);
}

static struct http_server *stream_server(size_t max_buffer)
{
	struct http_server_options o = { .name = "test", .threads = 2,
					 .max_stream_buffer = max_buffer };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/watch", h_watch, NULL, &err), 0);
	listen_now(srv);
	return srv;
}

/* ------------------------------------------------------------ tests */

static void test_routes_and_params(void **state)
{
	(void)state;
	struct http_server_options o = { 0 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	struct buf b = BUF_INIT;

	assert_int_equal(http_server_route(srv, "GET",
		"/apis/{group}/{version}/namespaces/{namespace}/{resource}/{name}",
		h_params, "named", &err), 0);
	assert_int_equal(http_server_route(srv, "GET", "/files/*", h_params, "files", &err), 0);
	assert_int_equal(http_server_route(srv, NULL, "/any", h_params, "any", &err), 0);
	assert_int_equal(http_server_route(srv, "GET", "/bad/{x", h_params, NULL, &err),
			 BERR_INVALID);
	assert_non_null(strstr(err.msg, "unbalanced"));
	assert_int_equal(http_server_route(srv, "GET", "/a/*/b", h_params, NULL, &err),
			 BERR_INVALID);
	assert_int_equal(http_server_route(srv, "GET", "nolead", h_params, NULL, &err),
			 BERR_INVALID);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");

	assert_int_equal(do_req(c, "GET", "/apis/apps/v1/namespaces/default/deployments/web",
				NULL, 0, &b), 200);
	json_t *j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(j, "route")), "named");
	assert_string_equal(json_string_value(json_object_get(j, "group")), "apps");
	assert_string_equal(json_string_value(json_object_get(j, "version")), "v1");
	assert_string_equal(json_string_value(json_object_get(j, "namespace")), "default");
	assert_string_equal(json_string_value(json_object_get(j, "resource")), "deployments");
	assert_string_equal(json_string_value(json_object_get(j, "name")), "web");
	json_decref(j);

	assert_int_equal(do_req(c, "GET", "/files/a/b/c.txt", NULL, 0, &b), 200);
	j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(j, "*")), "a/b/c.txt");
	json_decref(j);
	assert_int_equal(do_req(c, "GET", "/files", NULL, 0, &b), 200);
	j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(j, "*")), "");
	json_decref(j);

	assert_int_equal(do_req(c, "DELETE", "/any", NULL, 0, &b), 200);
	j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(j, "method")), "DELETE");
	json_decref(j);

	/* too few segments, too many, wrong method */
	assert_int_equal(do_req(c, "GET", "/apis/apps/v1/namespaces/default/deployments",
				NULL, 0, &b), 404);
	j = parse(&b);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 404);
	assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "no route"));
	json_decref(j);
	assert_int_equal(do_req(c, "GET", "/apis/apps/v1/namespaces/default/deployments/web/x",
				NULL, 0, &b), 404);
	assert_int_equal(do_req(c, "PUT", "/apis/apps/v1/namespaces/default/deployments/web",
				"{}", 2, &b), 405);

	/* response header comes back, lower-cased */
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
		.path = "/files/x" }, &err), 0);
	assert_string_equal(http_client_response_header(&resp, "X-TEST"), "yes");
	assert_string_equal(http_client_response_header(&resp, "content-type"),
			    "application/json");
	http_client_response_release(&resp);

	buf_release(&b);
	http_client_free(c);
	http_server_free(srv);
}

static void test_query_parsing(void **state)
{
	(void)state;
	struct http_server_options o = { 0 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	struct buf b = BUF_INIT;

	assert_int_equal(http_server_route(srv, "GET", "/q", h_query, NULL, &err), 0);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");

	struct buf path = BUF_INIT;
	buf_adds(&path, "/q?a=1&b=");
	http_url_escape(&path, "x y&z=1");
	buf_adds(&path, "&a=2&flag&a=");
	http_url_escape(&path, "k8s.io/app=web");
	assert_string_equal(path.data, "/q?a=1&b=x%20y%26z%3D1&a=2&flag&a=k8s.io%2Fapp%3Dweb");
	assert_int_equal(do_req(c, "GET", path.data, NULL, 0, &b), 200);
	json_t *j = parse(&b);
	json_t *a = json_object_get(j, "a");
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "1");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "2");
	assert_string_equal(json_string_value(json_array_get(a, 2)), "k8s.io/app=web");
	assert_string_equal(json_string_value(json_object_get(j, "b")), "x y&z=1");
	assert_string_equal(json_string_value(json_object_get(j, "flag")), "");
	assert_true(json_is_false(json_object_get(j, "missing")));
	assert_non_null(strstr(json_string_value(json_object_get(j, "ua")), "bosun/"));
	assert_string_equal(json_string_value(json_object_get(j, "addr")), "127.0.0.1");
	json_int_t port = json_integer_value(json_object_get(j, "port"));
	assert_true(port > 0);
	json_decref(j);

	/* the next requests reuse the kept-alive connection (same client port) */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(do_req(c, "GET", "/q", NULL, 0, &b), 200);
		j = parse(&b);
		assert_int_equal(json_integer_value(json_object_get(j, "port")), port);
		json_decref(j);
	}

	buf_release(&path);
	buf_release(&b);
	http_client_free(c);
	http_server_free(srv);
}

static void test_body_json_and_limit(void **state)
{
	(void)state;
	struct http_server_options o = { .max_body_bytes = 1024 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	struct buf b = BUF_INIT;

	assert_int_equal(http_server_route(srv, "POST", "/echo", h_echo, NULL, &err), 0);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");

	const char *doc = "{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}";
	assert_int_equal(do_req(c, "POST", "/echo", doc, strlen(doc), &b), 201);
	json_t *j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "got"), "kind")),
			    "ConfigMap");
	assert_int_equal(json_integer_value(json_object_get(j, "len")), strlen(doc));
	json_decref(j);

	assert_int_equal(do_req(c, "POST", "/echo", "{\"a\":", 5, &b), 400);
	j = parse(&b);
	assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "request body: 1:"));
	json_decref(j);

	char *big = xmalloc(4096);
	memset(big, ' ', 4096);
	assert_int_equal(do_req(c, "POST", "/echo", big, 4096, &b), 413);
	j = parse(&b);
	assert_non_null(strstr(json_string_value(json_object_get(j, "message")),
			       "over the limit of 1024"));
	json_decref(j);
	/* the server still answers afterwards */
	assert_int_equal(do_req(c, "POST", "/echo", doc, strlen(doc), &b), 201);
	free(big);

	buf_release(&b);
	http_client_free(c);
	http_server_free(srv);
}

/* A chunked upload has no Content-Length: the limit applies while reading. */
static void test_body_limit_chunked(void **state)
{
	(void)state;
	struct http_server_options o = { .max_body_bytes = 1024 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "POST", "/echo", h_echo, NULL, &err), 0);
	listen_now(srv);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(http_server_port(srv)) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct buf req = BUF_INIT;
	buf_adds(&req, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		       "Connection: close\r\n\r\n");
	for (int i = 0; i < 4; i++) {
		buf_adds(&req, "200\r\n");
		for (int k = 0; k < 512; k++)
			buf_addch(&req, 'x');
		buf_adds(&req, "\r\n");
	}
	buf_adds(&req, "0\r\n\r\n");
	assert_int_equal(write(fd, req.data, req.len), (ssize_t)req.len);
	char out[4096];
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(out) - 1 && (n = read(fd, out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	assert_non_null(strstr(out, "HTTP/1.1 413"));
	assert_non_null(strstr(out, "over the limit of 1024"));
	close(fd);
	buf_release(&req);
	http_server_free(srv);
}

struct line_log {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int n;
	char lines[8][64];
	int stop_after;         /* cancel from the callback after this many lines */
};

static int collect_line(const char *line, size_t len, void *arg)
{
	struct line_log *l = arg;
	pthread_mutex_lock(&l->mu);
	if (l->n < 8)
		snprintf(l->lines[l->n], sizeof(l->lines[0]), "%.*s", (int)len, line);
	l->n++;
	pthread_cond_broadcast(&l->cond);
	int stop = l->stop_after && l->n >= l->stop_after;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

struct stream_job {
	struct http_client *c;
	struct line_log *log;
	const int *cancel;
	int ret;
	long status;
	pthread_t th;
};

static void *stream_thread(void *arg)
{
	struct stream_job *j = arg;
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	struct berr err = BERR_INIT;
	j->ret = http_client_stream(j->c, &resp, &(struct http_client_request){
		.path = "/watch", .cancel = j->cancel }, collect_line, j->log, &err);
	j->status = resp.status;
	http_client_response_release(&resp);
	return NULL;
}

static void test_stream_incremental(void **state)
{
	(void)state;
	reg_reset();
	struct http_server *srv = stream_server(0);
	struct http_client *c = client_for(srv, "http");
	struct line_log log = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct stream_job job = { .c = c, .log = &log };

	pthread_create(&job.th, NULL, stream_thread, &job);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));
	struct http_stream *s = reg.s[0];

	json_t *ev = json_pack("{s:s, s:{s:s}}", "type", "ADDED", "object", "kind", "Pod");
	assert_int_equal(http_stream_write_json(s, ev), 0);
	json_decref(ev);
	/* the first line arrives while the stream is still open */
	assert_true(wait_for(&log.mu, &log.cond, &log.n, 1));
	assert_string_equal(log.lines[0], "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\"}}");
	assert_true(http_stream_is_open(s));
	sleep_ms(50);
	assert_int_equal(http_stream_write(s, "second\nthi", 10), 0);
	assert_true(wait_for(&log.mu, &log.cond, &log.n, 2));
	assert_string_equal(log.lines[1], "second");
	assert_int_equal(http_stream_write(s, "rd", 2), 0);
	assert_int_equal(http_stream_close(s), 0);
	pthread_join(job.th, NULL);
	assert_int_equal(job.ret, 0);
	assert_int_equal(job.status, 200);
	assert_int_equal(log.n, 3);
	assert_string_equal(log.lines[2], "third");
	assert_int_equal(reg.closed, 0);    /* closed by the producer: no on_close */

	http_client_free(c);
	http_server_free(srv);
}

static void test_stream_events(void **state)
{
	(void)state;
	reg_reset();
	struct http_server *srv = stream_server(0);
	struct http_client *c = client_for(srv, "http");
	struct line_log log = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct stream_job job = { .c = c, .log = &log };

	pthread_create(&job.th, NULL, stream_thread, &job);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));
	assert_int_equal(http_stream_write_event(reg.s[0], "app", "a\nb"), 0);
	assert_int_equal(http_stream_close(reg.s[0]), 0);
	pthread_join(job.th, NULL);
	assert_int_equal(log.n, 4);
	assert_string_equal(log.lines[0], "event: app");
	assert_string_equal(log.lines[1], "data: a");
	assert_string_equal(log.lines[2], "data: b");
	assert_string_equal(log.lines[3], "");
	http_client_free(c);
	http_server_free(srv);
}

static void test_stream_client_cancel(void **state)
{
	(void)state;
	reg_reset();
	struct http_server *srv = stream_server(0);
	struct http_client *c = client_for(srv, "http");

	/* cancel from the callback */
	struct line_log log = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	log.stop_after = 1;
	struct stream_job job = { .c = c, .log = &log };
	pthread_create(&job.th, NULL, stream_thread, &job);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));
	assert_int_equal(http_stream_write(reg.s[0], "one\ntwo\n", 8), 0);
	pthread_join(job.th, NULL);
	assert_int_equal(job.ret, 0);
	assert_int_equal(log.n, 1);
	http_client_free(c);    /* drops the pooled connection: the server sees the hangup */
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.closed, 1));
	assert_false(http_stream_is_open(reg.s[0]));
	assert_int_equal(http_stream_write(reg.s[0], "x\n", 2), BERR_IO);
	assert_int_equal(http_stream_close(reg.s[0]), 1);  /* on_close ran */

	/* cancel through the flag, with no data flowing */
	reg_reset();
	c = client_for(srv, "http");
	int cancel = 0;
	struct line_log log2 = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct stream_job job2 = { .c = c, .log = &log2, .cancel = &cancel };
	pthread_create(&job2.th, NULL, stream_thread, &job2);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));
	__atomic_store_n(&cancel, 1, __ATOMIC_RELAXED);
	pthread_join(job2.th, NULL);
	assert_int_equal(job2.ret, 0);
	http_client_free(c);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.closed, 1));
	assert_int_equal(http_stream_close(reg.s[0]), 1);
	http_server_free(srv);
}

static int connect_raw(uint16_t port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	const char *req = "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* 200 streams on a 2-thread pool: idle streams hold no thread. */
static void test_stream_200_concurrent(void **state)
{
	(void)state;
	/* BOSUN_TEST_STREAMS raises the count (up to 2000) for a manual scale check */
	const char *env = getenv("BOSUN_TEST_STREAMS");
	int N = env && atoi(env) > 0 && atoi(env) <= 2000 ? atoi(env) : 200;
	reg_reset();
	struct http_server *srv = stream_server(0);
	int *fds = xcalloc((size_t)N, sizeof(int));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (int i = 0; i < N; i++)
		fds[i] = connect_raw(http_server_port(srv), 0);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, N));
	/* all open and idle; a normal request still goes through */
	struct http_client *c = client_for(srv, "http");
	assert_int_equal(do_req(c, "GET", "/nothing", NULL, 0, NULL), 404);
	http_client_free(c);

	for (int i = 0; i < N; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "event-%d\n", i);
		assert_int_equal(http_stream_write(reg.s[i], line, (size_t)n), 0);
	}
	/* each client gets its own event; streams map to connections in order of arrival,
	 * so look for any "event-" in each socket */
	for (int i = 0; i < N; i++) {
		char buf[1024];
		size_t got = 0;
		buf[0] = '\0';
		while (!strstr(buf, "event-")) {
			struct pollfd p = { fds[i], POLLIN, 0 };
			assert_int_equal(poll(&p, 1, 10000), 1);
			ssize_t n = read(fds[i], buf + got, sizeof(buf) - 1 - got);
			assert_true(n > 0);
			got += (size_t)n;
			buf[got] = '\0';
		}
		assert_non_null(strstr(buf, "HTTP/1.1 200"));
		assert_non_null(strstr(buf, "chunked"));
	}
	/* all clients hang up: every stream hears of it */
	for (int i = 0; i < N; i++)
		close(fds[i]);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.closed, N));
	for (int i = 0; i < N; i++)
		assert_int_equal(http_stream_close(reg.s[i]), 1);
	reg.n = 0;
	free(fds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (env)
		fprintf(stderr, "# %d streams: open, one event each, hang-up noticed in %ld ms\n", N,
			(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	http_server_free(srv);
}

/* Reads from fd until `want` shows up in what came; fails after 10 s. */
static void read_until(int fd, char *buf, size_t size, const char *want)
{
	size_t got = 0;
	buf[0] = '\0';
	while (!strstr(buf, want)) {
		struct pollfd p = { fd, POLLIN, 0 };
		assert_int_equal(poll(&p, 1, 10000), 1);
		ssize_t n = read(fd, buf + got, size - 1 - got);
		assert_true(n > 0);
		got += (size_t)n;
		buf[got] = '\0';
	}
}

static void h_tid(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)req;
	(void)arg;
	char tid[32];
	snprintf(tid, sizeof(tid), "tid=%ld;", (long)syscall(SYS_gettid));
	http_response_text(resp, 200, "text/plain", tid, strlen(tid));
}

static long stream_tid;

static void h_watch_tid(struct http_request *req, struct http_response *resp, void *arg)
{
	stream_tid = syscall(SYS_gettid);
	h_watch(req, resp, arg);
}

/* New connections go to the workers without a stream while there are
 * some, spread evenly, so a watch's events never wait behind them. */
static void test_stream_keeps_its_worker(void **state)
{
	(void)state;
	reg_reset();
	struct http_server_options o = { .name = "test", .threads = 4 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/watch", h_watch_tid, NULL, &err), 0);
	assert_int_equal(http_server_route(srv, "GET", "/tid", h_tid, NULL, &err), 0);
	listen_now(srv);
	uint16_t port = http_server_port(srv);
	char buf[1024];

	int watch = connect_raw(port, 0);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));
	assert_int_equal(http_stream_write(reg.s[0], "first\n", 6), 0);
	read_until(watch, buf, sizeof(buf), "first");

	enum { N = 6 };
	int fds[N];
	long tids[N];
	for (int i = 0; i < N; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
		const char *req = "GET /tid HTTP/1.1\r\nHost: x\r\n\r\n";
		assert_int_equal(write(fds[i], req, strlen(req)), (ssize_t)strlen(req));
		read_until(fds[i], buf, sizeof(buf), ";");
		tids[i] = atol(strstr(buf, "tid=") + 4);
	}
	int distinct = 0;
	for (int i = 0; i < N; i++) {
		assert_true(tids[i] != stream_tid);
		int seen = 0;
		for (int j = 0; j < i; j++)
			seen |= tids[j] == tids[i];
		distinct += !seen;
	}
	assert_int_equal(distinct, 3);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(watch);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.closed, 1));
	assert_int_equal(http_stream_close(reg.s[0]), 1);
	reg.n = 0;
	http_server_free(srv);
}

/* A client that never reads is dropped once its queue passes the limit. */
static void test_stream_slow_reader_dropped(void **state)
{
	(void)state;
	reg_reset();
	struct http_server *srv = stream_server(64 * 1024);
	int fd = connect_raw(http_server_port(srv), 4096);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));

	char chunk[4096];
	memset(chunk, 'x', sizeof(chunk));
	chunk[sizeof(chunk) - 1] = '\n';
	int ret = 0;
	size_t total = 0;
	while (total < (256u << 20)) {
		ret = http_stream_write(reg.s[0], chunk, sizeof(chunk));
		if (ret < 0)
			break;
		total += sizeof(chunk);
		if (total % (1u << 20) == 0)
			sleep_ms(5);    /* let MHD fill the socket buffers */
	}
	assert_int_equal(ret, BERR_LIMIT);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.closed, 1));
	assert_int_equal(http_stream_write(reg.s[0], "x", 1), BERR_IO);
	assert_int_equal(http_stream_close(reg.s[0]), 1);
	close(fd);
	http_server_free(srv);
}

struct slow_job {
	struct http_client *c;
	pthread_t th;
	int ret;
	long status;
};

static void *slow_thread(void *arg)
{
	struct slow_job *j = arg;
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	struct berr err = BERR_INIT;
	j->ret = http_client_do(j->c, &resp, &(struct http_client_request){ .path = "/slow" },
				&err);
	j->status = resp.status;
	http_client_response_release(&resp);
	return NULL;
}

static void test_graceful_stop(void **state)
{
	(void)state;
	reg_reset();
	struct http_server_options o = { .threads = 2 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/watch", h_watch, NULL, &err), 0);
	assert_int_equal(http_server_route(srv, "GET", "/slow", h_slow, NULL, &err), 0);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");
	struct line_log log = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct stream_job job = { .c = c, .log = &log };
	pthread_create(&job.th, NULL, stream_thread, &job);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));

	/* a slow request is in flight when the stop comes */
	struct slow_job sj = { .c = c };
	pthread_create(&sj.th, NULL, slow_thread, &sj);
	sleep_ms(100);

	/* stop from another thread as a SIGTERM handler would */
	http_server_request_stop(srv);
	http_server_wait(srv, 2000);
	pthread_join(job.th, NULL);     /* the stream ended cleanly */
	assert_int_equal(job.ret, 0);
	assert_int_equal(job.status, 200);
	pthread_join(sj.th, NULL);
	assert_int_equal(sj.ret, 0);
	assert_int_equal(sj.status, 200);       /* and the slow request finished */
	assert_int_equal(reg.closed, 1);
	assert_int_equal(http_stream_close(reg.s[0]), 1);
	/* no longer listening */
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){ .path = "/slow" },
					&err), BERR_IO);
	http_client_response_release(&resp);
	http_client_free(c);
	http_server_free(srv);
}

static void test_client_errors(void **state)
{
	(void)state;
	struct http_server_options o = { 0 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/slow", h_slow, NULL, &err), 0);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;

	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
		.path = "/slow", .timeout_ms = 100 }, &err), BERR_LIMIT);
	http_client_response_release(&resp);
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){ .path = "/slow" },
					&err), 0);
	assert_string_equal(resp.body.data, "late\n");
	http_client_response_release(&resp);

	int cancel = 1;
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
		.path = "/slow", .cancel = &cancel }, &err), BERR_IO);
	assert_non_null(strstr(err.msg, "cancelled"));
	http_client_response_release(&resp);

	struct http_client *small;
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", http_server_port(srv));
	assert_int_equal(http_client_new(&small, &(struct http_client_options){
		.base_url = url, .max_response_bytes = 3 }, &err), 0);
	assert_int_equal(http_client_do(small, &resp, &(struct http_client_request){
		.path = "/slow" }, &err), BERR_LIMIT);
	assert_non_null(strstr(err.msg, "larger than 3 bytes"));
	http_client_response_release(&resp);
	http_client_free(small);

	http_server_free(srv);
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){ .path = "/slow" },
					&err), BERR_IO);
	assert_non_null(strstr(err.msg, "GET 'http://127.0.0.1:"));
	http_client_response_release(&resp);
	http_client_free(c);

	assert_int_equal(http_client_new(&c, &(struct http_client_options){ .base_url = "ftp://x" },
					 &err), BERR_INVALID);
	assert_int_equal(http_client_new(&c, &(struct http_client_options){ 0 }, &err),
			 BERR_INVALID);
}

struct hammer {
	struct http_client *c;
	pthread_t th;
	int id;
	int ok;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 50; i++) {
		struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
		struct berr err = BERR_INIT;
		char body[64];
		int n = snprintf(body, sizeof(body), "{\"thread\":%d,\"i\":%d}", h->id, i);
		if (http_client_do(h->c, &resp, &(struct http_client_request){
			.method = "POST", .path = "/echo", .body = body, .body_len = (size_t)n },
			&err) == 0 && resp.status == 201 && strstr(resp.body.data, body + 1))
			h->ok++;
		http_client_response_release(&resp);
	}
	return NULL;
}

/* One client, one server, eight threads at once. */
static void test_concurrent_requests(void **state)
{
	(void)state;
	struct http_server_options o = { .threads = 2 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "POST", "/echo", h_echo, NULL, &err), 0);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");
	struct hammer h[8];
	for (int i = 0; i < 8; i++) {
		h[i] = (struct hammer){ .c = c, .id = i };
		pthread_create(&h[i].th, NULL, hammer_thread, &h[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(h[i].th, NULL);
		assert_int_equal(h[i].ok, 50);
	}
	http_client_free(c);
	http_server_free(srv);
}

static void test_listen_options(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	struct http_server_options o = { .name = "first" };
	struct http_server *a = start_server(&o), *b;
	assert_int_equal(http_server_route(a, "GET", "/files/*", h_params, "files", &err), 0);
	listen_now(a);

	/* the same port twice: a clear error */
	struct http_server_options same = { .name = "second", .port = http_server_port(a) };
	b = start_server(&same);
	assert_int_equal(http_server_start(b, &err), BERR_IO);
	assert_non_null(strstr(err.msg, "http server 'second': cannot listen on 127.0.0.1:"));
	assert_int_equal(http_server_port(b), 0);
	http_server_free(b);
	/* routes cannot change while serving */
	assert_int_equal(http_server_route(a, "GET", "/late", h_params, NULL, &err), BERR_INVALID);
	struct http_client *c0 = client_for(a, "http");
	assert_int_equal(do_req(c0, "GET", "/files/x", NULL, 0, NULL), 200);
	uint16_t port = http_server_port(a);
	http_server_free(a);
	http_client_free(c0);
	/* a restart takes the port back at once */
	struct http_server_options again = { .port = port };
	a = start_server(&again);
	listen_now(a);
	assert_int_equal(http_server_port(a), port);
	http_server_free(a);

	struct http_server_options bad = { .address = "localhost" };
	b = start_server(&bad);
	assert_int_equal(http_server_start(b, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "'localhost' is not an IP literal"));
	http_server_free(b);
	struct http_server_options half = { .tls_cert_file = "/x.pem" };
	assert_int_equal(http_server_new(&b, &half, &err), BERR_INVALID);

	/* IPv6 loopback, when the machine has it */
	struct http_server_options v6 = { .address = "::1" };
	b = start_server(&v6);
	assert_int_equal(http_server_route(b, "GET", "/files/*", h_params, "files", &err), 0);
	if (http_server_start(b, &err) == 0) {
		char url[64];
		struct http_client *c;
		struct buf body = BUF_INIT;
		snprintf(url, sizeof(url), "http://[::1]:%u", http_server_port(b));
		assert_int_equal(http_client_new(&c, &(struct http_client_options){ .base_url = url },
						 &err), 0);
		assert_int_equal(do_req(c, "GET", "/files/six", NULL, 0, &body), 200);
		http_client_free(c);
		buf_release(&body);
	}
	http_server_free(b);
}

struct later {
	struct http_deferred *d;
	long delay_ms;
	char name[32];
};

static void *later_thread(void *arg)
{
	struct later *l = arg;
	struct http_response answer = HTTP_RESPONSE_INIT;
	sleep_ms(l->delay_ms);
	json_t *o = json_pack("{s:s}", "done", l->name);
	http_response_json(&answer, 202, o);
	http_response_header(&answer, "X-Later", "1");
	json_decref(o);
	http_deferred_finish(l->d, &answer);
	free(l);
	return NULL;
}

/* /later/{ms}/{name}: answered from another thread after ms; 0 = inline */
static void h_later(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)arg;
	struct later *l = xcalloc(1, sizeof(*l));
	l->d = http_response_defer(resp);
	l->delay_ms = atol(http_request_param(req, "ms"));
	snprintf(l->name, sizeof(l->name), "%s", http_request_param(req, "name"));
	http_response_error(resp, 500, "discarded");   /* replaced by the deferred answer */
	if (!l->delay_ms) {
		later_thread(l);
		return;
	}
	pthread_t th;
	pthread_create(&th, NULL, later_thread, l);
	pthread_detach(th);
}

struct later_job {
	struct http_client *c;
	pthread_t th;
	char path[64];
	long status;
	struct buf body;
};

static void *later_client(void *arg)
{
	struct later_job *j = arg;
	j->status = do_req(j->c, "GET", j->path, NULL, 0, &j->body);
	return NULL;
}

static void test_deferred(void **state)
{
	(void)state;
	struct http_server_options o = { .threads = 1 };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	struct buf b = BUF_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/later/{ms}/{name}", h_later, NULL, &err), 0);
	listen_now(srv);
	struct http_client *c = client_for(srv, "http");

	/* answered inline, before the handler even returned */
	assert_int_equal(do_req(c, "GET", "/later/0/inline", NULL, 0, &b), 202);
	assert_string_equal(b.data, "{\"done\":\"inline\"}\n");
	/* answered by a worker */
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
		.path = "/later/30/worker" }, &err), 0);
	assert_int_equal(resp.status, 202);
	assert_string_equal(http_client_response_header(&resp, "x-later"), "1");
	http_client_response_release(&resp);

	/* ten parked requests on a one-thread pool finish together, not one by one */
	enum { N = 10 };
	struct later_job jobs[N];
	struct http_client *cs[N];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		cs[i] = client_for(srv, "http");
		jobs[i] = (struct later_job){ .c = cs[i], .body = BUF_INIT };
		snprintf(jobs[i].path, sizeof(jobs[i].path), "/later/400/job%d", i);
		pthread_create(&jobs[i].th, NULL, later_client, &jobs[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(jobs[i].th, NULL);
		assert_int_equal(jobs[i].status, 202);
		char want[64];
		snprintf(want, sizeof(want), "{\"done\":\"job%d\"}\n", i);
		assert_string_equal(jobs[i].body.data, want);
		buf_release(&jobs[i].body);
		http_client_free(cs[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 2500);         /* serially it would take 4000 */

	/* a stop while a request is parked answers it 503 and stays safe when
	 * the worker finishes later */
	struct later_job slow = { .c = c, .body = BUF_INIT };
	snprintf(slow.path, sizeof(slow.path), "/later/600/slow");
	pthread_create(&slow.th, NULL, later_client, &slow);
	sleep_ms(100);
	http_server_stop(srv, 100);
	pthread_join(slow.th, NULL);
	assert_true(slow.status == 503);
	buf_release(&slow.body);
	sleep_ms(700);                  /* the worker finishes into the void */

	buf_release(&b);
	http_client_free(c);
	http_server_free(srv);
}

static int run_cmd(const char *cmd)
{
	int rc = system(cmd);
	return rc;
}

/* ------------------------------------------------------------ pull bodies */

/* Pull bodies of the tests: line i is "line <i> " padded with dots to
 * 10 + i % 300 bytes and "\n"; `lines` < 0 is endless, `fail_at` >= 0 fails
 * when that line is due. Each fill writes at most `piece` bytes, so lines
 * are cut across calls. */
struct pull_gen {
	int lines, fail_at, next;
	size_t piece;
	char line[512];
	size_t len, off;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int freed, fills;
} pulls = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static size_t gen_line(char *out, int i)
{
	size_t n = (size_t)snprintf(out, 512, "line %d ", i), want = 10 + (size_t)(i % 300);
	while (n < want)
		out[n++] = '.';
	out[n++] = '\n';
	return n;
}

static long pull_fill(void *ctx, char *out, size_t max)
{
	struct pull_gen *g = ctx;
	size_t w = 0, cap = max < g->piece ? max : g->piece;
	pthread_mutex_lock(&pulls.mu);
	pulls.fills++;
	pthread_mutex_unlock(&pulls.mu);
	while (w < cap) {
		if (g->off == g->len) {
			if (g->lines >= 0 && g->next == g->lines)
				break;
			if (g->next == g->fail_at)
				return -1;
			g->len = gen_line(g->line, g->next++);
			g->off = 0;
		}
		size_t n = g->len - g->off < cap - w ? g->len - g->off : cap - w;
		memcpy(out + w, g->line + g->off, n);
		g->off += n;
		w += n;
	}
	return (long)w;
}

static void pull_done(void *ctx)
{
	free(ctx);
	pthread_mutex_lock(&pulls.mu);
	pulls.freed++;
	pthread_cond_broadcast(&pulls.cond);
	pthread_mutex_unlock(&pulls.mu);
}

static void pulls_reset(void)
{
	pthread_mutex_lock(&pulls.mu);
	pulls.freed = pulls.fills = 0;
	pthread_mutex_unlock(&pulls.mu);
}

/* /pull/{lines}/{fail_at}/{piece}; lines -1: endless, fail_at -1: never.
 * ?replace answers 409 with a body helper after setting the pull body. */
static void h_pull(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)arg;
	struct pull_gen *g = xcalloc(1, sizeof(*g));
	g->lines = atoi(http_request_param(req, "lines"));
	g->fail_at = atoi(http_request_param(req, "fail_at"));
	g->piece = (size_t)atol(http_request_param(req, "piece"));
	resp->status = 203;
	http_response_header(resp, "Content-Type", "text/plain");
	http_response_pull(resp, pull_fill, g, pull_done);
	if (http_request_query(req, "replace"))
		http_response_error(resp, 409, "replaced");
}

/* /later-pull/{lines}: a deferred answer with a pull body, from a thread */
static void *later_pull_thread(void *arg)
{
	struct later *l = arg;
	struct http_response answer = HTTP_RESPONSE_INIT;
	struct pull_gen *g = xcalloc(1, sizeof(*g));
	g->lines = (int)l->delay_ms;
	g->fail_at = -1;
	g->piece = 1000;
	sleep_ms(50);
	http_response_pull(&answer, pull_fill, g, pull_done);
	http_deferred_finish(l->d, &answer);
	free(l);
	return NULL;
}

static void h_later_pull(struct http_request *req, struct http_response *resp, void *arg)
{
	(void)arg;
	struct later *l = xcalloc(1, sizeof(*l));
	l->d = http_response_defer(resp);
	l->delay_ms = atol(http_request_param(req, "lines"));
	pthread_t th;
	pthread_create(&th, NULL, later_pull_thread, l);
	pthread_detach(th);
}

static struct http_server *pull_server(unsigned timeout_s)
{
	struct http_server_options o = { .name = "test", .threads = 2,
					 .connection_timeout_s = timeout_s };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/pull/{lines}/{fail_at}/{piece}", h_pull,
					   NULL, &err), 0);
	assert_int_equal(http_server_route(srv, "GET", "/later-pull/{lines}", h_later_pull, NULL,
					   &err), 0);
	listen_now(srv);
	return srv;
}

/* A pull body arrives whole and in order, with the handler's status and
 * headers, chunked, however its fills cut it; its context is freed once. */
static void test_pull_body(void **state)
{
	(void)state;
	pulls_reset();
	struct http_server *srv = pull_server(0);
	struct http_client *c = client_for(srv, "http");
	struct buf want = BUF_INIT, got = BUF_INIT;
	char line[512];
	for (int i = 0; i < 20000; i++)
		buf_add(&want, line, gen_line(line, i));
	const size_t pieces[] = { 1, 777, 1u << 20 };
	for (size_t k = 0; k < 3; k++) {
		char path[64];
		snprintf(path, sizeof(path), "/pull/%d/-1/%zu", k ? 20000 : 300, pieces[k]);
		struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
		struct berr err = BERR_INIT;
		assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
							 .path = path }, &err), 0);
		assert_int_equal(resp.status, 203);
		assert_string_equal(http_client_response_header(&resp, "content-type"),
				    "text/plain");
		assert_string_equal(http_client_response_header(&resp, "transfer-encoding"),
				    "chunked");
		size_t n = k ? want.len : 0;
		if (!k)
			for (int i = 0; i < 300; i++)
				n += gen_line(line, i);
		assert_int_equal(resp.body.len, n);
		assert_memory_equal(resp.body.data, want.data, n);
		http_client_response_release(&resp);
		assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, (int)k + 1));
	}
	/* empty: the first fill ends it */
	assert_int_equal(do_req(c, "GET", "/pull/0/-1/100", NULL, 0, &got), 203);
	assert_int_equal(got.len, 0);
	/* a body helper after the pull body replaces it, and frees it */
	assert_int_equal(do_req(c, "GET", "/pull/-1/-1/100?replace", NULL, 0, &got), 409);
	assert_non_null(strstr(got.data, "replaced"));
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 5));
	/* a deferred answer can be a pull body too */
	assert_int_equal(do_req(c, "GET", "/later-pull/20000", NULL, 0, &got), 200);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 6));
	sleep_ms(50);
	assert_int_equal(pulls.freed, 6);
	buf_release(&want);
	buf_release(&got);
	http_client_free(c);
	http_server_free(srv);
}

/* A fill that fails midway ends the response without its last chunk: the
 * client sees a broken transfer, not a short success. */
static void test_pull_error_midway(void **state)
{
	(void)state;
	pulls_reset();
	struct http_server *srv = pull_server(0);
	struct http_client *c = client_for(srv, "http");
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	struct berr err = BERR_INIT;
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
						 .path = "/pull/5000/3000/4096" }, &err), BERR_IO);
	http_client_response_release(&resp);
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 1));
	/* the server goes on serving */
	struct buf got = BUF_INIT;
	assert_int_equal(do_req(c, "GET", "/pull/10/-1/4096", NULL, 0, &got), 203);
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 2));
	buf_release(&got);
	http_client_free(c);
	http_server_free(srv);
}

static void send_pull_request(int fd, const char *path)
{
	char req[128];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
}

/* An endless body: a client that hangs up frees it at once; one that
 * stops reading frees it after the connection timeout; so does a server
 * stop with one in flight. */
static void test_pull_client_gone(void **state)
{
	(void)state;
	pulls_reset();
	struct http_server *srv = pull_server(1);
	int fd = connect_raw(http_server_port(srv), 4096);  /* asks for /watch: 404 */
	char b[4096];
	assert_true(read(fd, b, sizeof(b)) > 0);
	send_pull_request(fd, "/pull/-1/-1/65536");
	assert_true(read(fd, b, sizeof(b)) > 0);
	close(fd);
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 1));

	/* never read: the server fills the socket buffers, then waits */
	fd = connect_raw(http_server_port(srv), 4096);
	send_pull_request(fd, "/pull/-1/-1/65536");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 2));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 8);
	close(fd);

	fd = connect_raw(http_server_port(srv), 4096);
	assert_true(read(fd, b, sizeof(b)) > 0);
	send_pull_request(fd, "/pull/-1/-1/65536");
	int fills = 0;
	while (fills == 0) {
		sleep_ms(10);
		pthread_mutex_lock(&pulls.mu);
		fills = pulls.fills;
		pthread_mutex_unlock(&pulls.mu);
	}
	http_server_stop(srv, 100);
	assert_true(wait_for(&pulls.mu, &pulls.cond, &pulls.freed, 3));
	close(fd);
	http_server_free(srv);
}

static void test_tls(void **state)
{
	(void)state;
	char dir[] = "/tmp/bosun-http-tls-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[1024], cert[128], key[128];
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 2 "
		 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
		 key, cert);
	if (run_cmd(cmd) != 0)
		skip();

	struct http_server_options o = { .tls_cert_file = cert, .tls_key_file = key };
	struct http_server *srv = start_server(&o);
	struct berr err = BERR_INIT;
	assert_int_equal(http_server_route(srv, "GET", "/files/*", h_params, "files", &err), 0);
	assert_int_equal(http_server_route(srv, "GET", "/watch", h_watch, NULL, &err), 0);
	listen_now(srv);
	char url[64];
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", http_server_port(srv));
	struct buf ca = BUF_INIT, b = BUF_INIT;
	assert_int_equal(buf_read_file(&ca, cert, 1 << 20), 0);

	struct http_client *c;
	assert_int_equal(http_client_new(&c, &(struct http_client_options){
		.base_url = url, .ca_pem = ca.data }, &err), 0);
	assert_int_equal(do_req(c, "GET", "/files/secure", NULL, 0, &b), 200);
	assert_non_null(strstr(b.data, "\"secure\""));

	/* a stream over TLS: read, cancel, the server notices, writes fail
	 * (and nothing dies of SIGPIPE) */
	reg_reset();
	struct line_log log = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	log.stop_after = 1;
	struct stream_job job = { .c = c, .log = &log };
	pthread_create(&job.th, NULL, stream_thread, &job);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.n, 1));
	assert_int_equal(http_stream_write(reg.s[0], "secret\n", 7), 0);
	pthread_join(job.th, NULL);
	assert_int_equal(job.ret, 0);
	assert_string_equal(log.lines[0], "secret");
	http_client_free(c);
	assert_true(wait_for(&reg.mu, &reg.cond, &reg.closed, 1));
	for (int i = 0; i < 3; i++)
		http_stream_write(reg.s[0], "more\n", 5);
	assert_int_equal(http_stream_close(reg.s[0]), 1);
	reg.n = 0;

	assert_int_equal(http_client_new(&c, &(struct http_client_options){
		.base_url = url, .ca_file = cert }, &err), 0);
	assert_int_equal(do_req(c, "GET", "/files/x", NULL, 0, &b), 200);
	http_client_free(c);

	/* not trusted without the CA, fine when told to skip verification */
	struct http_client_response resp = HTTP_CLIENT_RESPONSE_INIT;
	assert_int_equal(http_client_new(&c, &(struct http_client_options){ .base_url = url },
					 &err), 0);
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
		.path = "/files/x" }, &err), BERR_AUTH);
	http_client_response_release(&resp);
	http_client_free(c);
	assert_int_equal(http_client_new(&c, &(struct http_client_options){
		.base_url = url, .insecure_skip_verify = 1 }, &err), 0);
	assert_int_equal(do_req(c, "GET", "/files/x", NULL, 0, &b), 200);
	http_client_free(c);

	/* client certificate and key as PEM data: loaded by curl (the server does
	 * not ask for them); garbage in their place is a TLS error */
	struct buf keypem = BUF_INIT;
	assert_int_equal(buf_read_file(&keypem, key, 1 << 20), 0);
	assert_int_equal(http_client_new(&c, &(struct http_client_options){
		.base_url = url, .ca_pem = ca.data, .client_cert_pem = ca.data,
		.client_key_pem = keypem.data }, &err), 0);
	assert_int_equal(do_req(c, "GET", "/files/x", NULL, 0, &b), 200);
	http_client_free(c);
	assert_int_equal(http_client_new(&c, &(struct http_client_options){
		.base_url = url, .ca_pem = ca.data, .client_cert_pem = "not a certificate",
		.client_key_pem = "not a key" }, &err), 0);
	assert_int_equal(http_client_do(c, &resp, &(struct http_client_request){
		.path = "/files/x" }, &err), BERR_AUTH);
	http_client_response_release(&resp);
	http_client_free(c);
	assert_int_equal(http_client_new(&c, &(struct http_client_options){
		.base_url = url, .client_cert_pem = ca.data }, &err), BERR_INVALID);
	buf_release(&keypem);

	http_server_free(srv);

	/* a key file that is not a key: start fails cleanly */
	struct http_server_options bad = { .tls_cert_file = cert, .tls_key_file = "/nonexistent" };
	srv = start_server(&bad);
	assert_int_equal(http_server_start(srv, &err), BERR_INVALID);
	assert_non_null(strstr(err.msg, "/nonexistent"));
	http_server_free(srv);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run_cmd(cmd);
	buf_release(&ca);
	buf_release(&b);
}

int main(void)
{
	enum log_level level = LOG_ERROR;
	if (getenv("BOSUN_TEST_LOG"))   /* e.g. BOSUN_TEST_LOG=debug to see the access log */
		log_parse_level(getenv("BOSUN_TEST_LOG"), &level);
	log_setup(level, LOG_TEXT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_and_params),
		cmocka_unit_test(test_query_parsing),
		cmocka_unit_test(test_body_json_and_limit),
		cmocka_unit_test(test_body_limit_chunked),
		cmocka_unit_test(test_stream_incremental),
		cmocka_unit_test(test_stream_events),
		cmocka_unit_test(test_stream_client_cancel),
		cmocka_unit_test(test_stream_200_concurrent),
		cmocka_unit_test(test_stream_slow_reader_dropped),
		cmocka_unit_test(test_stream_keeps_its_worker),
		cmocka_unit_test(test_graceful_stop),
		cmocka_unit_test(test_client_errors),
		cmocka_unit_test(test_concurrent_requests),
		cmocka_unit_test(test_listen_options),
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_pull_body),
		cmocka_unit_test(test_pull_error_midway),
		cmocka_unit_test(test_pull_client_gone),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
