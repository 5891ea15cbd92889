/* cmd-account-generate-token.c — `bosun account generate-token`: a new API
 * token for an account with the apiKey capability (yours by default),
 * printed once on stdout. */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_account_generate_token_entry;

static int account_generate_token_exec(int argc, char **argv)
{
	const char *account = NULL, *expires = NULL, *id = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "account", 'a', CLI_STR, &account },
		{ "expires-in", 'e', CLI_STR, &expires },
		{ "id", 0, CLI_STR, &id },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_account_generate_token_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	long secs = expires ? cli_parse_duration(expires) : 0;
	if (secs < 0)
		return cli_usage_error(&cmd_account_generate_token_entry,
				       "invalid --expires-in '%s': want e.g. 24h", expires);
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = 0;
	json_t *info = NULL, *res = NULL;
	if (!account) {
		rc = cli_request(c, "GET", "/api/v1/session/userinfo", NULL, &info, NULL);
		account = doc_get_str(info, "username");
		if (!rc && !account)
			rc = cli_error("not logged in: run 'bosun login'");
	}
	if (!rc) {
		json_t *body = json_object();
		if (secs)
			json_object_set_new(body, "expiresIn", json_integer(secs));
		if (id)
			json_object_set_new(body, "id", json_string(id));
		struct buf path = BUF_INIT;
		buf_adds(&path, "/api/v1/account/");
		cli_escape(&path, account);
		buf_adds(&path, "/token");
		rc = cli_request(c, "POST", path.data, body, &res, NULL);
		buf_release(&path);
		json_decref(body);
	}
	if (!rc)
		printf("%s\n", nz(doc_get_str(res, "token")));
	json_decref(res);
	json_decref(info);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_account_generate_token_entry = {
	.name = "account generate-token",
	.usage = "[--account NAME] [--expires-in DURATION] [--id ID]",
	.summary = "generate an API token",
	.exec = account_generate_token_exec,
};
