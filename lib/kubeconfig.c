/*
 * kubeconfig — one context of a kubeconfig file, resolved to what a client
 * needs.
 *
 * The file is YAML (lib/yaml.h reads it into json). Only the chosen context
 * is resolved: its cluster (server, CA, insecure-skip-tls-verify) and user
 * (token or tokenFile, client certificate and key). File references are read
 * now, relative to the kubeconfig's directory, and *-data fields are base64
 * decoded, so the client holds PEM in memory and never writes it to disk.
 * An exec credential plugin is read into cfg->exec (kube-exec.c runs it).
 * Every error names the kubeconfig and the entry and field at fault.
 *
 * A destination cluster registered as a Secret (Argo CD's format, which
 * Bosun keeps) resolves to the same struct: data.server, data.name and
 * data.config, JSON {bearerToken, tlsClientConfig {insecure, caData,
 * certData, keyData}} with base64 PEM.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base64.h"
#include "doc.h"
#include "kube.h"
#include "yaml.h"

#define KUBECONFIG_MAX_BYTES (16u << 20)
#define REF_FILE_MAX_BYTES (1u << 20)

void kube_config_free(struct kube_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->context);
	free(cfg->cluster);
	free(cfg->user);
	free(cfg->server);
	free(cfg->namespace);
	if (cfg->token) {
		explicit_bzero(cfg->token, strlen(cfg->token));
		free(cfg->token);
	}
	free(cfg->ca_pem);
	free(cfg->client_cert_pem);
	if (cfg->client_key_pem) {
		explicit_bzero(cfg->client_key_pem, strlen(cfg->client_key_pem));
		free(cfg->client_key_pem);
	}
	kube_exec_free(cfg->exec);
	free(cfg);
}

struct loader {
	const char *name;
	const char *base_dir;
	struct berr *err;
};

/* Finds the entry called `name` in the list `key` ("clusters") and returns
 * its `inner` object ("cluster"). */
static int find_named(const struct loader *l, const json_t *doc, const char *key,
		      const char *inner, const char *name, const json_t **out)
{
	const json_t *list = json_object_get(doc, key);
	size_t i;
	json_t *e;

	*out = NULL;
	if (list && !json_is_array(list) && !json_is_null(list))
		return berr_set(l->err, BERR_INVALID, "kubeconfig '%s': '%s' is not a list",
				l->name, key);
	json_array_foreach(list, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		if (!n || strcmp(n, name))
			continue;
		const json_t *o = json_object_get(e, inner);
		if (!json_is_object(o))
			return berr_set(l->err, BERR_INVALID,
					"kubeconfig '%s': %s '%s' has no '%s' mapping", l->name,
					inner, name, inner);
		*out = o;
		return 0;
	}
	return berr_set(l->err, BERR_NOTFOUND, "kubeconfig '%s': %s '%s' not found", l->name,
			inner, name);
}

/* A string field, or NULL; a non-string value is an error. */
static int get_str(const struct loader *l, const json_t *o, const char *what,
		   const char *entry, const char *field, const char **out)
{
	const json_t *v = json_object_get(o, field);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berr_set(l->err, BERR_INVALID, "kubeconfig '%s': %s '%s': '%s' is not a string",
				l->name, what, entry, field);
	*out = json_string_value(v);
	return 0;
}

