/* cmd-app-resources.c — `bosun app resources NAME`: the resources the
 * application manages, with their sync and health status; `-o tree` adds
 * what they own (ReplicaSets, Pods, Jobs, ...) from the API's resource tree,
 * drawn under their owners as `argocd app resources --output tree` does. */
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_resources_entry;

#define TREE_DEPTH_MAX 16

struct tree_print {
	struct table *t;
	const json_t *nodes;
	const json_t *status;           /* status.resources, for the sync column */
	json_t *by_parent;              /* parent uid -> [node index...] */
	json_t *done;                   /* uid -> true */
};

static int same_str(const json_t *a, const json_t *b, const char *key)
{
	const char *x = doc_get_str(a, key), *y = doc_get_str(b, key);
	return !strcmp(x ? x : "", y ? y : "");
}

static const char *sync_of(const struct tree_print *tp, const json_t *n)
{
	size_t i;
	json_t *r;
	json_array_foreach(tp->status, i, r)
		if (same_str(r, n, "group") && same_str(r, n, "kind") &&
		    same_str(r, n, "namespace") && same_str(r, n, "name"))
			return doc_get_str(r, "status");
	return "";
}

/* The first info value of a node ("Running", "Rev:2"), or "". */
static const char *info_of(const json_t *n)
{
	const char *v = doc_get_str(n, "info[0].value");
	return v ? v : "";
}

static void print_node(struct tree_print *tp, const json_t *n, const char *prefix, int last,
		       int depth)
{
	const char *uid = doc_get_str(n, "uid");
	if (uid && *uid) {
		if (json_object_get(tp->done, uid))
			return;
		json_object_set_new(tp->done, uid, json_true());
	}
	struct buf kind = BUF_INIT, next = BUF_INIT;
	if (depth)
		buf_addf(&kind, "%s%s", prefix, last ? "└─" : "├─");
	buf_adds(&kind, nz(doc_get_str(n, "kind")));
	table_add(tp->t, doc_get_str(n, "group"), kind.data, doc_get_str(n, "namespace"),
		  doc_get_str(n, "name"), sync_of(tp, n), doc_get_str(n, "health.status"),
		  info_of(n));
	if (depth)
		buf_addf(&next, "%s%s", prefix, last ? "  " : "│ ");
	json_t *kids = uid ? json_object_get(tp->by_parent, uid) : NULL, *k;
	size_t i;
	if (depth < TREE_DEPTH_MAX)
		json_array_foreach(kids, i, k)
			print_node(tp, json_array_get(tp->nodes, (size_t)json_integer_value(k)),
				   next.data, i + 1 == json_array_size(kids), depth + 1);
	buf_release(&kind);
	buf_release(&next);
}

static void print_tree(const json_t *tree, const json_t *app)
{
	struct table t;
	table_init(&t, 7);
	table_add(&t, "GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "INFO");
	struct tree_print tp = { &t, json_object_get(tree, "nodes"),
				 doc_get(app, "status.resources"), json_object(), json_object() };
	json_t *uids = json_object(), *n, *p;
	size_t i, j;
	json_array_foreach(tp.nodes, i, n)
		if (doc_get_str(n, "uid") && *doc_get_str(n, "uid"))
			json_object_set_new(uids, doc_get_str(n, "uid"), json_true());
	/* a node hangs under each owner the tree holds; roots have none */
	json_t *roots = json_array();
	json_array_foreach(tp.nodes, i, n) {
		int owned = 0;
		json_array_foreach(json_object_get(n, "parentRefs"), j, p) {
			const char *puid = doc_get_str(p, "uid");
			if (!puid || !json_object_get(uids, puid))
				continue;
			json_t *list = json_object_get(tp.by_parent, puid);
			if (!list)
				json_object_set_new(tp.by_parent, puid, list = json_array());
			json_array_append_new(list, json_integer((json_int_t)i));
			owned = 1;
		}
		if (!owned)
			json_array_append_new(roots, json_integer((json_int_t)i));
	}
	json_array_foreach(roots, i, p)
		print_node(&tp, json_array_get(tp.nodes, (size_t)json_integer_value(p)), "", 1, 0);
	table_print(&t, stdout);
	table_free(&t);
	json_decref(roots);
	json_decref(uids);
	json_decref(tp.by_parent);
	json_decref(tp.done);
}

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
	int tree = output && !strcmp(output, "tree");
	enum cli_output fmt = OUT_TABLE;
	if (!tree && cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_app_resources_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_app_resources_entry, "expects the application NAME");
	struct cli_client *c;
	json_t *app, *treedoc = NULL;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = app_fetch(c, args[0], NULL, &app);
	if (rc == 0 && tree) {
		struct buf path = BUF_INIT;
		app_path(&path, args[0], "/resource-tree");
		rc = app_request(c, "GET", path.data, NULL, &treedoc, args[0]);
		buf_release(&path);
		if (rc)
			json_decref(app);
	}
	cli_client_free(c);
	if (rc)
		return rc;
	json_t *res = doc_get(app, "status.resources");
	if (tree) {
		print_tree(treedoc, app);
	} else if (fmt == OUT_JSON || fmt == OUT_YAML) {
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
	json_decref(treedoc);
	json_decref(app);
	return 0;
}

const struct cmd_entry cmd_app_resources_entry = {
	.name = "app resources",
	.usage = "NAME [-o json|yaml|name|tree]",
	.summary = "list the resources an application manages (-o tree: and what they own)",
	.exec = app_resources_exec,
};
