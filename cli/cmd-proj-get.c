/* cmd-proj-get.c — `bosun proj get NAME`: a project, as argocd prints it. */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_proj_get_entry;

#define FIELD "%-40s%s\n"

static int proj_get_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_proj_get_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_proj_get_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_proj_get_entry, "expects the project NAME");
	struct cli_client *c;
	json_t *p;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct buf path = BUF_INIT;
	buf_adds(&path, "/api/v1/projects/");
	cli_escape(&path, args[0]);
	int rc = cli_request(c, "GET", path.data, NULL, &p, NULL);
	buf_release(&path);
	cli_client_free(c);
	if (rc)
		return rc;
	if (fmt == OUT_JSON || fmt == OUT_YAML) {
		cli_print_doc(p, fmt);
	} else if (fmt == OUT_NAME) {
		printf("%s\n", nz(doc_get_str(p, "metadata.name")));
	} else {
		printf(FIELD, "Name:", nz(doc_get_str(p, "metadata.name")));
		printf(FIELD, "Description:", nz(doc_get_str(p, "spec.description")));
		size_t i;
		json_t *d;
		json_array_foreach(doc_get(p, "spec.destinations"), i, d) {
			char line[1024];
			snprintf(line, sizeof(line), "%s,%s",
				 doc_get_str(d, "server") ? doc_get_str(d, "server")
				 : nz(doc_get_str(d, "name")), nz(doc_get_str(d, "namespace")));
			printf(FIELD, i ? "" : "Destinations:", line);
		}
		if (!json_array_size(doc_get(p, "spec.destinations")))
			printf(FIELD, "Destinations:", "<none>");
		json_array_foreach(doc_get(p, "spec.sourceRepos"), i, d)
			printf(FIELD, i ? "" : "Repositories:", nz(json_string_value(d)));
		if (!json_array_size(doc_get(p, "spec.sourceRepos")))
			printf(FIELD, "Repositories:", "<none>");
		json_array_foreach(doc_get(p, "spec.clusterResourceWhitelist"), i, d) {
			char line[512];
			snprintf(line, sizeof(line), "%s/%s", nz(doc_get_str(d, "group")),
				 nz(doc_get_str(d, "kind")));
			printf(FIELD, i ? "" : "Allowed Cluster Resources:", line);
		}
		if (!json_array_size(doc_get(p, "spec.clusterResourceWhitelist")))
			printf(FIELD, "Allowed Cluster Resources:", "<none>");
		json_array_foreach(doc_get(p, "spec.namespaceResourceBlacklist"), i, d) {
			char line[512];
			snprintf(line, sizeof(line), "%s/%s", nz(doc_get_str(d, "group")),
				 nz(doc_get_str(d, "kind")));
			printf(FIELD, i ? "" : "Denied Namespaced Resources:", line);
		}
		if (!json_array_size(doc_get(p, "spec.namespaceResourceBlacklist")))
			printf(FIELD, "Denied Namespaced Resources:", "<none>");
		printf(FIELD, "Orphaned Resources:",
		       doc_get(p, "spec.orphanedResources") ? "enabled" : "disabled");
	}
	json_decref(p);
	return 0;
}

const struct cmd_entry cmd_proj_get_entry = {
	.name = "proj get",
	.usage = "NAME [-o json|yaml|name]",
	.summary = "show a project",
	.exec = proj_get_exec,
};
