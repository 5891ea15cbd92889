/*
 * cmd-app-diff.c — `bosun app diff NAME`: what a sync would change, as a
 * unified diff per resource (live above, desired below). Exit 1 when they
 * differ, 0 when not, 2 on error, as argocd.
 *
 * Desired state comes from the server (the app's target revision, another
 * --revision, or --local DIR of manifests). The live object carries fields
 * the cluster fills in (status, uid, defaults); only the fields that git
 * also sets are compared, as `kubectl apply` would only touch those.
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "doc.h"
#include "yaml.h"

extern const struct cmd_entry cmd_app_diff_entry;

#define LOCAL_MAX_FILES 10000
#define ERR 2

/* live restricted to the shape of desired (new reference). */
static json_t *project(const json_t *live, const json_t *desired)
{
	if (json_is_object(live) && json_is_object(desired)) {
		json_t *out = json_object();
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)desired, k, v) {
			json_t *l = json_object_get(live, k);
			if (l)
				json_object_set_new(out, k, project(l, v));
		}
		return out;
	}
	if (json_is_array(live) && json_is_array(desired) &&
	    json_array_size(live) == json_array_size(desired)) {
		json_t *out = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(desired, i, v)
			json_array_append_new(out, project(json_array_get(live, i), v));
		return out;
	}
	return json_incref((json_t *)live);
}

static void to_yaml(struct buf *out, const json_t *doc)
{
	if (doc)
		yaml_write_flags(out, doc, YAML_WRITE_JSON_NUMBERS);
}

static const char *group_of(const json_t *obj)
{
	static char g[256];
	const char *av = doc_get_str(obj, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	snprintf(g, sizeof(g), "%.*s", slash ? (int)(slash - av) : 0, av ? av : "");
	return g;
}

/* Prints the diff of one resource; 1 when different. */
static int diff_one(const char *group, const char *kind, const char *ns, const char *name,
		    json_t *live, json_t *desired, int color)
{
	app_mask_secret(live);
	app_mask_secret(desired);
	json_t *shown = live && desired ? project(live, desired) : json_incref((json_t *)live);
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
	to_yaml(&a, shown);
	to_yaml(&b, desired);
	int changed = textdiff_unified(&out, a.data, b.data, live ? "live" : "/dev/null",
				       desired ? "desired" : "/dev/null", color);
	if (changed)
		printf("\n%s===== %s/%s %s/%s ======%s\n%s", color ? "\033[1m" : "", group, kind, ns,
		       name, color ? "\033[0m" : "", out.data);
	json_decref(shown);
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	return changed;
}

static json_t *parse_text(const char *text)
{
	return text ? json_loads(text, 0, NULL) : NULL;
}

/* Every object of the YAML/JSON files under dir into list. */
static int read_local(const char *dir, json_t *list, int *files, struct berr *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return berr_set(err, BERR_IO, "cannot read directory '%s'", dir);
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct buf path = BUF_INIT;
		buf_addf(&path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path.data, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = read_local(path.data, list, files, err);
		} else if (S_ISREG(st.st_mode)) {
			size_t len = strlen(e->d_name);
			int yaml = (len > 5 && !strcmp(e->d_name + len - 5, ".yaml")) ||
				   (len > 4 && !strcmp(e->d_name + len - 4, ".yml")) ||
				   (len > 5 && !strcmp(e->d_name + len - 5, ".json"));
			if (yaml && ++*files > LOCAL_MAX_FILES) {
				rc = berr_set(err, BERR_LIMIT, "more than %d manifest files under '%s'",
					      LOCAL_MAX_FILES, dir);
			} else if (yaml) {
				struct buf text = BUF_INIT;
				json_t *docs;
				if (buf_read_file(&text, path.data, 16 << 20) < 0)
					rc = berr_set(err, BERR_IO, "cannot read '%s'", path.data);
				else if ((rc = yaml_read_stream(&docs, text.data, text.len, path.data,
								NULL, err)) == 0) {
					size_t i;
					json_t *o;
					json_array_foreach(docs, i, o)
						if (json_is_object(o) && doc_get_str(o, "kind"))
							json_array_append(list, o);
					json_decref(docs);
				}
				buf_release(&text);
			}
		}
		buf_release(&path);
	}
	closedir(d);
	return rc;
}

