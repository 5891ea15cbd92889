/*
 * app.c — what the `app` commands share: the flags that build an
 * Application spec (create and set), Argo CD manifest conversion, the
 * argocd-style summary and resource table of `app get`, and the wait loop
 * behind `app sync`, `app wait` and `app rollback`.
 *
 * Waiting polls the application (twice a second): polling needs no state
 * on the server, survives a restarted API replica, and each answer carries
 * everything the progress lines need (status.operationState.syncResult).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "doc.h"
#include "secret.h"

/* ------------------------------------------------------------ conversion */

int app_manifest_convert(json_t *app, struct berr *err)
{
	if (!json_is_object(app))
		return berr_set(err, BERR_INVALID, "an Application must be a mapping");
	const char *av = json_string_value(json_object_get(app, "apiVersion"));
	const char *kind = json_string_value(json_object_get(app, "kind"));
	if (kind && strcmp(kind, "Application"))
		return berr_set(err, BERR_INVALID, "kind is '%s', not 'Application'", kind);
	if (av && strcmp(av, "bosun.io/v1alpha1") && strcmp(av, "argoproj.io/v1alpha1"))
		return berr_set(err, BERR_INVALID,
				"apiVersion '%s' is neither 'bosun.io/v1alpha1' nor 'argoproj.io/v1alpha1'",
				av);
	int argo = av && !strcmp(av, "argoproj.io/v1alpha1");
	json_object_set_new(app, "apiVersion", json_string("bosun.io/v1alpha1"));
	json_object_set_new(app, "kind", json_string("Application"));
	json_t *meta = json_object_get(app, "metadata");
	if (!json_is_object(meta) || !json_is_string(json_object_get(meta, "name")))
		return berr_set(err, BERR_INVALID, "'metadata.name' is required");
	json_object_del(app, "status");
	json_object_del(app, "operation");
	/* Argo CD apps live in argocd's namespace; Bosun's in its own */
	json_object_del(meta, "namespace");
	const char *drop[] = { "uid", "resourceVersion", "generation", "creationTimestamp",
			       "managedFields" };
	for (size_t i = 0; i < sizeof(drop) / sizeof(*drop); i++)
		json_object_del(meta, drop[i]);
	if (argo) {
		/* Argo CD's finalizer does what Bosun's does */
		json_t *fins = json_object_get(meta, "finalizers");
		size_t i;
		json_t *f;
		json_array_foreach(fins, i, f) {
			const char *s = json_string_value(f);
			if (s && !strncmp(s, "resources-finalizer.argocd.argoproj.io", 38))
				json_array_set_new(fins, i, json_string(
					!strcmp(s + 38, "/background")
					? "resources-finalizer.bosun.io/background"
					: "resources-finalizer.bosun.io"));
		}
	}
	return 0;
}

/* ------------------------------------------------------------ secrets */

void app_mask_secret(json_t *obj)
{
	if (!json_is_object(obj) || strcmp(nz(doc_get_str(obj, "kind")), "Secret"))
		return;
	json_t *data = json_object_get(obj, "data");
	json_t *sd = json_object_get(obj, "stringData");
	if (json_is_object(sd)) {
		if (!json_is_object(data)) {
			data = json_object();
			json_object_set_new(obj, "data", data);
		}
		json_object_update(data, sd);
	}
	json_object_del(obj, "stringData");
	secret_mask(obj);
}

/* ------------------------------------------------------------ spec flags */

int app_flags_table(struct cli_flag *f, struct app_flags *af)
{
	const struct cli_flag rows[] = {
		{ "repo", 0, CLI_STR, &af->repo },
		{ "path", 0, CLI_STR, &af->path },
		{ "revision", 0, CLI_STR, &af->revision },
		{ "dest-server", 0, CLI_STR, &af->dest_server },
		{ "dest-name", 0, CLI_STR, &af->dest_name },
		{ "dest-namespace", 0, CLI_STR, &af->dest_namespace },
		{ "project", 'p', CLI_STR, &af->project },
		{ "sync-policy", 0, CLI_STR, &af->sync_policy },
		{ "auto-prune", 0, CLI_BOOL, &af->auto_prune },
		{ "self-heal", 0, CLI_BOOL, &af->self_heal },
		{ "sync-option", 0, CLI_LIST, &af->sync_options },
		{ "values", 0, CLI_LIST, &af->values },
		{ "helm-set", 0, CLI_LIST, &af->helm_set },
		{ "release-name", 0, CLI_STR, &af->release_name },
		{ "directory-recurse", 0, CLI_BOOL, &af->directory_recurse },
	};
	int n = (int)(sizeof(rows) / sizeof(*rows));
	memcpy(f, rows, sizeof(rows));
	af->auto_prune = af->self_heal = af->directory_recurse = -1;   /* not given */
	return n;
}

