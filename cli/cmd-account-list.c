/* cmd-account-list.c — `bosun account list`: the accounts you may see. */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_account_list_entry;

static int account_list_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_account_list_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_account_list_entry, "invalid output '%s'", output);
	struct cli_client *c;
	json_t *res;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = cli_request(c, "GET", "/api/v1/account", NULL, &res, NULL);
	cli_client_free(c);
	if (rc)
		return rc;
	json_t *items = json_object_get(res, "items");
	if (fmt == OUT_JSON || fmt == OUT_YAML) {
		cli_print_doc(items, fmt);
	} else {
		struct table t;
		table_init(&t, 3);
		if (fmt != OUT_NAME)
			table_add(&t, "NAME", "ENABLED", "CAPABILITIES");
		size_t i, j;
		json_t *a, *cap;
		json_array_foreach(items, i, a) {
			if (fmt == OUT_NAME) {
				printf("%s\n", nz(doc_get_str(a, "name")));
				continue;
			}
			struct buf caps = BUF_INIT;
			json_array_foreach(json_object_get(a, "capabilities"), j, cap)
				buf_addf(&caps, "%s%s", j ? ", " : "", nz(json_string_value(cap)));
			table_add(&t, doc_get_str(a, "name"),
				  doc_get_bool(a, "enabled", 0) ? "true" : "false", caps.data);
			buf_release(&caps);
		}
		table_print(&t, stdout);
		table_free(&t);
	}
	json_decref(res);
	return 0;
}

const struct cmd_entry cmd_account_list_entry = {
	.name = "account list",
	.usage = "[-o json|yaml|name]",
	.summary = "list accounts",
	.exec = account_list_exec,
};
