/*
 * sprig-bcrypt.c — Sprig's bcrypt and htpasswd: bcrypt ($2a$, cost 10, as
 * golang.org/x/crypto/bcrypt's GenerateFromPassword) on a small Blowfish.
 *
 * Blowfish starts from the hexadecimal digits of pi (18 P-array words and
 * four 256-word S-boxes). Rather than carry 4 KiB of constants, they are
 * computed once with OpenSSL big numbers from Machin's formula
 * pi = 16 atan(1/5) - 4 atan(1/239) in fixed point, which takes a few
 * milliseconds, and checked against pi's known first word.
 */
#include "repo-server/sprig/sprig-internal.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#define PI_WORDS (18 + 4 * 256)
#define BCRYPT_COST 10

struct blowfish {
	uint32_t p[18];
	uint32_t s[4][256];
};

static uint32_t pi_words[PI_WORDS];
static bool pi_ok;
static pthread_once_t pi_once = PTHREAD_ONCE_INIT;

/* atan(1/x) * 2^bits, truncated */
static BIGNUM *atan_inv(unsigned x, int bits, BN_CTX *ctx)
{
	BIGNUM *sum = BN_new(), *term = BN_new(), *q = BN_new(), *x2 = BN_new();
	BN_one(term);
	BN_lshift(term, term, bits);
	BN_div_word(term, x);
	BN_zero(sum);
	BN_set_word(x2, (BN_ULONG)x * x);
	for (unsigned long k = 0; !BN_is_zero(term); k++) {
		BN_copy(q, term);
		BN_div_word(q, 2 * k + 1);
		if (k & 1)
			BN_sub(sum, sum, q);
		else
			BN_add(sum, sum, q);
		BN_div(term, NULL, term, x2, ctx);
	}
	BN_free(term);
	BN_free(q);
	BN_free(x2);
	return sum;
}

static void compute_pi(void)
{
	const int frac_bits = PI_WORDS * 32, guard = 64, bits = frac_bits + guard + 2;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *a = atan_inv(5, bits, ctx), *b = atan_inv(239, bits, ctx);
	BIGNUM *pi = BN_new(), *three = BN_new();
	BN_lshift(a, a, 4);             /* 16 atan(1/5) */
	BN_lshift(b, b, 2);             /* 4 atan(1/239) */
	BN_sub(pi, a, b);
	BN_set_word(three, 3);
	BN_lshift(three, three, bits);
	BN_sub(pi, pi, three);          /* the fractional part */
	BN_rshift(pi, pi, bits - frac_bits);
	unsigned char *bytes = xmalloc(PI_WORDS * 4);
	if (BN_bn2binpad(pi, bytes, PI_WORDS * 4) == PI_WORDS * 4) {
		for (int i = 0; i < PI_WORDS; i++)
			pi_words[i] = (uint32_t)bytes[4 * i] << 24 | (uint32_t)bytes[4 * i + 1] << 16 |
				      (uint32_t)bytes[4 * i + 2] << 8 | bytes[4 * i + 3];
		pi_ok = pi_words[0] == 0x243F6A88 && pi_words[1] == 0x85A308D3;
	}
	free(bytes);
	BN_free(a);
	BN_free(b);
	BN_free(pi);
	BN_free(three);
	BN_CTX_free(ctx);
}

static uint32_t bf_f(const struct blowfish *c, uint32_t x)
{
	return ((c->s[0][x >> 24] + c->s[1][(x >> 16) & 0xFF]) ^ c->s[2][(x >> 8) & 0xFF]) +
	       c->s[3][x & 0xFF];
}

static void bf_encrypt(const struct blowfish *c, uint32_t *l, uint32_t *r)
{
	uint32_t xl = *l, xr = *r;
	for (int i = 0; i < 16; i++) {
		xl ^= c->p[i];
		xr ^= bf_f(c, xl);
		uint32_t t = xl;
		xl = xr;
		xr = t;
	}
	uint32_t t = xl;
	xl = xr;
	xr = t;
	xr ^= c->p[16];
	xl ^= c->p[17];
	*l = xl;
	*r = xr;
}

static uint32_t next_word(const unsigned char *b, size_t n, size_t *j)
{
	uint32_t w = 0;
	for (int i = 0; i < 4; i++) {
		w = w << 8 | b[*j];
		if (++*j >= n)
			*j = 0;
	}
	return w;
}

/* Blowfish key expansion, with a salt mixed in when salt is not NULL. */
static void bf_expand(struct blowfish *c, const unsigned char *key, size_t kl,
		   const unsigned char *salt, size_t sl)
{
	size_t j = 0;
	for (int i = 0; i < 18; i++)
		c->p[i] ^= next_word(key, kl, &j);
	j = 0;
	uint32_t l = 0, r = 0;
	uint32_t *all[5] = { c->p, c->s[0], c->s[1], c->s[2], c->s[3] };
	int lens[5] = { 18, 256, 256, 256, 256 };
	for (int t = 0; t < 5; t++) {
		for (int i = 0; i < lens[t]; i += 2) {
			if (salt) {
				l ^= next_word(salt, sl, &j);
				r ^= next_word(salt, sl, &j);
			}
			bf_encrypt(c, &l, &r);
			all[t][i] = l;
			all[t][i + 1] = r;
		}
	}
}

