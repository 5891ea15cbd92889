/*
 * jwt — compact JSON Web Tokens signed with HMAC-SHA256: the API's session
 * and project tokens, and the bundled cluster's ServiceAccount tokens.
 */
#ifndef BOSUN_JWT_H
#define BOSUN_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

#define JWT_MAX_LEN 8192

/*
 * Signs claims (a JSON object, borrowed) with HMAC-SHA256 and returns the
 * compact token in *out (malloc'd, the caller frees it).
 */
int jwt_sign(char **out, const json_t *claims, const void *key, size_t keylen,
	     struct berr *err);

/*
 * Verifies a compact token: the header's alg must be exactly "HS256" (so
 * "none" and every other algorithm are refused), the signature must match
 * (constant-time), iss must equal `iss`, aud must be or contain `aud`, exp
 * must be after `now`, nbf (when present) not after `now`, and sub and jti
 * must be non-empty strings. Returns 0 and the claims in *out (new
 * reference), or BERR_AUTH with the reason (never the token) in err.
 */
int jwt_verify(json_t **out, const char *token, const void *key, size_t keylen,
	       const char *iss, const char *aud, time_t now, struct berr *err);

#endif
