/* Unit tests for lib/base64: RFC 4648 vectors, both alphabets, padding,
 * whitespace, and the errors for text that is not base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"

static void test_vectors(void **state)
{
	(void)state;
	const char *cases[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		struct buf b = BUF_INIT, d = BUF_INIT;
		b64_encode(&b, cases[i], strlen(cases[i]));
		assert_string_equal(b.data, want[i]);
		assert_int_equal(b64_decode(&d, b.data, b.len, NULL), 0);
		assert_string_equal(d.data, cases[i]);
		buf_reset(&d);          /* padding is optional */
		size_t n = strcspn(want[i], "=");
		assert_int_equal(b64_decode(&d, want[i], n, NULL), 0);
		assert_memory_equal(d.data, cases[i], strlen(cases[i]));
		assert_int_equal(d.len, strlen(cases[i]));
		buf_release(&b);
		buf_release(&d);
	}
}

static void test_all_bytes(void **state)
{
	(void)state;
	unsigned char raw[256];
	for (int i = 0; i < 256; i++)
		raw[i] = (unsigned char)(255 - i);
	for (size_t n = 0; n <= sizeof(raw); n += 37) {
		struct buf e = BUF_INIT, d = BUF_INIT, u = BUF_INIT, du = BUF_INIT;
		b64_encode(&e, raw, n);
		b64url_encode(&u, raw, n);
		assert_null(memchr(u.data, '=', u.len));
		assert_null(memchr(u.data, '+', u.len));
		assert_null(memchr(u.data, '/', u.len));
		assert_int_equal(b64_decode(&d, e.data, e.len, NULL), 0);
		assert_int_equal(b64url_decode(&du, u.data, u.len, NULL), 0);
		assert_int_equal(d.len, n);
		assert_int_equal(du.len, n);
		assert_memory_equal(d.data, raw, n);
		assert_memory_equal(du.data, raw, n);
		buf_release(&e);
		buf_release(&d);
		buf_release(&u);
		buf_release(&du);
	}
}

static void test_whitespace(void **state)
{
	(void)state;
	struct buf d = BUF_INIT;
	const char *pem = "Zm9v\nYmFy\r\n Zg==\n";
	assert_int_equal(b64_decode(&d, pem, strlen(pem), NULL), 0);
	assert_string_equal(d.data, "foobarf");
	buf_release(&d);
}

static void expect_invalid(int url, const char *text, const char *msg)
{
	struct buf d = BUF_INIT;
	struct berr err = BERR_INIT;
	int rc = url ? b64url_decode(&d, text, strlen(text), &err)
		     : b64_decode(&d, text, strlen(text), &err);
	assert_int_equal(rc, BERR_INVALID);
	assert_non_null(strstr(err.msg, msg));
	buf_release(&d);
	berr_clear(&err);
}

static void test_errors(void **state)
{
	(void)state;
	expect_invalid(1, "ab$d", "character at offset 2");
	expect_invalid(0, "ab-d", "character at offset 2");     /* URL alphabet in standard text */
	expect_invalid(1, "ab+d", "character at offset 2");
	expect_invalid(0, "abcde", "length 5");
	expect_invalid(0, "Zg=a", "character at offset 3");      /* data after padding */
	expect_invalid(0, "Zg===", "character at offset 4");
	expect_invalid(0, "Zm9=v", "character at offset 4");
	expect_invalid(0, "Zg=", "length 3");                    /* half the padding */
}

/* Go's StdEncoding, as YAML's !!binary reads it: padding required, line
 * breaks skipped, nothing else. */
static void test_padded(void **state)
{
	(void)state;
	struct buf d = BUF_INIT;
	struct berr err = BERR_INIT;
	assert_int_equal(b64_decode_padded(&d, "Zm9v\nYg==\r\n", 11, NULL), 0);
	assert_string_equal(d.data, "foob");
	assert_int_equal(b64_decode_padded(&d, "Zg", 2, &err), BERR_INVALID);
	assert_int_equal(b64_decode_padded(&d, "Zm9v Yg==", 9, &err), BERR_INVALID);
	assert_int_equal(b64_decode(&d, "Zg", 2, NULL), 0);
	buf_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_all_bytes),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_padded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