static const char bc64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void bc_encode(struct buf *out, const unsigned char *s, size_t n)
{
	uint32_t acc = 0;
	int nb = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | s[i];
		nb += 8;
		while (nb >= 6) {
			buf_addch(out, bc64[(acc >> (nb - 6)) & 63]);
			nb -= 6;
		}
		acc &= (1u << nb) - 1;
	}
	if (nb > 0)
		buf_addch(out, bc64[(acc << (6 - nb)) & 63]);
}

/* "$2a$COST$" + salt + hash for password with the 16-byte salt. */
static int bcrypt_hash(struct buf *out, const char *pw, size_t pl, const unsigned char salt[16],
		       int cost)
{
	pthread_once(&pi_once, compute_pi);
	if (!pi_ok)
		return -1;
	unsigned char key[73];
	memcpy(key, pw, pl);
	key[pl] = '\0';
	size_t kl = pl + 1;
	struct blowfish *c = xmalloc(sizeof(*c));
	memcpy(c->p, pi_words, sizeof(c->p));
	memcpy(c->s, pi_words + 18, sizeof(c->s));
	bf_expand(c, key, kl, salt, 16);
	for (uint64_t i = 0; i < (1ULL << cost); i++) {
		bf_expand(c, key, kl, NULL, 0);
		bf_expand(c, salt, 16, NULL, 0);
	}
	static const char magic[] = "OrpheanBeholderScryDoubt";
	uint32_t w[6];
	for (int i = 0; i < 6; i++)
		w[i] = (uint32_t)(unsigned char)magic[4 * i] << 24 |
		       (uint32_t)(unsigned char)magic[4 * i + 1] << 16 |
		       (uint32_t)(unsigned char)magic[4 * i + 2] << 8 | (unsigned char)magic[4 * i + 3];
	for (int i = 0; i < 6; i += 2)
		for (int k = 0; k < 64; k++)
			bf_encrypt(c, &w[i], &w[i + 1]);
	free(c);
	unsigned char ct[24];
	for (int i = 0; i < 6; i++) {
		ct[4 * i] = (unsigned char)(w[i] >> 24);
		ct[4 * i + 1] = (unsigned char)(w[i] >> 16);
		ct[4 * i + 2] = (unsigned char)(w[i] >> 8);
		ct[4 * i + 3] = (unsigned char)w[i];
	}
	buf_addf(out, "$2a$%02d$", cost);
	bc_encode(out, salt, 16);
	bc_encode(out, ct, 23);
	return 0;
}

static void bcrypt_string(struct buf *out, const char *pw, size_t pl)
{
	if (pl > 72) {
		buf_adds(out, "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes");
		return;
	}
	unsigned char salt[16];
	RAND_bytes(salt, sizeof(salt));
	if (bcrypt_hash(out, pw, pl, salt, BCRYPT_COST) < 0)
		buf_adds(out, "failed to encrypt string with bcrypt: blowfish setup failed");
}

SPRIG_FN(fn_bcrypt)
{
	const char *s;
	size_t len;
	if (sprig_arity("bcrypt", n, 1, 1, err) < 0 || sprig_str(args[0], &s, &len, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	bcrypt_string(&b, s, len);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

SPRIG_FN(fn_htpasswd)
{
	const char *user, *pw, *algo = "bcrypt";
	size_t ul, pl;
	if (sprig_arity("htpasswd", n, 2, 3, err) < 0 || sprig_str(args[0], &user, &ul, err) < 0 ||
	    sprig_str(args[1], &pw, &pl, err) < 0 || (n == 3 && sprig_str(args[2], &algo, NULL, err) < 0))
		return err->code;
	struct buf b = BUF_INIT;
	if (memchr(user, ':', ul)) {
		buf_addf(&b, "invalid username: %s", user);
	} else if (!strcmp(algo, "sha") || !strcmp(algo, "SHA")) {
		unsigned char d[20];
		unsigned int dl = 0;
		unsigned char enc[32];
		EVP_Digest(pw, pl, d, &dl, EVP_sha1(), NULL);
		int el = EVP_EncodeBlock(enc, d, (int)dl);
		buf_add(&b, user, ul);
		buf_adds(&b, ":{SHA}");
		buf_add(&b, enc, (size_t)el);
	} else {
		buf_add(&b, user, ul);
		buf_addch(&b, ':');
		bcrypt_string(&b, pw, pl);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

const struct sprig_entry sprig_bcrypt_funcs[] = {
	{ "bcrypt", fn_bcrypt }, { "htpasswd", fn_htpasswd },
	{ NULL, NULL },
};

bool sprig_bcrypt_verify(const char *pw, size_t pl, const char *hash)
{
	/* $2a$NN$ + 22 salt characters + 31 hash characters */
	if (pl > 72 || strlen(hash) != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' ||
	    hash[6] != '$')
		return false;
	int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	unsigned char salt[18] = { 0 };
	uint32_t acc = 0;
	int nb = 0;
	size_t k = 0;
	for (int i = 0; i < 22; i++) {
		const char *p = strchr(bc64, hash[7 + i]);
		if (!p || !hash[7 + i])
			return false;
		acc = (acc << 6) | (uint32_t)(p - bc64);
		nb += 6;
		if (nb >= 8) {
			if (k < 16)
				salt[k++] = (unsigned char)(acc >> (nb - 8));
			nb -= 8;
			acc &= (1u << nb) - 1;
		}
	}
	struct buf b = BUF_INIT;
	bool ok = bcrypt_hash(&b, pw, pl, salt, cost) == 0 && strcmp(b.data + 4, hash + 4) == 0;
	buf_release(&b);
	return ok;
}
