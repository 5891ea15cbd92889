/* cmd-app-create.c — `bosun app create NAME --repo URL --path P ...` or
 * `bosun app create -f app.yaml`: a new Application from flags or from a
 * manifest (Argo CD's argoproj.io/v1alpha1 ones are converted). */
#include <string.h>

#include "cli/cli.h"
#include "yaml.h"

extern const struct cmd_entry cmd_app_create_entry;

static int create_one(struct cli_client *c, json_t *app, int upsert)
{
	const char *name = json_string_value(json_object_get(json_object_get(app, "metadata"),
							     "name"));
	int rc = cli_request(c, "POST", upsert ? "/api/v1/applications?upsert=true"
				     : "/api/v1/applications", app, NULL, NULL);
	if (!rc)
		printf("application '%s' created\n", name);
	return rc;
}

static int from_file(struct cli_client *c, const char *file, const char *name, int upsert,
		     const struct app_flags *af)
{
	struct buf text = BUF_INIT;
	struct berr err = BERR_INIT;
	int rc = file && strcmp(file, "-") ? buf_read_file(&text, file, 4 << 20)
					   : buf_read_file(&text, "/dev/stdin", 4 << 20);
	if (rc < 0) {
		buf_release(&text);
		return cli_error("cannot read '%s'", file);
	}
	json_t *docs;
	rc = yaml_read_stream(&docs, text.data, text.len, file, NULL, &err);
	buf_release(&text);
	if (rc < 0)
		return cli_error("%s", err.msg);
	size_t i, count = 0;
	json_t *app;
	json_array_foreach(docs, i, app) {
		if (json_is_null(app))
			continue;
		count++;
		if (app_manifest_convert(app, &err) < 0) {
			rc = cli_error("%s: document %zu: %s", file, i + 1, err.msg);
			break;
		}
		json_t *meta = json_object_get(app, "metadata");
		if (name)
			json_object_set_new(meta, "name", json_string(name));
		json_t *spec = json_object_get(app, "spec");
		if (!json_is_object(spec)) {
			spec = json_object();
			json_object_set_new(app, "spec", spec);
		}
		if (app_flags_apply(spec, af, &err) < 0) {
			rc = cli_error("%s", err.msg);
			break;
		}
		if ((rc = create_one(c, app, upsert)))
			break;
	}
	if (!rc && !count)
		rc = cli_error("'%s' holds no Application", file);
	json_decref(docs);
	return rc;
}

static int app_create_exec(int argc, char **argv)
{
	struct app_flags af = { 0 };
	struct cli_flag flags[24];
	int k = app_flags_table(flags, &af);
	const char *file = NULL, *args[1];
	struct cli_list labels = { 0 };
	int upsert = 0, n;
	flags[k++] = (struct cli_flag){ "file", 'f', CLI_STR, &file };
	flags[k++] = (struct cli_flag){ "upsert", 0, CLI_BOOL, &upsert };
	flags[k++] = (struct cli_flag){ "label", 'l', CLI_LIST, &labels };
	flags[k] = (struct cli_flag){ NULL, 0, 0, NULL };
	if (cli_parse(&cmd_app_create_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (!file && n != 1)
		return cli_usage_error(&cmd_app_create_entry, "expects the application NAME");
	if (!file && (!af.repo || !af.path))
		return cli_usage_error(&cmd_app_create_entry, "--repo and --path are required");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc;
	if (file) {
		rc = from_file(c, file, n ? args[0] : NULL, upsert, &af);
	} else {
		json_t *app = json_pack("{s:s, s:s, s:{s:s}, s:{s:{}, s:{s:s}}}", "apiVersion",
					"bosun.io/v1alpha1", "kind", "Application", "metadata",
					"name", args[0], "spec", "source", "destination",
					"server", "https://kubernetes.default.svc");
		json_t *spec = json_object_get(app, "spec");
		struct berr err = BERR_INIT;
		rc = 0;
		if (labels.n) {
			json_t *l = json_object();
			for (int i = 0; i < labels.n && !rc; i++) {
				char key[256];
				const char *v;
				if (cli_split_kv(labels.v[i], key, sizeof(key), &v) < 0)
					rc = cli_usage_error(&cmd_app_create_entry,
							     "invalid --label '%s': want K=V",
							     labels.v[i]);
				else
					json_object_set_new(l, key, json_string(v));
			}
			json_object_set_new(json_object_get(app, "metadata"), "labels", l);
		}
		if (!rc && app_flags_apply(spec, &af, &err) < 0)
			rc = cli_usage_error(&cmd_app_create_entry, "%s", err.msg);
		if (!rc)
			rc = create_one(c, app, upsert);
		json_decref(app);
	}
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_create_entry = {
	.name = "app create",
	.usage = "NAME --repo URL --path P [--revision R] [--dest-server S | --dest-name N] "
		 "[--dest-namespace NS] [--project P] [--sync-policy automated] [--auto-prune] "
		 "[--self-heal] [--sync-option K=V]... [--values F]... [--helm-set K=V]... "
		 "[--release-name N] [--directory-recurse] [-l K=V]... [--upsert] | -f FILE",
	.summary = "create an application",
	.exec = app_create_exec,
};
