/* cmd-logout.c — `bosun logout [CONTEXT]`: revokes the session on the
 * server (best effort) and forgets the token; the context stays. */
#include <stdlib.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_logout_entry;

static int logout_exec(int argc, char **argv)
{
	const char *args[1];
	int n;
	if (cli_parse(&cmd_logout_entry, argc, argv, NULL, args, 1, &n) < 0)
		return CLI_USAGE;
	char *path = cli_config_path();
	json_t *cfg;
	struct berr err = BERR_INIT;
	int rc = 0;
	if (cli_config_load(&cfg, path, &err) < 0) {
		free(path);
		return cli_error("%s", err.msg);
	}
	struct cli_context ctx;
	if (cli_config_context(cfg, n ? args[0] : NULL, &ctx) < 0) {
		rc = n ? cli_error("context '%s' does not exist", args[0])
		       : cli_error("no current context: nothing to log out of");
	} else {
		struct cli_client *c;
		if (ctx.token && cli_client_open(&c, ctx.server, ctx.token, ctx.insecure) == 0) {
			char msg[BERR_MSG_MAX];
			cli_request_quiet(c, "DELETE", "/api/v1/session", NULL, NULL, NULL, msg);
			cli_client_free(c);
		}
		struct cli_context kept = { ctx.name, ctx.server, NULL, ctx.insecure };
		json_t *cur = json_incref(json_object_get(cfg, "current-context"));
		char *name = xstrdup(ctx.name);
		kept.name = name;
		kept.server = xstrdup(ctx.server);
		cli_config_set_context(cfg, &kept);
		if (cur)
			json_object_set(cfg, "current-context", cur);
		else
			json_object_del(cfg, "current-context");
		json_decref(cur);
		if (cli_config_save(cfg, path, &err) < 0)
			rc = cli_error("%s", err.msg);
		else
			printf("Logged out from '%s'\n", name);
		free(name);
		free((char *)kept.server);
	}
	json_decref(cfg);
	free(path);
	return rc;
}

const struct cmd_entry cmd_logout_entry = {
	.name = "logout",
	.usage = "[CONTEXT]",
	.summary = "log out: revoke the session and forget its token",
	.exec = logout_exec,
};
