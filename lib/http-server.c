/*
 * http-server — routes, requests and responses on libmicrohttpd.
 *
 * Each worker is an MHD daemon with one epoll thread
 * (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL) and no listening socket:
 * an acceptor thread accepts and gives each connection to the worker with
 * the fewest, where an open stream counts as STREAM_WEIGHT connections.
 * A stream (a watch) waits for its worker to be free before it can send,
 * so while there are enough workers a watch keeps one to itself and its
 * events do not queue behind a neighbour's requests. (MHD's own thread
 * pool accepts up to ten connections per wake-up, so a burst of clients
 * all landed on one worker; and it places connections by descriptor, blind
 * to what they carry.) A request gets a `struct conn_ctx` on MHD's first call,
 * which collects the body up to the limit (413 past it, without buffering
 * the rest) and carries the timing for the access log written when MHD
 * reports the request complete. The route table is a plain array walked in
 * order: servers have tens of routes, not thousands, and order-of-addition is
 * easy to reason about.
 *
 * Streams live in http-stream.c; this file only queues their MHD response
 * and tells them when the connection ends. A pull body is an MHD callback
 * response of unknown size (so chunked) over the handler's fill function;
 * MHD frees it, and with it the handler's context, when the connection is
 * done with it for whatever reason. Graceful stop closes the listening
 * socket, ends every stream, waits for in-flight requests to drain and only
 * then stops the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http-internal.h"
#include "log.h"

#define STREAM_WEIGHT 8

struct route {
	char *method;           /* NULL = any */
	char *pattern;
	char **segs;            /* literal, "{name}" or "*" */
	size_t nsegs;
	http_handler_fn fn;
	void *arg;
};

struct http_deferred {
	pthread_mutex_t mu;
	int refs;                       /* the worker's and the request's */
	struct http_server *srv;
	struct MHD_Connection *conn;    /* while the request is parked */
	int suspended;
	int done;                       /* http_deferred_finish() was called */
	int completed;                  /* the request is over */
	int abandoned;                  /* the server is stopping: answer 503 */
	struct http_response answer;
	struct http_deferred *prev, *next;      /* srv->deferreds */
	int listed;
};

struct http_pull {
	http_fill_fn fill;
	void *ctx;
	void (*free_fn)(void *ctx);
};

/* MHD's block size for a pull body; chunks are bounded by the connection's
 * write buffer anyway. */
#define PULL_BLOCK (32u << 10)

struct conn_ctx {
	struct http_server *srv;
	struct buf body;
	int too_large;
	int status;
	char *method;
	char *path;
	struct timespec start;
	struct http_stream *stream;
	struct http_deferred *deferred;
};

static void server_logger(void *cls, const char *fmt, va_list ap)
{
	struct http_server *srv = cls;
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	/* MHD reports client misbehaviour (resets, bad TLS handshakes) here; the
	 * failures that matter reach callers as berr, so this stays at debug */
	log_debug("http server", "server", srv->name, "detail", line, NULL);
}

/* ------------------------------------------------------------ routes */

static void route_free(struct route *r)
{
	free(r->method);
	free(r->pattern);
	for (size_t i = 0; i < r->nsegs; i++)
		free(r->segs[i]);
	free(r->segs);
}

int http_server_route(struct http_server *srv, const char *method, const char *pattern,
		      http_handler_fn fn, void *arg, struct berr *err)
{
	struct route r = { 0 };

	if (!pattern || pattern[0] != '/')
		return berr_set(err, BERR_INVALID, "route '%s': pattern must start with '/'",
				pattern ? pattern : "(null)");
	if (srv->workers)
		return berr_set(err, BERR_INVALID, "route '%s': server already started", pattern);
	r.pattern = xstrdup(pattern);
	r.method = method && strcmp(method, "*") ? xstrdup(method) : NULL;
	r.fn = fn;
	r.arg = arg;
	const char *p = pattern;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *seg = xstrndup(p, len);
		r.segs = xrealloc(r.segs, (r.nsegs + 1) * sizeof(*r.segs));
		r.segs[r.nsegs++] = seg;
		int open = seg[0] == '{', close = len > 0 && seg[len - 1] == '}';
		const char *why = NULL;
		if (open != close || (open && len < 3))
			why = "unbalanced braces";
		else if (!open && (strchr(seg, '{') || strchr(seg, '}')))
			why = "braces inside a segment";
		else if (!strcmp(seg, "*") && end && end[strspn(end, "/")])
			why = "'*' must be the last segment";
		if (why) {
			route_free(&r);
			return berr_set(err, BERR_INVALID, "route '%s': %s", pattern, why);
		}
		p += len;
	}
	srv->routes = xrealloc(srv->routes, (srv->nroutes + 1) * sizeof(*srv->routes));
	srv->routes[srv->nroutes] = xmalloc(sizeof(struct route));
	*srv->routes[srv->nroutes++] = r;
	return 0;
}

