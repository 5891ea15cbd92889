/*
 * http — the HTTP server (libmicrohttpd) and client (libcurl) every part uses.
 *
 * Server: a route table maps method + path pattern to a handler. Patterns
 * are literal segments and `{name}` segments (`/apis/{group}/{version}`); a
 * last segment `*` matches the rest of the path (zero or more segments,
 * available as param "*"), so a part can route Kubernetes-style paths
 * itself. Routes are tried in the order they were added. A path that matches
 * no route gets 404, a path that matches only with another method gets 405.
 * Handlers run on the server's thread pool, get a `struct http_request` and
 * fill a `struct http_response`; they must not block for long.
 *
 * Long-lived responses (Kubernetes watch, server-sent events) are streams: a
 * handler turns its response into a stream with http_response_stream() and
 * hands the returned `struct http_stream` to a producer, which writes to it
 * from any thread. A stream holds no pool thread while idle. A client that
 * disconnects, or stops reading until its buffer passes the server's limit,
 * is dropped and the stream's on_close callback runs so the producer can
 * unsubscribe. A handler whose answer takes long to compute defers it with
 * http_response_defer() and lets a worker thread finish it; the connection
 * waits parked, also without a pool thread. A handler whose answer is large
 * but ready to be read (a long list) hands over a pull body instead, with
 * http_response_pull(): the server asks it for the next bytes as the client
 * takes them, so the answer is never held whole in memory.
 *
 *     static void get_app(struct http_request *req, struct http_response *resp,
 *                         void *arg)
 *     {
 *             const char *name = http_request_param(req, "name");
 *             json_t *app = lookup(arg, name);
 *             if (!app) {
 *                     http_response_error(resp, 404, "application '%s' not found", name);
 *                     return;
 *             }
 *             http_response_json(resp, 200, app);
 *             json_decref(app);
 *     }
 *
 * Client: one `struct http_client` per remote (base URL, credentials, TLS),
 * safe to share between threads; it reuses connections. Requests return the
 * status and body; http_client_stream() delivers a response line by line
 * (watches) and can be cancelled from the callback or through a flag.
 * Neither side ever logs bodies, tokens or Authorization headers.
 */
#ifndef BOSUN_HTTP_H
#define BOSUN_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* ---------------------------------------------------------------- server */

struct http_server;
struct http_stream;
struct http_deferred;
struct http_pull;

enum http_access_log {
	HTTP_ACCESS_LOG_INFO = 0,       /* one info line per request (default) */
	HTTP_ACCESS_LOG_DEBUG,          /* the same lines at debug level */
	HTTP_ACCESS_LOG_OFF,
};

struct http_response;

struct http_server_options {
	const char *name;               /* used in log lines ("api", "cluster") */
	const char *address;            /* IPv4 or IPv6 literal; default "127.0.0.1" */
	uint16_t port;                  /* 0 picks a free port, see http_server_port() */
	unsigned threads;               /* pool size; default 4 */
	unsigned max_connections;       /* default 4096 */
	unsigned connection_timeout_s;  /* idle connection timeout; default 60 */
	size_t max_body_bytes;          /* request body limit, 413 above; default 16 MiB */
	size_t max_stream_buffer;       /* bytes queued per stream before the client is
	                                   dropped; default 8 MiB */
	const char *tls_cert_file;      /* PEM; both set = HTTPS */
	const char *tls_key_file;
	enum http_access_log access_log;
	/* writes the answers the server gives itself (413 body too large, 503
	 * shutting down) in the caller's error format; NULL: http_response_error */
	void (*error_body)(struct http_response *resp, int status, const char *msg);
};

/* One name/value pair of a request (header, query argument or path param). */
struct http_kv {
	const char *name;
	const char *value;
};

struct http_request {
	const char *method;             /* "GET", ... */
	const char *path;               /* decoded path, without the query */
	const char *body;               /* NUL-terminated; "" when there is none */
	size_t body_len;
	struct http_kv *params;         /* path params from the route pattern */
	size_t nparams;
	struct http_kv *query;          /* every query argument, in order, repeats kept */
	size_t nquery;
	struct http_kv *headers;
	size_t nheaders;
	const char *remote_addr;        /* "127.0.0.1" */
	uint16_t remote_port;
	/* private */
	void *priv;
};

/* All strings are owned by the request and live until the handler returns. */
const char *http_request_param(const struct http_request *req, const char *name);
/* First value of query argument `name`, NULL when absent ("" for `?watch`). */
const char *http_request_query(const struct http_request *req, const char *name);
/* Every value of a repeated query argument: fills up to `max` values into
 * out[] in order and returns how many there are in total. */
size_t http_request_query_all(const struct http_request *req, const char *name,
			      const char **out, size_t max);
/* Case-insensitive header lookup; NULL when absent. */
const char *http_request_header(const struct http_request *req, const char *name);
/* Parses the body as JSON (any type); *out is a new reference. An empty or
 * malformed body is BERR_INVALID with jansson's line:column in the message. */
