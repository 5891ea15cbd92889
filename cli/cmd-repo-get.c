/* cmd-repo-get.c — `bosun repo get URL`: one registered repository. */
#include "cli/cli.h"

extern const struct cmd_entry cmd_repo_get_entry;

static int repo_get_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_repo_get_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_repo_get_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_repo_get_entry, "expects the repository URL");
	struct cli_client *c;
	json_t *res;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct buf path = BUF_INIT;
	buf_adds(&path, "/api/v1/repositories/");
	cli_escape(&path, args[0]);
	int rc = cli_request(c, "GET", path.data, NULL, &res, NULL);
	if (!rc && (fmt == OUT_JSON || fmt == OUT_YAML)) {
		cli_print_doc(res, fmt);
	} else if (!rc) {
		json_t *items = json_pack("[O]", res);
		repo_print(items, fmt);
		json_decref(items);
	}
	json_decref(res);
	buf_release(&path);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_repo_get_entry = {
	.name = "repo get",
	.usage = "URL [-o json|yaml|wide|name]",
	.summary = "show a registered repository",
	.exec = repo_get_exec,
};
