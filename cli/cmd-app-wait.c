/* cmd-app-wait.c — `bosun app wait NAME`: blocks until the application is
 * synced, healthy and idle (or only what --sync/--health/--operation name). */
#include "cli/cli.h"

extern const struct cmd_entry cmd_app_wait_entry;

static int app_wait_exec(int argc, char **argv)
{
	const char *timeout_s = NULL, *args[1];
	int n, sync = 0, health = 0, op = 0, suspended = 0;
	struct cli_flag flags[] = {
		{ "sync", 0, CLI_BOOL, &sync },
		{ "health", 0, CLI_BOOL, &health },
		{ "operation", 0, CLI_BOOL, &op },
		{ "suspended", 0, CLI_BOOL, &suspended },
		{ "timeout", 0, CLI_STR, &timeout_s },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_wait_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_wait_entry, "expects the application NAME");
	long timeout = timeout_s ? cli_parse_duration(timeout_s) : 0;
	if (timeout < 0)
		return cli_usage_error(&cmd_app_wait_entry, "invalid --timeout '%s'", timeout_s);
	unsigned what = (sync ? WAIT_SYNC : 0) | (health ? WAIT_HEALTH : 0) |
			(op ? WAIT_OPERATION : 0) | (suspended ? WAIT_SUSPENDED | WAIT_HEALTH : 0);
	if (!what)
		what = WAIT_SYNC | WAIT_HEALTH | WAIT_OPERATION;
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	json_t *app;
	int rc = app_wait(c, args[0], what, timeout, NULL, &app);
	if (!rc)
		app_print_summary(app, cli_client_server(c), 0, stdout);
	json_decref(app);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_wait_entry = {
	.name = "app wait",
	.usage = "NAME [--sync] [--health] [--operation] [--suspended] [--timeout DURATION]",
	.summary = "wait until an application is synced, healthy and idle",
	.exec = app_wait_exec,
};
