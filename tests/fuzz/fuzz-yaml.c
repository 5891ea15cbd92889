/*
 * fuzz-yaml — arbitrary bytes through yaml_read_stream; whatever reads must
 * write back, and what is written must read back to the same documents
 * (numbers compared by value: a real 3.0 is written "3" and reads as an int).
 * Small limits keep each run fast while still reaching every limit path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"

static int same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	if (json_is_object(a)) {
		const char *k;
		size_t klen;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_keylen_foreach((json_t *)a, k, klen, v) {
			json_t *w = json_object_getn(b, k, klen);
			if (!w || !same(v, w))
				return 0;
		}
		return 1;
	}
	return json_equal(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct yaml_limits lim = {
		.max_bytes = 1 << 20,
		.max_depth = 64,
		.max_nodes = 100000,
	};
	json_t *docs = NULL;
	struct berr err = BERR_INIT;

	if (yaml_read_stream(&docs, (const char *)data, size, "fuzz", &lim, &err) < 0) {
		if (!err.msg[0] || docs)
			abort();        /* every failure explains itself and returns nothing */
		return 0;
	}
	size_t i;
	json_t *doc;
	json_array_foreach(docs, i, doc) {
		struct buf out = BUF_INIT;
		yaml_write(&out, doc);
		/* go-yaml writes a "<<" key plain, which reads back as a merge key;
		 * such documents cannot round-trip, in go-yaml either. */
		if (!strstr(out.data, "<<")) {
			json_t *again = NULL;
			struct berr err2 = BERR_INIT;
			if (yaml_read(&again, out.data, out.len, "rewritten", &err2) < 0) {
				fprintf(stderr, "written YAML does not read back: %s\n%s\n", err2.msg,
					out.data);
				abort();
			}
			if (!same(doc, again)) {
				fprintf(stderr, "round trip changed the document:\n%s\n", out.data);
				abort();
			}
			json_decref(again);
		}
		buf_release(&out);
	}
	json_decref(docs);
	return 0;
}
