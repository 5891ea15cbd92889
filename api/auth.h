/*
 * auth — the pure building blocks of the API's authentication:
 * JWT HS256 sessions (lib/jwt.h), PBKDF2 password hashes and the login throttle. None of
 * them talks to the cluster, so unit tests drive them directly; accounts.c
 * puts them together with the objects in the control-plane cluster.
 */
#ifndef BOSUN_API_AUTH_H
#define BOSUN_API_AUTH_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "jwt.h"
#include "err.h"

/* ------------------------------------------------------------ passwords */

#define PASSWORD_ITERATIONS 600000      /* OWASP's figure for PBKDF2-SHA256 */
#define PASSWORD_MIN_ITERATIONS 1000
#define PASSWORD_MAX_ITERATIONS 10000000
#define PASSWORD_MAX_LEN 1024

/*
 * Hashes password with PBKDF2-HMAC-SHA256, a random 16-byte salt and
 * `iterations` rounds into "$pbkdf2-sha256$<iterations>$<salt>$<hash>"
 * (base64url). *out is malloc'd; the caller frees it.
 */
int password_hash(char **out, const char *password, unsigned iterations, struct berr *err);
/* 1 when password matches the encoded hash, 0 when not, BERR_INVALID when
 * the encoded hash is malformed or its cost is out of bounds. */
int password_verify(const char *password, const char *encoded, struct berr *err);
/* Checks a new password's strength: 8..PASSWORD_MAX_LEN bytes. */
int password_check_policy(const char *password, struct berr *err);

/* Random bytes from OpenSSL; aborts when the generator fails. */
void api_random_bytes(void *out, size_t len);
/* A random identifier of 2*nbytes hex digits into out (size 2*nbytes+1). */
void api_random_hex(char *out, size_t nbytes);

/* ------------------------------------------------------------ throttle */

/*
 * Failed logins per user name, in a table of bounded size: once a name has
 * `max_failures` failures within `window_s` seconds, each further attempt
 * must wait 4 * 2^(failures - max_failures) seconds (at most 60) after the
 * last failure. A full table forgets expired entries first, then the oldest.
 * Thread-safe.
 */
struct throttle;

struct throttle *throttle_new(size_t max_entries, unsigned max_failures, long window_s);
void throttle_free(struct throttle *t);
/* Seconds the caller must still wait before trying `user`; 0 = go ahead. */
long throttle_check(struct throttle *t, const char *user, time_t now);
void throttle_fail(struct throttle *t, const char *user, time_t now);
void throttle_success(struct throttle *t, const char *user);
/* Entries in the table (for tests and metrics). */
size_t throttle_size(struct throttle *t);

#endif
