/* cmd-app-list.c — `bosun app list`: applications as argocd lists them,
 * filtered by project (-p, repeatable) and label selector (-l). */
#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_list_entry;

static void conditions(struct buf *out, const json_t *app)
{
	size_t i;
	json_t *c;
	json_t *conds = doc_get(app, "status.conditions");
	json_array_foreach(conds, i, c)
		buf_addf(out, "%s%s", i ? "," : "", nz(doc_get_str(c, "type")));
	if (!json_array_size(conds))
		buf_adds(out, "<none>");
}

static int app_list_exec(int argc, char **argv)
{
	const char *output = NULL, *selector = NULL, *repo = NULL, *args[1];
	struct cli_list projects = { 0 };
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ "project", 'p', CLI_LIST, &projects },
		{ "selector", 'l', CLI_STR, &selector },
		{ "repo", 'r', CLI_STR, &repo },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_list_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_app_list_entry,
				       "invalid output '%s': want json, yaml, wide or name", output);
	struct buf path = BUF_INIT;
	buf_adds(&path, "/api/v1/applications?");
	for (int i = 0; i < projects.n; i++) {
		buf_adds(&path, "projects=");
		cli_escape(&path, projects.v[i]);
		buf_addch(&path, '&');
	}
	if (selector) {
		buf_adds(&path, "selector=");
		cli_escape(&path, selector);
		buf_addch(&path, '&');
	}
	if (repo) {
		buf_adds(&path, "repo=");
		cli_escape(&path, repo);
	}
	struct cli_client *c;
	json_t *res;
	if (cli_connect(&c, 1)) {
		buf_release(&path);
		return CLI_FAIL;
	}
	int rc = cli_request(c, "GET", path.data, NULL, &res, NULL);
	buf_release(&path);
	cli_client_free(c);
	if (rc)
		return rc;
	json_t *items = json_object_get(res, "items");
	if (fmt == OUT_JSON || fmt == OUT_YAML) {
		cli_print_doc(items, fmt);
		json_decref(res);
		return 0;
	}
	int wide = fmt == OUT_WIDE;
	struct table t;
	table_init(&t, wide ? 12 : 11);
	if (fmt != OUT_NAME)
		table_add(&t, "NAME", "CLUSTER", "NAMESPACE", "PROJECT", "STATUS", "HEALTH",
			  "SYNCPOLICY", "CONDITIONS", "REPO", "PATH", "TARGET", "REVISION");
	size_t i;
	json_t *app;
	json_array_foreach(items, i, app) {
		if (fmt == OUT_NAME) {
			printf("%s\n", nz(doc_get_str(app, "metadata.name")));
			continue;
		}
		const json_t *src = doc_get(app, "spec.source");
		if (!src)
			src = doc_get(app, "spec.sources[0]");
		const char *cluster = doc_get_str(app, "spec.destination.server");
		if (!cluster)
			cluster = doc_get_str(app, "spec.destination.name");
		struct buf conds = BUF_INIT;
		conditions(&conds, app);
		const char *ss = doc_get_str(app, "status.sync.status");
		const char *hs = doc_get_str(app, "status.health.status");
		char rev[16];
		snprintf(rev, sizeof(rev), "%.7s", nz(doc_get_str(app, "status.sync.revision")));
		table_add(&t, doc_get_str(app, "metadata.name"), cluster,
			  doc_get_str(app, "spec.destination.namespace"),
			  doc_get_str(app, "spec.project"), ss ? ss : "Unknown",
			  hs ? hs : "Unknown",
			  json_is_object(doc_get(app, "spec.syncPolicy.automated")) ? "Auto"
			  : "<none>", conds.data, doc_get_str(src, "repoURL"),
			  doc_get_str(src, "path"), doc_get_str(src, "targetRevision"), rev);
		buf_release(&conds);
	}
	table_print(&t, stdout);
	table_free(&t);
	json_decref(res);
	return 0;
}

const struct cmd_entry cmd_app_list_entry = {
	.name = "app list",
	.usage = "[-p PROJECT]... [-l SELECTOR] [-r REPO] [-o json|yaml|wide|name]",
	.summary = "list applications",
	.exec = app_list_exec,
};
