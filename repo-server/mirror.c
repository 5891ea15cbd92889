/*
 * mirror.c — bare mirrors of remote repositories, fetched on demand.
 *
 * The store keeps one entry per URL (a linked list under one mutex; a
 * repo-server holds dozens of repositories, not millions) with the state of
 * the fetch of that URL: busy or not, a generation counter bumped when a
 * fetch ends, its result and a fingerprint of the credentials it used.
 * Waiters sleep on the entry's condition variable until the generation
 * moves, so N simultaneous refreshes of one repository cost one fetch.
 *
 * A first fetch builds the mirror in a temporary directory beside its final
 * place and renames it in, so a half-cloned mirror is never seen. Fetches use
 * an anonymous remote fetching every ref under refs/ (forced), then prune refs the
 * remote no longer has and point HEAD at the remote's default branch, which
 * is what `git clone --mirror` followed by `git remote update --prune` does.
 *
 * Security: the credential callback hands each kind of credential out once
 * per fetch (libgit2 would otherwise retry forever on a wrong password);
 * host keys are checked against the caller's known_hosts text, including
 * hashed entries; an extra CA bundle is checked with OpenSSL against the
 * server's certificate when the system trust store said no; error messages
 * go through scrub() before they reach a struct berr.
 */
#include "base64.h"
#include "mirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "log.h"
#include "repo-server/transport.h"

#define FINGERPRINT_LEN 32

/* Idle handles kept per repository (about one per render thread) and in
 * all: each holds its pack files open. */
#define MIRROR_IDLE_MAX 16
#define MIRROR_IDLE_TOTAL 64

struct mirror_entry {
	struct mirror_entry *next;
	char *url;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int busy;
	unsigned long gen;
	unsigned char fingerprint[FINGERPRINT_LEN];     /* creds of the running/last fetch */
	int result;
	char msg[BERR_MSG_MAX];
	double done_at;         /* monotonic seconds of the last successful fetch */
	/* opened handles no request uses now, each with the gen it was opened at */
	git_repository *idle[MIRROR_IDLE_MAX];
	unsigned long idle_gen[MIRROR_IDLE_MAX];
	size_t nidle;
};

struct mirror_store {
	char *root;             /* <data-dir>/repos */
	size_t max_fetch_bytes;
	pthread_mutex_t mu;
	struct mirror_entry *entries;
	struct mirror_stats stats;
	size_t idle_total;      /* idle handles of every entry; guarded by mu */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int git_features;

static void global_init(void)
{
	git_libgit2_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	git_features = git_libgit2_features();
	if (!transport_ssh_available())
		log_warn("OpenSSH's ssh client not found: ssh repositories use libssh2, "
			 "which cannot sign with rsa-sha2", "libssh2",
			 git_features & GIT_FEATURE_SSH ? "yes" : "no", NULL);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_libgit2_opts(GIT_OPT_SET_USER_AGENT, "bosun-repo-server");
	/* Trees above 4 KiB (a directory of ~100 files) are not cached by
	 * default, so every path lookup through a large directory re-parses
	 * it: 1,000 files in one directory cost 0.5 ms each. Cache them. */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)16 << 20);
}