static json_t *child(json_t *parent, const char *key)
{
	json_t *c = json_object_get(parent, key);
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(parent, key, c);
	}
	return c;
}

static void set_str(json_t *obj, const char *key, const char *v)
{
	if (v)
		json_object_set_new(obj, key, json_string(v));
}

int app_flags_apply(json_t *spec, const struct app_flags *af, struct berr *err)
{
	json_t *src = child(spec, "source");
	set_str(src, "repoURL", af->repo);
	set_str(src, "path", af->path);
	set_str(src, "targetRevision", af->revision);
	if (af->dest_server && af->dest_name)
		return berr_set(err, BERR_INVALID, "--dest-server and --dest-name exclude each other");
	json_t *dest = child(spec, "destination");
	if (af->dest_server) {
		json_object_del(dest, "name");
		set_str(dest, "server", af->dest_server);
	}
	if (af->dest_name) {
		json_object_del(dest, "server");
		set_str(dest, "name", af->dest_name);
	}
	set_str(dest, "namespace", af->dest_namespace);
	set_str(spec, "project", af->project);
	if (af->sync_policy) {
		if (!strcmp(af->sync_policy, "automated") || !strcmp(af->sync_policy, "auto") ||
		    !strcmp(af->sync_policy, "automatic")) {
			json_t *pol = child(spec, "syncPolicy");
			if (!json_is_object(json_object_get(pol, "automated")))
				json_object_set_new(pol, "automated", json_object());
		} else if (!strcmp(af->sync_policy, "none") || !strcmp(af->sync_policy, "manual")) {
			json_object_del(child(spec, "syncPolicy"), "automated");
		} else {
			return berr_set(err, BERR_INVALID,
					"invalid --sync-policy '%s': want automated or none",
					af->sync_policy);
		}
	}
	const char *names[2] = { "prune", "selfHeal" };
	int vals[2] = { af->auto_prune, af->self_heal };
	for (int i = 0; i < 2; i++) {
		if (vals[i] < 0)
			continue;
		json_t *automated = json_object_get(child(spec, "syncPolicy"), "automated");
		if (!json_is_object(automated)) {
			if (vals[i])
				return berr_set(err, BERR_INVALID, "--%s needs --sync-policy automated",
						i ? "self-heal" : "auto-prune");
			continue;
		}
		json_object_set_new(automated, names[i], json_boolean(vals[i]));
	}
	if (af->sync_options.n) {
		json_t *opts = json_object_get(child(spec, "syncPolicy"), "syncOptions");
		if (!json_is_array(opts)) {
			opts = json_array();
			json_object_set_new(child(spec, "syncPolicy"), "syncOptions", opts);
		}
		for (int i = 0; i < af->sync_options.n; i++) {
			char key[256];
			const char *v;
			if (cli_split_kv(af->sync_options.v[i], key, sizeof(key), &v) < 0)
				return berr_set(err, BERR_INVALID, "invalid --sync-option '%s': want K=V",
						af->sync_options.v[i]);
			size_t j;
			json_t *o;
			size_t klen = strlen(key);
			json_array_foreach(opts, j, o) {
				const char *s = json_string_value(o);
				if (s && !strncmp(s, key, klen) && s[klen] == '=')
					break;
			}
			if (j < json_array_size(opts))
				json_array_set_new(opts, j, json_string(af->sync_options.v[i]));
			else
				json_array_append_new(opts, json_string(af->sync_options.v[i]));
		}
	}
	if (af->values.n || af->helm_set.n || af->release_name) {
		json_t *helm = child(src, "helm");
		set_str(helm, "releaseName", af->release_name);
		if (af->values.n) {
			json_t *files = json_object_get(helm, "valueFiles");
			if (!json_is_array(files)) {
				files = json_array();
				json_object_set_new(helm, "valueFiles", files);
			}
			for (int i = 0; i < af->values.n; i++)
				json_array_append_new(files, json_string(af->values.v[i]));
		}
		if (af->helm_set.n) {
			json_t *params = json_object_get(helm, "parameters");
			if (!json_is_array(params)) {
				params = json_array();
				json_object_set_new(helm, "parameters", params);
			}
			for (int i = 0; i < af->helm_set.n; i++) {
				char key[256];
				const char *v;
				if (cli_split_kv(af->helm_set.v[i], key, sizeof(key), &v) < 0)
					return berr_set(err, BERR_INVALID,
							"invalid --helm-set '%s': want K=V",
							af->helm_set.v[i]);
				size_t j;
				json_t *p;
				json_array_foreach(params, j, p)
					if (json_string_value(json_object_get(p, "name")) &&
					    !strcmp(json_string_value(json_object_get(p, "name")), key))
						break;
				json_t *np = json_pack("{s:s, s:s}", "name", key, "value", v);
				if (j < json_array_size(params))
					json_array_set_new(params, j, np);
				else
					json_array_append_new(params, np);
			}
		}
	}
	if (af->directory_recurse >= 0)
		json_object_set_new(child(src, "directory"), "recurse",
				    json_boolean(af->directory_recurse));
	return 0;
}

