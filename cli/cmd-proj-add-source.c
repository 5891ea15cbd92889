/* cmd-proj-add-source.c — `bosun proj add-source PROJECT URL`: permits one
 * more source repository (a glob). */
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_proj_add_source_entry;

static int add_source(json_t *spec, void *arg)
{
	const char *url = arg;
	json_t *list = json_object_get(spec, "sourceRepos");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(spec, "sourceRepos", list);
	}
	size_t i;
	json_t *s;
	json_array_foreach(list, i, s)
		if (json_is_string(s) && !strcmp(json_string_value(s), url)) {
			fprintf(stderr, "bosun: source '%s' is already permitted\n", url);
			return 1;
		}
	json_array_append_new(list, json_string(url));
	return 0;
}

static int proj_add_source_exec(int argc, char **argv)
{
	const char *args[2];
	int n;
	if (cli_parse(&cmd_proj_add_source_entry, argc, argv, NULL, args, 2, &n) < 0)
		return CLI_USAGE;
	if (n != 2)
		return cli_usage_error(&cmd_proj_add_source_entry, "expects PROJECT and URL");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = proj_update(c, args[0], add_source, (void *)args[1]);
	cli_client_free(c);
	if (!rc)
		printf("Project '%s' updated\n", args[0]);
	return rc;
}

const struct cmd_entry cmd_proj_add_source_entry = {
	.name = "proj add-source",
	.usage = "PROJECT URL",
	.summary = "permit a source repository in a project",
	.exec = proj_add_source_exec,
};