void mirror_global_init(void)
{
	pthread_once(&global_once, global_init);
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void creds_fingerprint(unsigned char out[FINGERPRINT_LEN],
			      const struct repo_creds *c)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	const char *fields[] = {
		c ? c->username : NULL, c ? c->password : NULL,
		c ? c->ssh_private_key : NULL, c ? c->ssh_passphrase : NULL,
		c ? c->ssh_known_hosts : NULL, c ? c->ca_pem : NULL,
		c ? c->tls_client_cert : NULL, c ? c->tls_client_key : NULL,
		c && c->insecure ? "insecure" : NULL,
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		/* length-prefixed so ("ab","c") and ("a","bc") differ */
		size_t len = fields[i] ? strlen(fields[i]) + 1 : 0;
		EVP_DigestUpdate(ctx, &len, sizeof(len));
		if (fields[i])
			EVP_DigestUpdate(ctx, fields[i], len);
	}
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

void mirror_redact_url(struct buf *out, const char *url)
{
	const char *scheme = strstr(url, "://");
	if (scheme) {
		const char *host = scheme + 3;
		const char *end = host + strcspn(host, "/?#");
		const char *at = NULL;
		for (const char *p = host; p < end; p++)
			if (*p == '@')
				at = p;
		if (at) {
			buf_add(out, url, host - url);
			buf_adds(out, "***");
			buf_adds(out, at);
			return;
		}
	}
	buf_adds(out, url);
}

/* Replaces every occurrence of `secret` in `b` with "***". */
static void scrub_one(struct buf *b, const char *secret)
{
	if (!secret || strlen(secret) < 3)
		return;
	size_t n = strlen(secret);
	struct buf out = BUF_INIT;
	const char *p = b->data, *hit;
	while ((hit = strstr(p, secret))) {
		buf_add(&out, p, hit - p);
		buf_adds(&out, "***");
		p = hit + n;
	}
	buf_adds(&out, p);
	buf_reset(b);
	buf_add(b, out.data, out.len);
	buf_release(&out);
}

/* Sets err to "<what> '<redacted url>': <detail>" with secrets scrubbed. */
static int fail(struct berr *err, int code, const char *what, const char *url,
		const struct repo_creds *creds, const char *detail)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, what);
	buf_adds(&b, " '");
	mirror_redact_url(&b, url);
	buf_adds(&b, "'");
	if (detail && *detail) {
		buf_adds(&b, ": ");
		buf_adds(&b, detail);
	}
	/* libgit2's own message may carry the URL's user:password part */
	const char *scheme = strstr(url, "://");
	if (scheme) {
		const char *host = scheme + 3;
		const char *end = host + strcspn(host, "/?#");
		const char *at = NULL;
		for (const char *p = host; p < end; p++)
			if (*p == '@')
				at = p;
		if (at) {
			char *userinfo = xstrndup(host, at - host);
			char *colon = strchr(userinfo, ':');
			scrub_one(&b, userinfo);
			if (colon)
				scrub_one(&b, colon + 1);
			free(userinfo);
		}
	}
	if (creds) {
		scrub_one(&b, creds->password);
		scrub_one(&b, creds->ssh_passphrase);
	}
	berr_set(err, code, "%s", b.data);
	buf_release(&b);
	return code;
}

/* --- callbacks ------------------------------------------------------------ */

struct fetch_ctx {
	struct transport_session s;     /* url, creds, deadline, a transport's diagnosis */
	unsigned allowed_done;          /* credential types already handed out */
	size_t max_bytes;               /* received pack size limit; 0 = none */
	int too_big;
	int auth_exhausted;
	char cert_msg[256];
};

