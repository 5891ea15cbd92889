/*
 * fuzz-jqpath.c — controller/jqpath on hostile input. The input is an
 * expression, a NUL byte, then a JSON document: the expression is compiled
 * (any text may be refused, nothing may crash), and when both are good its
 * paths are listed and deleted from the document. The expression runs a
 * second time as a condition, select(EXPR), so the value-only part of the
 * language (arithmetic, [..], {..}, map, split, ...) is reached too. Limits
 * must keep every run short, whatever the expression asks for.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "controller/jqpath.c"
#include "doc.h"

static void run(const char *expr, const json_t *doc)
{
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	if (jqpath_compile(&p, expr, &err) < 0)
		return;
	if (doc) {
		json_t *copy = json_deep_copy(doc), *paths = NULL;
		if (jqpath_paths(&paths, p, copy, &err) == 0)
			json_decref(paths);
		jqpath_delete(p, copy, &err);
		json_decref(copy);
	}
	jqpath_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	size_t elen = nul ? (size_t)(nul - (const char *)data) : size;
	char *expr = xmalloc(elen + 10);
	json_t *doc = NULL;
	if (nul && doc_parse_json(&doc, nul + 1, size - elen - 1, NULL, "fuzz", NULL) < 0)
		doc = NULL;
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	run(expr, doc);
	memcpy(expr, "select(", 7);
	memcpy(expr + 7, data, elen);
	memcpy(expr + 7 + elen, ")", 2);
	run(expr, doc);
	json_decref(doc);
	free(expr);
	return 0;
}
