/* cmd-app-terminate-op.c — `bosun app terminate-op NAME`: stops the
 * running sync or rollback (or withdraws one not started yet). */
#include "cli/cli.h"

extern const struct cmd_entry cmd_app_terminate_op_entry;

static int app_terminate_op_exec(int argc, char **argv)
{
	const char *args[1];
	int n;
	if (cli_parse(&cmd_app_terminate_op_entry, argc, argv, NULL, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_terminate_op_entry, "expects the application NAME");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct buf path = BUF_INIT;
	app_path(&path, args[0], "/operation");
	int rc = app_request(c, "DELETE", path.data, NULL, NULL, args[0]);
	buf_release(&path);
	cli_client_free(c);
	if (!rc)
		printf("Application '%s' operation terminating\n", args[0]);
	return rc;
}

const struct cmd_entry cmd_app_terminate_op_entry = {
	.name = "app terminate-op",
	.usage = "NAME",
	.summary = "stop the running operation of an application",
	.exec = app_terminate_op_exec,
};