static void req_add_kv(struct http_kv **v, size_t *n, const char *name, const char *value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].name = name;
	(*v)[*n].value = value;
	(*n)++;
}

/* Matches path against r; on success appends params (pointing into `pool`
 * strings the caller frees) and returns 1. */
static int route_match(const struct route *r, const char *path, struct http_request *req,
		       char ***pool, size_t *npool)
{
	const char *p = path;
	size_t first_param = req->nparams;

	for (size_t i = 0; i < r->nsegs; i++) {
		const char *seg = r->segs[i];
		while (*p == '/')
			p++;
		if (!strcmp(seg, "*")) {
			char *rest = xstrdup(p);
			*pool = xrealloc(*pool, (*npool + 1) * sizeof(**pool));
			(*pool)[(*npool)++] = rest;
			req_add_kv(&req->params, &req->nparams, "*", rest);
			return 1;
		}
		if (!*p)
			goto fail;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (seg[0] == '{') {
			char *val = xstrndup(p, len);
			*pool = xrealloc(*pool, (*npool + 1) * sizeof(**pool));
			(*pool)[(*npool)++] = val;
			req_add_kv(&req->params, &req->nparams, seg, val);
		} else if (strlen(seg) != len || memcmp(seg, p, len)) {
			goto fail;
		}
		p += len;
	}
	while (*p == '/')
		p++;
	if (!*p)
		return 1;
fail:
	req->nparams = first_param;
	return 0;
}

/* ------------------------------------------------------------ requests */

const char *http_request_param(const struct http_request *req, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < req->nparams; i++) {
		const char *k = req->params[i].name;
		if (k[0] == '{' && !strncmp(k + 1, name, n) && k[n + 1] == '}' && !k[n + 2])
			return req->params[i].value;
		if (!strcmp(k, name))
			return req->params[i].value;
	}
	return NULL;
}

const char *http_request_query(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nquery; i++)
		if (!strcmp(req->query[i].name, name))
			return req->query[i].value;
	return NULL;
}

size_t http_request_query_all(const struct http_request *req, const char *name,
			      const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < req->nquery; i++) {
		if (strcmp(req->query[i].name, name))
			continue;
		if (n < max)
			out[n] = req->query[i].value;
		n++;
	}
	return n;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

int http_request_json(const struct http_request *req, json_t **out, struct berr *err)
{
	json_error_t jerr;

	*out = NULL;
	if (!req->body_len)
		return berr_set(err, BERR_INVALID, "request body is empty, expected JSON");
	*out = json_loadb(req->body, req->body_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!*out)
		return berr_set(err, BERR_INVALID, "request body: %d:%d: %s", jerr.line,
				jerr.column, jerr.text);
	return 0;
}

/* ------------------------------------------------------------ responses */

void http_response_header(struct http_response *resp, const char *name, const char *value)
{
	resp->headers = xrealloc(resp->headers, (resp->nheaders + 1) * sizeof(*resp->headers));
	resp->headers[resp->nheaders].name = xstrdup(name);
	resp->headers[resp->nheaders].value = xstrdup(value);
	resp->nheaders++;
}

static void response_set_content_type(struct http_response *resp, const char *type)
{
	for (size_t i = 0; i < resp->nheaders; i++) {
		if (!strcasecmp(resp->headers[i].name, "Content-Type")) {
			free((char *)resp->headers[i].value);
			resp->headers[i].value = xstrdup(type);
			return;
		}
	}
	http_response_header(resp, "Content-Type", type);
}

static void pull_free(void *cls)
{
	struct http_pull *p = cls;

	if (p->free_fn)
		p->free_fn(p->ctx);
	free(p);
}

