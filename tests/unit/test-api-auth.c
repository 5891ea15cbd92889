/* Unit tests for the API's pure auth parts: base64, JWT (with the usual
 * attacks), PBKDF2 password hashes, the login throttle and RBAC policies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "api/auth.h"
#include "api/rbac.h"

static const char key[] = "0123456789abcdef0123456789abcdef";
#define NOW 1700000000

static json_t *claims(long exp)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "bosun", "aud", "bosun",
			 "sub", "alice", "iat", (json_int_t)NOW, "exp", (json_int_t)exp, "jti",
			 "abc123");
}

static char *sign(json_t *c, const char *k)
{
	char *tok = NULL;
	struct berr err = BERR_INIT;
	assert_int_equal(jwt_sign(&tok, c, k, strlen(k), &err), 0);
	json_decref(c);
	return tok;
}

static int verify(const char *tok, struct berr *err)
{
	json_t *out = NULL;
	int rc = jwt_verify(&out, tok, key, strlen(key), "bosun", "bosun", NOW, err);
	if (rc == 0) {
		assert_string_equal(json_string_value(json_object_get(out, "sub")), "alice");
		json_decref(out);
	} else {
		assert_null(out);
	}
	return rc;
}

static void test_jwt_roundtrip(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char *tok = sign(claims(NOW + 3600), key);
	assert_int_equal(verify(tok, &err), 0);
	free(tok);
}

static void test_jwt_wrong_key(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char *tok = sign(claims(NOW + 3600), "another-key-another-key-another");
	assert_int_equal(verify(tok, &err), BERR_AUTH);
	assert_non_null(strstr(err.msg, "signature"));
	free(tok);
}

static void test_jwt_expired(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char *tok = sign(claims(NOW - 1), key);
	assert_int_equal(verify(tok, &err), BERR_AUTH);
	assert_non_null(strstr(err.msg, "expired"));
	free(tok);
}

static void test_jwt_wrong_aud_iss(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	json_t *c = claims(NOW + 60);
	json_object_set_new(c, "aud", json_string("someone-else"));
	char *tok = sign(c, key);
	assert_int_equal(verify(tok, &err), BERR_AUTH);
	assert_non_null(strstr(err.msg, "audience"));
	free(tok);
	c = claims(NOW + 60);
	json_object_set_new(c, "aud", json_pack("[s,s]", "x", "bosun"));
	tok = sign(c, key);
	assert_int_equal(verify(tok, &err), 0);
	free(tok);
	c = claims(NOW + 60);
	json_object_set_new(c, "iss", json_string("evil"));
	tok = sign(c, key);
	assert_int_equal(verify(tok, &err), BERR_AUTH);
	assert_non_null(strstr(err.msg, "issuer"));
	free(tok);
	c = claims(NOW + 60);
	json_object_del(c, "jti");
	tok = sign(c, key);
	assert_int_equal(verify(tok, &err), BERR_AUTH);
	free(tok);
	c = claims(NOW + 60);
	json_object_set_new(c, "nbf", json_integer(NOW + 3600));
	tok = sign(c, key);
	assert_int_equal(verify(tok, &err), BERR_AUTH);
	free(tok);
}

/* A token re-headed with alg none (empty or original signature) and
 * alg HS512/RS256 must all be refused. */
