/*
 * password — PBKDF2-HMAC-SHA256 password hashes through OpenSSL, stored as
 * "$pbkdf2-sha256$<iterations>$<salt>$<hash>" so the cost can be raised
 * later without invalidating older hashes. The cost read from a stored hash
 * is bounded, so a tampered Secret cannot make a login spin for minutes.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "api/auth.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define PREFIX "$pbkdf2-sha256$"

void api_random_bytes(void *out, size_t len)
{
	if (RAND_bytes(out, (int)len) != 1)
		abort();
}

void api_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	static const char hex[] = "0123456789abcdef";
	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	api_random_bytes(b, nbytes);
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = 0;
}

static int derive(unsigned char out[HASH_LEN], const char *password, const void *salt,
		  size_t salt_len, unsigned iterations)
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
				 (int)iterations, EVP_sha256(), HASH_LEN, out) == 1 ? 0 : -1;
}

int password_hash(char **out, const char *password, unsigned iterations, struct berr *err)
{
	if (iterations < PASSWORD_MIN_ITERATIONS || iterations > PASSWORD_MAX_ITERATIONS)
		return berr_set(err, BERR_INVALID, "iteration count %u out of range", iterations);
	if (strlen(password) > PASSWORD_MAX_LEN)
		return berr_set(err, BERR_INVALID, "password is too long");
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	api_random_bytes(salt, sizeof(salt));
	if (derive(hash, password, salt, sizeof(salt), iterations) < 0)
		return berr_set(err, BERR_FAIL, "password hashing failed");
	struct buf b = BUF_INIT;
	buf_addf(&b, PREFIX "%u$", iterations);
	b64url_encode(&b, salt, sizeof(salt));
	buf_addch(&b, '$');
	b64url_encode(&b, hash, sizeof(hash));
	OPENSSL_cleanse(hash, sizeof(hash));
	*out = buf_detach(&b, NULL);
	return 0;
}

int password_verify(const char *password, const char *encoded, struct berr *err)
{
	if (strncmp(encoded, PREFIX, strlen(PREFIX)))
		return berr_set(err, BERR_INVALID, "unknown password hash format");
	const char *p = encoded + strlen(PREFIX);
	char *end;
	unsigned long iterations = strtoul(p, &end, 10);
	if (end == p || *end != '$' || iterations < PASSWORD_MIN_ITERATIONS ||
	    iterations > PASSWORD_MAX_ITERATIONS)
		return berr_set(err, BERR_INVALID, "invalid password hash cost");
	const char *salt_text = end + 1;
	const char *dollar = strchr(salt_text, '$');
	if (!dollar)
		return berr_set(err, BERR_INVALID, "malformed password hash");
	struct buf salt = BUF_INIT, want = BUF_INIT;
	int rc = BERR_INVALID;
	if (b64url_decode(&salt, salt_text, (size_t)(dollar - salt_text), NULL) < 0 ||
	    b64url_decode(&want, dollar + 1, strlen(dollar + 1), NULL) < 0 ||
	    salt.len < 8 || salt.len > 64 || want.len != HASH_LEN) {
		berr_set(err, BERR_INVALID, "malformed password hash");
		goto out;
	}
	if (strlen(password) > PASSWORD_MAX_LEN) {
		rc = 0;
		goto out;
	}
	unsigned char got[HASH_LEN];
	if (derive(got, password, salt.data, salt.len, (unsigned)iterations) < 0) {
		berr_set(err, BERR_FAIL, "password hashing failed");
		rc = BERR_FAIL;
		goto out;
	}
	rc = CRYPTO_memcmp(got, want.data, HASH_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
out:
	buf_release(&salt);
	buf_release(&want);
	return rc;
}

int password_check_policy(const char *password, struct berr *err)
{
	size_t n = strlen(password);
	if (n < 8)
		return berr_set(err, BERR_INVALID, "password must have at least 8 characters");
	if (n > PASSWORD_MAX_LEN)
		return berr_set(err, BERR_INVALID, "password must have at most %d characters",
				PASSWORD_MAX_LEN);
	return 0;
}
