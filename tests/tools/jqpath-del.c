/*
 * jqpath-del — a test tool, not part of Bosun: runs controller/jqpath on
 * one document the way Argo CD runs gojq on it, so the shell tests can hold
 * the two side by side. `jqpath-del EXPR <doc.json` prints del(EXPR) of the
 * document as compact JSON and exits 0, or prints the error and exits 1
 * (2 when EXPR does not compile). The document itself being named prints
 * null, as del(.) does; Bosun empties it in place, which compares the same.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "controller/jqpath.h"
#include "doc.h"

int main(int argc, char **argv)
{
	struct berr err = BERR_INIT;
	struct buf in = BUF_INIT;
	struct jqpath *p = NULL;
	json_t *doc = NULL, *paths = NULL;
	if (argc != 2) {
		fprintf(stderr, "usage: jqpath-del EXPR <doc.json\n");
		return 2;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_add(&in, chunk, n);
	if (doc_parse_json(&doc, in.data, in.len, NULL, "stdin", &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 2;
	}
	buf_release(&in);
	if (jqpath_compile(&p, argv[1], &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		json_decref(doc);
		return 2;
	}
	int rc = jqpath_paths(&paths, p, doc, &err);
	int whole = 0;
	size_t i;
	json_t *path;
	json_array_foreach(paths, i, path)
		whole |= json_array_size(path) == 0;
	json_decref(paths);
	if (rc == 0)
		rc = jqpath_delete(p, doc, &err);
	if (rc < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
	} else {
		char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		printf("%s\n", whole ? "null" : text);
		free(text);
	}
	jqpath_free(p);
	json_decref(doc);
	return rc < 0;
}