/* A body helper replaces a pull body set before. */
static void pull_drop(struct http_response *resp)
{
	if (resp->pull)
		pull_free(resp->pull);
	resp->pull = NULL;
}

void http_response_pull(struct http_response *resp, http_fill_fn fill, void *ctx,
			void (*free_fn)(void *ctx))
{
	pull_drop(resp);
	buf_reset(&resp->body);
	resp->body_skip = 0;
	resp->pull = xmalloc(sizeof(*resp->pull));
	*resp->pull = (struct http_pull){ fill, ctx, free_fn };
}

static ssize_t pull_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_pull *p = cls;
	(void)pos;
	long n = p->fill(p->ctx, out, max);
	if (n < 0 || (size_t)n > max)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

void http_response_text(struct http_response *resp, int status, const char *content_type,
			const void *data, size_t len)
{
	pull_drop(resp);
	resp->status = status;
	buf_reset(&resp->body);
	resp->body_skip = 0;
	buf_add(&resp->body, data, len);
	response_set_content_type(resp, content_type);
}

static int json_dump_buf(const char *data, size_t size, void *arg)
{
	buf_add(arg, data, size);
	return 0;
}

void http_response_json(struct http_response *resp, int status, const json_t *doc)
{
	pull_drop(resp);
	resp->status = status;
	buf_reset(&resp->body);
	resp->body_skip = 0;
	json_dump_callback(doc, json_dump_buf, &resp->body, JSON_COMPACT | JSON_ENCODE_ANY);
	buf_addch(&resp->body, '\n');
	response_set_content_type(resp, "application/json");
}