static int cb_credentials(git_credential **out, const char *url,
			  const char *username_from_url, unsigned int allowed,
			  void *payload)
{
	struct fetch_ctx *c = payload;
	const struct repo_creds *cr = c->s.creds;
	(void)url;
	if (cr && (allowed & GIT_CREDENTIAL_SSH_MEMORY) && cr->ssh_private_key
	    && !(c->allowed_done & GIT_CREDENTIAL_SSH_MEMORY)) {
		c->allowed_done |= GIT_CREDENTIAL_SSH_MEMORY;
		const char *user = username_from_url ? username_from_url
			: cr->username ? cr->username : "git";
		return git_credential_ssh_key_memory_new(out, user, NULL,
			cr->ssh_private_key, cr->ssh_passphrase);
	}
	if (cr && (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && cr->password
	    && !(c->allowed_done & GIT_CREDENTIAL_USERPASS_PLAINTEXT)) {
		c->allowed_done |= GIT_CREDENTIAL_USERPASS_PLAINTEXT;
		const char *user = cr->username && *cr->username ? cr->username
			: username_from_url ? username_from_url : "git";
		return git_credential_userpass_plaintext_new(out, user, cr->password);
	}
	if ((allowed & GIT_CREDENTIAL_USERNAME) && !(c->allowed_done & GIT_CREDENTIAL_USERNAME)) {
		c->allowed_done |= GIT_CREDENTIAL_USERNAME;
		return git_credential_username_new(out, cr && cr->username ? cr->username
			: username_from_url ? username_from_url : "git");
	}
	c->auth_exhausted = 1;
	return GIT_PASSTHROUGH;
}

/* known_hosts patterns: '*' and '?' are wild, everything else (including
 * the brackets of "[host]:port") is literal; case-insensitive. */
static int wildcard_match(const char *pat, const char *s)
{
	if (!*pat)
		return !*s;
	if (*pat == '*') {
		for (;; s++) {
			if (wildcard_match(pat + 1, s))
				return 1;
			if (!*s)
				return 0;
		}
	}
	if (!*s)
		return 0;
	if (*pat != '?' && tolower((unsigned char)*pat) != tolower((unsigned char)*s))
		return 0;
	return wildcard_match(pat + 1, s + 1);
}

/* Does one comma-separated known_hosts host field name `host`? */
static int known_host_matches(const char *field, size_t flen, const char *host)
{
	char *f = xstrndup(field, flen);
	int match = 0;
	if (!strncmp(f, "|1|", 3)) {    /* hashed: |1|salt|hmac-sha1(salt, host) */
		char *salt = f + 3, *bar = strchr(salt, '|');
		unsigned char got[EVP_MAX_MD_SIZE];
		unsigned int glen = 0;
		struct buf key = BUF_INIT, want = BUF_INIT;
		if (bar && b64_decode(&key, salt, bar - salt, NULL) == 0 && key.len > 0
		    && key.len <= 64 && b64_decode(&want, bar + 1, strlen(bar + 1), NULL) == 0
		    && want.len == 20
		    && HMAC(EVP_sha1(), key.data, (int)key.len, (const unsigned char *)host,
			    strlen(host), got, &glen) && glen == 20)
			match = !memcmp(got, want.data, 20);
		buf_release(&key);
		buf_release(&want);
		free(f);
		return match;
	}
	char *save = NULL;
	for (char *tok = strtok_r(f, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (tok[0] == '!')
			continue;
		if (wildcard_match(tok, host)) {
			match = 1;
			break;
		}
	}
	free(f);
	return match;
}

/* The port of an ssh:// URL, or 22. */
static int url_port(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return 22;
	p += 3;
	const char *end = p + strcspn(p, "/");
	const char *at = memchr(p, '@', end - p);
	if (at)
		p = at + 1;
	if (*p == '[') {
		p = memchr(p, ']', end - p);
		if (!p)
			return 22;
	}
	const char *colon = memchr(p, ':', end - p);
	return colon ? atoi(colon + 1) : 22;
}

/* 1 when `key` for `host` is listed in `known_hosts`, -1 when revoked. */
static int known_hosts_check(const char *known_hosts, const char *host, int port,
			     const unsigned char *key, size_t key_len)
{
	char name[300];
	if (port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	struct buf blob = BUF_INIT;
	int found = 0;
	const char *line = known_hosts;
	while (*line && found >= 0) {
		const char *eol = line + strcspn(line, "\n");
		const char *p = line;
		int revoked = 0, skip = 0;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p < eol && *p == '@') {
			revoked = !strncmp(p, "@revoked", 8);
			skip = !revoked;        /* @cert-authority: not supported */
			p += strcspn(p, " \t");
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
		}
		if (!skip && p < eol && *p != '#') {
			const char *hosts = p;
			size_t hlen = strcspn(p, " \t");
			p += hlen;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			p += strcspn(p, " \t");         /* key type */
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			size_t blen = strcspn(p, " \t\r\n");
			if (p + blen > eol)
				blen = eol - p;
			buf_reset(&blob);
			if (b64_decode(&blob, p, blen, NULL) == 0 && blob.len == key_len
			    && !memcmp(blob.data, key, key_len)
			    && known_host_matches(hosts, hlen, name))
				found = revoked ? -1 : 1;
		}
		line = *eol ? eol + 1 : eol;
	}
	buf_release(&blob);
	return found;
}

/* The certificate names `host`: a DNS name, or an IP address literal. */
static int host_matches(X509 *cert, const char *host)
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		return X509_check_ip_asc(cert, host, 0) == 1;
	return X509_check_host(cert, host, 0, 0, NULL) == 1;
}

/* Verifies a DER server certificate against PEM CA certificates and host name. */
static int ca_bundle_accepts(const char *ca_pem, const unsigned char *der,
			     size_t len, const char *host)
{
	const unsigned char *p = der;
	X509 *cert = d2i_X509(NULL, &p, (long)len);
	if (!cert)
		return 0;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	BIO *bio = BIO_new_mem_buf(ca_pem, -1);
	STACK_OF(X509_INFO) *infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
	int ok = 0, loaded = 0;
	for (int i = 0; store && infos && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *info = sk_X509_INFO_value(infos, i);
		if (info->x509 && X509_STORE_add_cert(store, info->x509) == 1)
			loaded++;
	}
	if (loaded && ctx) {
		X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
		if (X509_STORE_CTX_init(ctx, store, cert, NULL) == 1
		    && X509_verify_cert(ctx) == 1
		    && host_matches(cert, host))
			ok = 1;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(cert);
	return ok;
}

static int cb_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct fetch_ctx *c = payload;
	const struct repo_creds *cr = c->s.creds;
	if (cr && cr->insecure)
		return 0;
	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
		git_cert_hostkey *hk = (git_cert_hostkey *)cert;
		if (!cr || !cr->ssh_known_hosts)
			return GIT_PASSTHROUGH;         /* libgit2 checks ~/.ssh/known_hosts */
		if (!(hk->type & GIT_CERT_SSH_RAW)) {
			snprintf(c->cert_msg, sizeof(c->cert_msg),
				 "host key of '%s' not available for checking", host);
			return GIT_ECERTIFICATE;
		}
		int r = known_hosts_check(cr->ssh_known_hosts, host, url_port(c->s.url),
					  (const unsigned char *)hk->hostkey, hk->hostkey_len);
		if (r > 0)
			return 0;
		snprintf(c->cert_msg, sizeof(c->cert_msg), r < 0
			 ? "host key of '%s' is revoked in known_hosts"
			 : "host key of '%s' is not in known_hosts", host);
		return GIT_ECERTIFICATE;
	}
	if (cert->cert_type == GIT_CERT_X509) {
		if (valid)
			return 0;
		git_cert_x509 *x = (git_cert_x509 *)cert;
		if (cr && cr->ca_pem && ca_bundle_accepts(cr->ca_pem, x->data, x->len, host))
			return 0;
		snprintf(c->cert_msg, sizeof(c->cert_msg),
			 "TLS certificate of '%s' is not trusted%s", host,
			 cr && cr->ca_pem ? " by the system or the given CA certificates" : "");
		return GIT_ECERTIFICATE;
	}
	return GIT_PASSTHROUGH;
}

