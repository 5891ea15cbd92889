/* repo-common.c — the argocd repository table shared by `repo list` and
 * `repo get`. */
#include "cli/cli.h"
#include <string.h>

#include "doc.h"

void repo_print(const json_t *items, enum cli_output fmt)
{
	if (fmt == OUT_JSON || fmt == OUT_YAML)
		return cli_print_doc(items, fmt);
	struct table t;
	table_init(&t, 10);
	if (fmt != OUT_NAME)
		table_add(&t, "TYPE", "NAME", "REPO", "INSECURE", "OCI", "LFS", "CREDS", "STATUS",
			  "MESSAGE", "PROJECT");
	size_t i;
	json_t *r;
	json_array_foreach(items, i, r) {
		if (fmt == OUT_NAME) {
			printf("%s\n", nz(doc_get_str(r, "repo")));
			continue;
		}
		const char *url = nz(doc_get_str(r, "repo"));
		table_add(&t, nz(doc_get_str(r, "type")), nz(doc_get_str(r, "name")), url,
			  doc_get_bool(r, "insecure", 0) ? "true" : "false",
			  !strncmp(url, "oci://", 6) ? "true" : "false",
			  doc_get_bool(r, "enableLfs", 0) ? "true" : "false",
			  doc_get_bool(r, "hasCredentials", 0) ? "true" : "false",
			  nz(doc_get_str(r, "connectionState.status")),
			  nz(doc_get_str(r, "connectionState.message")),
			  nz(doc_get_str(r, "project")));
	}
	table_print(&t, stdout);
	table_free(&t);
}
