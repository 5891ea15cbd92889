/*
 * http-stream — long-lived chunked responses without a thread each.
 *
 * A stream is a byte queue between a producer (any thread) and MHD's content
 * reader. When the queue is empty the reader suspends the connection and
 * returns 0, so an idle stream costs a socket and a struct, no pool thread;
 * http_stream_write() appends and resumes it. Both sides hold the stream's
 * mutex around suspend/resume, so a write can never slip between the
 * reader's "empty" check and its suspend.
 *
 * A suspended connection is not polled by MHD, so it would not notice a
 * client going away. One monitor thread per server watches every stream's
 * socket for EPOLLRDHUP/EPOLLHUP (one-shot) and, when the peer hangs up,
 * marks the stream gone and resumes it; the reader then fails the response
 * and MHD closes the connection. Events carry the stream's id, not its
 * pointer, so a late event for a finished stream is harmless.
 *
 * The queue is bounded: a client that stops reading lets the queue grow
 * until max_stream_buffer, and the next write drops the client instead of
 * growing further.
 *
 * A graceful server stop ends every stream cleanly (queued data, then the
 * last chunk), so watch clients see a normal end and reconnect elsewhere.
 *
 * Lifetime: a reference each for the producer (until http_stream_close), the
 * request (until MHD reports it complete) and the MHD response object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "http-internal.h"
#include "log.h"

struct http_stream {
	pthread_mutex_t mu;
	int refs;
	struct http_server *srv;
	struct MHD_Connection *conn;    /* NULL before queueing and after the end */
	struct http_worker *worker;     /* counts this stream while it is queued */
	char *content_type;
	struct buf queue;
	size_t off;                     /* bytes of queue already handed to MHD */
	size_t limit;
	uint64_t id;
	int producer_closed;
	int gone;                       /* client gone or dropped: fail the response */
	int ending;                     /* server stopping: finish the response cleanly */
	int suspended;
	int on_close_started;
	int detached;                   /* the request is over */
	void (*on_close)(struct http_stream *s, void *arg);
	void *on_close_arg;
	struct http_stream *prev, *next;        /* srv->streams, under srv->mu */
	int listed;
};

