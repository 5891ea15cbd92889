/*
 * kube-exec — exec credential plugins, run as client-go runs them.
 *
 * The plugin gets bosund's environment plus its own `env` and
 * KUBERNETES_EXEC_INFO (an ExecCredential with spec.interactive false, and
 * spec.cluster when provideClusterInfo asks for it); stdin is /dev/null, as
 * nobody is there to answer a prompt. It must print an ExecCredential of
 * the apiVersion it was configured with, holding status.token; the client
 * (kube-client.c) keeps the token until status.expirationTimestamp or,
 * without one, until the server answers 401, and runs the plugin again
 * then. The run is bounded: 1 MiB of output, 60 s (then the plugin is
 * killed). A failure names the command, how it ended and the last line it
 * wrote to stderr. A plugin that answers with a client certificate instead
 * of a token is refused with a clear message: the TLS identity of a client
 * is fixed when it is created.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "clock.h"
#include "doc.h"
#include "kube-internal.h"
#include "timefmt.h"

#define EXEC_V1 "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"
#define EXEC_OUTPUT_MAX ((size_t)1 << 20)
#define EXEC_STDERR_MAX 4096
#define EXEC_TIMEOUT_MS 60000
#define EXEC_LIST_MAX 256

extern char **environ;

void kube_exec_free(struct kube_exec *e)
{
	if (!e)
		return;
	free(e->api_version);
	free(e->command);
	strv_free(e->args);
	strv_free(e->env);
	free(e->install_hint);
	free(e);
}

struct kube_exec *kube_exec_copy(const struct kube_exec *e)
{
	if (!e)
		return NULL;
	struct kube_exec *c = xcalloc(1, sizeof(*c));
	c->api_version = xstrdup(e->api_version);
	c->command = xstrdup(e->command);
	c->args = xstrv_dup((const char *const *)e->args);
	c->env = xstrv_dup((const char *const *)e->env);
	c->provide_cluster_info = e->provide_cluster_info;
	c->install_hint = e->install_hint ? xstrdup(e->install_hint) : NULL;
	return c;
}

/* "NAME=value" strings from kubeconfig's [{name, value}] or a {name: value} map. */
static int parse_env(struct kube_exec *e, const json_t *env, const char *where,
		     struct berr *err)
{
	size_t n = json_is_array(env) ? json_array_size(env) : json_object_size(env);
	if (env && !json_is_array(env) && !json_is_object(env))
		return berr_set(err, BERR_INVALID, "%s: exec: 'env' is not a list", where);
	if (n > EXEC_LIST_MAX)
		return berr_set(err, BERR_LIMIT, "%s: exec: more than %d 'env' entries", where,
				EXEC_LIST_MAX);
	e->env = xcalloc(n + 1, sizeof(*e->env));
	size_t k = 0;
	const char *name, *value;
	const json_t *v;
	if (json_is_array(env)) {
		size_t i;
		json_array_foreach(env, i, v) {
			name = doc_get_str(v, "name");
			value = doc_get_str(v, "value");
			if (!name || !*name || !value || strchr(name, '='))
				return berr_set(err, BERR_INVALID,
						"%s: exec: env[%zu] needs a 'name' (without '=') and a "
						"string 'value'", where, i);
			e->env[k] = xmalloc(strlen(name) + strlen(value) + 2);
			sprintf(e->env[k++], "%s=%s", name, value);
		}
	} else {
		json_object_foreach((json_t *)env, name, v) {
			value = json_string_value(v);
			if (!*name || !value || strchr(name, '='))
				return berr_set(err, BERR_INVALID,
						"%s: exec: env '%s' needs a name without '=' and a "
						"string value", where, name);
			e->env[k] = xmalloc(strlen(name) + strlen(value) + 2);
			sprintf(e->env[k++], "%s=%s", name, value);
		}
	}
	return 0;
}

static int parse_args(struct kube_exec *e, const json_t *args, const char *where,
		      struct berr *err)
{
	if (args && !json_is_array(args))
		return berr_set(err, BERR_INVALID, "%s: exec: 'args' is not a list", where);
	size_t n = json_array_size(args);
	if (n > EXEC_LIST_MAX)
		return berr_set(err, BERR_LIMIT, "%s: exec: more than %d 'args'", where,
				EXEC_LIST_MAX);
	e->args = xcalloc(n + 1, sizeof(*e->args));
	for (size_t i = 0; i < n; i++) {
		const char *a = json_string_value(json_array_get(args, i));
		if (!a)
			return berr_set(err, BERR_INVALID, "%s: exec: args[%zu] is not a string",
					where, i);
		e->args[i] = xstrdup(a);
	}
	return 0;
}