static int check_deadline(struct fetch_ctx *c)
{
	if (c->s.deadline > 0 && clock_s() > c->s.deadline) {
		c->s.timed_out = 1;
		return -1;
	}
	return 0;
}

static int cb_transfer(const git_indexer_progress *stats, void *payload)
{
	struct fetch_ctx *c = payload;
	if (c->max_bytes && stats->received_bytes > c->max_bytes) {
		c->too_big = 1;
		return -1;
	}
	return check_deadline(c);
}

static int cb_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return check_deadline(payload);
}

/*
 * Picks the carrier of a remote: libcurl for http(s), OpenSSH for ssh and
 * `git upload-pack` for local repositories when they are installed;
 * anything else (git://, ssh through libssh2, local without git) stays with
 * libgit2's own.
 */
static int cb_transport(git_transport **out, git_remote *owner, void *payload)
{
	struct fetch_ctx *c = payload;
	const char *url = git_remote_url(owner);
	git_smart_subtransport_definition def = { .param = &c->s };
	*out = NULL;
	if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8)) {
		def.callback = transport_http_new;
		def.rpc = 1;
	} else if (transport_ssh_url(url) && transport_ssh_available()) {
		def.callback = transport_ssh_new;
		def.rpc = 0;
	} else if (transport_local_path(url)) {
		def.callback = transport_local_new;
		def.rpc = 0;
	} else {
		return 0;
	}
	return git_transport_smart(out, owner, &def);
}

