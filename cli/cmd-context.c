/* cmd-context.c — `bosun context [NAME]`: lists the saved contexts, or
 * switches to one (`--delete` removes it), as `argocd context`. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_context_entry;

static int context_exec(int argc, char **argv)
{
	const char *args[1];
	int n, del = 0;
	struct cli_flag flags[] = {
		{ "delete", 0, CLI_BOOL, &del },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_context_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (del && !n)
		return cli_usage_error(&cmd_context_entry, "--delete needs the context NAME");
	char *path = cli_config_path();
	json_t *cfg;
	struct berr err = BERR_INIT;
	if (cli_config_load(&cfg, path, &err) < 0) {
		free(path);
		return cli_error("%s", err.msg);
	}
	int rc = 0;
	struct cli_context ctx;
	if (!n) {
		struct table t;
		table_init(&t, 3);
		table_add(&t, "CURRENT", "NAME", "SERVER");
		const char *cur = json_string_value(json_object_get(cfg, "current-context"));
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(cfg, "contexts"), i, c) {
			const char *name = json_string_value(json_object_get(c, "name"));
			table_add(&t, cur && name && !strcmp(cur, name) ? "*" : "", name,
				  json_string_value(json_object_get(c, "server")));
		}
		table_print(&t, stdout);
		table_free(&t);
	} else if (cli_config_context(cfg, args[0], &ctx) < 0) {
		rc = cli_error("context '%s' does not exist", args[0]);
	} else {
		if (del)
			cli_config_remove_context(cfg, args[0]);
		else
			json_object_set_new(cfg, "current-context", json_string(args[0]));
		if (cli_config_save(cfg, path, &err) < 0)
			rc = cli_error("%s", err.msg);
		else if (del)
			printf("Context '%s' deleted\n", args[0]);
		else
			printf("Switched to context '%s'\n", args[0]);
	}
	json_decref(cfg);
	free(path);
	return rc;
}

const struct cmd_entry cmd_context_entry = {
	.name = "context",
	.alias = "ctx",
	.usage = "[NAME] [--delete]",
	.summary = "list contexts, or switch to (or delete) one",
	.exec = context_exec,
};