void http_response_error(struct http_response *resp, int status, const char *fmt, ...)
{
	char msg[BERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *doc = json_pack("{s:s, s:s, s:i}", "error", msg, "message", msg, "code", status);
	http_response_json(resp, status, doc);
	json_decref(doc);
}

void http_response_berr(struct http_response *resp, const struct berr *err)
{
	int status;

	switch (err->code) {
	case BERR_INVALID: status = 400; break;
	case BERR_NOTFOUND: status = 404; break;
	case BERR_EXISTS:
	case BERR_CONFLICT: status = 409; break;
	case BERR_LIMIT: status = 413; break;
	case BERR_AUTH: status = 403; break;
	case BERR_UNSUPPORTED: status = 501; break;
	case BERR_IO: status = 502; break;
	default: status = 500; break;
	}
	http_response_error(resp, status, "%s", err->msg[0] ? err->msg : berr_code_name(err->code));
}

static void response_release(struct http_response *resp)
{
	pull_drop(resp);
	buf_release(&resp->body);
	for (size_t i = 0; i < resp->nheaders; i++) {
		free((char *)resp->headers[i].name);
		free((char *)resp->headers[i].value);
	}
	free(resp->headers);
}

/* ------------------------------------------------------------ deferred */

static enum MHD_Result queue_buffer(struct MHD_Connection *conn, struct http_response *resp);
static enum MHD_Result queue_simple(struct conn_ctx *ctx, struct MHD_Connection *conn,
				    int status, const char *msg);

struct http_deferred *http_response_defer(struct http_response *resp)
{
	struct http_deferred *d;

	if (resp->deferred)
		return resp->deferred;
	d = xcalloc(1, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
	d->refs = 2;
	d->srv = resp->priv;
	d->answer = (struct http_response)HTTP_RESPONSE_INIT;
	resp->deferred = d;
	return d;
}

static void deferred_unref(struct http_deferred *d)
{
	pthread_mutex_lock(&d->mu);
	int left = --d->refs;
	pthread_mutex_unlock(&d->mu);
	if (left)
		return;
	response_release(&d->answer);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void http_deferred_finish(struct http_deferred *d, struct http_response *answer)
{
	pthread_mutex_lock(&d->mu);
	d->done = 1;
	if (!d->completed && !d->abandoned) {
		d->answer = *answer;
		*answer = (struct http_response)HTTP_RESPONSE_INIT;
	}
	if (d->suspended && d->conn) {
		d->suspended = 0;
		MHD_resume_connection(d->conn);
	}
	pthread_mutex_unlock(&d->mu);
	response_release(answer);
	*answer = (struct http_response)HTTP_RESPONSE_INIT;
	deferred_unref(d);
}

/* The request came back from being parked (or was never parked because
 * the answer was ready first): send the answer, or park again. */
static enum MHD_Result deferred_answer(struct conn_ctx *ctx, struct MHD_Connection *conn)
{
	struct http_deferred *d = ctx->deferred;

	pthread_mutex_lock(&d->mu);
	if (d->abandoned) {
		pthread_mutex_unlock(&d->mu);
		return queue_simple(ctx, conn, 503, "server is shutting down");
	}
	if (!d->done) {
		d->conn = conn;
		d->suspended = 1;
		MHD_suspend_connection(conn);
		pthread_mutex_unlock(&d->mu);
		return MHD_YES;
	}
	struct http_response resp = d->answer;
	d->answer = (struct http_response)HTTP_RESPONSE_INIT;
	d->conn = NULL;
	pthread_mutex_unlock(&d->mu);
	if (resp.status < 100 || resp.status > 999)
		resp.status = 500;
	ctx->status = resp.status;
	enum MHD_Result ret = queue_buffer(conn, &resp);
	response_release(&resp);
	return ret;
}

static void deferred_park(struct conn_ctx *ctx, struct http_deferred *d)
{
	struct http_server *srv = ctx->srv;

	ctx->deferred = d;
	pthread_mutex_lock(&srv->mu);
	d->next = srv->deferreds;
	if (srv->deferreds)
		srv->deferreds->prev = d;
	srv->deferreds = d;
	d->listed = 1;
	if (srv->stopping) {
		pthread_mutex_lock(&d->mu);
		d->abandoned = 1;
		pthread_mutex_unlock(&d->mu);
	}
	pthread_mutex_unlock(&srv->mu);
}

static void deferred_complete(struct conn_ctx *ctx)
{
	struct http_server *srv = ctx->srv;
	struct http_deferred *d = ctx->deferred;

	pthread_mutex_lock(&srv->mu);
	if (d->listed) {
		if (d->prev)
			d->prev->next = d->next;
		else
			srv->deferreds = d->next;
		if (d->next)
			d->next->prev = d->prev;
		d->listed = 0;
	}
	pthread_mutex_unlock(&srv->mu);
	pthread_mutex_lock(&d->mu);
	d->completed = 1;
	d->conn = NULL;
	d->suspended = 0;
	pthread_mutex_unlock(&d->mu);
	deferred_unref(d);
}

/* Server stop: every parked request answers 503 now. */
static void deferred_abandon_all(struct http_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	for (struct http_deferred *d = srv->deferreds; d; d = d->next) {
		pthread_mutex_lock(&d->mu);
		d->abandoned = 1;
		if (d->suspended && d->conn) {
			d->suspended = 0;
			MHD_resume_connection(d->conn);
		}
		pthread_mutex_unlock(&d->mu);
	}
	pthread_mutex_unlock(&srv->mu);
}

/* ------------------------------------------------------------ dispatch */

struct kv_collect {
	struct http_kv **v;
	size_t *n;
};

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct kv_collect *c = cls;

	(void)kind;
	req_add_kv(c->v, c->n, key ? key : "", value ? value : "");
	return MHD_YES;
}

/* Queues resp's body, or its pull body (which MHD owns from here on). */
static enum MHD_Result queue_buffer(struct MHD_Connection *conn, struct http_response *resp)
{
	struct MHD_Response *r;

	if (resp->pull) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, PULL_BLOCK, pull_read,
						      resp->pull, pull_free);
		if (r)
			resp->pull = NULL;
	} else if (resp->body.len > resp->body_skip) {
		size_t len, skip = resp->body_skip;
		char *data = buf_detach(&resp->body, &len);
		r = MHD_create_response_from_buffer_with_free_callback_cls(len - skip, data + skip,
									    free, data);
		if (!r)
			free(data);
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	for (size_t i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result queue_simple(struct conn_ctx *ctx, struct MHD_Connection *conn,
				    int status, const char *msg)
{
	struct http_response resp = { .status = status, .body = BUF_INIT };

	if (ctx->srv->error_body)
		ctx->srv->error_body(&resp, status, msg);
	else
		http_response_error(&resp, status, "%s", msg);
	ctx->status = status;
	if (status == 503 || status == 413)
		http_response_header(&resp, "Connection", "close");
	enum MHD_Result ret = queue_buffer(conn, &resp);
	response_release(&resp);
	return ret;
}

static enum MHD_Result dispatch(struct conn_ctx *ctx, struct MHD_Connection *conn)
{
	struct http_server *srv = ctx->srv;
	struct http_request req = { .method = ctx->method, .path = ctx->path };
	struct http_response resp = { .status = 200, .body = BUF_INIT, .priv = srv };
	char **pool = NULL;
	size_t npool = 0;
	const struct route *hit = NULL;
	int path_matched = 0;

	req.body = ctx->body.data;
	req.body_len = ctx->body.len;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_kv,
				  &(struct kv_collect){ &req.query, &req.nquery });
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv,
				  &(struct kv_collect){ &req.headers, &req.nheaders });
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[64] = "";
	if (ci && ci->client_addr) {
		http_format_addr(addr, sizeof(addr), ci->client_addr);
		if (ci->client_addr->sa_family == AF_INET)
			req.remote_port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
		else if (ci->client_addr->sa_family == AF_INET6)
			req.remote_port =
				ntohs(((const struct sockaddr_in6 *)ci->client_addr)->sin6_port);
	}
	req.remote_addr = addr;

	for (size_t i = 0; i < srv->nroutes && !hit; i++) {
		const struct route *r = srv->routes[i];
		if (!route_match(r, ctx->path, &req, &pool, &npool))
			continue;
		if (r->method && strcmp(r->method, ctx->method) &&
		    !(!strcmp(ctx->method, "HEAD") && !strcmp(r->method, "GET"))) {
			path_matched = 1;
			req.nparams = 0;
			continue;
		}
		hit = r;
	}
	if (hit)
		hit->fn(&req, &resp, hit->arg);
	else if (path_matched)
		http_response_error(&resp, 405, "method '%s' not allowed on '%s'", ctx->method,
				    ctx->path);
	else
		http_response_error(&resp, 404, "no route for '%s'", ctx->path);

	for (size_t i = 0; i < npool; i++)
		free(pool[i]);
	free(pool);
	free(req.params);
	free(req.query);
	free(req.headers);

	if (resp.deferred) {
		if (resp.stream)        /* both: the stream is never sent */
			http_stream_detach(resp.stream);
		response_release(&resp);
		deferred_park(ctx, resp.deferred);
		return deferred_answer(ctx, conn);
	}
	if (resp.status < 100 || resp.status > 999)
		resp.status = 500;
	ctx->status = resp.status;
	enum MHD_Result ret;
	if (resp.stream) {
		ctx->stream = resp.stream;
		ret = http_stream_queue(resp.stream, conn, &resp);
	} else {
		ret = queue_buffer(conn, &resp);
	}
	response_release(&resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;

	(void)version;
	if (!ctx) {
		ctx = xcalloc(1, sizeof(*ctx));
		ctx->srv = srv;
		ctx->body = (struct buf)BUF_INIT;
		ctx->method = xstrdup(method);
		ctx->path = xstrdup(url);
		clock_gettime(CLOCK_MONOTONIC, &ctx->start);
		*con_cls = ctx;
		pthread_mutex_lock(&srv->mu);
		srv->inflight++;
		int stopping = srv->stopping;
		pthread_mutex_unlock(&srv->mu);
		if (stopping)
			return queue_simple(ctx, conn, 503, "server is shutting down");
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->max_body) {
			char msg[128];
			snprintf(msg, sizeof(msg), "request body of %s bytes is over the limit of %zu",
				 cl, srv->max_body);
			return queue_simple(ctx, conn, 413, msg);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!ctx->too_large && ctx->body.len + *upload_data_size > srv->max_body) {
			ctx->too_large = 1;
			buf_release(&ctx->body);
		}
		if (!ctx->too_large)
			buf_add(&ctx->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx->status)        /* answered already (early 413) */
		return MHD_YES;
	if (ctx->deferred)      /* back from being parked */
		return deferred_answer(ctx, conn);
	if (ctx->too_large) {
		char msg[128];
		snprintf(msg, sizeof(msg), "request body is over the limit of %zu bytes",
			 srv->max_body);
		return queue_simple(ctx, conn, 413, msg);
	}
	return dispatch(ctx, conn);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;
	struct timespec now;

	if (!ctx)
		return;
	*con_cls = NULL;
	if (ctx->stream)
		http_stream_detach(ctx->stream);
	if (ctx->deferred)
		deferred_complete(ctx);
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - ctx->start.tv_sec) * 1000 +
		  (now.tv_nsec - ctx->start.tv_nsec) / 1000000;
	if (srv->access_log != HTTP_ACCESS_LOG_OFF) {
		char status[16], dur[32];
		snprintf(status, sizeof(status), "%d", ctx->status ? ctx->status : 0);
		snprintf(dur, sizeof(dur), "%ld", ms);
		char addr[64] = "";
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr)
			http_format_addr(addr, sizeof(addr), ci->client_addr);
		log_msg(srv->access_log == HTTP_ACCESS_LOG_INFO ? LOG_INFO : LOG_DEBUG, "request",
			"server", srv->name, "method", ctx->method, "path", ctx->path,
			"status", status, "duration_ms", dur, "remote", addr,
			toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? NULL : "end",
			toe == MHD_REQUEST_TERMINATED_WITH_ERROR ? "error" :
			toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" :
			toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client closed" :
			toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown" : "aborted",
			NULL);
	}
	buf_release(&ctx->body);
	free(ctx->method);
	free(ctx->path);
	free(ctx);
	pthread_mutex_lock(&srv->mu);
	srv->inflight--;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->mu);
}

