/*
 * transport-http.c — git's smart HTTP protocol carried by libcurl, as a
 * libgit2 smart subtransport (stateless: rpc = 1).
 *
 * It serves every http(s) URL, not only those with a client certificate:
 * libgit2 1.5's own HTTP client cannot present a TLS client certificate,
 * has no connect or stall timeout (a silent server holds a fetch until the
 * progress callback next runs, which may be never), and honours proxies
 * without no_proxy. libcurl does all of that, so one code path handles
 * plain, authenticated, client-certificate and proxied remotes alike.
 *
 * The protocol, as git's http-fetch speaks it: `GET <repo>/info/refs?
 * service=git-upload-pack` for the advertisement (redirects followed here
 * only, as git's http.followRedirects=initial, and the repository's base
 * URL moves with them), then one `POST <repo>/git-upload-pack` per
 * negotiation round. libgit2 writes a round's request into the stream and
 * then reads; the POST goes out at the first read, and the answer is handed
 * to libgit2 as it arrives (curl's multi interface, driven from read()), so a
 * pack of any size streams through a small buffer.
 *
 * One curl handle per subtransport (one fetch) keeps the connection alive
 * across the GET and the POSTs. TLS: the system's CA store plus the
 * session's tlsCA certificates (added to the handshake's store from
 * CURLOPT_SSL_CTX_FUNCTION; curl's CA cache is off, so they never leak into
 * another fetch), the client certificate and key parsed up front so a bad
 * one is reported before any connection. Basic auth goes with every request
 * to the repository's own origin only, never to a host a redirect named.
 */
#include "repo-server/transport.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"
#include "clock.h"
#include "err.h"

#define MAX_REQUEST_BYTES ((size_t)64 << 20)    /* one negotiation round */
#define MAX_REDIRECTS 5
#define CONNECT_TIMEOUT_S 30L
#define STALL_SECONDS 300L                       /* no byte for this long: give up */
#define LS_SUFFIX "/info/refs?service=git-upload-pack"

struct http_stream;

struct http_sub {
	git_smart_subtransport parent;
	struct transport_session *s;
	CURLM *multi;
	CURL *easy;
	char *base;             /* the repository URL, no trailing '/', after redirects */
	char *origin;           /* scheme://host:port of the URL the user gave */
	char *host;             /* for messages */
	int send_auth;          /* base is still on `origin` */
	int url_auth;           /* the URL carries user:password@ */
	X509 *cert;             /* client certificate, its chain and key */
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	STACK_OF(X509) *cas;    /* extra trusted CAs (tlsCA) */
	struct http_stream *active;     /* whose transfer the handle runs */
	int broken;             /* set-up failed: the session says why */
	char errbuf[CURL_ERROR_SIZE];
};

struct http_stream {
	git_smart_subtransport_stream parent;
	struct http_sub *sub;
	int ls;                 /* the ref advertisement (GET) or a round (POST) */
	struct buf req;         /* the POST body, sent at the first read */
	struct buf resp;        /* received, not yet read by libgit2 */
	size_t off;
	struct curl_slist *headers;
	int started, done, checked;
	long status;            /* non-200 status that ended the transfer */
	char bad_type[128];     /* unexpected Content-Type that ended it */
	CURLcode result;
};

/* --- TLS material --------------------------------------------------------- */

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;      /* never prompt: a daemon has no terminal */
}

/* Every certificate in PEM text; NULL when there is none. */
static STACK_OF(X509) *read_certs(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	STACK_OF(X509) *out = sk_X509_new_null();
	X509 *x;
	while (bio && (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)))
		sk_X509_push(out, x);
	BIO_free(bio);
	ERR_clear_error();
	if (sk_X509_num(out) == 0) {
		sk_X509_free(out);
		return NULL;
	}
	return out;
}

