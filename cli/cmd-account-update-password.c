/* cmd-account-update-password.c — `bosun account update-password`: changes
 * a password (yours, or --account's with the permission); the current one
 * is always needed. Prompts without echo for what is not given. */
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_account_update_password_entry;

static int account_update_password_exec(int argc, char **argv)
{
	const char *account = NULL, *current = NULL, *next = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "account", 0, CLI_STR, &account },
		{ "current-password", 0, CLI_STR, &current },
		{ "new-password", 0, CLI_STR, &next },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_account_update_password_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	char cur[1024] = "", nw[1024] = "", again[1024] = "";
	int rc = 0;
	if (!current) {
		if (cli_read_secret("*** Enter password of currently logged in user: ", cur,
				    sizeof(cur)) < 0)
			rc = cli_error("no current password given");
		current = cur;
	}
	if (!rc && !next) {
		if (cli_read_secret("*** Enter new password: ", nw, sizeof(nw)) < 0 ||
		    cli_read_secret("*** Confirm new password: ", again, sizeof(again)) < 0)
			rc = cli_error("no new password given");
		else if (strcmp(nw, again))
			rc = cli_error("the new passwords do not match");
		next = nw;
	}
	struct cli_client *c = NULL;
	if (!rc)
		rc = cli_connect(&c, 1);
	if (!rc) {
		json_t *body = json_pack("{s:s, s:s}", "currentPassword", current, "newPassword", next);
		if (account)
			json_object_set_new(body, "name", json_string(account));
		rc = cli_request(c, "PUT", "/api/v1/account/password", body, NULL, NULL);
		json_decref(body);
	}
	memset(cur, 0, sizeof(cur));
	memset(nw, 0, sizeof(nw));
	memset(again, 0, sizeof(again));
	cli_client_free(c);
	if (!rc)
		printf("Password updated\n");
	return rc;
}

const struct cmd_entry cmd_account_update_password_entry = {
	.name = "account update-password",
	.usage = "[--account NAME] [--current-password P] [--new-password P]",
	.summary = "change an account's password",
	.exec = account_update_password_exec,
};
