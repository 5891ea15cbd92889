/* cmd-app-get.c — `bosun app get NAME`: the argocd summary and resource
 * table; --refresh / --hard-refresh ask the controller to compare again
 * first and wait until it has. */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_get_entry;

/* Waits (up to 30 s) until the controller took the refresh annotation off. */
static json_t *await_refresh(struct cli_client *c, const char *name, json_t *app)
{
	for (int i = 0; i < 60; i++) {
		if (!doc_getv(app, "metadata", "annotations", "bosun.io/refresh", NULL))
			break;
		usleep(500 * 1000);
		json_t *next;
		if (app_fetch(c, name, NULL, &next))
			break;
		json_decref(app);
		app = next;
	}
	return app;
}

static int app_get_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n, refresh = 0, hard = 0, show_op = 0;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ "refresh", 0, CLI_BOOL, &refresh },
		{ "hard-refresh", 0, CLI_BOOL, &hard },
		{ "show-operation", 0, CLI_BOOL, &show_op },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_get_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_app_get_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_app_get_entry, "expects the application NAME");
	struct cli_client *c;
	json_t *app;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = app_fetch(c, args[0], hard ? "hard" : refresh ? "normal" : NULL, &app);
	if (!rc && (hard || refresh))
		app = await_refresh(c, args[0], app);
	if (!rc) {
		if (fmt == OUT_JSON || fmt == OUT_YAML)
			cli_print_doc(app, fmt);
		else if (fmt == OUT_NAME)
			printf("%s\n", nz(doc_get_str(app, "metadata.name")));
		else
			app_print_summary(app, cli_client_server(c), show_op, stdout);
		json_decref(app);
	}
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_get_entry = {
	.name = "app get",
	.usage = "NAME [--refresh] [--hard-refresh] [--show-operation] [-o json|yaml|wide|name]",
	.summary = "show an application and its resources",
	.exec = app_get_exec,
};