static int load_tls(struct http_sub *sub)
{
	const struct repo_creds *cr = sub->s->creds;
	if (!cr)
		return 0;
	if (cr->ca_pem && *cr->ca_pem && !(sub->cas = read_certs(cr->ca_pem)))
		return transport_fail(sub->s, BERR_INVALID,
				      "field 'tlsCA' holds no PEM certificate");
	int has_cert = cr->tls_client_cert && *cr->tls_client_cert;
	int has_key = cr->tls_client_key && *cr->tls_client_key;
	if (!has_cert && !has_key)
		return 0;
	if (!has_cert || !has_key)
		return transport_fail(sub->s, BERR_INVALID, "a TLS client certificate needs both "
				      "'tlsClientCertData' and 'tlsClientCertKey'; only '%s' is given",
				      has_cert ? "tlsClientCertData" : "tlsClientCertKey");
	STACK_OF(X509) *certs = read_certs(cr->tls_client_cert);
	if (!certs)
		return transport_fail(sub->s, BERR_INVALID,
				      "field 'tlsClientCertData' holds no PEM certificate");
	sub->cert = sk_X509_shift(certs);
	sub->chain = certs;
	BIO *bio = BIO_new_mem_buf(cr->tls_client_key, -1);
	sub->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	if (!sub->key)
		return transport_fail(sub->s, BERR_INVALID, "field 'tlsClientCertKey' holds no "
				      "unencrypted PEM private key");
	if (X509_check_private_key(sub->cert, sub->key) != 1) {
		ERR_clear_error();
		return transport_fail(sub->s, BERR_INVALID, "field 'tlsClientCertKey' is not "
				      "the key of the certificate in 'tlsClientCertData'");
	}
	return 0;
}

static CURLcode on_ssl_ctx(CURL *h, void *ssl_ctx, void *userdata)
{
	struct http_sub *sub = userdata;
	SSL_CTX *ctx = ssl_ctx;
	(void)h;
	if (sub->cas) {
		X509_STORE *store = SSL_CTX_get_cert_store(ctx);
		for (int i = 0; i < sk_X509_num(sub->cas); i++)
			X509_STORE_add_cert(store, sk_X509_value(sub->cas, i)); /* a duplicate is fine */
	}
	if (sub->cert) {
		if (SSL_CTX_use_certificate(ctx, sub->cert) != 1
		    || SSL_CTX_use_PrivateKey(ctx, sub->key) != 1)
			goto bad;
		for (int i = 0; i < sk_X509_num(sub->chain); i++)
			if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(sub->chain, i)) != 1)
				goto bad;
	}
	ERR_clear_error();
	return CURLE_OK;
bad:
	ERR_clear_error();
	return CURLE_SSL_CERTPROBLEM;
}

/* --- URLs ------------------------------------------------------------------ */