int kube_exec_parse(struct kube_exec **out, const json_t *x, const char *base_dir,
		    const char *where, struct berr *err)
{
	*out = NULL;
	if (!json_is_object(x))
		return berr_set(err, BERR_INVALID, "%s: 'exec' is not a mapping", where);
	const char *av = doc_get_str(x, "apiVersion"), *cmd = doc_get_str(x, "command");
	const char *mode = doc_get_str(x, "interactiveMode");
	if (!cmd || !*cmd)
		return berr_set(err, BERR_INVALID, "%s: exec: 'command' is missing", where);
	if (!av || (strcmp(av, EXEC_V1) && strcmp(av, EXEC_V1BETA1)))
		return berr_set(err, BERR_INVALID,
				"%s: exec: apiVersion '%s' is not supported (use %s or %s)", where,
				av ? av : "", EXEC_V1, EXEC_V1BETA1);
	if (mode && !strcmp(mode, "Always"))
		return berr_set(err, BERR_UNSUPPORTED,
				"%s: exec: interactiveMode Always needs a terminal, which a "
				"server process does not have", where);
	struct kube_exec *e = xcalloc(1, sizeof(*e));
	e->api_version = xstrdup(av);
	if (strchr(cmd, '/') && cmd[0] != '/' && base_dir) {
		while (cmd[0] == '.' && cmd[1] == '/')
			cmd += 2;
		e->command = xmalloc(strlen(base_dir) + strlen(cmd) + 2);
		sprintf(e->command, "%s/%s", base_dir, cmd);
	} else {
		e->command = xstrdup(cmd);
	}
	e->provide_cluster_info = json_is_true(json_object_get(x, "provideClusterInfo"));
	if (doc_get_str(x, "installHint"))
		e->install_hint = xstrdup(doc_get_str(x, "installHint"));
	int rc = parse_args(e, json_object_get(x, "args"), where, err);
	if (rc == 0)
		rc = parse_env(e, json_object_get(x, "env"), where, err);
	if (rc < 0) {
		kube_exec_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* ------------------------------------------------------------ running */

/* The plugin's environment: its own env first, KUBERNETES_EXEC_INFO, then
 * ours without the names it sets. The strings of `environ` are borrowed. */
static char **plugin_env(const struct kube_exec *e, char *info)
{
	size_t n = 0, m = 0;
	while (environ && environ[n])
		n++;
	while (e->env[m])
		m++;
	char **env = xcalloc(n + m + 2, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		env[k++] = e->env[i];
	env[k++] = info;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");
		int shadowed = len == 20 && !strncmp(environ[i], "KUBERNETES_EXEC_INFO", 20);
		for (size_t j = 0; j < m && !shadowed; j++)
			shadowed = !strncmp(e->env[j], environ[i], len + 1);
		if (!shadowed)
			env[k++] = environ[i];
	}
	return env;
}

static char *exec_info(const struct kube_exec *e, const json_t *cluster)
{
	json_t *spec = json_pack("{s:b}", "interactive", 0);
	if (e->provide_cluster_info && cluster)
		json_object_set(spec, "cluster", (json_t *)cluster);
	json_t *doc = json_pack("{s:s, s:s, s:o}", "kind", "ExecCredential", "apiVersion",
				e->api_version, "spec", spec);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	char *info = xmalloc(strlen(text) + 22);
	sprintf(info, "KUBERNETES_EXEC_INFO=%s", text);
	free(text);
	return info;
}

/* Reads both pipes to their end (or the deadline); 1 when output was cut. */
static int drain(int out_fd, int err_fd, struct buf *out, struct buf *errb, long deadline)
{
	struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	int open = 2, cut = 0;
	char chunk[8192];
	while (open > 0) {
		long left = deadline - clock_ms();
		if (left <= 0)
			return -1;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t r = read(p[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				p[i].fd = -1;
				open--;
				continue;
			}
			struct buf *b = i == 0 ? out : errb;
			size_t cap = i == 0 ? EXEC_OUTPUT_MAX : EXEC_STDERR_MAX;
			if (b->len + (size_t)r > cap) {
				cut |= i == 0;
				r = (ssize_t)(cap - b->len);
			}
			buf_add(b, chunk, (size_t)r);
		}
	}
	return cut;
}

/* The last non-empty line of the plugin's stderr, for messages. */
static const char *last_line(struct buf *b)
{
	while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
		b->data[--b->len] = '\0';
	if (!b->len)
		return "";
	char *nl = strrchr(b->data, '\n');
	return nl ? nl + 1 : b->data;
}

static int run(const struct kube_exec *e, const json_t *cluster, struct buf *out,
	       struct berr *err)
{
	int o[2] = { -1, -1 }, x[2] = { -1, -1 }, rc = 0;
	struct buf errb = BUF_INIT;
	if (pipe2(o, O_CLOEXEC) < 0 || pipe2(x, O_CLOEXEC) < 0) {
		rc = berr_set(err, BERR_IO, "exec plugin '%s': pipe: %s", e->command, strerror(errno));
		goto out;
	}
	size_t nargs = 0;
	while (e->args[nargs])
		nargs++;
	char **argv = xcalloc(nargs + 2, sizeof(*argv));
	argv[0] = e->command;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = e->args[i];
	char *info = exec_info(e, cluster);
	char **env = plugin_env(e, info);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, x[1], 2);
	pid_t pid;
	int se = strchr(e->command, '/') ? posix_spawn(&pid, e->command, &fa, NULL, argv, env)
					 : posix_spawnp(&pid, e->command, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	free(info);
	free(argv);
	close(o[1]);
	close(x[1]);
	o[1] = x[1] = -1;
	if (se) {
		rc = berr_set(err, se == ENOENT ? BERR_NOTFOUND : BERR_IO,
			      "exec plugin: executable '%s' %s%s%s", e->command,
			      se == ENOENT ? "not found" : strerror(se),
			      e->install_hint ? "; " : "", e->install_hint ? e->install_hint : "");
		goto out;
	}
	int cut = drain(o[0], x[0], out, &errb, clock_ms() + EXEC_TIMEOUT_MS);
	if (cut < 0)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (cut < 0)
		rc = berr_set(err, BERR_LIMIT, "exec plugin '%s' did not finish within %d s",
			      e->command, EXEC_TIMEOUT_MS / 1000);
	else if (cut)
		rc = berr_set(err, BERR_LIMIT, "exec plugin '%s' printed more than %zu bytes",
			      e->command, EXEC_OUTPUT_MAX);
	else if (WIFSIGNALED(status))
		rc = berr_set(err, BERR_FAIL, "exec plugin '%s' was killed by signal %d: %s",
			      e->command, WTERMSIG(status), last_line(&errb));
	else if (WEXITSTATUS(status))
		rc = berr_set(err, BERR_FAIL, "exec plugin '%s' exited with status %d: %s",
			      e->command, WEXITSTATUS(status), last_line(&errb));
out:
	for (int i = 0; i < 2; i++) {
		if (o[i] >= 0)
			close(o[i]);
		if (x[i] >= 0)
			close(x[i]);
	}
	buf_release(&errb);
	return rc;
}

int kube_exec_token(const struct kube_exec *e, const json_t *cluster, char **token,
		    time_t *expires, struct berr *err)
{
	struct buf out = BUF_INIT;
	json_t *doc = NULL;
	*token = NULL;
	*expires = 0;
	int rc = run(e, cluster, &out, err);
	if (rc == 0 && !(doc = json_loadb(out.data ? out.data : "", out.len, 0, NULL)))
		rc = berr_set(err, BERR_INVALID, "exec plugin '%s' did not print a JSON "
			      "ExecCredential", e->command);
	const char *kind = doc_get_str(doc, "kind"), *av = doc_get_str(doc, "apiVersion");
	const char *tok = doc_get_str(doc, "status.token");
	const char *exp = doc_get_str(doc, "status.expirationTimestamp");
	if (rc < 0)
		;
	else if (!kind || strcmp(kind, "ExecCredential"))
		rc = berr_set(err, BERR_INVALID, "exec plugin '%s' printed kind '%s', not "
			      "ExecCredential", e->command, kind ? kind : "");
	else if (!av || strcmp(av, e->api_version))
		rc = berr_set(err, BERR_INVALID, "exec plugin '%s' is configured for %s but "
			      "returned %s", e->command, e->api_version, av ? av : "no apiVersion");
	else if ((!tok || !*tok) && doc_get_str(doc, "status.clientCertificateData"))
		rc = berr_set(err, BERR_UNSUPPORTED, "exec plugin '%s' returned a client "
			      "certificate; Bosun takes tokens from plugins only", e->command);
	else if (!tok || !*tok)
		rc = berr_set(err, BERR_INVALID, "exec plugin '%s' returned no status.token",
			      e->command);
	else if (exp && timefmt_parse(expires, NULL, exp, NULL) < 0)
		rc = berr_set(err, BERR_INVALID, "exec plugin '%s': expirationTimestamp '%.40s' "
			      "is not RFC 3339", e->command, exp);
	if (rc == 0)
		*token = xstrdup(tok);
	if (out.data)
		explicit_bzero(out.data, out.len);
	buf_release(&out);
	json_decref(doc);
	return rc;
}

json_t *kube_exec_cluster_info(const struct kube_config *cfg)
{
	json_t *c = json_pack("{s:s, s:b}", "server", cfg->server, "insecure-skip-tls-verify",
			      cfg->insecure_skip_verify);
	if (cfg->ca_pem) {
		struct buf b = BUF_INIT;
		b64_encode(&b, cfg->ca_pem, strlen(cfg->ca_pem));
		json_object_set_new(c, "certificate-authority-data", json_string(b.data));
		buf_release(&b);
	}
	return c;
}
