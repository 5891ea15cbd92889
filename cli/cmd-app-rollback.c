/* cmd-app-rollback.c — `bosun app rollback NAME [ID]`: redeploys a release
 * from the history (no ID: the one before the current) and follows it as
 * `app sync` does. */
#include <stdlib.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_rollback_entry;

static int app_rollback_exec(int argc, char **argv)
{
	const char *timeout_s = NULL, *args[2];
	int n, prune = 0, dry = 0, async = 0;
	struct cli_flag flags[] = {
		{ "prune", 0, CLI_BOOL, &prune },
		{ "dry-run", 0, CLI_BOOL, &dry },
		{ "async", 0, CLI_BOOL, &async },
		{ "timeout", 0, CLI_STR, &timeout_s },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_rollback_entry, argc, argv, flags, args, 2, &n) < 0)
		return CLI_USAGE;
	if (n < 1)
		return cli_usage_error(&cmd_app_rollback_entry, "expects the application NAME");
	long timeout = timeout_s ? cli_parse_duration(timeout_s) : 0;
	if (timeout < 0)
		return cli_usage_error(&cmd_app_rollback_entry, "invalid --timeout '%s'", timeout_s);
	long long id = -1;
	if (n == 2) {
		char *end;
		id = strtoll(args[1], &end, 10);
		if (!*args[1] || *end || id < 0)
			return cli_usage_error(&cmd_app_rollback_entry,
					       "invalid history ID '%s'", args[1]);
	}
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = 0;
	json_t *before = NULL;
	if (id < 0) {
		json_t *app;
		if ((rc = app_fetch(c, args[0], NULL, &app)) == 0) {
			json_t *h = doc_get(app, "status.history");
			size_t len = json_array_size(h);
			if (len < 2)
				rc = cli_error("application '%s' has no previous release to roll back to",
					       args[0]);
			else
				id = doc_get_int(json_array_get(h, len - 2), "id", -1);
			json_decref(app);
		}
	}
	if (!rc) {
		json_t *body = json_pack("{s:I, s:b, s:b}", "id", (json_int_t)id, "prune", prune,
					 "dryRun", dry);
		struct buf path = BUF_INIT;
		app_path(&path, args[0], "/rollback");
		rc = cli_request(c, "POST", path.data, body, &before, NULL);
		buf_release(&path);
		json_decref(body);
	}
	if (!rc && async)
		printf("rollback of '%s' to %lld requested\n", args[0], id);
	else if (!rc)
		rc = app_finish_operation(c, args[0], before, timeout, !dry);
	json_decref(before);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_rollback_entry = {
	.name = "app rollback",
	.usage = "NAME [ID] [--prune] [--dry-run] [--async] [--timeout DURATION]",
	.summary = "roll an application back to a release of its history",
	.exec = app_rollback_exec,
};