static int read_ref(const struct loader *l, const char *path, const char *what,
		    const char *entry, const char *field, char **out)
{
	struct buf full = BUF_INIT, data = BUF_INIT;

	if (path[0] == '~' && path[1] == '/' && getenv("HOME"))
		buf_addf(&full, "%s%s", getenv("HOME"), path + 1);
	else if (path[0] == '/' || !l->base_dir)
		buf_adds(&full, path);
	else
		buf_addf(&full, "%s/%s", l->base_dir, path);
	struct stat st;
	if (stat(full.data, &st) == 0 && !S_ISREG(st.st_mode)) {
		berr_set(l->err, BERR_INVALID, "kubeconfig '%s': %s '%s': %s '%s' is not a regular file",
			 l->name, what, entry, field, full.data);
		buf_release(&full);
		return BERR_INVALID;
	}
	if (buf_read_file(&data, full.data, REF_FILE_MAX_BYTES) < 0) {
		int e = errno;
		berr_set(l->err, e == ENOENT ? BERR_NOTFOUND : BERR_INVALID,
			 "kubeconfig '%s': %s '%s': %s '%s': %s", l->name, what, entry, field,
			 full.data, e == EFBIG ? "file too large" : strerror(e));
		buf_release(&full);
		buf_release(&data);
		return l->err ? l->err->code : BERR_INVALID;
	}
	buf_release(&full);
	*out = buf_detach(&data, NULL);
	return 0;
}

/* Reads `<field>-data` (base64) or `<field>` (a file) into *out. */
static int read_pem(const struct loader *l, const json_t *o, const char *what,
		    const char *entry, const char *field, char **out)
{
	char data_field[96];
	const char *data, *file;
	int ret;

	*out = NULL;
	snprintf(data_field, sizeof(data_field), "%s-data", field);
	if ((ret = get_str(l, o, what, entry, data_field, &data)) < 0 ||
	    (ret = get_str(l, o, what, entry, field, &file)) < 0)
		return ret;
	if (data && data[0]) {
		struct buf pem = BUF_INIT;
		if (b64_decode(&pem, data, strlen(data), NULL) < 0) {
			buf_release(&pem);
			return berr_set(l->err, BERR_INVALID,
					"kubeconfig '%s': %s '%s': '%s' is not valid base64",
					l->name, what, entry, data_field);
		}
		*out = buf_detach(&pem, NULL);
		return 0;
	}
	if (file && file[0])
		return read_ref(l, file, what, entry, field, out);
	return 0;
}

static int load_cluster(const struct loader *l, const json_t *doc, struct kube_config *cfg)
{
	const json_t *c;
	const char *server;
	int ret;

	if ((ret = find_named(l, doc, "clusters", "cluster", cfg->cluster, &c)) < 0)
		return ret;
	if ((ret = get_str(l, c, "cluster", cfg->cluster, "server", &server)) < 0)
		return ret;
	if (!server || !server[0])
		return berr_set(l->err, BERR_INVALID, "kubeconfig '%s': cluster '%s': 'server' is missing",
				l->name, cfg->cluster);
	if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
		return berr_set(l->err, BERR_INVALID,
				"kubeconfig '%s': cluster '%s': server '%s' is not an http(s) URL",
				l->name, cfg->cluster, server);
	cfg->server = xstrdup(server);
	const json_t *insecure = json_object_get(c, "insecure-skip-tls-verify");
	if (insecure && !json_is_boolean(insecure))
		return berr_set(l->err, BERR_INVALID,
				"kubeconfig '%s': cluster '%s': 'insecure-skip-tls-verify' is not a boolean",
				l->name, cfg->cluster);
	cfg->insecure_skip_verify = json_is_true(insecure);
	return read_pem(l, c, "cluster", cfg->cluster, "certificate-authority", &cfg->ca_pem);
}