/* "scheme://host:port" of `url`, and its host; 0 or -1. */
static int url_origin(char **origin, char **host, int *has_password, const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *port = NULL, *pw = NULL;
	int rc = -1;
	if (u && !curl_url_set(u, CURLUPART_URL, url, 0)
	    && !curl_url_get(u, CURLUPART_SCHEME, &scheme, 0)
	    && !curl_url_get(u, CURLUPART_HOST, &h, 0)
	    && !curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s://%s:%s", scheme, h, port);
		for (char *p = b.data; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		*origin = buf_detach(&b, NULL);
		if (host)
			*host = xstrdup(h);
		if (has_password)
			*has_password = !curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
		rc = 0;
	}
	curl_free(pw);
	curl_free(scheme);
	curl_free(h);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* After the advertisement: moves the base URL where redirects led. */
static int follow_redirect(struct http_sub *sub)
{
	char *eff = NULL;
	long redirects = 0;
	if (curl_easy_getinfo(sub->easy, CURLINFO_REDIRECT_COUNT, &redirects) || redirects == 0
	    || curl_easy_getinfo(sub->easy, CURLINFO_EFFECTIVE_URL, &eff) || !eff)
		return 0;
	size_t n = strlen(eff), sl = strlen(LS_SUFFIX);
	struct buf want = BUF_INIT;
	buf_addf(&want, "%s%s", sub->base, LS_SUFFIX);
	int same = !strcmp(eff, want.data);
	buf_release(&want);
	if (same)
		return 0;
	if (n < sl || strcmp(eff + n - sl, LS_SUFFIX))
		return transport_fail(sub->s, BERR_IO, "the server redirected the ref "
				      "advertisement to a URL that is not a git repository");
	char *origin = NULL;
	free(sub->base);
	sub->base = xstrndup(eff, n - sl);
	if (url_origin(&origin, NULL, NULL, sub->base) < 0 || strcmp(origin, sub->origin))
		sub->send_auth = 0;
	free(origin);
	return 0;
}

/* --- streams --------------------------------------------------------------- */

static int response_ok(struct http_stream *st)
{
	struct http_sub *sub = st->sub;
	long status = 0;
	char *type = NULL;
	curl_easy_getinfo(sub->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		st->status = status;
		return 0;
	}
	curl_easy_getinfo(sub->easy, CURLINFO_CONTENT_TYPE, &type);
	const char *want = st->ls ? "application/x-git-upload-pack-advertisement"
		: "application/x-git-upload-pack-result";
	if (!type || strncasecmp(type, want, strlen(want))) {
		snprintf(st->bad_type, sizeof(st->bad_type), "%s", type ? type : "none");
		return 0;
	}
	return !st->ls || follow_redirect(sub) == 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct http_stream *st = userdata;
	if (!st->checked) {
		st->checked = 1;
		if (!response_ok(st))
			return 0;       /* ends the transfer: CURLE_WRITE_ERROR */
	}
	buf_add(&st->resp, p, size * n);
	return size * n;
}

/* Takes the handle away from the stream running on it (a new round starts). */
static void detach(struct http_sub *sub)
{
	if (!sub->active)
		return;
	curl_multi_remove_handle(sub->multi, sub->easy);
	sub->active->done = 1;
	sub->active->result = CURLE_ABORTED_BY_CALLBACK;
	sub->active = NULL;
}

static int start(struct http_stream *st)
{
	struct http_sub *sub = st->sub;
	struct transport_session *s = sub->s;
	const struct repo_creds *cr = s->creds;
	CURL *h = sub->easy;
	struct buf url = BUF_INIT;
	detach(sub);
	buf_addf(&url, "%s%s", sub->base, st->ls ? LS_SUFFIX : "/git-upload-pack");
	curl_easy_setopt(h, CURLOPT_URL, url.data);
	buf_release(&url);
	if (st->ls) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	} else {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, st->req.data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st->req.len);
		st->headers = curl_slist_append(st->headers,
			"Content-Type: application/x-git-upload-pack-request");
		st->headers = curl_slist_append(st->headers,
			"Accept: application/x-git-upload-pack-result");
		st->headers = curl_slist_append(st->headers, "Expect:");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, st->headers);
	}
	if (cr && cr->password && sub->send_auth) {
		const char *user = cr->username && *cr->username ? cr->username : "git";
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, cr->password);
	} else if (!sub->send_auth) {
		curl_easy_setopt(h, CURLOPT_USERNAME, NULL);
		curl_easy_setopt(h, CURLOPT_PASSWORD, NULL);
	}
	long timeout_ms = 0;
	if (s->deadline > 0) {
		timeout_ms = (long)((s->deadline - clock_s()) * 1000);
		if (timeout_ms <= 0) {
			s->timed_out = 1;
			return transport_fail(s, BERR_LIMIT, "timed out");
		}
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, st);
	sub->errbuf[0] = '\0';
	st->started = 1;
	if (curl_multi_add_handle(sub->multi, h))
		return transport_fail(s, BERR_IO, "cannot start an HTTP request");
	sub->active = st;
	return 0;
}

/* Runs curl until the active stream has data or is done. */
static int pump(struct http_stream *st)
{
	struct http_sub *sub = st->sub;
	int running = 0, left = 0;
	CURLMsg *m;
	if (curl_multi_perform(sub->multi, &running))
		return transport_fail(sub->s, BERR_IO, "HTTP transfer failed");
	while ((m = curl_multi_info_read(sub->multi, &left)))
		if (m->msg == CURLMSG_DONE && m->easy_handle == sub->easy && sub->active) {
			sub->active->result = m->data.result;
			sub->active->done = 1;
			curl_multi_remove_handle(sub->multi, sub->easy);
			sub->active = NULL;
		}
	if (st->off < st->resp.len || st->done)
		return 0;
	curl_multi_poll(sub->multi, NULL, 0, 1000, NULL);
	return 0;
}

static int alert_about_certificate(const char *e)
{
	return strstr(e, "alert") && (strstr(e, "certificate") || strstr(e, "unknown ca")
				      || strstr(e, "access denied"));
}

