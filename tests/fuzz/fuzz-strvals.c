/*
 * fuzz-strvals — arbitrary bytes as a --set, --set-string, --set-json and
 * --set-literal expression (the first byte picks which). Whatever parses must be a JSON
 * object that dumps and loads back; errors must come with a message.
 * --set-file is left out: it reads files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/strvals.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	static const enum helm_set_kind kinds[] = { HELM_SET, HELM_SET_STRING, HELM_SET_JSON,
						    HELM_SET_LITERAL };
	enum helm_set_kind kind = kinds[data[0] % 4];
	char *expr = strndup((const char *)data + 1, size - 1);
	json_t *v = json_object();
	struct berr err = BERR_INIT;
	int rc = helm_values_set(v, kind, expr, NULL, NULL, &err);
	if (rc < 0 && !err.msg[0])
		abort();
	if (rc == 0) {
		if (!json_is_object(v))
			abort();
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		if (!s)
			abort();
		json_t *back = json_loads(s, JSON_DECODE_ANY, NULL);
		if (!back)
			abort();
		json_decref(back);
		free(s);
	}
	json_decref(v);
	free(expr);
	return 0;
}
