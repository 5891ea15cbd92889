/* cmd-app-history.c — `bosun app history NAME`: the releases deployed. */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_history_entry;

static int app_history_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_history_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_app_history_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_app_history_entry, "expects the application NAME");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	json_t *res;
	struct buf path = BUF_INIT;
	app_path(&path, args[0], "/history");
	int rc = app_request(c, "GET", path.data, NULL, &res, args[0]);
	buf_release(&path);
	cli_client_free(c);
	if (rc)
		return rc;
	json_t *items = json_object_get(res, "items");
	if (fmt == OUT_JSON || fmt == OUT_YAML) {
		cli_print_doc(items, fmt);
	} else {
		struct table t;
		table_init(&t, 5);
		table_add(&t, "ID", "DATE", "REVISION", "INITIATED-BY", "ROLLBACK-OF");
		size_t i;
		json_t *h;
		json_array_foreach(items, i, h) {
			char id[32], of[32] = "";
			snprintf(id, sizeof(id), "%lld", (long long)doc_get_int(h, "id", 0));
			if (doc_get(h, "rollbackOf"))
				snprintf(of, sizeof(of), "%lld",
					 (long long)doc_get_int(h, "rollbackOf", 0));
			const char *by = doc_get_str(h, "initiatedBy.username");
			table_add(&t, id, doc_get_str(h, "deployedAt"), doc_get_str(h, "revision"),
				  by ? by : doc_get_bool(h, "initiatedBy.automated", 0)
				  ? "automated" : "", of);
		}
		table_print(&t, stdout);
		table_free(&t);
	}
	json_decref(res);
	return 0;
}

const struct cmd_entry cmd_app_history_entry = {
	.name = "app history",
	.usage = "NAME [-o json|yaml]",
	.summary = "show the deployment history of an application",
	.exec = app_history_exec,
};