int http_request_json(const struct http_request *req, json_t **out, struct berr *err);

struct http_response {
	int status;                     /* 200 unless set */
	struct buf body;
	size_t body_skip;               /* leading bytes of body not sent */
	struct http_kv *headers;        /* owned strings */
	size_t nheaders;
	/* private */
	struct http_stream *stream;
	struct http_deferred *deferred;
	void *priv;
	struct http_pull *pull;
};

/* For a response a worker thread fills before http_deferred_finish(). */
#define HTTP_RESPONSE_INIT { 200, BUF_INIT, 0, NULL, 0, NULL, NULL, NULL, NULL }

/* Adds a response header (copied). Content-Type is set by the helpers below. */
void http_response_header(struct http_response *resp, const char *name, const char *value);
/* Body helpers replace any body set before. json_t is borrowed (not stolen). */
void http_response_json(struct http_response *resp, int status, const json_t *doc);
void http_response_text(struct http_response *resp, int status,
			const char *content_type, const void *data, size_t len);
/*
 * A pull body: sent chunked with resp->status and the headers set, its bytes
 * made on demand by fill(ctx, out, max), called on a server thread each time
 * the connection can take more: it writes 1..max bytes into out and returns
 * how many, returns 0 at the end, or <0 on an error, which ends the response
 * without its last chunk (the connection is closed: the client sees a
 * truncated answer, the best HTTP allows once the status is sent). fill may
 * block briefly (read a database), never on anything slow. free_fn(ctx)
 * runs exactly once, on any thread, when the response is done with: after
 * the end, when the client goes away or times out (the server's
 * connection_timeout_s: a client that stops reading keeps ctx that long at
 * most), when the server stops, or when a body helper above replaces the
 * pull body. Also allowed on a deferred answer.
 */
typedef long (*http_fill_fn)(void *ctx, char *out, size_t max);
void http_response_pull(struct http_response *resp, http_fill_fn fill, void *ctx,
			void (*free_fn)(void *ctx));
/* {"error": msg, "message": msg, "code": status} with status. */
void http_response_error(struct http_response *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Maps a berr code to an HTTP status (BERR_INVALID 400, BERR_AUTH 403,
 * BERR_NOTFOUND 404, BERR_EXISTS/BERR_CONFLICT 409, BERR_LIMIT 413,
 * BERR_UNSUPPORTED 501, BERR_IO 502, others 500) and writes the error body
 * with err's message. */
void http_response_berr(struct http_response *resp, const struct berr *err);

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *resp,
				void *arg);

/* Creates a server (not yet listening). Returns 0, or BERR_INVALID for bad
 * options. Free with http_server_free(). */
int http_server_new(struct http_server **out, const struct http_server_options *opts,
		    struct berr *err);
/* Adds a route before http_server_start(). method NULL or "*" matches any
 * method. A malformed pattern (not starting with '/', `*` not last,
 * unbalanced braces) is BERR_INVALID. */
int http_server_route(struct http_server *srv, const char *method, const char *pattern,
		      http_handler_fn fn, void *arg, struct berr *err);
/* Starts listening and serving. BERR_IO when the address cannot be bound,
 * BERR_INVALID for unreadable TLS files. */
int http_server_start(struct http_server *srv, struct berr *err);
/* The bound port (useful with port 0); 0 before start. */
uint16_t http_server_port(const struct http_server *srv);
/* Graceful stop: new requests get 503 from now on, every open stream is
 * ended, in-flight requests get up to `grace_ms` to finish, then the socket
 * and every connection are closed. Must not be called from a handler.
 * Idempotent. */
void http_server_stop(struct http_server *srv, unsigned grace_ms);
/* Async-signal-safe: asks http_server_wait() to return. */
void http_server_request_stop(struct http_server *srv);
/* Blocks until http_server_request_stop() is called (from a signal handler
 * or another thread), then does http_server_stop(srv, grace_ms). */
void http_server_wait(struct http_server *srv, unsigned grace_ms);
/* Stops (if running) and frees. */
void http_server_free(struct http_server *srv);

/* -------------------------------------------------------------- streams */

/*
 * Turns the response into a chunked stream with resp->status and the given
 * content type ("application/json" for watches, "text/event-stream" for SSE)
 * and returns the producer's handle, valid until http_stream_close(). Data
 * can be written at once, from the handler or from any other thread. The
 * headers are sent when the handler returns.
 */
struct http_stream *http_response_stream(struct http_response *resp, const char *content_type);
/* Queues bytes for the client. 0, or BERR_IO once the client is gone, or
 * BERR_LIMIT when the queue passed max_stream_buffer (the client is dropped).
 * Never blocks on the network. */