/* ------------------------------------------------------------ lifecycle */

int http_server_new(struct http_server **out, const struct http_server_options *opts,
		    struct berr *err)
{
	struct http_server_options o = opts ? *opts : (struct http_server_options){ 0 };
	struct http_server *srv;

	*out = NULL;
	if (!!o.tls_cert_file != !!o.tls_key_file)
		return berr_set(err, BERR_INVALID,
				"http server: TLS needs both a certificate and a key file");
	srv = xcalloc(1, sizeof(*srv));
	srv->name = xstrdup(o.name ? o.name : "http");
	srv->address = xstrdup(o.address ? o.address : "127.0.0.1");
	srv->port_wanted = o.port;
	srv->threads = o.threads ? o.threads : 4;
	srv->max_connections = o.max_connections ? o.max_connections : 4096;
	srv->timeout_s = o.connection_timeout_s ? o.connection_timeout_s : 60;
	srv->max_body = o.max_body_bytes ? o.max_body_bytes : 16u << 20;
	srv->error_body = o.error_body;
	srv->max_stream_buffer = o.max_stream_buffer ? o.max_stream_buffer : 8u << 20;
	srv->tls_cert_file = o.tls_cert_file ? xstrdup(o.tls_cert_file) : NULL;
	srv->tls_key_file = o.tls_key_file ? xstrdup(o.tls_key_file) : NULL;
	srv->access_log = o.access_log;
	srv->tls_cert = (struct buf)BUF_INIT;
	srv->tls_key = (struct buf)BUF_INIT;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	srv->listen_fd = srv->accept_wake[0] = srv->accept_wake[1] = -1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cond, NULL);
	if (pipe2(srv->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		int e = errno;
		http_server_free(srv);
		return berr_set(err, BERR_IO, "http server: pipe: %s", strerror(e));
	}
	*out = srv;
	return 0;
}

