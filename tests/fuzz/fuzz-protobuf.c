/*
 * fuzz-protobuf — arbitrary bytes through protobuf_decode: a failure
 * explains itself and returns nothing; a success is an object carrying the
 * apiVersion and kind of the body that writes out as JSON and reads back
 * the same. The seed corpus holds bodies kubectl 1.32 sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../orchestrator/protobuf-schema.c"
#include "../../orchestrator/protobuf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *obj = (json_t *)1;
	struct berr err = BERR_INIT;

	if (protobuf_decode(&obj, data, size, &err) < 0) {
		if (!err.msg[0] || obj)
			abort();
		return 0;
	}
	if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "apiVersion")) ||
	    !json_is_string(json_object_get(obj, "kind")))
		abort();
	char *text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		abort();
	json_t *again = json_loads(text, 0, NULL);
	if (!again || !json_equal(obj, again)) {
		fprintf(stderr, "decoded JSON does not read back: %s\n", text);
		abort();
	}
	json_decref(again);
	free(text);
	json_decref(obj);
	return 0;
}
