/*
 * jwt — JSON Web Tokens signed with HMAC-SHA256, the only algorithm Bosun
 * accepts. The algorithm is pinned by the verifier, not chosen by the
 * token, so "alg": "none" and key-confusion tricks are refused outright.
 * Claims are checked strictly: issuer, audience, expiry, not-before, and a
 * subject and token id that revocation can refer to. Bosun's API signs its
 * sessions with it and the bundled cluster its ServiceAccount tokens.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "base64.h"
#include "jwt.h"

static void hmac_sha256(unsigned char out[32], const void *key, size_t keylen,
			const void *data, size_t len)
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n);
}

int jwt_sign(char **out, const json_t *claims, const void *key, size_t keylen,
	     struct berr *err)
{
	if (!json_is_object(claims))
		return berr_set(err, BERR_INVALID, "token claims must be an object");
	if (keylen < 16)
		return berr_set(err, BERR_INVALID, "signing key is too short");
	struct buf tok = BUF_INIT;
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	b64url_encode(&tok, header, sizeof(header) - 1);
	buf_addch(&tok, '.');
	char *payload = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
	if (!payload) {
		buf_release(&tok);
		return berr_set(err, BERR_INVALID, "token claims cannot be serialised");
	}
	b64url_encode(&tok, payload, strlen(payload));
	free(payload);
	unsigned char mac[32];
	hmac_sha256(mac, key, keylen, tok.data, tok.len);
	buf_addch(&tok, '.');
	b64url_encode(&tok, mac, sizeof(mac));
	*out = buf_detach(&tok, NULL);
	return 0;
}

static int decode_json_segment(json_t **out, const char *seg, size_t len, const char *what,
			       struct berr *err)
{
	struct buf raw = BUF_INIT;
	if (b64url_decode(&raw, seg, len, err) < 0) {
		buf_release(&raw);
		return berr_set(err, BERR_AUTH, "invalid token: malformed %s", what);
	}
	json_error_t jerr;
	*out = json_loadb(raw.data, raw.len, JSON_REJECT_DUPLICATES, &jerr);
	buf_release(&raw);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return berr_set(err, BERR_AUTH, "invalid token: malformed %s", what);
	}
	return 0;
}

static int has_audience(const json_t *aud, const char *want)
{
	if (json_is_string(aud))
		return !strcmp(json_string_value(aud), want);
	if (json_is_array(aud)) {
		size_t i;
		json_t *v;
		json_array_foreach(aud, i, v)
			if (json_is_string(v) && !strcmp(json_string_value(v), want))
				return 1;
	}
	return 0;
}

static int numeric_claim(const json_t *claims, const char *name, json_int_t *out)
{
	json_t *v = json_object_get(claims, name);
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d > -1e15 && d < 1e15) {
			*out = (json_int_t)d;
			return 1;
		}
	}
	return v ? -1 : 0;
}

static int nonempty_string(const json_t *claims, const char *name)
{
	const json_t *v = json_object_get(claims, name);
	return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 256;
}

static int check_claims(const json_t *c, const char *iss, const char *aud, time_t now,
			struct berr *err)
{
	const json_t *v = json_object_get(c, "iss");
	if (!json_is_string(v) || strcmp(json_string_value(v), iss))
		return berr_set(err, BERR_AUTH, "invalid token: wrong issuer");
	if (!has_audience(json_object_get(c, "aud"), aud))
		return berr_set(err, BERR_AUTH, "invalid token: wrong audience");
	json_int_t t;
	if (numeric_claim(c, "exp", &t) != 1)
		return berr_set(err, BERR_AUTH, "invalid token: no expiry");
	if (t <= (json_int_t)now)
		return berr_set(err, BERR_AUTH, "token is expired");
	int has = numeric_claim(c, "nbf", &t);
	if (has < 0 || (has && t > (json_int_t)now + 60))
		return berr_set(err, BERR_AUTH, "invalid token: not valid yet");
	if (numeric_claim(c, "iat", &t) != 1)
		return berr_set(err, BERR_AUTH, "invalid token: no issue time");
	if (!nonempty_string(c, "sub"))
		return berr_set(err, BERR_AUTH, "invalid token: no subject");
	if (!nonempty_string(c, "jti"))
		return berr_set(err, BERR_AUTH, "invalid token: no token id");
	return 0;
}

int jwt_verify(json_t **out, const char *token, const void *key, size_t keylen,
	       const char *iss, const char *aud, time_t now, struct berr *err)
{
	*out = NULL;
	size_t len = strlen(token);
	if (len == 0 || len > JWT_MAX_LEN)
		return berr_set(err, BERR_AUTH, "invalid token: bad length");
	const char *d1 = memchr(token, '.', len);
	const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
		return berr_set(err, BERR_AUTH, "invalid token: not three segments");

	json_t *header;
	if (decode_json_segment(&header, token, (size_t)(d1 - token), "header", err) < 0)
		return BERR_AUTH;
	const json_t *alg = json_object_get(header, "alg");
	int alg_ok = json_is_string(alg) && !strcmp(json_string_value(alg), "HS256") &&
		     !json_object_get(header, "crit");
	json_decref(header);
	if (!alg_ok)
		return berr_set(err, BERR_AUTH, "invalid token: algorithm must be HS256");

	struct buf sig = BUF_INIT;
	if (b64url_decode(&sig, d2 + 1, len - (size_t)(d2 + 1 - token), NULL) < 0 ||
	    sig.len != 32) {
		buf_release(&sig);
		return berr_set(err, BERR_AUTH, "invalid token: malformed signature");
	}
	unsigned char mac[32];
	hmac_sha256(mac, key, keylen, token, (size_t)(d2 - token));
	int match = CRYPTO_memcmp(mac, sig.data, 32) == 0;
	buf_release(&sig);
	if (!match)
		return berr_set(err, BERR_AUTH, "invalid token: signature mismatch");

	json_t *claims;
	if (decode_json_segment(&claims, d1 + 1, (size_t)(d2 - d1 - 1), "claims", err) < 0)
		return BERR_AUTH;
	if (check_claims(claims, iss, aud, now, err) < 0) {
		json_decref(claims);
		return BERR_AUTH;
	}
	*out = claims;
	return 0;
}