static void setup_callbacks(git_remote_callbacks *cb, struct fetch_ctx *c)
{
	cb->transport = cb_transport;
	cb->credentials = cb_credentials;
	cb->certificate_check = cb_certificate;
	cb->transfer_progress = cb_transfer;
	cb->sideband_progress = cb_sideband;
	cb->payload = c;
}

/* Turns the last libgit2 error into a berr, scrubbed. */
static int git_fail(struct berr *err, const char *what, struct fetch_ctx *c, int rc)
{
	const git_error *ge = git_error_last();
	int code = BERR_IO;
	char detail[BERR_MSG_MAX];
	if (c->s.timed_out) {
		code = BERR_LIMIT;
		snprintf(detail, sizeof(detail), "timed out");
	} else if (c->too_big) {
		code = BERR_LIMIT;
		snprintf(detail, sizeof(detail), "the transfer passed the limit of %zu bytes", c->max_bytes);
	} else if (c->s.code) {
		code = c->s.code;
		snprintf(detail, sizeof(detail), "%s", c->s.msg);
	} else if (c->cert_msg[0]) {
		code = BERR_AUTH;
		snprintf(detail, sizeof(detail), "%s", c->cert_msg);
	} else if (rc == GIT_ECERTIFICATE) {
		code = BERR_AUTH;
		snprintf(detail, sizeof(detail), "the server is not trusted (%s): give its %s, or set insecure",
			 ge ? ge->message : "certificate check failed",
			 strstr(c->s.url, "http") == c->s.url ? "CA certificate" : "known_hosts entry");
	} else if (c->auth_exhausted) {
		code = BERR_AUTH;
		snprintf(detail, sizeof(detail), "authentication failed: %s",
			 c->allowed_done ? "the credentials were rejected"
			 : "the repository requires credentials and none were given");
	} else if (rc == GIT_EAUTH
		   || (ge && ge->klass == GIT_ERROR_SSH && strstr(ge->message, "auth"))) {
		code = BERR_AUTH;
		snprintf(detail, sizeof(detail), "authentication failed%s%s",
			 ge ? ": " : "", ge ? ge->message : "");
	} else {
		if (rc == GIT_ENOTFOUND)
			code = BERR_NOTFOUND;
		snprintf(detail, sizeof(detail), "%s", ge ? ge->message : "unknown error");
	}
	return fail(err, code, what, c->s.url, c->s.creds, detail);
}

/* --- the store -------------------------------------------------------------- */

int mirror_store_open(struct mirror_store **out, const char *data_dir, struct berr *err)
{
	mirror_global_init();
	struct buf root = BUF_INIT;
	buf_addf(&root, "%s/repos", data_dir);
	if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		buf_release(&root);
		return berr_set(err, BERR_IO, "cannot create data dir '%s': %s", data_dir, strerror(e));
	}
	if (mkdir(root.data, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		berr_set(err, BERR_IO, "cannot create '%s': %s", root.data, strerror(e));
		buf_release(&root);
		return BERR_IO;
	}
	struct mirror_store *s = xcalloc(1, sizeof(*s));
	s->root = buf_detach(&root, NULL);
	s->max_fetch_bytes = MIRROR_DEFAULT_MAX_FETCH_BYTES;
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return 0;
}

void mirror_store_free(struct mirror_store *s)
{
	if (!s)
		return;
	struct mirror_entry *e = s->entries;
	while (e) {
		struct mirror_entry *next = e->next;
		for (size_t i = 0; i < e->nidle; i++)
			git_repository_free(e->idle[i]);
		pthread_mutex_destroy(&e->mu);
		pthread_cond_destroy(&e->cond);
		free(e->url);
		free(e);
		e = next;
	}
	pthread_mutex_destroy(&s->mu);
	free(s->root);
	free(s);
}

void mirror_store_set_max_fetch_bytes(struct mirror_store *s, size_t max)
{
	s->max_fetch_bytes = max ? max : MIRROR_DEFAULT_MAX_FETCH_BYTES;
}

void mirror_store_stats(struct mirror_store *s, struct mirror_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->stats;
	pthread_mutex_unlock(&s->mu);
}

void mirror_path(struct buf *out, const struct mirror_store *s, const char *url)
{
	char hex[65];
	sha256_hex(hex, url, strlen(url));
	buf_addf(out, "%s/%s", s->root, hex);
}