static void test_jwt_alg_attacks(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char *tok = sign(claims(NOW + 3600), key);
	const char *dot = strchr(tok, '.');
	const char *dot2 = strchr(dot + 1, '.');
	const char *headers[] = { "{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\"}",
				  "{\"alg\":\"HS512\"}", "{\"alg\":\"RS256\"}", "{\"typ\":\"JWT\"}",
				  "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", "[1]", "not json" };
	for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); i++) {
		for (int withsig = 0; withsig < 2; withsig++) {
			struct buf b = BUF_INIT;
			b64url_encode(&b, headers[i], strlen(headers[i]));
			buf_add(&b, dot, (size_t)(dot2 - dot + 1));
			if (withsig)
				buf_adds(&b, dot2 + 1);
			assert_int_equal(verify(b.data, &err), BERR_AUTH);
			buf_release(&b);
		}
	}
	/* tampered claims with the original signature */
	struct buf b = BUF_INIT;
	buf_add(&b, tok, (size_t)(dot - tok + 1));
	const char *forged = "{\"iss\":\"bosun\",\"aud\":\"bosun\",\"sub\":\"admin\",\"iat\":1700000000,\"exp\":1900000000,\"jti\":\"x\"}";
	b64url_encode(&b, forged, strlen(forged));
	buf_adds(&b, dot2);
	assert_int_equal(verify(b.data, &err), BERR_AUTH);
	buf_release(&b);
	const char *junk[] = { "", "a", "a.b", "a.b.c.d", "..", "...", "x.y.z" };
	for (size_t i = 0; i < sizeof(junk) / sizeof(*junk); i++)
		assert_int_equal(verify(junk[i], &err), BERR_AUTH);
	char *huge = malloc(JWT_MAX_LEN + 10);
	memset(huge, 'a', JWT_MAX_LEN + 9);
	huge[JWT_MAX_LEN + 9] = 0;
	assert_int_equal(verify(huge, &err), BERR_AUTH);
	free(huge);
	free(tok);
}

static void test_password(void **state)
{
	(void)state;
	struct berr err = BERR_INIT;
	char *h = NULL, *h2 = NULL;
	assert_int_equal(password_hash(&h, "correct horse", 1000, &err), 0);
	assert_non_null(strstr(h, "$pbkdf2-sha256$1000$"));
	assert_int_equal(password_verify("correct horse", h, &err), 1);
	assert_int_equal(password_verify("correct hors", h, &err), 0);
	assert_int_equal(password_verify("", h, &err), 0);
	assert_int_equal(password_hash(&h2, "correct horse", 1000, &err), 0);
	assert_string_not_equal(h, h2);         /* salted */
	free(h);
	free(h2);
	assert_int_equal(password_hash(&h, "x", 10, &err), BERR_INVALID);
	const char *bad[] = { "", "plain", "$pbkdf2-sha256$", "$pbkdf2-sha256$99999999999$a$b",
			      "$pbkdf2-sha256$5$aaaaaaaaaaa$bbbb", "$pbkdf2-sha256$1000$!!$x",
			      "$pbkdf2-sha256$1000$aaaaaaaaaaaaaaaaaaaaaa$short" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(password_verify("x", bad[i], &err), BERR_INVALID);
	/* the default cost works and is recorded */
	assert_int_equal(password_hash(&h, "s3cret-pass", PASSWORD_ITERATIONS, &err), 0);
	assert_non_null(strstr(h, "$600000$"));
	assert_int_equal(password_verify("s3cret-pass", h, &err), 1);
	free(h);
	assert_int_equal(password_check_policy("short", &err), BERR_INVALID);
	assert_int_equal(password_check_policy("long enough", &err), 0);
}

static void test_throttle(void **state)
{
	(void)state;
	struct throttle *t = throttle_new(4, 5, 300);
	for (int i = 0; i < 4; i++)
		throttle_fail(t, "alice", NOW + i);
	assert_int_equal(throttle_check(t, "alice", NOW + 4), 0);
	throttle_fail(t, "alice", NOW + 4);
	assert_true(throttle_check(t, "alice", NOW + 4) > 0);
	assert_int_equal(throttle_check(t, "bob", NOW + 4), 0);
	assert_int_equal(throttle_check(t, "alice", NOW + 8), 0);       /* 4 s */
	throttle_fail(t, "alice", NOW + 8);     /* delays grow */
	assert_int_equal(throttle_check(t, "alice", NOW + 9), 7);
	assert_int_equal(throttle_check(t, "alice", NOW + 16), 0);
	for (int i = 0; i < 10; i++)
		throttle_fail(t, "alice", NOW + 20);
	assert_int_equal(throttle_check(t, "alice", NOW + 20), 60);     /* capped */
	/* a success forgets */
	throttle_success(t, "alice");
	assert_int_equal(throttle_check(t, "alice", NOW + 21), 0);
	/* the window expires */
	for (int i = 0; i < 5; i++)
		throttle_fail(t, "carol", NOW);
	assert_true(throttle_check(t, "carol", NOW) > 0);
	assert_int_equal(throttle_check(t, "carol", NOW + 400), 0);
	/* bounded memory: many names never grow the table past its size */
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		throttle_fail(t, name, NOW + 1000 + i);
	}
	assert_int_equal(throttle_size(t), 4);
	throttle_free(t);
}