static int matches(const json_t *obj, const json_t *item, const char *default_ns)
{
	const char *ns = doc_get_str(obj, "metadata.namespace");
	const char *ins = nz(doc_get_str(item, "namespace"));
	return !strcmp(group_of(obj), nz(doc_get_str(item, "group"))) &&
	       !strcmp(nz(doc_get_str(obj, "kind")), nz(doc_get_str(item, "kind"))) &&
	       !strcmp(nz(doc_get_str(obj, "metadata.name")), nz(doc_get_str(item, "name"))) &&
	       (!*ins || !strcmp(ns ? ns : default_ns, ins));
}

static int app_diff_exec(int argc, char **argv)
{
	const char *local = NULL, *revision = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "local", 0, CLI_STR, &local },
		{ "revision", 0, CLI_STR, &revision },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_diff_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_diff_entry, "expects the application NAME");
	if (local && revision)
		return cli_usage_error(&cmd_app_diff_entry, "--local and --revision exclude each other");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return ERR;
	json_t *app = NULL, *managed = NULL, *targets = NULL;
	int rc = 0, differ = 0, color = cli_color();
	struct buf path = BUF_INIT;
	if (app_fetch(c, args[0], NULL, &app)) {
		rc = ERR;
		goto out;
	}
	app_path(&path, args[0], "/managed-resources");
	if (cli_request(c, "GET", path.data, NULL, &managed, NULL)) {
		rc = ERR;
		goto out;
	}
	const char *default_ns = nz(doc_get_str(app, "spec.destination.namespace"));
	if (local || revision) {
		targets = json_array();
		if (local) {
			struct berr err = BERR_INIT;
			int files = 0;
			if (read_local(local, targets, &files, &err) < 0) {
				cli_error("%s", err.msg);
				rc = ERR;
				goto out;
			}
		} else {
			json_t *res;
			buf_reset(&path);
			app_path(&path, args[0], "/manifests?revision=");
			cli_escape(&path, revision);
			if (cli_request(c, "GET", path.data, NULL, &res, NULL)) {
				rc = ERR;
				goto out;
			}
			size_t i;
			json_t *m;
			json_array_foreach(json_object_get(res, "manifests"), i, m) {
				json_t *o = parse_text(json_string_value(m));
				if (o)
					json_array_append_new(targets, o);
			}
			json_decref(res);
		}
	}
	json_t *items = json_object_get(managed, "items");
	size_t i, j;
	json_t *item, *t;
	json_array_foreach(items, i, item) {
		json_t *live = parse_text(json_string_value(json_object_get(item, "liveState")));
		json_t *desired = NULL;
		if (targets) {
			json_array_foreach(targets, j, t)
				if (matches(t, item, default_ns)) {
					desired = json_incref(t);
					break;
				}
		} else {
			desired = parse_text(json_string_value(json_object_get(item, "targetState")));
		}
		differ |= diff_one(nz(doc_get_str(item, "group")), nz(doc_get_str(item, "kind")),
				   nz(doc_get_str(item, "namespace")), nz(doc_get_str(item, "name")),
				   live, desired, color);
		json_decref(live);
		json_decref(desired);
	}
	/* desired objects the app does not manage yet */
	json_array_foreach(targets, j, t) {
		int known = 0;
		json_array_foreach(items, i, item)
			known |= matches(t, item, default_ns);
		if (!known) {
			const char *ns = doc_get_str(t, "metadata.namespace");
			differ |= diff_one(group_of(t), nz(doc_get_str(t, "kind")),
					   ns ? ns : default_ns, nz(doc_get_str(t, "metadata.name")),
					   NULL, t, color);
		}
	}
	rc = differ ? 1 : 0;
out:
	buf_release(&path);
	json_decref(app);
	json_decref(managed);
	json_decref(targets);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_diff_entry = {
	.name = "app diff",
	.usage = "NAME [--local DIR] [--revision R]",
	.summary = "show what a sync would change (exit 1 when it would)",
	.exec = app_diff_exec,
};