static int parse_address(struct http_server *srv, struct sockaddr_storage *ss, struct berr *err)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, srv->address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(srv->port_wanted);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, srv->address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(srv->port_wanted);
		return AF_INET6;
	}
	return berr_set(err, BERR_INVALID, "http server '%s': address '%s' is not an IP literal",
			srv->name, srv->address);
}

/* The worker for a new connection: the fewest connections, a stream
 * counting as STREAM_WEIGHT; ties go round. NULL at the connection limit. */
static struct http_worker *pick_worker(struct http_server *srv)
{
	struct http_worker *best = NULL;
	long best_load = 0, total = 0;
	for (unsigned i = 0; i < srv->threads; i++) {
		struct http_worker *w = &srv->workers[(srv->next_worker + i) % srv->threads];
		long conns = __atomic_load_n(&w->conns, __ATOMIC_RELAXED);
		long load = conns + STREAM_WEIGHT * (long)__atomic_load_n(&w->streams, __ATOMIC_RELAXED);
		total += conns;
		if (!best || load < best_load) {
			best = w;
			best_load = load;
		}
	}
	srv->next_worker++;
	return total < (long)srv->max_connections ? best : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_worker *w = cls;
	(void)conn;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = w;
	else
		__atomic_sub_fetch(&w->conns, 1, __ATOMIC_RELAXED);
}

