/*
 * sprig-crypto.c — Sprig's digests (sha1sum, sha256sum, sha512sum with
 * OpenSSL, adler32sum with zlib), uuidv4 and the random string functions
 * (randAlphaNum, randAlpha, randNumeric, randAscii, randBytes, shuffle),
 * all drawing from the kernel's random source, and derivePassword (Master
 * Password: scrypt, then HMAC-SHA256).
 */
#include "repo-server/sprig/sprig-internal.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zlib.h>

#define MAX_RANDOM (1u << 20)

static void random_bytes(unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r <= 0) {
			for (size_t i = 0; i < n; i++)
				p[i] = (unsigned char)rand();
			return;
		}
		p += r;
		n -= (size_t)r;
	}
}

static int digest(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		  const char *name, const EVP_MD *md)
{
	const char *s;
	size_t len;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	if (!EVP_Digest(s, len, d, &dl, md, NULL))
		return berr_set(err, BERR_FAIL, "%s: digest failed", name);
	struct buf b = BUF_INIT;
	for (unsigned int i = 0; i < dl; i++)
		buf_addf(&b, "%02x", d[i]);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_sha1sum) { return digest(call, out, args, n, err, "sha1sum", EVP_sha1()); }
SPRIG_FN(fn_sha256sum) { return digest(call, out, args, n, err, "sha256sum", EVP_sha256()); }
SPRIG_FN(fn_sha512sum) { return digest(call, out, args, n, err, "sha512sum", EVP_sha512()); }