static int load_user(const struct loader *l, const json_t *doc, struct kube_config *cfg)
{
	const json_t *u;
	const char *token, *token_file;
	int ret;

	if ((ret = find_named(l, doc, "users", "user", cfg->user, &u)) < 0)
		return ret;
	if ((ret = get_str(l, u, "user", cfg->user, "token", &token)) < 0 ||
	    (ret = get_str(l, u, "user", cfg->user, "tokenFile", &token_file)) < 0)
		return ret;
	if (token && token[0]) {
		cfg->token = xstrdup(token);
	} else if (token_file && token_file[0]) {
		if ((ret = read_ref(l, token_file, "user", cfg->user, "tokenFile", &cfg->token)) < 0)
			return ret;
		size_t n = strlen(cfg->token);
		while (n && (cfg->token[n - 1] == '\n' || cfg->token[n - 1] == '\r' ||
			     cfg->token[n - 1] == ' '))
			cfg->token[--n] = '\0';
		if (!n)
			return berr_set(l->err, BERR_INVALID,
					"kubeconfig '%s': user '%s': tokenFile '%s' is empty",
					l->name, cfg->user, token_file);
	}
	if ((ret = read_pem(l, u, "user", cfg->user, "client-certificate",
			    &cfg->client_cert_pem)) < 0 ||
	    (ret = read_pem(l, u, "user", cfg->user, "client-key", &cfg->client_key_pem)) < 0)
		return ret;
	if (!!cfg->client_cert_pem != !!cfg->client_key_pem)
		return berr_set(l->err, BERR_INVALID,
				"kubeconfig '%s': user '%s': %s is set without %s", l->name,
				cfg->user, cfg->client_cert_pem ? "client-certificate" : "client-key",
				cfg->client_cert_pem ? "client-key" : "client-certificate");
	int has_creds = cfg->token || cfg->client_cert_pem ||
			json_object_get(u, "username");
	if (!has_creds && json_object_get(u, "exec")) {
		char where[512];
		snprintf(where, sizeof(where), "kubeconfig '%s': user '%s'", l->name, cfg->user);
		return kube_exec_parse(&cfg->exec, json_object_get(u, "exec"), l->base_dir, where,
				       l->err);
	}
	if (!has_creds && json_object_get(u, "auth-provider"))
		return berr_set(l->err, BERR_UNSUPPORTED,
				"kubeconfig '%s': user '%s': auth-provider plugins are not "
				"supported (they were removed from kubectl); use an exec plugin, "
				"a token or a client certificate", l->name, cfg->user);
	if (json_object_get(u, "username") && !cfg->token && !cfg->client_cert_pem)
		return berr_set(l->err, BERR_UNSUPPORTED,
				"kubeconfig '%s': user '%s': basic authentication is not supported",
				l->name, cfg->user);
	return 0;
}

static int load_doc(const struct loader *l, const json_t *doc, const char *context,
		    struct kube_config *cfg)
{
	const json_t *ctx;
	const char *cluster, *user, *ns;
	int ret;

	if (!json_is_object(doc))
		return berr_set(l->err, BERR_INVALID, "kubeconfig '%s': not a mapping", l->name);
	if (!context || !context[0]) {
		const json_t *cur = json_object_get(doc, "current-context");
		context = json_string_value(cur);
		if (!context || !context[0])
			return berr_set(l->err, BERR_NOTFOUND,
					"kubeconfig '%s': no context given and 'current-context' is not set",
					l->name);
	}
	cfg->context = xstrdup(context);
	if ((ret = find_named(l, doc, "contexts", "context", context, &ctx)) < 0)
		return ret;
	if ((ret = get_str(l, ctx, "context", context, "cluster", &cluster)) < 0 ||
	    (ret = get_str(l, ctx, "context", context, "user", &user)) < 0 ||
	    (ret = get_str(l, ctx, "context", context, "namespace", &ns)) < 0)
		return ret;
	if (!cluster || !cluster[0])
		return berr_set(l->err, BERR_INVALID, "kubeconfig '%s': context '%s': 'cluster' is missing",
				l->name, context);
	cfg->cluster = xstrdup(cluster);
	cfg->namespace = xstrdup(ns && ns[0] ? ns : "default");
	if ((ret = load_cluster(l, doc, cfg)) < 0)
		return ret;
	if (user && user[0]) {
		cfg->user = xstrdup(user);
		if ((ret = load_user(l, doc, cfg)) < 0)
			return ret;
	}
	return 0;
}

int kube_config_parse(struct kube_config **out, const char *text, size_t len,
		      const char *name, const char *base_dir, const char *context,
		      struct berr *err)
{
	struct loader l = { name ? name : "kubeconfig", base_dir, err };
	json_t *doc = NULL;
	int ret;