/* ------------------------------------------------------------ get and print */

void app_path(struct buf *out, const char *name, const char *suffix)
{
	buf_adds(out, "/api/v1/applications/");
	cli_escape(out, name);
	buf_adds(out, nz(suffix));
}

/* Edit distance of a and b, capped: more than max gives max + 1. */
static size_t distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 128 || lb > 128 || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	size_t row[129];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

void app_suggest(struct buf *out, const char *name, const json_t *names)
{
	size_t i, found = 0;
	json_t *n;
	json_array_foreach(names, i, n) {
		const char *s = json_string_value(n);
		if (!s || !strcmp(s, name))
			continue;
		size_t len = strlen(name);
		int close = distance(name, s, len > 6 ? 2 : 1) <= (len > 6 ? 2u : 1u) ||
			    (len >= 3 && (strstr(s, name) || strstr(name, s)));
		if (!close || found >= 3)
			continue;
		buf_addf(out, "%s'%s'", found ? ", " : " (did you mean ", s);
		found++;
	}
	if (found)
		buf_adds(out, "?)");
}

int app_request(struct cli_client *c, const char *method, const char *path, const json_t *body,
		json_t **out, const char *name)
{
	char msg[BERR_MSG_MAX];
	long status;
	int rc = cli_request_quiet(c, method, path, body, out, &status, msg);
	if (!rc)
		return 0;
	struct buf line = BUF_INIT;
	buf_adds(&line, msg);
	json_t *list = NULL;
	if (status == 404 && name &&
	    cli_request_quiet(c, "GET", "/api/v1/applications", NULL, &list, NULL, msg) == 0) {
		json_t *names = json_array();
		size_t i;
		json_t *app;
		json_array_foreach(json_object_get(list, "items"), i, app)
			json_array_append(names, doc_get(app, "metadata.name"));
		app_suggest(&line, name, names);
		json_decref(names);
	}
	json_decref(list);
	cli_error("%s", line.data);
	buf_release(&line);
	return rc;
}

int app_fetch(struct cli_client *c, const char *name, const char *refresh, json_t **out)
{
	struct buf path = BUF_INIT;
	buf_adds(&path, "/api/v1/applications/");
	cli_escape(&path, name);
	if (refresh)
		buf_addf(&path, "?refresh=%s", refresh);
	int rc = app_request(c, "GET", path.data, NULL, out, name);
	buf_release(&path);
	return rc;
}

static const char *group_of(const json_t *r)
{
	const char *g = doc_get_str(r, "group");
	return g ? g : "";
}