/* Accepts until told to stop, giving every connection to a worker. */
static void *acceptor_main(void *arg)
{
	struct http_server *srv = arg;
	struct pollfd p[2] = { { .fd = srv->listen_fd, .events = POLLIN },
			       { .fd = srv->accept_wake[0], .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		struct sockaddr_storage addr;
		socklen_t len = sizeof(addr);
		int fd = accept4(srv->listen_fd, (struct sockaddr *)&addr, &len,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			struct http_worker *w = pick_worker(srv);
			if (!w)
				close(fd);
			else if (MHD_add_connection(w->daemon, fd, (struct sockaddr *)&addr, len) ==
				 MHD_YES)
				__atomic_add_fetch(&w->conns, 1, __ATOMIC_RELAXED);
		} else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			   errno == ENOMEM) {
			log_warn("cannot accept a connection", "server", srv->name, "error",
				 strerror(errno), NULL);
			poll(p + 1, 1, 100);    /* let connections close first */
		}
	}
	return NULL;
}

/* The listening socket, bound; its port goes to srv->port. */
static int listen_on(struct http_server *srv, const struct sockaddr_storage *ss, int family,
		     struct berr *err)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), on = 1;
	socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6)
					  : sizeof(struct sockaddr_in);
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return berr_set(err, BERR_IO, "http server '%s': cannot listen on %s:%u: %s",
				srv->name, srv->address, srv->port_wanted, strerror(e));
	}
	srv->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
					     : ((struct sockaddr_in *)&bound)->sin_port);
	srv->listen_fd = fd;
	return 0;
}

/* Stops accepting and closes the listening socket. */
static void stop_accepting(struct http_server *srv)
{
	if (srv->accepting) {
		ssize_t r = write(srv->accept_wake[1], "x", 1);
		(void)r;
		pthread_join(srv->acceptor, NULL);
		srv->accepting = 0;
	}
	for (int i = 0; i < 2; i++)
		if (srv->accept_wake[i] >= 0) {
			close(srv->accept_wake[i]);
			srv->accept_wake[i] = -1;
		}
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		srv->listen_fd = -1;
	}
}

/* Stops and frees the workers started so far. */
static void stop_workers(struct http_server *srv)
{
	for (unsigned i = 0; i < srv->threads; i++)
		if (srv->workers[i].daemon)
			MHD_stop_daemon(srv->workers[i].daemon);
	pthread_mutex_lock(&srv->mu);
	free(srv->workers);
	srv->workers = NULL;
	pthread_mutex_unlock(&srv->mu);
}

int http_server_start(struct http_server *srv, struct berr *err)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
	int family, ret;

	if (srv->workers)
		return berr_set(err, BERR_INVALID, "http server '%s': already started", srv->name);
	if ((family = parse_address(srv, &ss, err)) < 0)
		return family;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (srv->tls_cert_file) {
		buf_reset(&srv->tls_cert);
		buf_reset(&srv->tls_key);
		if (buf_read_file(&srv->tls_cert, srv->tls_cert_file, 1 << 20) < 0)
			return berr_set(err, BERR_INVALID, "http server '%s': cannot read '%s': %s",
					srv->name, srv->tls_cert_file, strerror(errno));
		if (buf_read_file(&srv->tls_key, srv->tls_key_file, 1 << 20) < 0)
			return berr_set(err, BERR_INVALID, "http server '%s': cannot read '%s': %s",
					srv->name, srv->tls_key_file, strerror(errno));
		flags |= MHD_USE_TLS;
	}
	if ((ret = listen_on(srv, &ss, family, err)) < 0)
		return ret;
	if (pipe2(srv->accept_wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		int e = errno;
		stop_accepting(srv);
		return berr_set(err, BERR_IO, "http server: pipe: %s", strerror(e));
	}
	if ((ret = http_stream_monitor_start(srv, err)) < 0) {
		stop_accepting(srv);
		return ret;
	}
	srv->workers = xcalloc(srv->threads, sizeof(*srv->workers));
	for (unsigned i = 0; i < srv->threads; i++) {
		struct http_worker *w = &srv->workers[i];
		struct MHD_OptionItem opts[] = {
			{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)server_logger, srv },
			{ MHD_OPTION_CONNECTION_LIMIT, srv->max_connections, NULL },
			{ MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s, NULL },
			{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv },
			{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, w },
			{ srv->tls_cert_file ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
			  srv->tls_cert.data },
			{ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key.data },
			{ MHD_OPTION_END, 0, NULL },
		};
		w->srv = srv;
		w->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
					     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
		if (!w->daemon) {
			stop_workers(srv);
			http_stream_monitor_stop(srv);
			stop_accepting(srv);
			return berr_set(err, BERR_IO, "http server '%s': cannot start on %s:%u%s",
					srv->name, srv->address, srv->port_wanted,
					srv->tls_cert_file ? " (is the TLS certificate/key valid?)"
							   : "");
		}
	}
	if (pthread_create(&srv->acceptor, NULL, acceptor_main, srv) != 0) {
		stop_workers(srv);
		http_stream_monitor_stop(srv);
		stop_accepting(srv);
		return berr_set(err, BERR_IO, "http server '%s': cannot start its acceptor",
				srv->name);
	}
	srv->accepting = 1;
	char port[16];
	snprintf(port, sizeof(port), "%u", srv->port);
	log_info("listening", "server", srv->name, "address", srv->address, "port", port,
		 "tls", srv->tls_cert_file ? "true" : "false", NULL);
	return 0;
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv->port;
}

