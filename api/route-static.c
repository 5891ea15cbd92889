/*
 * route-static — the UI's files from the ui directory at `/`, and JSON 404s
 * for unknown API paths. A request path is resolved with realpath(3) and
 * must stay inside the ui directory (no `..`, no symlink out); a path that
 * names no file gets index.html, so the UI's client-side routes load.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api-internal.h"

#define STATIC_MAX_BYTES (32 << 20)

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(*types); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* Resolves rel under root; 0 with the real path in out, -1 when absent,
 * outside root or not a regular file. */
static int resolve(const char *root, const char *rel, char out[PATH_MAX])
{
	char joined[PATH_MAX * 2];
	if (strstr(rel, "..") || strchr(rel, '\\'))
		return -1;
	snprintf(joined, sizeof(joined), "%s/%s", root, rel);
	if (!realpath(joined, out))
		return -1;
	size_t n = strlen(root);
	if (strncmp(out, root, n) || (out[n] != '/' && out[n] != 0))
		return -1;
	struct stat st;
	if (stat(out, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	return 0;
}

static void serve_file(struct http_response *resp, const char *path)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path, STATIC_MAX_BYTES) < 0) {
		buf_release(&b);
		return http_response_error(resp, 404, "not found");
	}
	http_response_text(resp, 200, type_of(path), b.data, b.len);
	buf_release(&b);
}

static void static_file(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	if (!strncmp(req->path, "/api/", 5) || !strcmp(req->path, "/api"))
		return http_response_error(resp, 404, "no such API path '%.200s'", req->path);
	char root[PATH_MAX], file[PATH_MAX];
	if (!realpath(ctx->api->ui_dir, root))
		return http_response_error(resp, 404, "no UI is installed");
	const char *rel = req->path + 1;
	if (*rel && resolve(root, rel, file) == 0)
		return serve_file(resp, file);
	if (strstr(rel, ".."))
		return http_response_error(resp, 404, "not found");
	if (resolve(root, "index.html", file) == 0)
		return serve_file(resp, file);
	http_response_error(resp, 404, "not found");
}

static void api_not_found(struct api_ctx *ctx, struct http_request *req,
			  struct http_response *resp)
{
	(void)ctx;
	http_response_error(resp, 404, "no such API path '%.200s'", req->path);
}

const struct api_route api_routes_static[] = {
	{ NULL, "/api/*", api_not_found, API_PUBLIC },
	{ "GET", "/*", static_file, API_PUBLIC | API_NO_CACHE_HEADERS },
	{ NULL, NULL, NULL, 0 },
};
