/* cmd-app-set.c — `bosun app set NAME ...`: changes an application's spec
 * with the flags of `app create` (read, change, write back; retried when
 * the app changed meanwhile). */
#include "cli/cli.h"

extern const struct cmd_entry cmd_app_set_entry;

/* Writes spec back with PUT .../spec, retrying on 409. */
int app_update_spec(struct cli_client *c, const char *name,
		    int (*edit)(json_t *spec, void *arg), void *arg)
{
	int rc = CLI_FAIL;
	struct buf path = BUF_INIT;
	app_path(&path, name, "/spec");
	for (int attempt = 0; attempt < 5; attempt++) {
		json_t *app;
		if (app_fetch(c, name, NULL, &app))
			break;
		json_t *spec = json_object_get(app, "spec");
		int e = json_is_object(spec) ? edit(spec, arg) : cli_error("'%s' has no spec", name);
		if (e) {
			json_decref(app);
			break;
		}
		char msg[BERR_MSG_MAX];
		long status;
		int r = cli_request_quiet(c, "PUT", path.data, spec, NULL, &status, msg);
		json_decref(app);
		if (!r) {
			rc = 0;
			break;
		}
		if (status != 409) {
			cli_error("%s", msg);
			break;
		}
	}
	buf_release(&path);
	return rc;
}

static int apply_flags(json_t *spec, void *arg)
{
	struct berr err = BERR_INIT;
	if (app_flags_apply(spec, arg, &err) < 0)
		return cli_error("%s", err.msg);
	return 0;
}

static int app_set_exec(int argc, char **argv)
{
	struct app_flags af = { 0 };
	struct cli_flag flags[20];
	int k = app_flags_table(flags, &af), n;
	const char *args[1];
	flags[k] = (struct cli_flag){ NULL, 0, 0, NULL };
	if (cli_parse(&cmd_app_set_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_set_entry, "expects the application NAME");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = app_update_spec(c, args[0], apply_flags, &af);
	cli_client_free(c);
	if (!rc)
		printf("application '%s' updated\n", args[0]);
	return rc;
}

const struct cmd_entry cmd_app_set_entry = {
	.name = "app set",
	.usage = "NAME [--repo URL] [--path P] [--revision R] [--dest-server S | --dest-name N] "
		 "[--dest-namespace NS] [--project P] [--sync-policy automated|none] "
		 "[--auto-prune] [--self-heal] [--sync-option K=V]... [--values F]... "
		 "[--helm-set K=V]... [--release-name N] [--directory-recurse]",
	.summary = "change an application's settings",
	.exec = app_set_exec,
};