static struct mirror_entry *entry_get(struct mirror_store *s, const char *url)
{
	pthread_mutex_lock(&s->mu);
	struct mirror_entry *e;
	for (e = s->entries; e; e = e->next)
		if (!strcmp(e->url, url))
			break;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->url = xstrdup(url);
		pthread_mutex_init(&e->mu, NULL);
		pthread_cond_init(&e->cond, NULL);
		e->next = s->entries;
		s->entries = e;
	}
	pthread_mutex_unlock(&s->mu);
	return e;
}

static void stats_add(struct mirror_store *s, unsigned long *field, double secs)
{
	pthread_mutex_lock(&s->mu);
	(*field)++;
	s->stats.seconds += secs;
	pthread_mutex_unlock(&s->mu);
}

/* Points HEAD of the mirror at the remote's default branch (or its detached HEAD). */
static void update_head(git_repository *repo, git_remote *remote)
{
	git_buf branch = GIT_BUF_INIT;
	if (!git_remote_default_branch(&branch, remote)) {
		git_reference *ref = NULL;
		if (!git_reference_symbolic_create(&ref, repo, "HEAD", branch.ptr, 1, "mirror: remote HEAD"))
			git_reference_free(ref);
		git_buf_dispose(&branch);
		return;
	}
	const git_remote_head **heads;
	size_t n = 0;
	if (git_remote_ls(&heads, &n, remote))
		return;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, "HEAD")) {
			git_repository_set_head_detached(repo, &heads[i]->oid);
			return;
		}
}

static int fetch_into(git_repository *repo, struct fetch_ctx *c, struct berr *err)
{
	git_remote *remote = NULL;
	git_remote_callbacks cb;
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	git_proxy_options po;
	git_proxy_options_init(&po, GIT_PROXY_OPTIONS_VERSION);
	char *spec = "+refs/*:refs/*";
	git_strarray refspecs = { &spec, 1 };
	int rc, ret = 0;

	setup_callbacks(&cb, c);
	po.type = GIT_PROXY_AUTO;       /* http(s)_proxy / no_proxy from the environment */
	fo.callbacks = cb;
	fo.proxy_opts = po;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;   /* the refspec has them */
	fo.update_fetchhead = 0;

	/* anonymous, and no url.*.insteadOf lookup (it leaks in libgit2 1.5) */
	git_remote_create_options ro;
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if ((rc = git_remote_create_with_opts(&remote, c->s.url, &ro)) < 0)
		return git_fail(err, "invalid repository URL", c, rc);
	if ((rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, &po, NULL)) < 0) {
		ret = git_fail(err, "cannot connect to repository", c, rc);
		goto out;
	}
	if ((rc = git_remote_download(remote, &refspecs, &fo)) < 0) {
		ret = git_fail(err, "cannot fetch repository", c, rc);
		goto out;
	}
	if ((rc = git_remote_update_tips(remote, &cb, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "mirror: fetch")) < 0
	    || (rc = git_remote_prune(remote, &cb)) < 0) {
		ret = git_fail(err, "cannot update refs of repository", c, rc);
		goto out;
	}
	update_head(repo, remote);
out:
	git_remote_disconnect(remote);
	git_remote_free(remote);
	return ret;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes a temporary clone directory (never follows symlinks). */