	*out = NULL;
	if (len > KUBECONFIG_MAX_BYTES)
		return berr_set(err, BERR_LIMIT, "kubeconfig '%s': larger than %u bytes", l.name,
				KUBECONFIG_MAX_BYTES);
	if ((ret = yaml_read(&doc, text, len, l.name, err)) < 0)
		return berr_prefix(err, "kubeconfig");
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));
	ret = load_doc(&l, doc, context, cfg);
	json_decref(doc);
	if (ret < 0) {
		kube_config_free(cfg);
		return ret;
	}
	*out = cfg;
	return 0;
}

int kube_config_load(struct kube_config **out, const char *path, const char *context,
		     struct berr *err)
{
	struct buf file = BUF_INIT, text = BUF_INIT;
	int ret;

	*out = NULL;
	if (path && path[0]) {
		buf_adds(&file, path);
	} else if (getenv("KUBECONFIG") && getenv("KUBECONFIG")[0]) {
		const char *k = getenv("KUBECONFIG");
		const char *colon = strchr(k, ':');
		buf_add(&file, k, colon ? (size_t)(colon - k) : strlen(k));
	} else if (getenv("HOME")) {
		buf_addf(&file, "%s/.kube/config", getenv("HOME"));
	} else {
		return berr_set(err, BERR_NOTFOUND, "no kubeconfig: neither KUBECONFIG nor HOME is set");
	}
	if (buf_read_file(&text, file.data, KUBECONFIG_MAX_BYTES) < 0) {
		int e = errno;
		ret = berr_set(err, e == ENOENT ? BERR_NOTFOUND : BERR_IO,
			       "cannot read kubeconfig '%s': %s", file.data,
			       e == EFBIG ? "file too large" : strerror(e));
		goto out;
	}
	char *dir_copy = xstrdup(file.data);
	ret = kube_config_parse(out, text.data, text.len, file.data, dirname(dir_copy), context,
				err);
	free(dir_copy);
out:
	buf_release(&file);
	buf_release(&text);
	return ret;
}

static int read_sa_file(const char *dir, const char *name, int required, char **out,
			struct berr *err)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	int ret = 0;

	*out = NULL;
	buf_addf(&path, "%s/%s", dir, name);
	if (buf_read_file(&data, path.data, REF_FILE_MAX_BYTES) < 0) {
		int e = errno;
		if (required || e != ENOENT)
			ret = berr_set(err, e == ENOENT ? BERR_NOTFOUND : BERR_IO,
				       "in-cluster configuration: cannot read '%s': %s", path.data,
				       strerror(e));
		buf_release(&data);
	} else {
		*out = buf_detach(&data, NULL);
	}
	buf_release(&path);
	return ret;
}

int kube_config_in_cluster(struct kube_config **out, const char *sa_dir, struct berr *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = sa_dir ? sa_dir : "/var/run/secrets/kubernetes.io/serviceaccount";
	struct kube_config *cfg;
	int ret;

	*out = NULL;
	if (!host || !host[0] || !port || !port[0])
		return berr_set(err, BERR_NOTFOUND,
				"not running in a cluster: KUBERNETES_SERVICE_HOST or "
				"KUBERNETES_SERVICE_PORT is not set");
	cfg = xcalloc(1, sizeof(*cfg));
	struct buf server = BUF_INIT;
	/* an IPv6 service address needs brackets in a URL */
	if (strchr(host, ':'))
		buf_addf(&server, "https://[%s]:%s", host, port);
	else
		buf_addf(&server, "https://%s:%s", host, port);
	cfg->server = buf_detach(&server, NULL);
	cfg->context = xstrdup("in-cluster");
	cfg->cluster = xstrdup("in-cluster");
	cfg->user = xstrdup("in-cluster");
	char *ns = NULL;
	if ((ret = read_sa_file(dir, "token", 1, &cfg->token, err)) < 0 ||
	    (ret = read_sa_file(dir, "ca.crt", 1, &cfg->ca_pem, err)) < 0 ||
	    (ret = read_sa_file(dir, "namespace", 0, &ns, err)) < 0) {
		kube_config_free(cfg);
		return ret;
	}
	size_t n = strlen(cfg->token);
	while (n && (cfg->token[n - 1] == '\n' || cfg->token[n - 1] == '\r'))
		cfg->token[--n] = '\0';
	if (ns) {
		n = strlen(ns);
		while (n && (ns[n - 1] == '\n' || ns[n - 1] == '\r' || ns[n - 1] == ' '))
			ns[--n] = '\0';
	}
	cfg->namespace = ns && ns[0] ? ns : xstrdup("default");
	if (ns && !ns[0])
		free(ns);
	*out = cfg;
	return 0;
}

