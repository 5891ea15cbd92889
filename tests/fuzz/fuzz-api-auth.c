/*
 * fuzz-api-auth — hostile input into the API's auth parsers: a JWT to
 * verify (after a valid token re-signed around the fuzzed claims, so the
 * claim checks are reached too), an RBAC policy CSV with requests whose
 * names come from the input, and base64 text. The first byte picks the
 * parser. The API's pure sources are compiled in here, because the fuzz
 * build links lib/ only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "jwt.h"
#include "../../api/rbac.c"

static const char key[] = "fuzz-key-0123456789abcdef-fuzz-key";

static void fuzz_jwt(const char *s, size_t n)
{
	json_t *out = NULL;
	jwt_verify(&out, s, key, strlen(key), "bosun", "bosun", 1700000000, NULL);
	json_decref(out);
	/* the same bytes as claims of a correctly signed token */
	json_t *claims = json_loadb(s, n, 0, NULL);
	if (json_is_object(claims)) {
		char *tok = NULL;
		if (jwt_sign(&tok, claims, key, strlen(key), NULL) == 0) {
			if (jwt_verify(&out, tok, key, strlen(key), "bosun", "bosun", 1700000000,
				       NULL) == 0 &&
			    !json_is_string(json_object_get(out, "sub")))
				abort();
			json_decref(out);
			free(tok);
		}
	}
	json_decref(claims);
}

static void fuzz_rbac(const char *s)
{
	struct rbac_policy *p = NULL;
	if (rbac_policy_parse(&p, s, "role:readonly", NULL) < 0)
		return;
	const char *names[] = { "admin", "alice", "role:admin", "g", "*", "" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		rbac_enforce(p, names[i], "applications", "sync", "default/web");
	/* the first line's words as request fields */
	char line[256];
	size_t len = strcspn(s, "\n");
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, s, len);
	line[len] = 0;
	rbac_enforce(p, line, line, line, line);
	rbac_glob(line, "default/some-app/with/slashes");
	rbac_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	char *s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	struct buf b = BUF_INIT;
	switch (data[0] % 3) {
	case 0:
		fuzz_jwt(s, strlen(s));
		break;
	case 1:
		fuzz_rbac(s);
		break;
	default:
		b64url_decode(&b, s, strlen(s), NULL);
		buf_reset(&b);
		b64_decode(&b, s, strlen(s), NULL);
		break;
	}
	buf_release(&b);
	free(s);
	return 0;
}
