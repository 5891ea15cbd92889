/*
 * base64 — standard base64 (Secret data) and base64url (JWT segments,
 * password hashes). Small enough to own instead of bending OpenSSL's
 * EVP_EncodeBlock, which knows neither the URL alphabet nor missing padding.
 */
#include <string.h>

#include "api/auth.h"

static const char std_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void encode(struct buf *out, const unsigned char *p, size_t len, const char *alpha,
		   int pad)
{
	buf_grow(out, (len + 2) / 3 * 4 + 1);
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		buf_addch(out, alpha[v >> 18 & 63]);
		buf_addch(out, alpha[v >> 12 & 63]);
		buf_addch(out, alpha[v >> 6 & 63]);
		buf_addch(out, alpha[v & 63]);
	}
	if (i < len) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		buf_addch(out, alpha[v >> 18 & 63]);
		buf_addch(out, alpha[v >> 12 & 63]);
		if (i + 1 < len)
			buf_addch(out, alpha[v >> 6 & 63]);
		else if (pad)
			buf_addch(out, '=');
		if (pad)
			buf_addch(out, '=');
	}
}

void api_b64url_encode(struct buf *out, const void *data, size_t len)
{
	encode(out, data, len, url_alphabet, 0);
}

void api_b64_encode(struct buf *out, const void *data, size_t len)
{
	encode(out, data, len, std_alphabet, 1);
}

static int value_of(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

static int decode(struct buf *out, const char *text, size_t len, int url, struct berr *err)
{
	while (len > 0 && text[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return berr_set(err, BERR_INVALID, "invalid base64 length %zu", len);
	unsigned acc = 0;
	int bits = 0;
	buf_grow(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		int v = value_of(text[i], url);
		if (v < 0)
			return berr_set(err, BERR_INVALID, "invalid base64 character at offset %zu",
					i);
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (char)(acc >> bits & 0xff));
		}
	}
	return 0;
}

int api_b64url_decode(struct buf *out, const char *text, size_t len, struct berr *err)
{
	return decode(out, text, len, 1, err);
}

int api_b64_decode(struct buf *out, const char *text, size_t len, struct berr *err)
{
	return decode(out, text, len, 0, err);
}
