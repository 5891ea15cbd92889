/*
 * sprig-cert.c — Sprig's key and certificate generators on OpenSSL:
 * genPrivateKey, genCA, genSelfSignedCert, genSignedCert (and their
 * ...WithKey forms), buildCustomCert, and encryptAES/decryptAES.
 *
 * Certificates are shaped as Sprig's Go code shapes them: a random 128-bit
 * serial, CN only, valid from now for daysValid days, key usage
 * digitalSignature+keyEncipherment (plus keyCertSign for a CA), extended
 * usage serverAuth+clientAuth, basic constraints, SANs from the ips and
 * alternateDNS lists, RSA 2048 keys, SHA-256 signatures, PEM output with
 * "RSA PRIVATE KEY" keys. The result is a certificate value whose .Cert
 * and .Key templates read. DSA keys are not generated (OpenSSL 3 keeps DSA
 * only for legacy use).
 */
#include "repo-server/sprig/sprig-internal.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DAYS 36500
#define MAX_SANS 1000

struct certificate {
	char *cert;
	char *key;
};

static void cert_free(void *p)
{
	struct certificate *c = p;
	free(c->cert);
	free(c->key);
	free(c);
}

static void cert_format(struct buf *out, const void *p)
{
	const struct certificate *c = p;
	buf_addf(out, "{%s %s}", c->cert, c->key);
}

static int cert_field(struct tmpl_call *call, tv **out, void *p, const char *name,
		      tv **args, size_t nargs, struct berr *err)
{
	(void)args;
	struct certificate *c = p;
	if (strcmp(name, "Cert") && strcmp(name, "Key"))
		return BERR_NOTFOUND;
	if (nargs)
		return berr_set(err, BERR_INVALID, "%s is not a method but has arguments", name);
	*out = tv_str(tmpl_call_arena(call), name[0] == 'C' ? c->cert : c->key);
	return 0;
}

static json_t *cert_json(const void *p)
{
	const struct certificate *c = p;
	return json_pack("{s:s, s:s}", "Cert", c->cert, "Key", c->key);
}

static const struct tv_type cert_type = {
	.go_type = "sprig.certificate",
	.kind = "struct",
	.format = cert_format,
	.json = cert_json,
	.field = cert_field,
	.free = cert_free,
};

static char *bio_string(BIO *bio)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	return xstrndup(data, n > 0 ? (size_t)n : 0);
}

static char *key_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ok;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519)
		ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
	char *s = ok ? bio_string(bio) : NULL;
	BIO_free(bio);
	return s;
}