static void test_rbac_builtin(void **state)
{
	(void)state;
	struct rbac_policy *p;
	struct berr err = BERR_INIT;
	assert_int_equal(rbac_policy_parse(&p, NULL, "role:readonly", &err), 0);
	assert_true(rbac_enforce(p, "admin", "applications", "delete", "default/web"));
	assert_true(rbac_enforce(p, "bob", "applications", "get", "default/web"));
	assert_false(rbac_enforce(p, "bob", "applications", "sync", "default/web"));
	assert_false(rbac_enforce(p, "bob", "repositories", "create", "https://x"));
	rbac_policy_free(p);
	assert_int_equal(rbac_policy_parse(&p, NULL, "", &err), 0);
	assert_false(rbac_enforce(p, "bob", "applications", "get", "default/web"));
	rbac_policy_free(p);
}

static void test_rbac_policy(void **state)
{
	(void)state;
	struct rbac_policy *p;
	struct berr err = BERR_INIT;
	const char *csv =
		"# team web may sync its apps but never delete prod\n"
		"p, role:web, applications, get, web/*, allow\n"
		"p, role:web, applications, sync, web/*, allow\n"
		"p, role:web, applications, *, web/prod-*, deny\n"
		"p, \"role:ops\", applications, *, */*, allow\n"
		"g, alice, role:web\n"
		"g, ops-team, role:ops\n"
		"g, carol, ops-team\n"
		"g, loop1, loop2\n"
		"g, loop2, loop1\n"
		"\n";
	assert_int_equal(rbac_policy_parse(&p, csv, NULL, &err), 0);
	assert_true(rbac_enforce(p, "alice", "applications", "sync", "web/frontend"));
	assert_false(rbac_enforce(p, "alice", "applications", "sync", "web/prod-api"));
	assert_false(rbac_enforce(p, "alice", "applications", "get", "web/prod-api"));
	assert_false(rbac_enforce(p, "alice", "applications", "delete", "web/frontend"));
	assert_false(rbac_enforce(p, "alice", "applications", "get", "other/frontend"));
	assert_true(rbac_enforce(p, "carol", "applications", "delete", "other/x"));
	assert_false(rbac_enforce(p, "carol", "projects", "delete", "other"));
	assert_false(rbac_enforce(p, "loop1", "applications", "get", "a/b"));
	rbac_policy_free(p);
	const char *bad[] = { "p, a, b, c\n", "x, a, b\n", "p, a, b, c, d, maybe\n",
			      "g, a\n", "p, a, , c, d, allow\n", "p, \"a, b, c, d, allow\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(rbac_policy_parse(&p, bad[i], NULL, &err), BERR_INVALID);
		assert_non_null(strstr(err.msg, "policy.csv':1"));
	}
}

static void test_rbac_glob(void **state)
{
	(void)state;
	assert_true(rbac_glob("*", ""));
	assert_true(rbac_glob("*/*", "a/b"));
	assert_true(rbac_glob("*", "a/b/c"));
	assert_true(rbac_glob("web/*", "web/x"));
	assert_false(rbac_glob("web/*", "webx/x"));
	assert_true(rbac_glob("a?c", "abc"));
	assert_false(rbac_glob("a?c", "ac"));
	assert_true(rbac_glob("*a*b*c*", "xxaxxbxxcxx"));
	assert_false(rbac_glob("*a*b*c*d", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbcccccccccc"));
	assert_true(rbac_glob("https://github.com/org/*", "https://github.com/org/repo.git"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jwt_roundtrip),
		cmocka_unit_test(test_jwt_wrong_key),
		cmocka_unit_test(test_jwt_expired),
		cmocka_unit_test(test_jwt_wrong_aud_iss),
		cmocka_unit_test(test_jwt_alg_attacks),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_rbac_builtin),
		cmocka_unit_test(test_rbac_policy),
		cmocka_unit_test(test_rbac_glob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
