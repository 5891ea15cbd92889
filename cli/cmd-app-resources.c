/* cmd-app-resources.c — `bosun app resources NAME`: the resources the
 * application manages, with their sync and health status. */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_resources_entry;

static int app_resources_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_resources_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_app_resources_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_app_resources_entry, "expects the application NAME");
	struct cli_client *c;
	json_t *app;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = app_fetch(c, args[0], NULL, &app);
	cli_client_free(c);
	if (rc)
		return rc;
	json_t *res = doc_get(app, "status.resources");
	if (fmt == OUT_JSON || fmt == OUT_YAML) {
		json_t *items = json_is_array(res) ? json_incref(res) : json_array();
		cli_print_doc(items, fmt);
		json_decref(items);
	} else {
		struct table t;
		table_init(&t, 6);
		if (fmt != OUT_NAME)
			table_add(&t, "GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH");
		size_t i;
		json_t *r;
		json_array_foreach(res, i, r) {
			if (fmt == OUT_NAME) {
				const char *g = nz(doc_get_str(r, "group"));
				printf("%s%s%s/%s\n", nz(doc_get_str(r, "kind")), *g ? "." : "", g,
				       nz(doc_get_str(r, "name")));
				continue;
			}
			table_add(&t, doc_get_str(r, "group"), doc_get_str(r, "kind"),
				  doc_get_str(r, "namespace"), doc_get_str(r, "name"),
				  doc_get_str(r, "status"), doc_get_str(r, "health.status"));
		}
		table_print(&t, stdout);
		table_free(&t);
	}
	json_decref(app);
	return 0;
}

const struct cmd_entry cmd_app_resources_entry = {
	.name = "app resources",
	.usage = "NAME [-o json|yaml|name]",
	.summary = "list the resources an application manages",
	.exec = app_resources_exec,
};
