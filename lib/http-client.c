/*
 * http-client — requests to one remote over libcurl.
 *
 * A client is shared by every thread that talks to the same remote. Easy
 * handles are kept in a small free list so each request borrows one;
 * curl_easy_reset() between uses keeps a handle's live connections, so a
 * handle taken back from the list reuses its keep-alive connection. The
 * handles share DNS and TLS sessions through one CURLSH, but not the
 * connection cache: curl documents that one as unsafe across threads. Credentials and TLS material are copied at creation: PEM data goes
 * to curl as blobs, never through temporary files.
 *
 * Streaming reads hand the body to a callback line by line as it arrives,
 * for Kubernetes watches; a flag or the callback's return value aborts the
 * transfer. Nothing here logs tokens, headers or bodies.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "version.h"

#define POOL_KEEP 16

struct http_client {
	char *base_url;
	char *auth_header;
	long connect_ms;
	long timeout_ms;
	char *ca_file;
	char *ca_pem;
	char *cert_pem;
	char *key_pem;
	char *cert_file;
	char *key_file;
	int insecure;
	char *user_agent;
	size_t max_response;
	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_mu;
	CURL *pool[POOL_KEEP];
	size_t npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_global(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct http_client *c = arg;
	(void)h;
	(void)access;
	pthread_mutex_lock(&c->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct http_client *c = arg;
	(void)h;
	pthread_mutex_unlock(&c->share_mu[data]);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int http_client_new(struct http_client **out, const struct http_client_options *opts,
		    struct berr *err)
{
	struct http_client *c;

	*out = NULL;
	if (!opts || !opts->base_url || !opts->base_url[0])
		return berr_set(err, BERR_INVALID, "http client: base URL is missing");
	if (strncmp(opts->base_url, "http://", 7) && strncmp(opts->base_url, "https://", 8))
		return berr_set(err, BERR_INVALID,
				"http client: base URL '%s' must start with http:// or https://",
				opts->base_url);
	if (!!(opts->client_cert_pem || opts->client_cert_file) !=
	    !!(opts->client_key_pem || opts->client_key_file))
		return berr_set(err, BERR_INVALID,
				"http client: a client certificate needs its key and vice versa");
	pthread_once(&curl_once, curl_global);
	c = xcalloc(1, sizeof(*c));
	c->base_url = xstrdup(opts->base_url);
	size_t n = strlen(c->base_url);
	while (n && c->base_url[n - 1] == '/')
		c->base_url[--n] = '\0';
	if (opts->bearer_token && opts->bearer_token[0]) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "Authorization: Bearer %s", opts->bearer_token);
		c->auth_header = buf_detach(&b, NULL);
	}
	c->connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 60000;
	c->ca_file = dup_or_null(opts->ca_file);
	c->ca_pem = dup_or_null(opts->ca_pem);
	c->cert_pem = dup_or_null(opts->client_cert_pem);
	c->key_pem = dup_or_null(opts->client_key_pem);
	c->cert_file = dup_or_null(opts->client_cert_file);
	c->key_file = dup_or_null(opts->client_key_file);
	c->insecure = opts->insecure_skip_verify;
	if (opts->user_agent) {
		c->user_agent = xstrdup(opts->user_agent);
	} else {
		struct buf b = BUF_INIT;
		buf_addf(&b, "bosun/%s", BOSUN_VERSION);
		c->user_agent = buf_detach(&b, NULL);
	}
	c->max_response = opts->max_response_bytes ? opts->max_response_bytes : 256u << 20;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_mu[i], NULL);
	pthread_mutex_init(&c->pool_mu, NULL);
	c->share = curl_share_init();
	if (!c->share) {
		http_client_free(c);
		return berr_set(err, BERR_FAIL, "http client: curl_share_init failed");
	}
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	*out = c;
	return 0;
}

static void free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->npool; i++)
		curl_easy_cleanup(c->pool[i]);
	if (c->share)
		curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_mu[i]);
	pthread_mutex_destroy(&c->pool_mu);
	free(c->base_url);
	free_secret(c->auth_header);
	free(c->ca_file);
	free(c->ca_pem);
	free(c->cert_pem);
	free_secret(c->key_pem);
	free(c->cert_file);
	free(c->key_file);
	free(c->user_agent);
	free(c);
}

static CURL *handle_take(struct http_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->pool_mu);
	if (c->npool)
		h = c->pool[--c->npool];
	pthread_mutex_unlock(&c->pool_mu);
	if (h)
		curl_easy_reset(h);
	else if (!(h = curl_easy_init()))
		abort();        /* out of memory, as xmalloc */
	return h;
}

static void handle_give(struct http_client *c, CURL *h)
{
	pthread_mutex_lock(&c->pool_mu);
	if (c->npool < POOL_KEEP) {
		c->pool[c->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->pool_mu);
	if (h)
		curl_easy_cleanup(h);
}

/* ------------------------------------------------------------ transfer */

struct xfer {
	struct http_client *c;
	struct http_client_response *resp;
	CURL *h;
	http_line_fn line_fn;           /* NULL: collect the whole body */
	void *line_arg;
	struct buf line;
	const int *cancel;
	int cancelled;
	int too_large;
	int status_known;
	long status;
};

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_client_response *r = x->resp;
	size_t len = size * n;

	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* a new response (after 100 Continue): forget earlier headers */
		for (size_t i = 0; i < r->nheaders; i++) {
			free((char *)r->headers[i].name);
			free((char *)r->headers[i].value);
		}
		r->nheaders = 0;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	char *name = xstrndup(data, (size_t)(colon - data));
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *v = colon + 1, *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof(*r->headers));
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = xstrndup(v, (size_t)(end - v));
	r->nheaders++;
	return len;
}