static void stream_unref(struct http_stream *s)
{
	pthread_mutex_lock(&s->mu);
	int left = --s->refs;
	pthread_mutex_unlock(&s->mu);
	if (left)
		return;
	buf_release(&s->queue);
	free(s->content_type);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Under s->mu. */
static void stream_wake(struct http_stream *s)
{
	if (s->suspended && s->conn) {
		s->suspended = 0;
		MHD_resume_connection(s->conn);
	}
}

struct http_stream *http_response_stream(struct http_response *resp, const char *content_type)
{
	struct http_server *srv = resp->priv;
	struct http_stream *s;

	if (resp->stream)
		return resp->stream;
	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->refs = 2;            /* producer + request */
	s->srv = srv;
	s->content_type = xstrdup(content_type ? content_type : "application/octet-stream");
	s->queue = (struct buf)BUF_INIT;
	s->limit = srv ? srv->max_stream_buffer : 8u << 20;
	resp->stream = s;
	return s;
}

int http_stream_write(struct http_stream *s, const void *data, size_t len)
{
	pthread_mutex_lock(&s->mu);
	if (s->gone || s->ending || s->producer_closed) {
		pthread_mutex_unlock(&s->mu);
		return BERR_IO;
	}
	size_t pending = s->queue.len - s->off;
	if (pending + len > s->limit) {
		s->gone = 1;
		stream_wake(s);
		pthread_mutex_unlock(&s->mu);
		char n[32];
		snprintf(n, sizeof(n), "%zu", pending + len);
		log_warn("dropping a stream client that does not read", "server",
			 s->srv ? s->srv->name : "http", "queued_bytes", n, NULL);
		return BERR_LIMIT;
	}
	if (s->off && s->off >= s->queue.len / 2) {
		memmove(s->queue.data, s->queue.data + s->off, pending);
		buf_truncate(&s->queue, pending);
		s->off = 0;
	}
	buf_add(&s->queue, data, len);
	stream_wake(s);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int dump_to_buf(const char *data, size_t size, void *arg)
{
	buf_add(arg, data, size);
	return 0;
}

int http_stream_write_json(struct http_stream *s, const json_t *doc)
{
	struct buf b = BUF_INIT;

	json_dump_callback(doc, dump_to_buf, &b, JSON_COMPACT | JSON_ENCODE_ANY);
	buf_addch(&b, '\n');
	int ret = http_stream_write(s, b.data, b.len);
	buf_release(&b);
	return ret;
}

int http_stream_write_event(struct http_stream *s, const char *event, const char *data)
{
	struct buf b = BUF_INIT;

	if (event)
		buf_addf(&b, "event: %s\n", event);
	const char *p = data ? data : "";
	do {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_adds(&b, "data: ");
		buf_add(&b, p, n);
		buf_addch(&b, '\n');
		p = nl ? nl + 1 : p + n;
	} while (*p);
	buf_addch(&b, '\n');
	int ret = http_stream_write(s, b.data, b.len);
	buf_release(&b);
	return ret;
}

int http_stream_is_open(struct http_stream *s)
{
	pthread_mutex_lock(&s->mu);
	int open = !s->gone && !s->ending && !s->producer_closed;
	pthread_mutex_unlock(&s->mu);
	return open;
}

void http_stream_on_close(struct http_stream *s, void (*fn)(struct http_stream *, void *),
			  void *arg)
{
	pthread_mutex_lock(&s->mu);
	int over = s->detached && !s->producer_closed && !s->on_close_started;
	if (over) {
		s->on_close_started = 1;
	} else {
		s->on_close = fn;
		s->on_close_arg = arg;
	}
	pthread_mutex_unlock(&s->mu);
	if (over && fn)
		fn(s, arg);
}

int http_stream_close(struct http_stream *s)
{
	pthread_mutex_lock(&s->mu);
	s->producer_closed = 1;
	int fired = s->on_close_started;
	s->on_close = NULL;
	stream_wake(s);
	pthread_mutex_unlock(&s->mu);
	stream_unref(s);
	return fired;
}

/* ------------------------------------------------------------ MHD side */

static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream *s = cls;
	ssize_t ret;

	(void)pos;
	pthread_mutex_lock(&s->mu);
	size_t avail = s->queue.len - s->off;
	if (s->gone) {
		ret = MHD_CONTENT_READER_END_WITH_ERROR;
	} else if (avail) {
		size_t n = avail < max ? avail : max;
		memcpy(out, s->queue.data + s->off, n);
		s->off += n;
		if (s->off == s->queue.len) {
			buf_reset(&s->queue);
			s->off = 0;
		}
		ret = (ssize_t)n;
	} else if (s->producer_closed || s->ending) {
		ret = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		s->suspended = 1;
		MHD_suspend_connection(s->conn);
		ret = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static void stream_response_free(void *cls)
{
	stream_unref(cls);
}

static void monitor_watch(struct http_stream *s, struct MHD_Connection *conn)
{
	struct http_server *srv = s->srv;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	if (!srv || srv->monitor_epoll < 0 || !ci)
		return;
	struct epoll_event ev = {
		.events = EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLONESHOT,
		.data.u64 = s->id,
	};
	if (epoll_ctl(srv->monitor_epoll, EPOLL_CTL_ADD, ci->connect_fd, &ev) < 0 &&
	    errno == EEXIST)
		epoll_ctl(srv->monitor_epoll, EPOLL_CTL_MOD, ci->connect_fd, &ev);
}

enum MHD_Result http_stream_queue(struct http_stream *s, struct MHD_Connection *conn,
				  struct http_response *resp)
{
	struct http_server *srv = s->srv;
	struct MHD_Response *r;

	pthread_mutex_lock(&s->mu);
	s->conn = conn;
	s->refs++;              /* the MHD response */
	pthread_mutex_unlock(&s->mu);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_reader, s,
					      stream_response_free);
	if (!r) {
		stream_unref(s);
		pthread_mutex_lock(&s->mu);
		s->gone = 1;
		s->conn = NULL;
		pthread_mutex_unlock(&s->mu);
		return MHD_NO;
	}
	for (size_t i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, "Content-Type"))
			MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	MHD_add_response_header(r, "Content-Type", s->content_type);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context) {
		s->worker = ci->socket_context;
		__atomic_add_fetch(&s->worker->streams, 1, __ATOMIC_RELAXED);
	}
	if (srv) {
		pthread_mutex_lock(&srv->mu);
		s->id = ++srv->next_stream_id;
		s->next = srv->streams;
		if (srv->streams)
			srv->streams->prev = s;
		srv->streams = s;
		s->listed = 1;
		if (srv->stopping) {
			pthread_mutex_lock(&s->mu);
			s->ending = 1;
			pthread_mutex_unlock(&s->mu);
		}
		pthread_mutex_unlock(&srv->mu);
		monitor_watch(s, conn);
	}
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

void http_stream_detach(struct http_stream *s)
{
	struct http_server *srv = s->srv;

	if (srv) {
		pthread_mutex_lock(&srv->mu);
		if (s->listed) {
			if (s->prev)
				s->prev->next = s->next;
			else
				srv->streams = s->next;
			if (s->next)
				s->next->prev = s->prev;
			s->listed = 0;
		}
		pthread_mutex_unlock(&srv->mu);
	}
	if (s->worker)
		__atomic_sub_fetch(&s->worker->streams, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&s->mu);
	s->worker = NULL;
	s->gone = 1;
	s->detached = 1;
	s->conn = NULL;
	s->suspended = 0;
	void (*fn)(struct http_stream *, void *) = NULL;
	void *arg = s->on_close_arg;
	if (!s->producer_closed && !s->on_close_started) {
		s->on_close_started = 1;
		fn = s->on_close;
	}
	pthread_mutex_unlock(&s->mu);
	if (fn)
		fn(s, arg);
	stream_unref(s);
}

void http_stream_end_all(struct http_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	for (struct http_stream *s = srv->streams; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		s->ending = 1;
		stream_wake(s);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&srv->mu);
}

/* ------------------------------------------------------------ monitor */

static void *monitor_main(void *arg)
{
	struct http_server *srv = arg;
	struct epoll_event ev[64];

	for (;;) {
		int n = epoll_wait(srv->monitor_epoll, ev, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == 0)
				return NULL;
			pthread_mutex_lock(&srv->mu);
			for (struct http_stream *s = srv->streams; s; s = s->next) {
				if (s->id != ev[i].data.u64)
					continue;
				pthread_mutex_lock(&s->mu);
				s->gone = 1;
				stream_wake(s);
				pthread_mutex_unlock(&s->mu);
				break;
			}
			pthread_mutex_unlock(&srv->mu);
		}
	}
	return NULL;
}

