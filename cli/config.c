/*
 * config.c — the CLI's config file: which API servers the user logged in
 * to (contexts) and which one is current, as argocd's ~/.config/argocd/config.
 *
 * The file is YAML read with lib/yaml and kept as a json_t document, so
 * keys the CLI does not know survive a rewrite. It holds bearer tokens, so
 * it is written mode 0600 through a temp file and rename (never half a
 * file, never readable by others even for a moment) in a 0700 directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "yaml.h"

#define CONFIG_MAX (1 << 20)

char *cli_config_path(void)
{
	struct buf b = BUF_INIT;
	const char *env = getenv("BOSUN_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (cli_globals.config && *cli_globals.config)
		buf_adds(&b, cli_globals.config);
	else if (env && *env)
		buf_adds(&b, env);
	else if (xdg && *xdg)
		buf_addf(&b, "%s/bosun/config", xdg);
	else
		buf_addf(&b, "%s/.config/bosun/config", home && *home ? home : ".");
	return buf_detach(&b, NULL);
}

int cli_config_load(json_t **out, const char *path, struct berr *err)
{
	*out = NULL;
	struct buf text = BUF_INIT;
	if (buf_read_file(&text, path, CONFIG_MAX) < 0) {
		int e = errno;
		buf_release(&text);
		if (e == ENOENT) {
			*out = json_object();
			return 0;
		}
		return berr_set(err, e == EFBIG ? BERR_LIMIT : BERR_IO,
				"cannot read config '%s': %s", path, strerror(e));
	}
	json_t *doc;
	int rc = yaml_read(&doc, text.data, text.len, path, err);
	buf_release(&text);
	if (rc < 0)
		return rc;
	if (json_is_null(doc)) {
		json_decref(doc);
		doc = json_object();
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		return berr_set(err, BERR_INVALID, "config '%s' is not a mapping", path);
	}
	json_t *ctxs = json_object_get(doc, "contexts");
	if (ctxs && !json_is_array(ctxs)) {
		json_decref(doc);
		return berr_set(err, BERR_INVALID, "config '%s': 'contexts' must be a list", path);
	}
	*out = doc;
	return 0;
}

static int mkdir_parents(const char *path, struct berr *err)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = 0;
		for (char *p = dir + 1; *p && !rc; p++) {
			if (*p != '/')
				continue;
			*p = 0;
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				rc = berr_set(err, BERR_IO, "cannot create '%s': %s", dir,
					      strerror(errno));
			*p = '/';
		}
		if (!rc && mkdir(dir, 0700) < 0 && errno != EEXIST)
			rc = berr_set(err, BERR_IO, "cannot create '%s': %s", dir, strerror(errno));
	}
	free(dir);
	return rc;
}

int cli_config_save(const json_t *cfg, const char *path, struct berr *err)
{
	int rc = mkdir_parents(path, err);
	if (rc < 0)
		return rc;
	struct buf text = BUF_INIT, tmp = BUF_INIT;
	yaml_write(&text, cfg);
	buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = berr_set(err, BERR_IO, "cannot write config '%s': %s", tmp.data,
			      strerror(errno));
		goto out;
	}
	size_t off = 0;
	while (off < text.len) {
		ssize_t n = write(fd, text.data + off, text.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = berr_set(err, BERR_IO, "cannot write config '%s': %s", tmp.data,
				      strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	if (!rc && (fchmod(fd, 0600) < 0 || fsync(fd) < 0))
		rc = berr_set(err, BERR_IO, "cannot write config '%s': %s", tmp.data,
			      strerror(errno));
	close(fd);
	if (!rc && rename(tmp.data, path) < 0)
		rc = berr_set(err, BERR_IO, "cannot replace config '%s': %s", path,
			      strerror(errno));
	if (rc)
		unlink(tmp.data);
out:
	memset(text.data, 0, text.len);
	buf_release(&text);
	buf_release(&tmp);
	return rc;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int cli_config_context(const json_t *cfg, const char *name, struct cli_context *out)
{
	memset(out, 0, sizeof(*out));
	if (!name)
		name = str(cfg, "current-context");
	if (!name)
		return BERR_NOTFOUND;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cfg, "contexts"), i, c) {
		if (!str(c, "name") || strcmp(str(c, "name"), name))
			continue;
		out->name = str(c, "name");
		out->server = str(c, "server");
		out->token = str(c, "auth-token");
		out->insecure = json_is_true(json_object_get(c, "insecure"));
		return out->server ? 0 : BERR_NOTFOUND;
	}
	return BERR_NOTFOUND;
}

void cli_config_set_context(json_t *cfg, const struct cli_context *ctx)
{
	json_t *ctxs = json_object_get(cfg, "contexts");
	if (!json_is_array(ctxs)) {
		ctxs = json_array();
		json_object_set_new(cfg, "contexts", ctxs);
	}
	json_t *c = json_pack("{s:s, s:s}", "name", ctx->name, "server", ctx->server);
	if (ctx->token)
		json_object_set_new(c, "auth-token", json_string(ctx->token));
	if (ctx->insecure)
		json_object_set_new(c, "insecure", json_true());
	size_t i;
	json_t *old;
	int replaced = 0;
	json_array_foreach(ctxs, i, old)
		if (str(old, "name") && !strcmp(str(old, "name"), ctx->name)) {
			json_array_set(ctxs, i, c);
			replaced = 1;
			break;
		}
	if (!replaced)
		json_array_append(ctxs, c);
	json_decref(c);
	json_object_set_new(cfg, "current-context", json_string(ctx->name));
}

int cli_config_remove_context(json_t *cfg, const char *name)
{
	json_t *ctxs = json_object_get(cfg, "contexts");
	size_t i;
	json_t *c;
	json_array_foreach(ctxs, i, c)
		if (str(c, "name") && !strcmp(str(c, "name"), name)) {
			const char *cur = str(cfg, "current-context");
			if (cur && !strcmp(cur, name))
				json_object_del(cfg, "current-context");
			json_array_remove(ctxs, i);
			return 0;
		}
	return BERR_NOTFOUND;
}
