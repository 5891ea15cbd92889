/*
 * fuzz-jqpath.c — controller/jqpath on hostile input. The input is an
 * expression, a NUL byte, then a JSON document: the expression is compiled
 * (any text may be refused, nothing may crash), and when both are good its
 * paths are listed and deleted from the document. Limits must keep every
 * run short, whatever the expression asks for.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "controller/jqpath.c"
#include "doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	size_t elen = nul ? (size_t)(nul - (const char *)data) : size;
	char *expr = xmalloc(elen + 1);
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	struct jqpath *p = NULL;
	struct berr err = BERR_INIT;
	if (jqpath_compile(&p, expr, &err) == 0) {
		json_t *doc = NULL, *paths = NULL;
		if (nul && doc_parse_json(&doc, nul + 1, size - elen - 1, NULL, "fuzz", NULL) == 0) {
			if (jqpath_paths(&paths, p, doc, &err) == 0)
				json_decref(paths);
			jqpath_delete(p, doc, &err);
			json_decref(doc);
		}
		jqpath_free(p);
	}
	free(expr);
	return 0;
}
