/* cmd-proj-delete.c — `bosun proj delete NAME...` (refused by the server
 * while applications use the project). */
#include "cli/cli.h"

extern const struct cmd_entry cmd_proj_delete_entry;

static int proj_delete_exec(int argc, char **argv)
{
	const char *args[32];
	int n;
	if (cli_parse(&cmd_proj_delete_entry, argc, argv, NULL, args, 32, &n) < 0)
		return CLI_USAGE;
	if (n < 1)
		return cli_usage_error(&cmd_proj_delete_entry, "expects a project NAME");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct buf path = BUF_INIT;
		buf_adds(&path, "/api/v1/projects/");
		cli_escape(&path, args[i]);
		if (cli_request(c, "DELETE", path.data, NULL, NULL, NULL))
			rc = CLI_FAIL;
		else
			printf("Project '%s' deleted\n", args[i]);
		buf_release(&path);
	}
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_proj_delete_entry = {
	.name = "proj delete",
	.usage = "NAME...",
	.summary = "delete projects",
	.exec = proj_delete_exec,
};