/* Waits up to ms for in-flight requests to finish; returns how many remain. */
static size_t wait_inflight(struct http_server *srv, unsigned ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&srv->mu);
	while (srv->inflight > 0 &&
	       pthread_cond_timedwait(&srv->cond, &srv->mu, &deadline) != ETIMEDOUT)
		;
	size_t left = srv->inflight;
	pthread_mutex_unlock(&srv->mu);
	return left;
}

void http_server_stop(struct http_server *srv, unsigned grace_ms)
{
	pthread_mutex_lock(&srv->mu);
	if (!srv->workers || srv->stopping) {
		pthread_mutex_unlock(&srv->mu);
		return;
	}
	srv->stopping = 1;
	pthread_mutex_unlock(&srv->mu);

	/* no new connections; new requests on open ones get 503 from
	 * on_request() */
	stop_accepting(srv);
	http_stream_end_all(srv);

	size_t left = wait_inflight(srv, grace_ms);
	if (left) {
		/* MHD must not be stopped with parked connections: answer them
		 * 503 and give those answers a moment to go out */
		deferred_abandon_all(srv);
		left = wait_inflight(srv, 500);
	}
	if (left) {
		char n[32];
		snprintf(n, sizeof(n), "%zu", left);
		log_warn("stopping with requests in flight", "server", srv->name, "requests", n,
			 NULL);
	}
	stop_workers(srv);
	http_stream_monitor_stop(srv);
	pthread_mutex_lock(&srv->mu);
	srv->stopping = 0;
	pthread_mutex_unlock(&srv->mu);
	log_info("stopped", "server", srv->name, NULL);
}

void http_server_request_stop(struct http_server *srv)
{
	int saved = errno;
	ssize_t r = write(srv->stop_pipe[1], "x", 1);
	(void)r;
	errno = saved;
}

void http_server_wait(struct http_server *srv, unsigned grace_ms)
{
	struct pollfd pfd = { .fd = srv->stop_pipe[0], .events = POLLIN };
	char c;

	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	while (read(srv->stop_pipe[0], &c, 1) > 0)
		;
	http_server_stop(srv, grace_ms);
}

void http_server_free(struct http_server *srv)
{
	if (!srv)
		return;
	http_server_stop(srv, 0);
	for (size_t i = 0; i < srv->nroutes; i++) {
		route_free(srv->routes[i]);
		free(srv->routes[i]);
	}
	free(srv->routes);
	if (srv->stop_pipe[0] >= 0)
		close(srv->stop_pipe[0]);
	if (srv->stop_pipe[1] >= 0)
		close(srv->stop_pipe[1]);
	buf_release(&srv->tls_cert);
	buf_release(&srv->tls_key);
	free(srv->tls_cert_file);
	free(srv->tls_key_file);
	free(srv->name);
	free(srv->address);
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->cond);
	free(srv);
}