SPRIG_FN(fn_adler32sum)
{
	const char *s;
	size_t len;
	if (sprig_arity("adler32sum", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	uLong a = adler32(0L, Z_NULL, 0);
	while (len) {
		uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
		a = adler32(a, (const Bytef *)s, chunk);
		s += chunk;
		len -= chunk;
	}
	struct buf b = BUF_INIT;
	buf_addf(&b, "%lu", (unsigned long)a);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_uuidv4)
{
	(void)args;
	if (sprig_arity("uuidv4", n, 0, 0, err) < 0)
		return err->code;
	unsigned char u[16];
	random_bytes(u, sizeof(u));
	u[6] = (u[6] & 0x0F) | 0x40;
	u[8] = (u[8] & 0x3F) | 0x80;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf_addch(&b, '-');
		buf_addf(&b, "%02x", u[i]);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static int rand_string(struct tmpl_call *call, tv **out, tv **args, size_t n,
		       struct berr *err, const char *name, const char *alphabet)
{
	int64_t c;
	if (sprig_arity(name, n, 1, 1, err) < 0 || sprig_int(args[0], &c, err) < 0)
		return err->code;
	if (c < 0)
		return berr_set(err, BERR_INVALID, "Requested random string length %lld is less than 0",
				(long long)c);
	if (c > (int64_t)MAX_RANDOM)
		return berr_set(err, BERR_LIMIT, "%s: length %lld is over the limit of %u", name,
				(long long)c, MAX_RANDOM);
	size_t alen = strlen(alphabet);
	struct buf b = BUF_INIT;
	unsigned char r[256];
	for (int64_t i = 0; i < c;) {
		random_bytes(r, sizeof(r));
		for (size_t k = 0; k < sizeof(r) && i < c; k++) {
			/* reject to keep the distribution even */
			if (r[k] >= 256 - (256 % alen))
				continue;
			buf_addch(&b, alphabet[r[k] % alen]);
			i++;
		}
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

#define LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"
#define ASCII " !\"#$%&'()*+,-./" DIGITS ":;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

SPRIG_FN(fn_randalphanum) { return rand_string(call, out, args, n, err, "randAlphaNum", LETTERS DIGITS); }
SPRIG_FN(fn_randalpha) { return rand_string(call, out, args, n, err, "randAlpha", LETTERS); }
SPRIG_FN(fn_randnumeric) { return rand_string(call, out, args, n, err, "randNumeric", DIGITS); }
SPRIG_FN(fn_randascii) { return rand_string(call, out, args, n, err, "randAscii", ASCII); }

SPRIG_FN(fn_randbytes)
{
	int64_t c;
	if (sprig_arity("randBytes", n, 1, 1, err) < 0 || sprig_int(args[0], &c, err) < 0)
		return err->code;
	if (c < 0 || c > (int64_t)MAX_RANDOM)
		return berr_set(err, BERR_LIMIT, "randBytes: length %lld is out of range", (long long)c);
	unsigned char *raw = xmalloc((size_t)c + 1);
	random_bytes(raw, (size_t)c);
	size_t outlen = 4 * (((size_t)c + 2) / 3);
	unsigned char *enc = xmalloc(outlen + 1);
	EVP_EncodeBlock(enc, raw, (int)c);
	*out = tv_strn(ARENA, (const char *)enc, outlen);
	free(enc);
	free(raw);
	return 0;
}

SPRIG_FN(fn_shuffle)
{
	const char *s;
	size_t len;
	if (sprig_arity("shuffle", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	size_t *starts = xcalloc(len + 1, sizeof(size_t)), *lens = xcalloc(len + 1, sizeof(size_t));
	size_t nr = 0;
	for (size_t i = 0; i < len;) {
		uint32_t r;
		int w = gofmt_utf8_decode(s + i, len - i, &r);
		starts[nr] = i;
		lens[nr++] = (size_t)w;
		i += (size_t)w;
	}
	for (size_t i = nr; i > 1; i--) {
		uint64_t r;
		random_bytes((unsigned char *)&r, sizeof(r));
		size_t j = (size_t)(r % i);
		size_t ts = starts[i - 1], tl = lens[i - 1];
		starts[i - 1] = starts[j];
		lens[i - 1] = lens[j];
		starts[j] = ts;
		lens[j] = tl;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < nr; i++)
		buf_add(&b, s + starts[i], lens[i]);
	free(starts);
	free(lens);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/* Master Password (v3) as Sprig's derivePassword: scrypt over the user,
 * HMAC-SHA256 over the site and counter, the seed picking a template and
 * then each character from its class. */
static const char *const mp_maximum[] = { "anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno", NULL };
static const char *const mp_long[] = {
	"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
	"CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
	"CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
	"CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
	"CvccCvcvCvccno", NULL,
};
static const char *const mp_medium[] = { "CvcnoCvc", "CvcCvcno", NULL };
static const char *const mp_short[] = { "Cvcn", NULL };
static const char *const mp_basic[] = { "aaanaaan", "aannaaan", "aaannaaa", NULL };
static const char *const mp_pin[] = { "nnnn", NULL };

static const char *mp_class(char c)
{
	switch (c) {
	case 'V': return "AEIOU";
	case 'C': return "BCDFGHJKLMNPQRSTVWXYZ";
	case 'v': return "aeiou";
	case 'c': return "bcdfghjklmnpqrstvwxyz";
	case 'A': return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
	case 'a': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	case 'n': return "0123456789";
	case 'o': return "@&%?,=[]_:-+*$#!'^~;()/.";
	case 'x': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
	}
	return "?";
}

static void put_len_prefixed(struct buf *b, const char *s, size_t n)
{
	unsigned char be[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				(unsigned char)(n >> 8), (unsigned char)n };
	buf_add(b, be, 4);
	buf_add(b, s, n);
}

SPRIG_FN(fn_derivepassword)
{
	int64_t counter;
	const char *type, *pw, *user, *site;
	size_t pl, ul, sl;
	if (sprig_arity("derivePassword", n, 5, 5, err) < 0 || sprig_int(args[0], &counter, err) < 0 ||
	    sprig_str(args[1], &type, NULL, err) < 0 || sprig_str(args[2], &pw, &pl, err) < 0 ||
	    sprig_str(args[3], &user, &ul, err) < 0 || sprig_str(args[4], &site, &sl, err) < 0)
		return err->code;
	if (counter < 0 || counter > UINT32_MAX)
		return berr_set(err, BERR_INVALID, "wrong type for value; expected uint32; got int");
	static const struct { const char *name; const char *const *t; } types[] = {
		{ "maximum", mp_maximum }, { "long", mp_long }, { "medium", mp_medium },
		{ "short", mp_short }, { "basic", mp_basic }, { "pin", mp_pin },
	};
	const char *const *tpls = NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i].name))
			tpls = types[i].t;
	struct buf b = BUF_INIT;
	if (!tpls) {
		buf_addf(&b, "cannot find password template %s", type);
		*out = tv_str_buf(ARENA, &b);
		return 0;
	}
	static const char seed[] = "com.lyndir.masterpassword";
	struct buf salt = BUF_INIT, msg = BUF_INIT;
	buf_adds(&salt, seed);
	put_len_prefixed(&salt, user, ul);
	unsigned char key[64], mac[32];
	size_t maclen = 0;
	int ok = EVP_PBE_scrypt(pw, pl, (unsigned char *)salt.data, salt.len, 32768, 8, 2,
				64u << 20, key, sizeof(key));
	buf_adds(&msg, seed);
	put_len_prefixed(&msg, site, sl);
	unsigned char be[4] = { (unsigned char)(counter >> 24), (unsigned char)(counter >> 16),
				(unsigned char)(counter >> 8), (unsigned char)counter };
	buf_add(&msg, be, 4);
	if (ok)
		ok = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof(key),
			       (unsigned char *)msg.data, msg.len, mac, sizeof(mac), &maclen) != NULL;
	buf_release(&salt);
	buf_release(&msg);
	if (!ok) {
		buf_adds(&b, "failed to derive password");
	} else {
		size_t nt = 0;
		while (tpls[nt])
			nt++;
		const char *t = tpls[mac[0] % nt];
		for (size_t i = 0; t[i] && i + 1 < sizeof(mac); i++) {
			const char *cls = mp_class(t[i]);
			buf_addch(&b, cls[mac[i + 1] % strlen(cls)]);
		}
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

const struct sprig_entry sprig_crypto_funcs[] = {
	{ "derivePassword", fn_derivepassword },
	{ "sha1sum", fn_sha1sum }, { "sha256sum", fn_sha256sum }, { "sha512sum", fn_sha512sum },
	{ "adler32sum", fn_adler32sum }, { "uuidv4", fn_uuidv4 },
	{ "randAlphaNum", fn_randalphanum }, { "randAlpha", fn_randalpha },
	{ "randNumeric", fn_randnumeric }, { "randAscii", fn_randascii },
	{ "randBytes", fn_randbytes }, { "shuffle", fn_shuffle },
	{ NULL, NULL },
};
