/*
 * tls.c — the bundled cluster's own serving certificate.
 *
 * kubectl (client-go) sends a bearer token only over TLS, so the cluster
 * serves HTTPS even on loopback. At first start it makes a self-signed
 * ECDSA P-256 certificate for 127.0.0.1, ::1 and localhost (plus the
 * configured address), valid ten years, marked as a CA so that it can be
 * its own trust anchor in kubeconfig's certificate-authority-data. The key
 * is written 0600; both files are kept and reused across restarts.
 *
 * The generation runs in a child process: key generation and X.509 encoding
 * wake OpenSSL's providers and touch about 3 MB of its code and tables,
 * which the server would otherwise carry for its whole life to do this
 * once (the serving TLS is GnuTLS, through libmicrohttpd). The caller makes
 * the certificate before it starts any thread.
 */
#include "tls.h"

#include <errno.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "daemon.h"

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int pem_of(struct buf *out, int (*write)(BIO *, void *), void *obj)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !write(bio, obj)) {
		BIO_free(bio);
		return -1;
	}
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	buf_add(out, data, (size_t)n);
	BIO_free(bio);
	return 0;
}

static int write_cert(BIO *bio, void *c)
{
	return PEM_write_bio_X509(bio, c);
}

static int write_key(BIO *bio, void *k)
{
	return PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
}

static int generate(const char *cert_path, const char *key_path, const char *address,
		    struct berr *err)
{
	int rc = berr_set(err, BERR_FAIL, "cannot make the cluster's TLS certificate");
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	struct buf cpem = BUF_INIT, kpem = BUF_INIT, san = BUF_INIT;
	if (!key || !cert)
		goto out;
	unsigned char serial[16];
	if (getrandom(serial, sizeof(serial), 0) != (ssize_t)sizeof(serial))
		goto out;
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	BN_free(bn);
	if (!sn)
		goto out;
	X509_set_serialNumber(cert, sn);
	ASN1_INTEGER_free(sn);
	X509_set_version(cert, 2);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
	X509_set_pubkey(cert, key);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"bosun", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"bosun-cluster", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	buf_adds(&san, "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes.default.svc");
	if (address && address[0] && strcmp(address, "127.0.0.1") && strcmp(address, "0.0.0.0"))
		buf_addf(&san, ",%s:%s", strchr(address, ':') || strspn(address, "0123456789.") ==
			 strlen(address) ? "IP" : "DNS", address);
	if (add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
	    add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") < 0 ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(cert, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(cert, NID_subject_alt_name, san.data) < 0)
		goto out;
	if (!X509_sign(cert, key, EVP_sha256()))
		goto out;
	if (pem_of(&cpem, write_cert, cert) < 0 || pem_of(&kpem, write_key, key) < 0)
		goto out;
	if ((rc = daemon_write_file(key_path, kpem.data, kpem.len, 0600, err)) < 0 ||
	    (rc = daemon_write_file(cert_path, cpem.data, cpem.len, 0644, err)) < 0)
		goto out;
	rc = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	buf_release(&cpem);
	buf_release(&kpem);
	buf_release(&san);
	return rc;
}

/* generate() in a child; its error message comes back through a pipe. */
static int generate_apart(const char *cert_path, const char *key_path, const char *address,
			  struct berr *err)
{
	int fds[2];
	if (pipe(fds) < 0)
		return berr_set(err, BERR_IO, "cannot make the cluster's TLS certificate: pipe: %m");
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return berr_set(err, BERR_IO, "cannot make the cluster's TLS certificate: fork: %m");
	}
	if (pid == 0) {
		close(fds[0]);
		struct berr cerr = BERR_INIT;
		int rc = generate(cert_path, key_path, address, &cerr);
		if (rc < 0 && write(fds[1], cerr.msg, strlen(cerr.msg)) < 0)
			rc = -1;
		_exit(rc < 0 ? 1 : 0);
	}
	close(fds[1]);
	char msg[sizeof(err->msg)];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(msg) - 1 && ((r = read(fds[0], msg + n, sizeof(msg) - 1 - n)) > 0 ||
				       (r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	msg[n] = '\0';
	close(fds[0]);
	int status = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return berr_set(err, BERR_FAIL, "%s", n ? msg : "cannot make the cluster's TLS certificate");
}

int tls_ensure_cert(const char *dir, const char *address, char **cert_path,
		    char **key_path, struct berr *err)
{
	struct buf c = BUF_INIT, k = BUF_INIT;
	buf_addf(&c, "%s/cluster.crt", dir);
	buf_addf(&k, "%s/cluster.key", dir);
	if (access(c.data, R_OK) != 0 || access(k.data, R_OK) != 0) {
		int rc = generate_apart(c.data, k.data, address, err);
		if (rc < 0) {
			buf_release(&c);
			buf_release(&k);
			return rc;
		}
	}
	*cert_path = buf_detach(&c, NULL);
	*key_path = buf_detach(&k, NULL);
	return 0;
}