int http_stream_write(struct http_stream *s, const void *data, size_t len);
/* Writes `doc` as one compact JSON line ("...}\n"), as a watch event. */
int http_stream_write_json(struct http_stream *s, const json_t *doc);
/* Writes a server-sent event: optional `event:` line, `data:` lines, blank line. */
int http_stream_write_event(struct http_stream *s, const char *event, const char *data);
/* 1 while the client is connected and the stream is not closed. */
int http_stream_is_open(struct http_stream *s);
/*
 * Registers fn to run once on a server thread when the connection ends
 * before the producer closed the stream (client gone, dropped for a full
 * buffer, server stopping), so the producer can unsubscribe. fn must not
 * call http_stream_close(). If the connection is already over, fn runs now in
 * the caller's thread.
 */
void http_stream_on_close(struct http_stream *s, void (*fn)(struct http_stream *s, void *arg),
			  void *arg);
/*
 * Ends the response once queued data is sent and releases the producer's
 * handle: `s` must not be used afterwards. Returns 1 when on_close has run or
 * is running (it then owns whatever it cleans up), 0 when it never will: of
 * the two, exactly one side learns the stream is over, so a producer can
 * hand the clean-up of its subscription to whichever comes first.
 */
int http_stream_close(struct http_stream *s);

/* ------------------------------------------------------------ deferred */

/*
 * Lets a handler answer later, from another thread, for work that takes
 * long (rendering, calls to other servers): the handler hands the returned
 * object to a worker and returns; the connection is parked, holding no pool
 * thread, until the worker calls http_deferred_finish(). Anything the
 * handler put in resp is discarded.
 */
struct http_deferred *http_response_defer(struct http_response *resp);
/*
 * Sends `answer` (filled from HTTP_RESPONSE_INIT with the helpers above;
 * http_response_stream() is not allowed on it) and releases both `answer`'s
 * contents and `d`, which must not be used afterwards. Safe from any thread,
 * exactly once per deferred. If the client or the server went away
 * meanwhile, the answer is dropped.
 */
void http_deferred_finish(struct http_deferred *d, struct http_response *answer);

/* ---------------------------------------------------------------- client */

struct http_client;

struct http_client_options {
	const char *base_url;           /* "https://127.0.0.1:6443"; paths are appended */
	const char *bearer_token;       /* Authorization: Bearer ... (never logged) */
	long connect_timeout_ms;        /* default 10000 */
	long timeout_ms;                /* whole request; default 60000; not for streams */
	const char *ca_file;            /* PEM file of trusted CAs */
	const char *ca_pem;             /* or PEM data */
	const char *client_cert_pem;    /* client certificate, PEM data */
	const char *client_key_pem;     /* its key, PEM data */
	const char *client_cert_file;   /* or files */
	const char *client_key_file;
	int insecure_skip_verify;
	const char *user_agent;         /* default "bosun/<version>" */
	size_t max_response_bytes;      /* default 256 MiB; larger is BERR_LIMIT */
};

struct http_client_request {
	const char *method;             /* default "GET" */
	const char *path;               /* appended to base_url, or an absolute URL */
	const char *const *headers;     /* "Name: value" strings, NULL-terminated */
	const void *body;
	size_t body_len;
	long timeout_ms;                /* overrides the client's; streams: 0 = none */
	const int *cancel;              /* stop when *cancel becomes nonzero (read
	                                   atomically; noticed within about a second) */
};

struct http_client_response {
	long status;
	struct buf body;                /* streams: filled only for non-2xx answers */
	struct http_kv *headers;        /* owned strings, names lower-case */
	size_t nheaders;
};

#define HTTP_CLIENT_RESPONSE_INIT { 0, BUF_INIT, NULL, 0 }

/* Creates a client; BERR_INVALID for a missing base URL. Free with
 * http_client_free(). Safe to use from several threads at once. */
int http_client_new(struct http_client **out, const struct http_client_options *opts,
		    struct berr *err);
void http_client_free(struct http_client *c);
/*
 * Sends a request and reads the whole answer into *out (initialised with
 * HTTP_CLIENT_RESPONSE_INIT, released by the caller with
 * http_client_response_release() whatever the result). Any HTTP status is a
 * success here; transport failures and cancellation (req->cancel) are
 * BERR_IO, timeouts BERR_LIMIT, a TLS failure BERR_AUTH.
 */
int http_client_do(struct http_client *c, struct http_client_response *out,
		   const struct http_client_request *req, struct berr *err);
/* Case-insensitive; NULL when absent. */
const char *http_client_response_header(const struct http_client_response *resp,
					const char *name);
void http_client_response_release(struct http_client_response *resp);

/* Called with each line of a 2xx response (without "\n"; NUL-terminated).
 * Return nonzero to stop the transfer. */
typedef int (*http_line_fn)(const char *line, size_t len, void *arg);

/*
 * Like http_client_do() but hands a 2xx body to fn line by line as it
 * arrives (a last line without "\n" is delivered too). Returns 0 when the
 * server ended the stream or it was cancelled (callback or req->cancel).
 */
int http_client_stream(struct http_client *c, struct http_client_response *out,
		       const struct http_client_request *req, http_line_fn fn, void *arg,
		       struct berr *err);

/* Percent-encodes `s` for a query value or path segment, appending to out. */
void http_url_escape(struct buf *out, const char *s);

#endif