static int same_res(const json_t *a, const json_t *b)
{
	const char *keys[] = { "kind", "namespace", "name" };
	for (size_t i = 0; i < 3; i++)
		if (strcmp(nz(doc_get_str(a, keys[i])), nz(doc_get_str(b, keys[i]))))
			return 0;
	return !strcmp(group_of(a), group_of(b));
}

void app_print_resources(const json_t *app, FILE *f)
{
	struct table t;
	table_init(&t, 8);
	table_add(&t, "GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "HOOK", "MESSAGE");
	json_t *results = doc_get(app, "status.operationState.syncResult.resources");
	size_t i, j;
	json_t *r, *x;
	json_array_foreach(doc_get(app, "status.resources"), i, r) {
		const char *msg = doc_get_str(r, "health.message");
		json_array_foreach(results, j, x)
			if (same_res(r, x) && !doc_get_str(x, "hookType") &&
			    doc_get_str(x, "message") && *doc_get_str(x, "message"))
				msg = doc_get_str(x, "message");
		table_add(&t, group_of(r), doc_get_str(r, "kind"), doc_get_str(r, "namespace"),
			  doc_get_str(r, "name"), doc_get_str(r, "status"),
			  doc_get_str(r, "health.status"), "", msg);
	}
	/* hooks are not managed resources; argocd lists them from the result */
	json_array_foreach(results, j, x) {
		if (!doc_get_str(x, "hookType"))
			continue;
		table_add(&t, group_of(x), doc_get_str(x, "kind"), doc_get_str(x, "namespace"),
			  doc_get_str(x, "name"), doc_get_str(x, "hookPhase"), "",
			  doc_get_str(x, "hookType"), doc_get_str(x, "message"));
	}
	table_print(&t, f);
	table_free(&t);
}

#define FIELD "%-20s%s\n"

static void short_rev(char *out, size_t size, const char *rev)
{
	if (rev && strlen(rev) == 40 && strspn(rev, "0123456789abcdef") == 40)
		snprintf(out, size, "%.7s", rev);
	else
		snprintf(out, size, "%s", nz(rev));
}

void app_print_operation(const json_t *app, FILE *f)
{
	const json_t *st = doc_get(app, "status.operationState");
	if (!st)
		return;
	char rev[64];
	short_rev(rev, sizeof(rev), doc_get_str(st, "syncResult.revision"));
	fprintf(f, FIELD, "Operation:", doc_get(st, "operation.rollback") ? "Rollback" : "Sync");
	fprintf(f, FIELD, "Sync Revision:", rev);
	fprintf(f, FIELD, "Phase:", nz(doc_get_str(st, "phase")));
	fprintf(f, FIELD, "Start:", nz(doc_get_str(st, "startedAt")));
	fprintf(f, FIELD, "Finished:", nz(doc_get_str(st, "finishedAt")));
	fprintf(f, FIELD, "Message:", nz(doc_get_str(st, "message")));
}

void app_print_summary(const json_t *app, const char *server_url, int show_operation,
		       FILE *f)
{
	const char *name = nz(doc_get_str(app, "metadata.name"));
	const json_t *src = doc_get(app, "spec.source");
	if (!src)
		src = doc_get(app, "spec.sources[0]");
	const char *server = doc_get_str(app, "spec.destination.server");
	if (!server)
		server = doc_get_str(app, "spec.destination.name");
	char url[1024];
	snprintf(url, sizeof(url), "%s/applications/%s", nz(server_url), name);
	fprintf(f, FIELD, "Name:", name);
	fprintf(f, FIELD, "Project:", nz(doc_get_str(app, "spec.project")));
	fprintf(f, FIELD, "Server:", nz(server));
	fprintf(f, FIELD, "Namespace:", nz(doc_get_str(app, "spec.destination.namespace")));
	fprintf(f, FIELD, "URL:", url);
	fprintf(f, FIELD, "Repo:", nz(doc_get_str(src, "repoURL")));
	fprintf(f, FIELD, "Target:", nz(doc_get_str(src, "targetRevision")));
	fprintf(f, FIELD, "Path:", nz(doc_get_str(src, "path")));
	fprintf(f, FIELD, "SyncWindow:", "Sync Allowed");
	const json_t *automated = doc_get(app, "spec.syncPolicy.automated");
	char policy[64] = "<none>";
	if (json_is_object(automated))
		snprintf(policy, sizeof(policy), "Automated%s%s",
			 doc_get_bool(automated, "prune", 0) ? " (Prune)" : "",
			 doc_get_bool(automated, "selfHeal", 0) ? " (Self Heal)" : "");
	fprintf(f, FIELD, "Sync Policy:", policy);
	char rev[64], sync[256];
	short_rev(rev, sizeof(rev), doc_get_str(app, "status.sync.revision"));
	const char *ss = doc_get_str(app, "status.sync.status");
	snprintf(sync, sizeof(sync), "%s from %s%s%s%s", ss ? ss : "Unknown",
		 doc_get_str(src, "targetRevision") ? doc_get_str(src, "targetRevision") : "HEAD",
		 *rev ? " (" : "", rev, *rev ? ")" : "");
	fprintf(f, FIELD, "Sync Status:", sync);
	const char *hs = doc_get_str(app, "status.health.status");
	fprintf(f, FIELD, "Health Status:", hs ? hs : "Unknown");
	size_t i;
	json_t *cond;
	json_array_foreach(doc_get(app, "status.conditions"), i, cond) {
		char line[1024];
		snprintf(line, sizeof(line), "%s: %s", nz(doc_get_str(cond, "type")),
			 nz(doc_get_str(cond, "message")));
		fprintf(f, FIELD, i ? "" : "Conditions:", line);
	}
	if (show_operation && doc_get(app, "status.operationState")) {
		fputc('\n', f);
		app_print_operation(app, f);
	}
	if (json_array_size(doc_get(app, "status.resources")) ||
	    json_array_size(doc_get(app, "status.operationState.syncResult.resources"))) {
		fputc('\n', f);
		app_print_resources(app, f);
	}
}

/* ------------------------------------------------------------ waiting */

void app_operation_id(char *out, size_t size, const json_t *app)
{
	const json_t *st = doc_get(app, "status.operationState");
	json_t *gen = json_object_get(st, "operationGeneration");
	if (json_is_integer(gen))
		snprintf(out, size, "generation %lld", (long long)json_integer_value(gen));
	else    /* a controller that does not say: the start time will do */
		snprintf(out, size, "%s", nz(doc_get_str(st, "startedAt")));
}

static int op_running(const json_t *app)
{
	json_t *op = json_object_get(app, "operation");
	if (op && !json_is_null(op))
		return 1;
	const char *phase = doc_get_str(app, "status.operationState.phase");
	return phase && (!strcmp(phase, "Running") || !strcmp(phase, "Terminating"));
}

static int reached(const json_t *app, unsigned what)
{
	if ((what & WAIT_OPERATION) && op_running(app))
		return 0;
	if ((what & WAIT_SYNC) && strcmp(nz(doc_get_str(app, "status.sync.status")), "Synced"))
		return 0;
	const char *h = nz(doc_get_str(app, "status.health.status"));
	if ((what & WAIT_HEALTH) && strcmp(h, "Healthy") &&
	    !((what & WAIT_SUSPENDED) && !strcmp(h, "Suspended")))
		return 0;
	return 1;
}

/* Prints a line for each result entry that is new or changed since seen. */
static void progress_lines(const json_t *app, json_t *seen)
{
	size_t i;
	json_t *r;
	json_array_foreach(doc_get(app, "status.operationState.syncResult.resources"), i, r) {
		char key[1024], val[1024];
		snprintf(key, sizeof(key), "%s/%s/%s/%s/%s", group_of(r), nz(doc_get_str(r, "kind")),
			 nz(doc_get_str(r, "namespace")), nz(doc_get_str(r, "name")),
			 nz(doc_get_str(r, "syncPhase")));
		snprintf(val, sizeof(val), "%s|%s|%s", nz(doc_get_str(r, "status")),
			 nz(doc_get_str(r, "hookPhase")), nz(doc_get_str(r, "message")));
		const char *old = json_string_value(json_object_get(seen, key));
		if (old && !strcmp(old, val))
			continue;
		if (!json_object_size(seen))
			printf("%-19s  %-4s %-8s %-12s %-10s %-24s %-10s %-8s %s\n", "TIMESTAMP",
			       "WAVE", "GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HOOK",
			       "MESSAGE");
		char now[32];
		time_t t = time(NULL);
		strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", localtime(&t));
		const char *status = doc_get_str(r, "hookType") ? doc_get_str(r, "hookPhase")
								: doc_get_str(r, "status");
		long long wave = 0;
		size_t j;
		json_t *m;
		json_array_foreach(doc_get(app, "status.resources"), j, m)
			if (same_res(m, r))
				wave = doc_get_int(m, "syncWave", 0);
		printf("%s  %-4lld %-8s %-12s %-10s %-24s %-10s %-8s %s\n", now, wave, group_of(r),
		       nz(doc_get_str(r, "kind")), nz(doc_get_str(r, "namespace")),
		       nz(doc_get_str(r, "name")), nz(status), nz(doc_get_str(r, "hookType")),
		       nz(doc_get_str(r, "message")));
		fflush(stdout);
		json_object_set_new(seen, key, json_string(val));
	}
}

static void spin_clear(int spin, int *tick)
{
	if (spin && *tick)
		fputs("\r\033[K", stderr);
	*tick = 0;
}

int app_wait(struct cli_client *c, const char *name, unsigned what, long timeout_s,
	     const char *progress, json_t **final)
{
	if (final)
		*final = NULL;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	json_t *seen = json_object();
	json_t *app = NULL;
	int rc = CLI_FAIL, failures = 0;
	/* a spinner only on a terminal, and not between progress lines */
	int spin = !progress && isatty(STDERR_FILENO), tick = 0;
	for (;;) {
		json_t *next;
		char msg[BERR_MSG_MAX];
		long status;
		struct buf path = BUF_INIT;
		buf_adds(&path, "/api/v1/applications/");
		cli_escape(&path, name);
		int r = cli_request_quiet(c, "GET", path.data, NULL, &next, &status, msg);
		buf_release(&path);
		if (r) {
			/* a restarting server is not a failed sync; a missing app is */
			if (status == 404 || status == 401 || status == 403 || ++failures > 20) {
				spin_clear(spin, &tick);
				cli_error("%s", msg);
				break;
			}
		} else {
			failures = 0;
			json_decref(app);
			app = next;
			char run[64];
			app_operation_id(run, sizeof(run), app);
			if (progress && (!*progress || !*run || strcmp(run, progress)))
				progress_lines(app, seen);
			if (reached(app, what)) {
				rc = 0;
				break;
			}
			const char *phase = doc_get_str(app, "status.operationState.phase");
			const char *health = doc_get_str(app, "status.health.status");
			if ((what & WAIT_HEALTH) && !op_running(app) && health &&
			    !strcmp(health, "Degraded")) {
				spin_clear(spin, &tick);
				cli_error("health of '%s' is Degraded%s%s", name,
					  doc_get_str(app, "status.health.message") ? ": " : "",
					  nz(doc_get_str(app, "status.health.message")));
				break;
			}
			if ((what & WAIT_OPERATION) && !op_running(app) && phase &&
			    (!strcmp(phase, "Failed") || !strcmp(phase, "Error"))) {
				spin_clear(spin, &tick);
				cli_error("operation of '%s' ended %s: %s", name, phase,
					  nz(doc_get_str(app, "status.operationState.message")));
				break;
			}
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_s > 0 && now.tv_sec - start.tv_sec >= timeout_s) {
			spin_clear(spin, &tick);
			cli_error("timed out (%lds) waiting for '%s': sync %s, health %s%s", timeout_s,
				  name, nz(doc_get_str(app, "status.sync.status")),
				  nz(doc_get_str(app, "status.health.status")),
				  op_running(app) ? ", operation still running" : "");
			break;
		}
		if (spin && app) {
			fprintf(stderr, "\r%c waiting for '%s': sync %s, health %s%s\033[K", "|/-\\"[tick++ % 4],
				name, nz(doc_get_str(app, "status.sync.status")),
				nz(doc_get_str(app, "status.health.status")),
				op_running(app) ? ", operation running" : "");
			fflush(stderr);
		}
		usleep(500 * 1000);
	}
	spin_clear(spin, &tick);
	json_decref(seen);
	if (final)
		*final = app;
	else
		json_decref(app);
	return rc;
}