/* Turns how the transfer ended into the session's diagnosis. */
static int transfer_error(struct http_stream *st)
{
	struct http_sub *sub = st->sub;
	struct transport_session *s = sub->s;
	const struct repo_creds *cr = s->creds;
	const char *e = sub->errbuf[0] ? sub->errbuf : curl_easy_strerror(st->result);
	if (st->status == 401)
		return transport_fail(s, BERR_AUTH, "authentication failed: %s",
				      ((cr && cr->password) || sub->url_auth) && sub->send_auth
				      ? "the credentials were rejected"
				      : "the repository requires credentials and none were given");
	if (st->status == 403)
		return transport_fail(s, BERR_AUTH, "access denied (HTTP 403)");
	if (st->status == 404)
		return transport_fail(s, BERR_NOTFOUND, "repository not found (HTTP 404)");
	if (st->status)
		return transport_fail(s, BERR_IO, "the server answered HTTP %ld", st->status);
	if (st->bad_type[0])
		return transport_fail(s, BERR_IO, "the server does not speak git's smart HTTP "
				      "protocol (Content-Type '%s')", st->bad_type);
	switch (st->result) {
	case CURLE_OPERATION_TIMEDOUT:
		s->timed_out = 1;
		return transport_fail(s, BERR_LIMIT, "timed out");
	case CURLE_PEER_FAILED_VERIFICATION:
		if (strstr(e, "subject name") || strstr(e, "does not match"))
			return transport_fail(s, BERR_AUTH, "TLS certificate of '%s' is not "
					      "issued for that host name", sub->host);
		return transport_fail(s, BERR_AUTH, "TLS certificate of '%s' is not trusted%s",
				      sub->host, sub->cas ? " by the system or the given CA "
				      "certificates" : "");
	case CURLE_SSL_CERTPROBLEM:
		return transport_fail(s, BERR_INVALID, "the TLS client certificate cannot be "
				      "used: %s", e);
	case CURLE_TOO_MANY_REDIRECTS:
		return transport_fail(s, BERR_IO, "more than %d redirects", MAX_REDIRECTS);
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (!st->ls || !strstr(e, "edirect"))
			break;
		return transport_fail(s, BERR_IO, "the server redirected to another protocol; "
				      "an https repository is only followed to https");
	default:
		break;
	}
	if (alert_about_certificate(e)) {
		if (sub->cert)
			return transport_fail(s, BERR_AUTH, "the server refused the TLS client "
					      "certificate (%s)", e);
		return transport_fail(s, BERR_AUTH, "the server requires a TLS client "
				      "certificate: give tlsClientCertData and tlsClientCertKey (%s)", e);
	}
	return transport_fail(s, BERR_IO, "%s", e);
}

static int stream_read(git_smart_subtransport_stream *stream, char *buffer,
		       size_t size, size_t *bytes_read)
{
	struct http_stream *st = (struct http_stream *)stream;
	*bytes_read = 0;
	if (!st->started && start(st) < 0)
		return -1;
	while (st->off == st->resp.len && !st->done)
		if (pump(st) < 0)
			return -1;
	if (st->off < st->resp.len) {
		size_t n = st->resp.len - st->off;
		if (n > size)
			n = size;
		memcpy(buffer, st->resp.data + st->off, n);
		st->off += n;
		if (st->off == st->resp.len) {
			buf_reset(&st->resp);
			st->off = 0;
		}
		*bytes_read = n;
		return 0;
	}
	if (st->result == CURLE_ABORTED_BY_CALLBACK && !st->status && !st->bad_type[0])
		return transport_fail(st->sub->s, BERR_IO, "HTTP request superseded");
	if (st->result == CURLE_OK && !st->checked) {
		st->checked = 1;
		if (!response_ok(st))
			return transfer_error(st);
	}
	if (st->result != CURLE_OK || st->status || st->bad_type[0])
		return st->sub->s->code ? -1 : transfer_error(st);
	return 0;       /* end of the answer */
}