/* A Secret's data[key] decoded; NULL when absent or not base64. */
static char *secret_value(const json_t *secret, const char *key)
{
	const char *v = json_string_value(doc_getv(secret, "data", key, NULL));
	struct buf out = BUF_INIT;
	if (!v || b64_decode(&out, v, strlen(v), NULL) < 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* config[path] (base64 PEM) decoded into *out; -1 when it is not base64. */
static int config_pem(const json_t *cfg, const char *path, char **out)
{
	const char *v = doc_get_str(cfg, path);
	struct buf pem = BUF_INIT;
	*out = NULL;
	if (!v || !*v)
		return 0;
	if (b64_decode(&pem, v, strlen(v), NULL) < 0) {
		buf_release(&pem);
		return -1;
	}
	*out = buf_detach(&pem, NULL);
	return 0;
}

int kube_config_from_cluster_secret(struct kube_config **out, const json_t *secret,
				    struct berr *err)
{
	const char *sname = doc_get_str(secret, "metadata.name");
	struct kube_config *kc = xcalloc(1, sizeof(*kc));
	char *config = secret_value(secret, "config");
	json_t *cfg = NULL;
	int rc = 0;
	*out = NULL;
	kc->server = secret_value(secret, "server");
	kc->context = secret_value(secret, "name");
	kc->namespace = xstrdup("default");
	if (!kc->server || !*kc->server) {
		rc = berr_set(err, BERR_INVALID, "cluster secret '%s' has no 'server'",
			      sname ? sname : "");
		goto out;
	}
	if (!kc->context)
		kc->context = xstrdup(kc->server);
	if (config && doc_parse_json(&cfg, config, strlen(config), NULL, "cluster config", err) < 0) {
		rc = berr_prefix(err, "cluster secret '%s'", sname ? sname : "");
		goto out;
	}
	if (doc_get_str(cfg, "bearerToken"))
		kc->token = xstrdup(doc_get_str(cfg, "bearerToken"));
	kc->insecure_skip_verify = doc_get_bool(cfg, "tlsClientConfig.insecure", 0);
	if (!kc->token && json_object_get(cfg, "execProviderConfig")) {
		char where[320];
		snprintf(where, sizeof(where), "cluster secret '%s'", sname ? sname : "");
		if ((rc = kube_exec_parse(&kc->exec, json_object_get(cfg, "execProviderConfig"),
					  NULL, where, err)) < 0)
			goto out;
	}
	static const char *const pems[] = { "tlsClientConfig.caData", "tlsClientConfig.certData",
					    "tlsClientConfig.keyData" };
	char **dst[] = { &kc->ca_pem, &kc->client_cert_pem, &kc->client_key_pem };
	for (size_t i = 0; i < 3 && rc == 0; i++)
		if (config_pem(cfg, pems[i], dst[i]) < 0)
			rc = berr_set(err, BERR_INVALID, "cluster secret '%s': config.%s is not valid "
				      "base64", sname ? sname : "", pems[i]);
out:
	if (config) {
		explicit_bzero(config, strlen(config));
		free(config);
	}
	json_decref(cfg);
	if (rc < 0)
		kube_config_free(kc);
	else
		*out = kc;
	return rc;
}