int http_stream_monitor_start(struct http_server *srv, struct berr *err)
{
	srv->monitor_epoll = epoll_create1(EPOLL_CLOEXEC);
	srv->monitor_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->monitor_epoll < 0 || srv->monitor_wake < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	if (epoll_ctl(srv->monitor_epoll, EPOLL_CTL_ADD, srv->monitor_wake, &ev) < 0)
		goto fail;
	if (pthread_create(&srv->monitor, NULL, monitor_main, srv) != 0) {
		errno = EAGAIN;
		goto fail;
	}
	srv->monitor_running = 1;
	return 0;
fail:;
	int e = errno;
	if (srv->monitor_epoll >= 0)
		close(srv->monitor_epoll);
	if (srv->monitor_wake >= 0)
		close(srv->monitor_wake);
	srv->monitor_epoll = srv->monitor_wake = -1;
	return berr_set(err, BERR_IO, "http server '%s': stream monitor: %s", srv->name,
			strerror(e));
}

void http_stream_monitor_stop(struct http_server *srv)
{
	if (!srv->monitor_running)
		return;
	uint64_t one = 1;
	ssize_t w = write(srv->monitor_wake, &one, sizeof(one));
	(void)w;
	pthread_join(srv->monitor, NULL);
	close(srv->monitor_epoll);
	close(srv->monitor_wake);
	srv->monitor_epoll = srv->monitor_wake = -1;
	srv->monitor_running = 0;
}

void http_format_addr(char *out, size_t size, const struct sockaddr *sa)
{
	out[0] = '\0';
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, size);
}
