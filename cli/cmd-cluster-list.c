/* cmd-cluster-list.c — `bosun cluster list`: destination clusters. */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_cluster_list_entry;

static int cluster_list_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_cluster_list_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_cluster_list_entry, "invalid output '%s'", output);
	struct cli_client *c;
	json_t *res;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = cli_request(c, "GET", "/api/v1/clusters", NULL, &res, NULL);
	json_t *items = json_object_get(res, "items");
	if (!rc && (fmt == OUT_JSON || fmt == OUT_YAML)) {
		cli_print_doc(items, fmt);
	} else if (!rc) {
		struct table t;
		table_init(&t, 6);
		if (fmt != OUT_NAME)
			table_add(&t, "SERVER", "NAME", "VERSION", "STATUS", "MESSAGE", "PROJECT");
		size_t i;
		json_t *cl;
		json_array_foreach(items, i, cl) {
			if (fmt == OUT_NAME)
				printf("%s\n", nz(doc_get_str(cl, "server")));
			else
				table_add(&t, doc_get_str(cl, "server"), doc_get_str(cl, "name"),
					  doc_get_str(cl, "serverVersion"),
					  doc_get_str(cl, "connectionState.status")
					  ? doc_get_str(cl, "connectionState.status") : "Unknown",
					  doc_get_str(cl, "connectionState.message"),
					  doc_get_str(cl, "project"));
		}
		table_print(&t, stdout);
		table_free(&t);
	}
	json_decref(res);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_cluster_list_entry = {
	.name = "cluster list",
	.usage = "[-o json|yaml|wide|name]",
	.summary = "list destination clusters",
	.exec = cluster_list_exec,
};
