/*
 * mirror — one bare mirror per repository URL, fetched on demand.
 *
 * A mirror store lives under `<data-dir>/repos/`; the mirror of a URL is the
 * bare repository `<data-dir>/repos/<sha256 of the URL in hex>`, holding every
 * ref of the remote as `git clone --mirror` does (all of refs/, pruned)
 * and a HEAD that follows the remote's default branch. The URL itself is
 * never written into the mirror's config, so a URL carrying credentials does
 * not land on disk.
 *
 * Fetches are de-duplicated: one fetch per repository at a time. A caller
 * that arrives while a fetch with the same credentials is running waits for
 * it and shares its result; a caller with other credentials waits, then
 * fetches itself (a wrong password must not poison a right one). A lock file
 * beside the mirror serialises fetches across processes sharing a data dir.
 *
 * Credentials come from the caller in struct repo_creds and stay there:
 * nothing here logs them, and every error message is scrubbed of the
 * password, passphrase and any user:password@ part of the URL.
 */
#ifndef BOSUN_REPO_MIRROR_H
#define BOSUN_REPO_MIRROR_H

#include <git2.h>
#include <jansson.h>

#include "buf.h"
#include "err.h"

struct repo_creds {
	const char *username;           /* https user (default "git" for ssh) */
	const char *password;           /* https password or token */
	const char *ssh_private_key;    /* private key text (PEM / OpenSSH) */
	const char *ssh_passphrase;
	const char *ssh_known_hosts;    /* known_hosts text the server key must match */
	const char *ca_pem;             /* extra trusted CAs for https (PEM text) */
	const char *tls_client_cert;    /* https client certificate (PEM, chain may follow) */
	const char *tls_client_key;     /* its private key (PEM, unencrypted) */
	int insecure;                   /* skip the host key and TLS checks */
};

struct mirror_store;

struct mirror_stats {
	unsigned long fetches;          /* fetches run against a remote */
	unsigned long failures;         /* of which failed */
	unsigned long shared;           /* callers that shared another's fetch */
	unsigned long fresh;            /* callers served by a recent fetch */
	double seconds;                 /* total time spent fetching */
};

#define MIRROR_DEFAULT_MAX_FETCH_BYTES ((size_t)4 << 30)

/* Initialises libgit2 once per process (thread-safe, idempotent). */
void mirror_global_init(void);

/* Opens (creating) `<data_dir>/repos`. The store is freed with
 * mirror_store_free(), which must not race with calls using it. */
int mirror_store_open(struct mirror_store **out, const char *data_dir,
		      struct berr *err);
void mirror_store_free(struct mirror_store *s);
/* Bytes one fetch may receive before it is aborted (BERR_LIMIT); 0 = the
 * default of 4 GiB. A remote cannot fill the disk. */
void mirror_store_set_max_fetch_bytes(struct mirror_store *s, size_t max);

/*
 * Brings the mirror of `url` up to date: clones it the first time, fetches
 * and prunes afterwards. When a fetch of this URL finished successfully less
 * than `fresh_ms` ago, returns at once (0 always fetches). `timeout_ms`
 * (0 = none) aborts a transfer that runs longer. `creds` may be NULL.
 */
int mirror_fetch(struct mirror_store *s, const char *url,
		 const struct repo_creds *creds, long fresh_ms, long timeout_ms,
		 struct berr *err);

/* Opens the mirror of `url` (BERR_NOTFOUND when never fetched). The caller
 * frees *out with git_repository_free(); one handle per thread. */
int mirror_open(git_repository **out, struct mirror_store *s, const char *url,
		struct berr *err);

/*
 * The same, reusing a handle an earlier request gave back: an open handle
 * keeps libgit2's object cache, so the large trees every render of the
 * repository walks through (a directory of 10,000 apps) are parsed once,
 * not once per render. The handle is the caller's alone until it goes back
 * with mirror_give_back() and the `gen` it came with; handles opened before
 * the mirror's last fetch are closed instead of reused.
 */
int mirror_borrow(git_repository **out, unsigned long *gen, struct mirror_store *s,
		  const char *url, struct berr *err);
void mirror_give_back(struct mirror_store *s, const char *url, git_repository *repo,
		      unsigned long gen);

/* Connects to `url` and lists its refs without touching any mirror: the
 * check behind "test connection". Fills *out_refs (may be NULL) with the
 * number of refs advertised. */
int mirror_test_connection(const char *url, const struct repo_creds *creds,
			   long timeout_ms, size_t *out_refs, struct berr *err);

/* Forgets when `url` was last fetched, so the next mirror_fetch() fetches
 * whatever its fresh_ms (a webhook said the repository changed). */
void mirror_invalidate(struct mirror_store *s, const char *url);

/* Appends the directory of the mirror of `url`. */
void mirror_path(struct buf *out, const struct mirror_store *s, const char *url);

/* Appends `url` with any user:password@ part replaced by "***@". */
void mirror_redact_url(struct buf *out, const char *url);

void mirror_store_stats(struct mirror_store *s, struct mirror_stats *out);

#endif
