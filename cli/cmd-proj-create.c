/* cmd-proj-create.c — `bosun proj create NAME` (or -f FILE): a new
 * AppProject with its sources and destinations, flags as argocd's. */
#include <string.h>

#include "cli/cli.h"
#include "yaml.h"

extern const struct cmd_entry cmd_proj_create_entry;


static int proj_create_exec(int argc, char **argv)
{
	const char *desc = NULL, *file = NULL, *args[1];
	struct cli_list srcs = { 0 }, dests = { 0 };
	int n, upsert = 0;
	struct cli_flag flags[] = {
		{ "description", 0, CLI_STR, &desc },
		{ "src", 's', CLI_LIST, &srcs },
		{ "dest", 'd', CLI_LIST, &dests },
		{ "file", 'f', CLI_STR, &file },
		{ "upsert", 0, CLI_BOOL, &upsert },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_proj_create_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1 && !file)
		return cli_usage_error(&cmd_proj_create_entry, "expects the project NAME or -f FILE");
	json_t *project = NULL;
	if (file) {
		struct buf text = BUF_INIT;
		struct berr err = BERR_INIT;
		if (buf_read_file(&text, file, 4 << 20) < 0) {
			buf_release(&text);
			return cli_error("cannot read '%s'", file);
		}
		int rc = yaml_read(&project, text.data, text.len, file, &err);
		buf_release(&text);
		if (rc < 0)
			return cli_error("%s", err.msg);
		const char *av = json_string_value(json_object_get(project, "apiVersion"));
		if (av && !strcmp(av, "argoproj.io/v1alpha1"))
			json_object_set_new(project, "apiVersion", json_string("bosun.io/v1alpha1"));
		json_t *meta = json_object_get(project, "metadata");
		json_object_del(meta, "namespace");
		if (n == 1 && json_is_object(meta))
			json_object_set_new(meta, "name", json_string(args[0]));
	} else {
		project = json_pack("{s:{s:s}, s:{s:[], s:[]}}", "metadata", "name", args[0],
				    "spec", "sourceRepos", "destinations");
	}
	json_t *spec = json_object_get(project, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(project, "spec", spec);
	}
	if (desc)
		json_object_set_new(spec, "description", json_string(desc));
	for (int i = 0; i < srcs.n; i++) {
		if (!json_is_array(json_object_get(spec, "sourceRepos")))
			json_object_set_new(spec, "sourceRepos", json_array());
		json_array_append_new(json_object_get(spec, "sourceRepos"), json_string(srcs.v[i]));
	}
	for (int i = 0; i < dests.n; i++) {
		json_t *d;
		if (proj_dest_parse(dests.v[i], &d) < 0) {
			json_decref(project);
			return cli_usage_error(&cmd_proj_create_entry,
					       "invalid --dest '%s': want SERVER,NAMESPACE", dests.v[i]);
		}
		if (!json_is_array(json_object_get(spec, "destinations")))
			json_object_set_new(spec, "destinations", json_array());
		json_array_append_new(json_object_get(spec, "destinations"), d);
	}
	json_t *body = json_pack("{s:o, s:b}", "project", project, "upsert", upsert);
	struct cli_client *c;
	int rc = cli_connect(&c, 1);
	if (!rc) {
		rc = cli_request(c, "POST", "/api/v1/projects", body, NULL, NULL);
		cli_client_free(c);
	}
	if (!rc)
		printf("Project '%s' created\n",
		       json_string_value(json_object_get(json_object_get(project, "metadata"), "name")));
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_proj_create_entry = {
	.name = "proj create",
	.usage = "NAME [--description D] [-s REPO]... [-d SERVER,NAMESPACE]... [-f FILE] [--upsert]",
	.summary = "create a project",
	.exec = proj_create_exec,
};
