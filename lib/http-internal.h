/*
 * http-internal — what http-server.c and http-stream.c share; not for other
 * modules.
 */
#ifndef BOSUN_HTTP_INTERNAL_H
#define BOSUN_HTTP_INTERNAL_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>

#include "http.h"

struct route;

/* One MHD daemon and its epoll thread. Counts are atomic. */
struct http_worker {
	struct http_server *srv;
	struct MHD_Daemon *daemon;
	int conns;                      /* open connections */
	int streams;                    /* open streams */
};

struct http_server {
	char *name;
	char *address;
	uint16_t port_wanted;
	uint16_t port;
	unsigned threads;
	unsigned max_connections;
	unsigned timeout_s;
	size_t max_body;
	void (*error_body)(struct http_response *resp, int status, const char *msg);
	size_t max_stream_buffer;
	char *tls_cert_file;
	char *tls_key_file;
	struct buf tls_cert;
	struct buf tls_key;
	enum http_access_log access_log;

	struct route **routes;
	size_t nroutes;

	struct http_worker *workers;    /* [threads] once started */
	unsigned next_worker;           /* where the acceptor's scan starts */
	int listen_fd;                  /* ours: the acceptor hands connections to MHD */
	int accept_wake[2];             /* a byte here stops the acceptor */
	pthread_t acceptor;
	int accepting;
	pthread_mutex_t mu;             /* inflight, stopping, streams list */
	pthread_cond_t cond;
	size_t inflight;
	int stopping;
	int stop_pipe[2];

	struct http_deferred *deferreds;        /* parked requests, under mu */

	/* streams (http-stream.c) */
	struct http_stream *streams;    /* doubly linked, under mu */
	uint64_t next_stream_id;
	int monitor_epoll;
	int monitor_wake;               /* eventfd */
	pthread_t monitor;
	int monitor_running;
};

void http_format_addr(char *out, size_t size, const struct sockaddr *sa);

/* Queues the stream's MHD response on conn; called by dispatch. */
enum MHD_Result http_stream_queue(struct http_stream *s, struct MHD_Connection *conn,
				  struct http_response *resp);
/* The request is over: no more reader calls; fires on_close. */
void http_stream_detach(struct http_stream *s);
/* Ends every stream of srv (graceful stop). */
void http_stream_end_all(struct http_server *srv);
int http_stream_monitor_start(struct http_server *srv, struct berr *err);
void http_stream_monitor_stop(struct http_server *srv);

#endif