static int deliver_lines(struct xfer *x)
{
	char *start = x->line.data, *nl;
	size_t left = x->line.len;

	while ((nl = memchr(start, '\n', left))) {
		size_t n = (size_t)(nl - start);
		*nl = '\0';
		if (n && start[n - 1] == '\r')
			start[--n] = '\0';
		if (x->line_fn(start, n, x->line_arg)) {
			x->cancelled = 1;
			return -1;
		}
		left -= (size_t)(nl + 1 - start);
		start = nl + 1;
	}
	memmove(x->line.data, start, left);
	buf_truncate(&x->line, left);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (!x->status_known) {
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
		x->status_known = 1;
	}
	if (x->cancel && __atomic_load_n(x->cancel, __ATOMIC_RELAXED)) {
		x->cancelled = 1;
		return 0;
	}
	if (x->line_fn && x->status >= 200 && x->status < 300) {
		if (x->line.len + len > x->c->max_response) {
			x->too_large = 1;
			return 0;
		}
		buf_add(&x->line, data, len);
		return deliver_lines(x) < 0 ? 0 : len;
	}
	if (x->resp->body.len + len > x->c->max_response) {
		x->too_large = 1;
		return 0;
	}
	buf_add(&x->resp->body, data, len);
	return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct xfer *x = arg;
	(void)dt, (void)dn, (void)ut, (void)un;
	if (x->cancel && __atomic_load_n(x->cancel, __ATOMIC_RELAXED)) {
		x->cancelled = 1;
		return 1;
	}
	return 0;
}

static int curl_code_to_berr(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return BERR_LIMIT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return BERR_AUTH;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return BERR_INVALID;
	default:
		return BERR_IO;
	}
}

static void set_blob(CURL *h, CURLoption opt, const char *pem)
{
	struct curl_blob blob = { (void *)pem, strlen(pem), CURL_BLOB_COPY };
	curl_easy_setopt(h, opt, &blob);
}

static int run(struct http_client *c, struct xfer *x, const struct http_client_request *req,
	       int streaming, struct berr *err)
{
	const char *method = req->method ? req->method : "GET";
	const char *path = req->path ? req->path : "";
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf url = BUF_INIT;
	CURL *h = handle_take(c);
	int ret = 0;

	x->h = h;
	if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8)) {
		buf_adds(&url, path);
	} else {
		buf_adds(&url, c->base_url);
		if (path[0] != '/')
			buf_addch(&url, '/');
		buf_adds(&url, path);
	}
	curl_easy_setopt(h, CURLOPT_URL, url.data);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : streaming ? 0 : c->timeout_ms;
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_pem)
		set_blob(h, CURLOPT_CAINFO_BLOB, c->ca_pem);
	if (c->cert_pem) {
		set_blob(h, CURLOPT_SSLCERT_BLOB, c->cert_pem);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (c->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
	}
	if (c->key_pem) {
		set_blob(h, CURLOPT_SSLKEY_BLOB, c->key_pem);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (c->key_file) {
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}

	if (c->auth_header)
		hdrs = curl_slist_append(hdrs, c->auth_header);
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (const char *const *p = req->headers; p && *p; p++)
		hdrs = curl_slist_append(hdrs, *p);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") || req->body)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (req->body || strcmp(method, "GET")) {
		if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		}
	}
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (x->cancel) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}

	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->resp->status);
	if (rc != CURLE_OK && x->cancelled) {
		if (!streaming)         /* a whole answer was wanted and did not come */
			ret = berr_set(err, BERR_IO, "%s '%s': cancelled", method, url.data);
	} else if (rc != CURLE_OK && x->too_large) {
		ret = berr_set(err, BERR_LIMIT, "%s '%s': response is larger than %zu bytes",
			       method, url.data, c->max_response);
	} else if (rc != CURLE_OK) {
		ret = berr_set(err, curl_code_to_berr(rc), "%s '%s': %s", method, url.data,
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	if (!ret && x->line_fn && !x->cancelled && x->line.len && x->resp->status >= 200 &&
	    x->resp->status < 300) {
		buf_addch(&x->line, '\n');
		deliver_lines(x);
	}
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	handle_give(c, h);
	buf_release(&url);
	return ret;
}

int http_client_do(struct http_client *c, struct http_client_response *out,
		   const struct http_client_request *req, struct berr *err)
{
	struct xfer x = { .c = c, .resp = out, .line = BUF_INIT, .cancel = req->cancel };

	return run(c, &x, req, 0, err);
}

int http_client_stream(struct http_client *c, struct http_client_response *out,
		       const struct http_client_request *req, http_line_fn fn, void *arg,
		       struct berr *err)
{
	struct xfer x = { .c = c, .resp = out, .line = BUF_INIT, .cancel = req->cancel,
			  .line_fn = fn, .line_arg = arg };

	int ret = run(c, &x, req, 1, err);
	buf_release(&x.line);
	return ret;
}

const char *http_client_response_header(const struct http_client_response *resp,
					const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (!strcasecmp(resp->headers[i].name, name))
			return resp->headers[i].value;
	return NULL;
}

void http_client_response_release(struct http_client_response *resp)
{
	buf_release(&resp->body);
	for (size_t i = 0; i < resp->nheaders; i++) {
		free((char *)resp->headers[i].name);
		free((char *)resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->nheaders = 0;
	resp->status = 0;
}

void http_url_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_addch(out, (char)*p);
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[*p >> 4]);
			buf_addch(out, hex[*p & 15]);
		}
	}
}
