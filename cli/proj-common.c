/* proj-common.c — what the `proj` commands share: the project table, and
 * the read-modify-write of a project's spec with a retry when someone else
 * wrote it meanwhile (the API answers 409 on a stale resourceVersion). */
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

static void join_dests(struct buf *out, const json_t *dests)
{
	size_t i;
	json_t *d;
	json_array_foreach(dests, i, d) {
		if (i)
			buf_adds(out, ",");
		buf_addf(out, "%s,%s", doc_get_str(d, "server") ? doc_get_str(d, "server")
				       : nz(doc_get_str(d, "name")),
			 nz(doc_get_str(d, "namespace")));
	}
	if (i > 1) {
		buf_reset(out);
		buf_addf(out, "%zu destinations", i);
	}
}

static void join_list(struct buf *out, const json_t *list, const char *many)
{
	size_t i;
	json_t *s;
	json_array_foreach(list, i, s) {
		if (i)
			buf_adds(out, ",");
		if (json_is_string(s))
			buf_adds(out, json_string_value(s));
		else
			buf_addf(out, "%s/%s", nz(doc_get_str(s, "group")),
				 nz(doc_get_str(s, "kind")));
	}
	if (i > 1) {
		buf_reset(out);
		buf_addf(out, "%zu %s", i, many);
	}
	if (!i)
		buf_adds(out, "<none>");
}

void proj_print(const json_t *items, enum cli_output fmt)
{
	if (fmt == OUT_JSON || fmt == OUT_YAML)
		return cli_print_doc(items, fmt);
	struct table t;
	table_init(&t, 7);
	if (fmt != OUT_NAME)
		table_add(&t, "NAME", "DESCRIPTION", "DESTINATIONS", "SOURCES",
			  "CLUSTER-RESOURCE-WHITELIST", "NAMESPACE-RESOURCE-BLACKLIST",
			  "ORPHANED-RESOURCES");
	size_t i;
	json_t *p;
	json_array_foreach(items, i, p) {
		if (fmt == OUT_NAME) {
			printf("%s\n", nz(doc_get_str(p, "metadata.name")));
			continue;
		}
		struct buf d = BUF_INIT, s = BUF_INIT, cw = BUF_INIT, nb = BUF_INIT;
		join_dests(&d, doc_get(p, "spec.destinations"));
		if (!d.len)
			buf_adds(&d, "<none>");
		join_list(&s, doc_get(p, "spec.sourceRepos"), "repos");
		join_list(&cw, doc_get(p, "spec.clusterResourceWhitelist"), "resources");
		join_list(&nb, doc_get(p, "spec.namespaceResourceBlacklist"), "resources");
		table_add(&t, doc_get_str(p, "metadata.name"), doc_get_str(p, "spec.description"),
			  d.data, s.data, cw.data, nb.data,
			  doc_get(p, "spec.orphanedResources") ? "enabled" : "disabled");
		buf_release(&d);
		buf_release(&s);
		buf_release(&cw);
		buf_release(&nb);
	}
	table_print(&t, stdout);
	table_free(&t);
}

int proj_update(struct cli_client *c, const char *name,
		int (*edit)(json_t *spec, void *arg), void *arg)
{
	struct buf path = BUF_INIT;
	buf_adds(&path, "/api/v1/projects/");
	cli_escape(&path, name);
	int rc = CLI_FAIL;
	for (int attempt = 0; attempt < 5; attempt++) {
		json_t *p, *res = NULL;
		if (cli_request(c, "GET", path.data, NULL, &p, NULL))
			break;
		json_t *spec = json_object_get(p, "spec");
		if (!json_is_object(spec)) {
			spec = json_object();
			json_object_set_new(p, "spec", spec);
		}
		int e = edit(spec, arg);
		if (e) {
			json_decref(p);
			rc = e < 0 ? 0 : CLI_FAIL;      /* < 0: nothing to change */
			break;
		}
		json_t *body = json_pack("{s:O}", "project", p);
		char msg[BERR_MSG_MAX];
		long status;
		int r = cli_request_quiet(c, "PUT", path.data, body, &res, &status, msg);
		json_decref(body);
		json_decref(p);
		json_decref(res);
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
