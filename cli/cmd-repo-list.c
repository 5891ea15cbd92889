/* cmd-repo-list.c — `bosun repo list`: registered repositories. */
#include "cli/cli.h"

extern const struct cmd_entry cmd_repo_list_entry;

static int repo_list_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_repo_list_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_repo_list_entry, "invalid output '%s'", output);
	struct cli_client *c;
	json_t *res;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = cli_request(c, "GET", "/api/v1/repositories", NULL, &res, NULL);
	if (!rc)
		repo_print(json_object_get(res, "items"), fmt);
	json_decref(res);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_repo_list_entry = {
	.name = "repo list",
	.alias = NULL,
	.usage = "[-o json|yaml|wide|name]",
	.summary = "list registered repositories",
	.exec = repo_list_exec,
};