static EVP_PKEY *gen_key(const char *typ)
{
	if (!strcmp(typ, "") || !strcmp(typ, "rsa"))
		return EVP_RSA_gen(4096);
	if (!strcmp(typ, "ecdsa"))
		return EVP_EC_gen("P-256");
	if (!strcmp(typ, "ed25519"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return NULL;
}

SPRIG_FN(fn_genprivatekey)
{
	const char *typ;
	if (sprig_arity("genPrivateKey", n, 1, 1, err) < 0 || sprig_str(args[0], &typ, NULL, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	if (strcmp(typ, "") && strcmp(typ, "rsa") && strcmp(typ, "ecdsa") && strcmp(typ, "ed25519")) {
		if (!strcmp(typ, "dsa"))
			buf_adds(&b, "failed to generate private key: dsa keys are not supported");
		else
			buf_addf(&b, "Unknown type %s", typ);
	} else {
		EVP_PKEY *key = gen_key(typ);
		char *pem = key ? key_pem(key) : NULL;
		if (pem)
			buf_adds(&b, pem);
		else
			buf_adds(&b, "failed to generate private key");
		free(pem);
		EVP_PKEY_free(key);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* "DNS:a,IP:1.2.3.4" from the ips and alternateDNS lists. */
static int san_list(struct buf *san, const tv *ips, const tv *dns, struct berr *err)
{
	const tv *lists[2] = { ips, dns };
	for (int l = 0; l < 2; l++) {
		const tv *v = lists[l];
		if (v->kind == TV_NIL)
			continue;
		if (v->kind != TV_LIST)
			return berr_set(err, BERR_INVALID, "wrong type for value; expected []interface {}; got %s",
					tv_type_name(v));
		if (v->u.list.len > MAX_SANS)
			return berr_set(err, BERR_LIMIT, "too many subject alternative names");
		for (size_t i = 0; i < v->u.list.len; i++) {
			const tv *e = v->u.list.items[i];
			if (e->kind != TV_STRING)
				return berr_set(err, BERR_INVALID, "error processing %s: %s is not a string",
						l ? "alternate dns names" : "ips", tv_type_name(e));
			const char *s = e->u.str.s;
			if (strchr(s, ',') || strlen(s) != e->u.str.len)
				return berr_set(err, BERR_INVALID, "invalid name '%s'", s);
			if (l == 0) {
				unsigned char addr[16];
				if (inet_pton(AF_INET, s, addr) != 1 && inet_pton(AF_INET6, s, addr) != 1)
					return berr_set(err, BERR_INVALID, "error parsing ip: %s", s);
			}
			if (san->len)
				buf_addch(san, ',');
			buf_addf(san, "%s:%s", l ? "DNS" : "IP", s);
		}
	}
	return 0;
}

/* Builds and signs one certificate. ca_cert/ca_key NULL: self-signed. */
static X509 *make_cert(const char *cn, const char *san, int64_t days, bool is_ca,
		       EVP_PKEY *key, X509 *ca_cert, EVP_PKEY *ca_key)
{
	X509 *x = X509_new();
	BIGNUM *bn = BN_new();
	bool ok = x && bn && X509_set_version(x, 2) &&
		  BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
		  X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
		  X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) &&
		  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
					     (const unsigned char *)cn, -1, -1, 0) &&
		  X509_set_issuer_name(x, ca_cert ? X509_get_subject_name(ca_cert)
						  : X509_get_subject_name(x)) &&
		  X509_set_pubkey(x, key);
	BN_free(bn);
	X509 *issuer = ca_cert ? ca_cert : x;
	if (ok)
		ok = add_ext(x, issuer, NID_key_usage, is_ca ?
			     "critical,digitalSignature,keyEncipherment,keyCertSign" :
			     "critical,digitalSignature,keyEncipherment") == 0 &&
		     add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth") == 0 &&
		     add_ext(x, issuer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" :
			     "critical,CA:FALSE") == 0;
	if (ok && is_ca)
		ok = add_ext(x, issuer, NID_subject_key_identifier, "hash") == 0;
	if (ok && ca_cert && X509_get0_subject_key_id(ca_cert))
		ok = add_ext(x, issuer, NID_authority_key_identifier, "keyid") == 0;
	if (ok && san && *san)
		ok = add_ext(x, issuer, NID_subject_alt_name, san) == 0;
	if (ok)
		ok = X509_sign(x, ca_key ? ca_key : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static tv *cert_value(struct tv_arena *a, X509 *x, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bio, x);
	struct certificate *c = xcalloc(1, sizeof(*c));
	c->cert = bio_string(bio);
	BIO_free(bio);
	c->key = key_pem(key);
	if (!c->key)
		c->key = xstrdup("");
	return tv_opaque(a, &cert_type, c);
}

static EVP_PKEY *read_key(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return k;
}

static X509 *read_cert(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* The common body: kind 'c' CA, 's' self-signed, 'S' signed by a CA. */
static int gen_cert(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name, char kind, bool with_key)
{
	size_t want = (kind == 'c' ? 2 : kind == 's' ? 4 : 5) + (with_key ? 1 : 0);
	const char *cn;
	int64_t days;
	size_t di = kind == 'c' ? 1 : 3;
	if (sprig_arity(name, n, want, want, err) < 0 || sprig_str(args[0], &cn, NULL, err) < 0 ||
	    sprig_int(args[di], &days, err) < 0)
		return err->code;
	if (days < 0 || days > MAX_DAYS)
		return berr_set(err, BERR_INVALID, "daysValid %lld is out of range", (long long)days);
	struct buf san = BUF_INIT;
	if (kind != 'c' && san_list(&san, args[1], args[2], err) < 0) {
		buf_release(&san);
		return err->code;
	}
	X509 *ca_cert = NULL;
	EVP_PKEY *ca_key = NULL, *key = NULL;
	int rc = 0;
	if (kind == 'S') {
		const tv *ca = args[4];
		if (ca->kind != TV_OPAQUE || ca->u.op.type != &cert_type) {
			rc = berr_set(err, BERR_INVALID, "wrong type for value; expected sprig.certificate; got %s",
				      tv_type_name(ca));
			goto done;
		}
		const struct certificate *c = ca->u.op.p;
		ca_cert = read_cert(c->cert, strlen(c->cert));
		ca_key = read_key(c->key, strlen(c->key));
		if (!ca_cert || !ca_key) {
			rc = berr_set(err, BERR_INVALID, "error parsing the CA certificate or key");
			goto done;
		}
	}
	if (with_key) {
		const char *pem;
		size_t pl;
		if (sprig_str(args[want - 1], &pem, &pl, err) < 0) {
			rc = err->code;
			goto done;
		}
		key = read_key(pem, pl);
		if (!key) {
			rc = berr_set(err, BERR_INVALID, "error parsing private key");
			goto done;
		}
	} else {
		key = EVP_RSA_gen(2048);
		if (!key) {
			rc = berr_set(err, BERR_FAIL, "error generating rsa key");
			goto done;
		}
	}
	X509 *x = make_cert(cn, san.data, days, kind == 'c', key, ca_cert, ca_key);
	if (!x) {
		rc = berr_set(err, BERR_FAIL, "error creating certificate");
		goto done;
	}
	*out = cert_value(ARENA, x, key);
	X509_free(x);
done:
	buf_release(&san);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}

SPRIG_FN(fn_genca) { return gen_cert(call, out, args, n, err, "genCA", 'c', false); }
SPRIG_FN(fn_gencawithkey) { return gen_cert(call, out, args, n, err, "genCAWithKey", 'c', true); }
SPRIG_FN(fn_genselfsignedcert) { return gen_cert(call, out, args, n, err, "genSelfSignedCert", 's', false); }
SPRIG_FN(fn_genselfsignedcertwithkey) { return gen_cert(call, out, args, n, err, "genSelfSignedCertWithKey", 's', true); }
SPRIG_FN(fn_gensignedcert) { return gen_cert(call, out, args, n, err, "genSignedCert", 'S', false); }
SPRIG_FN(fn_gensignedcertwithkey) { return gen_cert(call, out, args, n, err, "genSignedCertWithKey", 'S', true); }

static int b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned char *raw = xmalloc(n / 4 * 3 + 4);
	int len = EVP_DecodeBlock(raw, (const unsigned char *)s, (int)n);
	if (len < 0 || n % 4) {
		free(raw);
		return -1;
	}
	while (n && s[n - 1] == '=') {
		n--;
		len--;
	}
	buf_add(out, raw, (size_t)len);
	free(raw);
	return 0;
}

SPRIG_FN(fn_buildcustomcert)
{
	const char *c64, *k64;
	size_t cl, kl;
	if (sprig_arity("buildCustomCert", n, 2, 2, err) < 0 || sprig_str(args[0], &c64, &cl, err) < 0 ||
	    sprig_str(args[1], &k64, &kl, err) < 0)
		return err->code;
	struct buf cert = BUF_INIT, key = BUF_INIT;
	int rc = 0;
	if (b64_decode(c64, cl, &cert) < 0) {
		rc = berr_set(err, BERR_INVALID, "unable to decode base 64 certificate");
	} else if (b64_decode(k64, kl, &key) < 0) {
		rc = berr_set(err, BERR_INVALID, "unable to decode base 64 private key");
	} else {
		X509 *x = read_cert(cert.data, cert.len);
		EVP_PKEY *k = read_key(key.data, key.len);
		if (!x)
			rc = berr_set(err, BERR_INVALID, "error parsing certificate: decoded pem is blank");
		else if (!k)
			rc = berr_set(err, BERR_INVALID, "error parsing private key: decoded pem is blank");
		X509_free(x);
		EVP_PKEY_free(k);
	}
	if (rc == 0) {
		struct certificate *c = xcalloc(1, sizeof(*c));
		c->cert = buf_detach(&cert, NULL);
		c->key = buf_detach(&key, NULL);
		*out = tv_opaque(ARENA, &cert_type, c);
	}
	buf_release(&cert);
	buf_release(&key);
	return rc;
}

/* Sprig's AES: AES-256-CBC, the password zero-padded to 32 bytes, PKCS#7
 * padding, a random IV in front, base64 around it all. */
SPRIG_FN(fn_encryptaes)
{
	const char *pw, *pt;
	size_t pwl, ptl;
	if (sprig_arity("encryptAES", n, 2, 2, err) < 0 || sprig_str(args[0], &pw, &pwl, err) < 0 ||
	    sprig_str(args[1], &pt, &ptl, err) < 0)
		return err->code;
	if (ptl > (64u << 20))
		return berr_set(err, BERR_LIMIT, "encryptAES: plaintext is over the limit");
	unsigned char key[32] = { 0 };
	memcpy(key, pw, pwl < 32 ? pwl : 32);
	unsigned char *ct = xmalloc(16 + ptl + 16);
	RAND_bytes(ct, 16);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	int ok = EVP_EncryptInit_ex(cx, EVP_aes_256_cbc(), NULL, key, ct) &&
		 EVP_EncryptUpdate(cx, ct + 16, &l1, (const unsigned char *)pt, (int)ptl) &&
		 EVP_EncryptFinal_ex(cx, ct + 16 + l1, &l2);
	EVP_CIPHER_CTX_free(cx);
	if (!ok) {
		free(ct);
		return berr_set(err, BERR_FAIL, "encryptAES: encryption failed");
	}
	size_t total = 16 + (size_t)l1 + (size_t)l2;
	unsigned char *enc = xmalloc(4 * ((total + 2) / 3) + 1);
	int el = EVP_EncodeBlock(enc, ct, (int)total);
	*out = tv_strn(ARENA, (const char *)enc, (size_t)el);
	free(enc);
	free(ct);
	return 0;
}

SPRIG_FN(fn_decryptaes)
{
	const char *pw, *c64;
	size_t pwl, cl;
	if (sprig_arity("decryptAES", n, 2, 2, err) < 0 || sprig_str(args[0], &pw, &pwl, err) < 0 ||
	    sprig_str(args[1], &c64, &cl, err) < 0)
		return err->code;
	struct buf raw = BUF_INIT;
	if (b64_decode(c64, cl, &raw) < 0) {
		buf_release(&raw);
		return berr_set(err, BERR_INVALID, "illegal base64 data");
	}
	if (raw.len < 16 || raw.len % 16) {
		buf_release(&raw);
		return berr_set(err, BERR_INVALID, "crypto/cipher: input not full blocks");
	}
	unsigned char key[32] = { 0 };
	memcpy(key, pw, pwl < 32 ? pwl : 32);
	unsigned char *pt = xmalloc(raw.len);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	int ok = EVP_DecryptInit_ex(cx, EVP_aes_256_cbc(), NULL, key, (unsigned char *)raw.data) &&
		 EVP_CIPHER_CTX_set_padding(cx, 0) &&
		 EVP_DecryptUpdate(cx, pt, &l1, (unsigned char *)raw.data + 16, (int)raw.len - 16) &&
		 EVP_DecryptFinal_ex(cx, pt + l1, &l2);
	EVP_CIPHER_CTX_free(cx);
	buf_release(&raw);
	size_t len = (size_t)l1 + (size_t)l2;
	if (!ok || len == 0 || pt[len - 1] > len) {
		free(pt);
		return berr_set(err, BERR_INVALID, "decryptAES: bad ciphertext or password");
	}
	len -= pt[len - 1];
	*out = tv_strn(ARENA, (const char *)pt, len);
	free(pt);
	return 0;
}

const struct sprig_entry sprig_cert_funcs[] = {
	{ "genPrivateKey", fn_genprivatekey }, { "genCA", fn_genca },
	{ "genCAWithKey", fn_gencawithkey }, { "genSelfSignedCert", fn_genselfsignedcert },
	{ "genSelfSignedCertWithKey", fn_genselfsignedcertwithkey },
	{ "genSignedCert", fn_gensignedcert }, { "genSignedCertWithKey", fn_gensignedcertwithkey },
	{ "buildCustomCert", fn_buildcustomcert }, { "encryptAES", fn_encryptaes },
	{ "decryptAES", fn_decryptaes },
	{ NULL, NULL },
};
