/*
 * fuzz-patch.c — the three patch formats on hostile input. The input is a
 * JSON array [target, patch, other]; each format is applied, and patches are
 * created between the documents, with the built-in schema of a Deployment.
 * Anything may fail with an error; nothing may crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *in = NULL;
	struct berr err = BERR_INIT;
	if (doc_parse_json(&in, (const char *)data, size, NULL, "fuzz", &err) < 0)
		return 0;
	if (!json_is_array(in) || json_array_size(in) < 3) {
		json_decref(in);
		return 0;
	}
	json_t *a = json_array_get(in, 0), *p = json_array_get(in, 1);
	json_t *b = json_array_get(in, 2), *out = NULL;

	if (merge_patch_apply(&out, a, p, &err) == 0)
		json_decref(out);
	if (merge_patch_create(&out, a, b, &err) == 0)
		json_decref(out);
	if (json_patch_apply(&out, a, p, &err) == 0)
		json_decref(out);

	const struct smp_schema *schema = NULL;
	if (smp_schema_builtin(&schema, "apps/v1", "Deployment", &err) == 0) {
		if (smp_apply(&out, a, p, schema, &err) == 0)
			json_decref(out);
		if (smp_create_two_way(&out, a, b, schema, &err) == 0)
			json_decref(out);
		if (smp_create_three_way(&out, a, b, p, schema, true, &err) == 0)
			json_decref(out);
		if (smp_create_three_way(&out, a, b, p, schema, false, &err) == 0)
			json_decref(out);
	}
	json_decref(in);
	return 0;
}
