/*
 * base64 — see base64.h. One table-driven encoder and one decoder, each
 * taking the alphabet.
 */
#include "base64.h"

static const char std_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void encode(struct buf *out, const unsigned char *p, size_t len, const char *alpha,
		   int pad)
{
	buf_grow(out, (len + 2) / 3 * 4 + 1);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		buf_addch(out, alpha[v >> 18 & 63]);
		buf_addch(out, alpha[v >> 12 & 63]);
		if (i + 1 < len)
			buf_addch(out, alpha[v >> 6 & 63]);
		else if (pad)
			buf_addch(out, '=');
		if (i + 2 < len)
			buf_addch(out, alpha[v & 63]);
		else if (pad)
			buf_addch(out, '=');
	}
}

void b64_encode(struct buf *out, const void *data, size_t len)
{
	encode(out, data, len, std_alphabet, 1);
}

void b64url_encode(struct buf *out, const void *data, size_t len)
{
	encode(out, data, len, url_alphabet, 0);
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

/* strict: Go's StdEncoding — padding required, only \r and \n skipped. */
static int decode(struct buf *out, const char *text, size_t len, int url, int strict,
		  struct berr *err)
{
	unsigned acc = 0;
	int bits = 0;
	size_t digits = 0, pad = 0;
	buf_grow(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n' || c == '\r' || (!strict && (c == ' ' || c == '\t')))
			continue;
		int v = c == '=' ? -2 : value_of(c, url);
		if (v == -2 && pad < 2) {
			pad++;
			continue;
		}
		if (v < 0 || pad)
			return berr_set(err, BERR_INVALID, "invalid base64 character at offset %zu",
					i);
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		digits++;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (char)(acc >> bits & 0xff));
		}
	}
	if (digits % 4 == 1 || ((pad || strict) && (digits + pad) % 4))
		return berr_set(err, BERR_INVALID, "invalid base64 length %zu", digits + pad);
	return 0;
}

int b64_decode(struct buf *out, const char *text, size_t len, struct berr *err)
{
	return decode(out, text, len, 0, 0, err);
}

int b64_decode_padded(struct buf *out, const char *text, size_t len, struct berr *err)
{
	return decode(out, text, len, 0, 1, err);
}

int b64url_decode(struct buf *out, const char *text, size_t len, struct berr *err)
{
	return decode(out, text, len, 1, 0, err);
}