static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int do_fetch(struct mirror_store *s, const char *url,
		    const struct repo_creds *creds, long timeout_ms, struct berr *err)
{
	struct fetch_ctx c = { .s = { .url = url, .creds = creds, .tmp_dir = s->root },
			       .max_bytes = s->max_fetch_bytes };
	if (timeout_ms > 0)
		c.s.deadline = clock_s() + timeout_ms / 1000.0;
	int is_ssh = !strncmp(url, "ssh://", 6) || !strncmp(url, "git+ssh://", 10)
		|| (!strstr(url, "://") && strchr(url, ':') && url[0] != '/');
	if (is_ssh && !transport_ssh_available() && !(git_features & GIT_FEATURE_SSH))
		return fail(err, BERR_UNSUPPORTED, "cannot fetch", url, creds,
			    "neither OpenSSH's ssh nor libgit2's SSH support is installed");
	const char *local = !strncmp(url, "file://", 7) ? url + 7 : url[0] == '/' ? url : NULL;
	struct stat lst;
	if (local && stat(local, &lst) < 0)
		return fail(err, BERR_NOTFOUND, "repository", url, creds, "no such directory");
	struct buf path = BUF_INIT, lock = BUF_INIT, tmp = BUF_INIT;
	mirror_path(&path, s, url);
	buf_addf(&lock, "%s.lock", path.data);
	int rc = 0;
	int fd = open(lock.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		rc = berr_set(err, BERR_IO, "cannot lock mirror '%s': %s", lock.data, strerror(errno));
		goto out;
	}
	git_repository *repo = NULL;
	struct stat st;
	if (stat(path.data, &st) == 0) {
		if ((rc = git_repository_open_bare(&repo, path.data)) < 0) {
			rc = fail(err, BERR_IO, "cannot open mirror of", url, creds,
				  git_error_last() ? git_error_last()->message : "");
			goto out;
		}
		rc = fetch_into(repo, &c, err);
		git_repository_free(repo);
		goto out;
	}
	buf_addf(&tmp, "%s.tmp-%ld", path.data, (long)getpid());
	remove_tree(tmp.data);
	if ((rc = git_repository_init(&repo, tmp.data, 1)) < 0) {
		rc = berr_set(err, BERR_IO, "cannot create mirror '%s': %s", tmp.data,
			      git_error_last() ? git_error_last()->message : "");
		goto out;
	}
	rc = fetch_into(repo, &c, err);
	git_repository_free(repo);
	if (rc == 0 && rename(tmp.data, path.data) < 0)
		rc = berr_set(err, BERR_IO, "cannot move mirror into '%s': %s", path.data, strerror(errno));
	if (rc < 0)
		remove_tree(tmp.data);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	buf_release(&lock);
	buf_release(&tmp);
	return rc;
}

int mirror_fetch(struct mirror_store *s, const char *url,
		 const struct repo_creds *creds, long fresh_ms, long timeout_ms,
		 struct berr *err)
{
	if (!url || !*url)
		return berr_set(err, BERR_INVALID, "repository URL is empty");
	unsigned char fp[FINGERPRINT_LEN];
	creds_fingerprint(fp, creds);
	struct mirror_entry *e = entry_get(s, url);

	pthread_mutex_lock(&e->mu);
	for (;;) {
		if (fresh_ms > 0 && e->done_at > 0 && !memcmp(e->fingerprint, fp, sizeof(fp))
		    && clock_s() - e->done_at < fresh_ms / 1000.0) {
			pthread_mutex_unlock(&e->mu);
			stats_add(s, &s->stats.fresh, 0);
			return 0;
		}
		if (!e->busy)
			break;
		unsigned long gen = e->gen;
		int same = !memcmp(e->fingerprint, fp, sizeof(fp));
		while (e->gen == gen)
			pthread_cond_wait(&e->cond, &e->mu);
		if (same) {
			int rc = e->result;
			if (rc < 0)
				berr_set(err, rc, "%s", e->msg);
			pthread_mutex_unlock(&e->mu);
			stats_add(s, &s->stats.shared, 0);
			return rc;
		}
	}
	e->busy = 1;
	memcpy(e->fingerprint, fp, sizeof(fp));
	pthread_mutex_unlock(&e->mu);

	struct berr local = BERR_INIT;
	double start = clock_s();
	int rc = do_fetch(s, url, creds, timeout_ms, &local);
	double secs = clock_s() - start;
	stats_add(s, &s->stats.fetches, secs);
	if (rc < 0) {
		pthread_mutex_lock(&s->mu);
		s->stats.failures++;
		pthread_mutex_unlock(&s->mu);
		struct buf red = BUF_INIT;
		mirror_redact_url(&red, url);
		log_warn("git fetch failed", "repo", red.data, "error", local.msg, NULL);
		buf_release(&red);
	}

	pthread_mutex_lock(&e->mu);
	e->result = rc;
	memcpy(e->msg, local.msg, sizeof(e->msg));
	e->done_at = rc == 0 ? clock_s() : 0;
	e->busy = 0;
	e->gen++;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->mu);
	if (rc < 0 && err)
		*err = local;
	return rc;
}

