/* cmd-app-delete.c — `bosun app delete NAME...`: deletes applications, by
 * default with their resources (--cascade=false keeps them); asks first
 * unless -y. */
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_app_delete_entry;

static int app_delete_exec(int argc, char **argv)
{
	const char *policy = NULL, *args[32];
	int n, cascade = 1, yes = 0;
	struct cli_flag flags[] = {
		{ "cascade", 0, CLI_BOOL, &cascade },
		{ "yes", 'y', CLI_BOOL, &yes },
		{ "propagation-policy", 'p', CLI_STR, &policy },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_delete_entry, argc, argv, flags, args, 32, &n) < 0)
		return CLI_USAGE;
	if (n < 1)
		return cli_usage_error(&cmd_app_delete_entry, "expects an application NAME");
	if (policy && strcmp(policy, "foreground") && strcmp(policy, "background"))
		return cli_usage_error(&cmd_app_delete_entry,
				       "invalid --propagation-policy '%s': want foreground or background",
				       policy);
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (!yes) {
			char q[512];
			snprintf(q, sizeof(q), "Are you sure you want to delete '%s'%s?", args[i],
				 cascade ? " and all its resources" : "");
			if (!cli_confirm(q)) {
				fprintf(stderr, "application '%s' not deleted\n", args[i]);
				rc = CLI_FAIL;
				continue;
			}
		}
		struct buf path = BUF_INIT;
		app_path(&path, args[i], NULL);
		buf_addf(&path, "?cascade=%s", cascade ? "true" : "false");
		if (policy)
			buf_addf(&path, "&propagationPolicy=%s", policy);
		if (app_request(c, "DELETE", path.data, NULL, NULL, args[i]))
			rc = CLI_FAIL;
		else
			printf("application '%s' deleted\n", args[i]);
		buf_release(&path);
	}
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_delete_entry = {
	.name = "app delete",
	.usage = "NAME... [--cascade=false] [-p foreground|background] [-y]",
	.summary = "delete applications (and, by default, their resources)",
	.exec = app_delete_exec,
};