static int stream_write(git_smart_subtransport_stream *stream, const char *data, size_t len)
{
	struct http_stream *st = (struct http_stream *)stream;
	if (st->ls || st->started)
		return transport_fail(st->sub->s, BERR_IO, "git wrote after reading an HTTP answer");
	if (st->req.len + len > MAX_REQUEST_BYTES)
		return transport_fail(st->sub->s, BERR_LIMIT, "a negotiation request passed "
				      "%zu bytes", MAX_REQUEST_BYTES);
	buf_add(&st->req, data, len);
	return 0;
}

static void stream_free(git_smart_subtransport_stream *stream)
{
	struct http_stream *st = (struct http_stream *)stream;
	if (st->sub->active == st)
		detach(st->sub);
	curl_slist_free_all(st->headers);
	buf_release(&st->req);
	buf_release(&st->resp);
	free(st);
}

/* --- the subtransport ----------------------------------------------------- */

static int sub_action(git_smart_subtransport_stream **out, git_smart_subtransport *t,
		      const char *url, git_smart_service_t action)
{
	struct http_sub *sub = (struct http_sub *)t;
	(void)url;
	*out = NULL;
	if (sub->broken) {      /* the session holds the diagnosis */
		git_error_set_str(GIT_ERROR_NET, sub->s->msg);
		return -1;
	}
	if (action != GIT_SERVICE_UPLOADPACK_LS && action != GIT_SERVICE_UPLOADPACK)
		return transport_fail(sub->s, BERR_UNSUPPORTED, "pushing is not supported");
	struct http_stream *st = xcalloc(1, sizeof(*st));
	st->parent.subtransport = t;
	st->parent.read = stream_read;
	st->parent.write = stream_write;
	st->parent.free = stream_free;
	st->sub = sub;
	st->ls = action == GIT_SERVICE_UPLOADPACK_LS;
	*out = &st->parent;
	return 0;
}

static int sub_close(git_smart_subtransport *t)
{
	detach((struct http_sub *)t);
	return 0;
}

static void sub_free(git_smart_subtransport *t)
{
	struct http_sub *sub = (struct http_sub *)t;
	detach(sub);
	if (sub->easy)
		curl_easy_cleanup(sub->easy);
	if (sub->multi)
		curl_multi_cleanup(sub->multi);
	X509_free(sub->cert);
	sk_X509_pop_free(sub->chain, X509_free);
	EVP_PKEY_free(sub->key);
	sk_X509_pop_free(sub->cas, X509_free);
	free(sub->base);
	free(sub->origin);
	free(sub->host);
	free(sub);
}

/* Never fails: a set-up error is kept and reported by the first action. */
int transport_http_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	struct transport_session *s = param;
	const struct repo_creds *cr = s->creds;
	(void)owner;
	*out = NULL;
	struct http_sub *sub = xcalloc(1, sizeof(*sub));
	sub->parent.action = sub_action;
	sub->parent.close = sub_close;
	sub->parent.free = sub_free;
	sub->s = s;
	size_t n = strlen(s->url);
	while (n > 0 && s->url[n - 1] == '/')
		n--;
	sub->base = xstrndup(s->url, n);
	sub->send_auth = 1;
	if (url_origin(&sub->origin, &sub->host, &sub->url_auth, sub->base) < 0) {
		transport_fail(s, BERR_INVALID, "not a valid http(s) URL");
		goto fail;
	}
	if (load_tls(sub) < 0)
		goto fail;
	sub->multi = curl_multi_init();
	sub->easy = curl_easy_init();
	if (!sub->multi || !sub->easy) {
		transport_fail(s, BERR_IO, "cannot set up libcurl");
		goto fail;
	}
	CURL *h = sub->easy;
	int https = !strncasecmp(sub->base, "https:", 6);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, sub->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "git/2.0 (bosun-repo-server)");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 0L);
	if (cr && cr->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (sub->cas || sub->cert) {
		if (curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) != CURLE_OK) {
			transport_fail(s, BERR_UNSUPPORTED, "this libcurl is not built on OpenSSL, "
				       "so it cannot use tlsCA or a TLS client certificate");
			goto fail;
		}
		curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, sub);
	}
	*out = &sub->parent;
	return 0;
fail:
	/* reported by the first action: libgit2 1.5 leaks its smart transport's
	 * ref vectors when a subtransport cannot be made */
	sub->broken = 1;
	*out = &sub->parent;
	return 0;
}