void mirror_invalidate(struct mirror_store *s, const char *url)
{
	struct mirror_entry *e = entry_get(s, url);
	pthread_mutex_lock(&e->mu);
	e->done_at = 0;
	pthread_mutex_unlock(&e->mu);
}

int mirror_open(git_repository **out, struct mirror_store *s, const char *url,
		struct berr *err)
{
	struct buf path = BUF_INIT;
	mirror_path(&path, s, url);
	int rc = git_repository_open_bare(out, path.data);
	buf_release(&path);
	if (rc == GIT_ENOTFOUND)
		return fail(err, BERR_NOTFOUND, "no mirror of", url, NULL, "not fetched yet");
	if (rc < 0)
		return fail(err, BERR_IO, "cannot open mirror of", url, NULL,
			    git_error_last() ? git_error_last()->message : "");
	return 0;
}

int mirror_borrow(git_repository **out, unsigned long *gen, struct mirror_store *s,
		  const char *url, struct berr *err)
{
	struct mirror_entry *e = entry_get(s, url);
	git_repository *stale[MIRROR_IDLE_MAX];
	size_t nstale = 0;
	*out = NULL;
	pthread_mutex_lock(&e->mu);
	*gen = e->gen;
	while (e->nidle && !*out) {
		e->nidle--;
		if (e->idle_gen[e->nidle] == e->gen)
			*out = e->idle[e->nidle];
		else
			stale[nstale++] = e->idle[e->nidle];
	}
	pthread_mutex_unlock(&e->mu);
	pthread_mutex_lock(&s->mu);
	s->idle_total -= nstale + (*out != NULL);
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < nstale; i++)
		git_repository_free(stale[i]);
	return *out ? 0 : mirror_open(out, s, url, err);
}

void mirror_give_back(struct mirror_store *s, const char *url, git_repository *repo,
		      unsigned long gen)
{
	if (!repo)
		return;
	struct mirror_entry *e = entry_get(s, url);
	pthread_mutex_lock(&s->mu);
	int keep = s->idle_total < MIRROR_IDLE_TOTAL;
	s->idle_total += keep;
	pthread_mutex_unlock(&s->mu);
	if (keep) {
		pthread_mutex_lock(&e->mu);
		keep = gen == e->gen && e->nidle < MIRROR_IDLE_MAX;
		if (keep) {
			e->idle[e->nidle] = repo;
			e->idle_gen[e->nidle++] = gen;
		}
		pthread_mutex_unlock(&e->mu);
		if (!keep) {
			pthread_mutex_lock(&s->mu);
			s->idle_total--;
			pthread_mutex_unlock(&s->mu);
		}
	}
	if (!keep)
		git_repository_free(repo);
}

int mirror_test_connection(const char *url, const struct repo_creds *creds,
			   long timeout_ms, size_t *out_refs, struct berr *err)
{
	mirror_global_init();
	if (!url || !*url)
		return berr_set(err, BERR_INVALID, "repository URL is empty");
	struct fetch_ctx c = { .s = { .url = url, .creds = creds } };
	if (timeout_ms > 0)
		c.s.deadline = clock_s() + timeout_ms / 1000.0;
	git_remote *remote = NULL;
	git_remote_callbacks cb;
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	git_proxy_options po;
	git_proxy_options_init(&po, GIT_PROXY_OPTIONS_VERSION);
	setup_callbacks(&cb, &c);
	po.type = GIT_PROXY_AUTO;
	int rc = git_remote_create_detached(&remote, url);
	if (rc < 0)
		return git_fail(err, "invalid repository URL", &c, rc);
	if ((rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, &po, NULL)) < 0) {
		rc = git_fail(err, "cannot connect to repository", &c, rc);
	} else {
		const git_remote_head **heads;
		size_t n = 0;
		if ((rc = git_remote_ls(&heads, &n, remote)) < 0)
			rc = git_fail(err, "cannot list refs of repository", &c, rc);
		else if (out_refs)
			*out_refs = n;
	}
	git_remote_disconnect(remote);
	git_remote_free(remote);
	return rc < 0 ? rc : 0;
}
