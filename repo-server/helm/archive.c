/*
 * archive.c — chart archives (.tgz): gzip through zlib, then a small tar
 * reader. It reads regular files only (ustar with its prefix field, pax
 * `path` records and GNU long names), skips directories and links, and
 * refuses absolute paths and `..`, as Helm's LoadArchive does. The whole
 * decompressed stream is bounded by HELM_MAX_CHART_BYTES and each file by
 * HELM_MAX_FILE_BYTES, so a gzip bomb stops early with an error.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "repo-server/helm/internal.h"

static int gunzip(struct buf *out, const void *data, size_t len, struct berr *err)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return berr_set(err, BERR_FAIL, "cannot start gzip decoder");
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	int rc;
	do {
		buf_grow(out, 65536);
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = 65536;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len = (size_t)((char *)z.next_out - out->data);
		out->data[out->len] = 0;
		if (out->len > HELM_MAX_CHART_BYTES) {
			inflateEnd(&z);
			return berr_set(err, BERR_LIMIT,
					"chart archive is larger than the maximum of %u bytes",
					HELM_MAX_CHART_BYTES);
		}
		if (rc == Z_STREAM_END && z.avail_in > 0) {
			/* concatenated gzip members */
			inflateReset(&z);
			rc = Z_OK;
		}
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		return berr_set(err, BERR_INVALID, "gzip: invalid header or data");
	return 0;
}

static size_t octal(const char *p, size_t n)
{
	size_t v = 0;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (SIZE_MAX >> 4))
			return SIZE_MAX;
		v = v * 8 + (size_t)(p[i] - '0');
	}
	return v;
}

/* Clean a tar path: strip "./" and the leading directory; NULL when it
 * escapes. */
static char *clean_name(const char *name, struct berr *err, int *skip)
{
	*skip = 0;
	if (name[0] == '/')
		return berr_set(err, BERR_INVALID, "chart illegally contains absolute paths"), NULL;
	struct buf b = BUF_INIT;
	const char *p = name;
	int first = 1;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n + (p[n] == '/');
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			buf_release(&b);
			berr_set(err, BERR_INVALID, "chart illegally references parent directory");
			return NULL;
		}
		if (first) {
			first = 0;  /* the chart's own directory */
		} else {
			if (b.len)
				buf_addch(&b, '/');
			buf_add(&b, p, n);
		}
		p += n + (p[n] == '/');
	}
	if (!b.len)
		*skip = 1;
	return buf_detach(&b, NULL);
}

int harchive_read(struct hfiles *out, const void *data, size_t len, struct berr *err)
{
	struct buf tar = BUF_INIT;
	int rc = gunzip(&tar, data, len, err);
	if (rc < 0) {
		buf_release(&tar);
		return rc;
	}
	size_t off = 0;
	char *longname = NULL;
	while (off + 512 <= tar.len) {
		const char *h = tar.data + off;
		int zero = 1;
		for (int i = 0; i < 512; i++)
			if (h[i]) {
				zero = 0;
				break;
			}
		if (zero)
			break;
		size_t size = octal(h + 124, 12);
		char type = h[156];
		off += 512;
		if (size > tar.len - off) {
			rc = berr_set(err, BERR_INVALID, "tar: truncated archive");
			break;
		}
		const char *body = tar.data + off;
		off += (size + 511) & ~(size_t)511;
		if (off > tar.len)
			off = tar.len;
		if (type == 'L' || type == 'x') {
			free(longname);
			longname = NULL;
			if (type == 'L') {
				longname = xstrndup(body, size);
			} else {
				/* pax records: "LEN key=value\n" */
				const char *p = body, *end = body + size;
				while (p < end) {
					char *sp;
					unsigned long rl = strtoul(p, &sp, 10);
					if (sp >= end || *sp != ' ' || rl == 0 || rl > (size_t)(end - p))
						break;
					const char *kv = sp + 1, *rend = p + rl;
					if ((size_t)(rend - kv) > 5 && !strncmp(kv, "path=", 5)) {
						free(longname);
						longname = xstrndup(kv + 5, (size_t)(rend - kv - 6));
					}
					p = rend;
				}
			}
			continue;
		}
		if (type == 'g')
			continue;
		char name[257];
		if (longname) {
			snprintf(name, sizeof name, "%s", longname);
		} else if (!memcmp(h + 257, "ustar", 5) && h[345]) {
			snprintf(name, sizeof name, "%.155s/%.100s", h + 345, h);
		} else {
			snprintf(name, sizeof name, "%.100s", h);
		}
		free(longname);
		longname = NULL;
		if (type != '0' && type != 0 && type != '7')
			continue;       /* directories, links, devices */
		if (size > HELM_MAX_FILE_BYTES) {
			rc = berr_set(err, BERR_LIMIT, "file '%s' is larger than the maximum file size %u",
				      name, HELM_MAX_FILE_BYTES);
			break;
		}
		if (out->n >= HELM_MAX_FILES) {
			rc = berr_set(err, BERR_LIMIT, "chart archive has more than %d files", HELM_MAX_FILES);
			break;
		}
		int skip;
		char *clean = clean_name(name, err, &skip);
		if (!clean) {
			rc = BERR_INVALID;
			break;
		}
		if (!skip)
			hfiles_add(out, clean, body, size);
		free(clean);
	}
	free(longname);
	buf_release(&tar);
	if (rc == 0 && out->n == 0)
		rc = berr_set(err, BERR_INVALID, "no files in chart archive");
	return rc;
}
