/*
 * release — encoding and storing releases (release.h).
 *
 * The Secret's data value is base64 of the encoded release, which is itself
 * base64 of gzip, like Helm's: the outer layer is the Secret's own, the
 * inner one keeps the payload printable wherever it is copied. Decoding
 * inflates with a hard output cap so a small hostile blob cannot expand
 * into gigabytes.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "base64.h"
#include "doc.h"
#include "kube.h"
#include "release.h"

void release_encode(struct buf *out, const json_t *doc)
{
	struct buf json = BUF_INIT, gz = BUF_INIT;
	doc_canonical(&json, doc);
	z_stream zs = { 0 };
	deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	buf_grow(&gz, deflateBound(&zs, json.len) + 1);
	zs.next_in = (unsigned char *)json.data;
	zs.avail_in = (uInt)json.len;
	zs.next_out = (unsigned char *)gz.data;
	zs.avail_out = (uInt)(gz.cap - 1);
	deflate(&zs, Z_FINISH);
	gz.len = zs.total_out;
	deflateEnd(&zs);
	b64_encode(out, gz.data, gz.len);
	buf_release(&json);
	buf_release(&gz);
}

static int gunzip(struct buf *out, const struct buf *in, struct berr *err)
{
	z_stream zs = { 0 };
	int zr = Z_OK;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return berr_set(err, BERR_FAIL, "release: cannot start inflating");
	zs.next_in = (unsigned char *)in->data;
	zs.avail_in = (uInt)in->len;
	for (;;) {
		if (out->len >= RELEASE_MAX_BYTES) {
			inflateEnd(&zs);
			return berr_set(err, BERR_LIMIT, "release is larger than %u bytes once inflated",
					RELEASE_MAX_BYTES);
		}
		buf_grow(out, 64 * 1024);
		zs.next_out = (unsigned char *)out->data + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		uLong before = zs.total_out;
		zr = inflate(&zs, Z_NO_FLUSH);
		out->len += zs.total_out - before;
		out->data[out->len] = '\0';
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && zs.avail_out == 0))
			break;
		if (zr == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)
			break;  /* truncated input */
	}
	inflateEnd(&zs);
	if (zr != Z_STREAM_END || zs.avail_in != 0)
		return berr_set(err, BERR_INVALID, "release is not valid gzip data");
	return 0;
}

int release_decode(json_t **out, const char *text, size_t len, struct berr *err)
{
	struct buf raw = BUF_INIT, json = BUF_INIT;
	int rc;
	*out = NULL;
	if (len > RELEASE_MAX_BYTES)
		return berr_set(err, BERR_LIMIT, "release is larger than %u bytes", RELEASE_MAX_BYTES);
	if ((rc = b64_decode(&raw, text, len, err)) == 0
	    && (rc = gunzip(&json, &raw, err)) == 0)
		rc = doc_parse_json(out, json.data, json.len, NULL, "release", err);
	buf_release(&raw);
	buf_release(&json);
	return rc;
}

static void secret_name(struct buf *out, const char *app, long id)
{
	buf_addf(out, "bosun.release.%s.v%ld", app, id);
}

int release_store(struct kube_client *kc, const char *namespace, const json_t *doc,
		  struct berr *err)
{
	const char *app = doc_get_str(doc, "app");
	long id = (long)doc_get_int(doc, "id", -1);
	struct buf name = BUF_INIT, enc = BUF_INIT, outer = BUF_INIT, idstr = BUF_INIT;
	json_t *res = NULL;
	int rc;
	if (!app || id < 0)
		return berr_set(err, BERR_INVALID, "release has no app or id");
	secret_name(&name, app, id);
	buf_addf(&idstr, "%ld", id);
	release_encode(&enc, doc);
	b64_encode(&outer, enc.data, enc.len);
	json_t *secret = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:s, s:{s:s}}",
				   "apiVersion", "v1", "kind", "Secret",
				   "metadata", "name", name.data, "namespace", namespace,
				   "labels", "bosun.io/release", app, "bosun.io/release-id", idstr.data,
				   "type", "bosun.io/release", "data", "release", outer.data);
	rc = kube_client_create(kc, &res, secret, NULL, err);
	if (rc == BERR_EXISTS) {
		struct kube_ref ref = { "v1", "Secret", namespace, name.data, NULL };
		json_t *patch = json_pack("{s:{s:s}}", "data", "release", outer.data);
		char *text = json_dumps(patch, JSON_COMPACT);
		rc = kube_client_patch(kc, &res, &ref, KUBE_PATCH_MERGE, text, strlen(text), NULL,
				       err);
		free(text);
		json_decref(patch);
	}
	if (rc < 0)
		berr_prefix(err, "storing release '%s'", name.data);
	json_decref(res);
	json_decref(secret);
	buf_release(&name);
	buf_release(&enc);
	buf_release(&outer);
	buf_release(&idstr);
	return rc;
}

int release_load(struct kube_client *kc, json_t **out, const char *namespace, const char *app,
		 long id, struct berr *err)
{
	struct buf name = BUF_INIT, enc = BUF_INIT;
	json_t *secret = NULL;
	int rc;
	*out = NULL;
	secret_name(&name, app, id);
	struct kube_ref ref = { "v1", "Secret", namespace, name.data, NULL };
	if ((rc = kube_client_get(kc, &secret, &ref, err)) < 0) {
		if (rc == BERR_NOTFOUND)
			berr_set(err, BERR_NOTFOUND, "release %ld of application '%s' is not stored",
				 id, app);
		goto out;
	}
	const char *data = doc_get_str(secret, "data.release");
	if (!data) {
		rc = berr_set(err, BERR_INVALID, "secret '%s' holds no release", name.data);
		goto out;
	}
	if ((rc = b64_decode(&enc, data, strlen(data), err)) < 0
	    || (rc = release_decode(out, enc.data, enc.len, err)) < 0)
		berr_prefix(err, "secret '%s'", name.data);
out:
	json_decref(secret);
	buf_release(&name);
	buf_release(&enc);
	return rc;
}

int release_delete(struct kube_client *kc, const char *namespace, const char *app, long id,
		   struct berr *err)
{
	struct buf name = BUF_INIT;
	secret_name(&name, app, id);
	struct kube_ref ref = { "v1", "Secret", namespace, name.data, NULL };
	int rc = kube_client_delete(kc, NULL, &ref, NULL, err);
	buf_release(&name);
	return rc == BERR_NOTFOUND ? 0 : rc;
}
