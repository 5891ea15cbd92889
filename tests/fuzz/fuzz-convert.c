/*
 * fuzz-convert — arbitrary JSON through the HorizontalPodAutoscaler
 * conversions, both ways and back again: the annotations a v1 object
 * carries are parsed from whatever strings a client put there. Every
 * result must be an object of the right apiVersion, and converting a
 * converted object must not crash either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../orchestrator/convert.c"

static void expect(const json_t *obj, const char *api_version)
{
	if (!json_is_object(obj) || strcmp(doc_get_str(obj, "apiVersion") ?: "", api_version) ||
	    !json_is_object(json_object_get(obj, "metadata")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *in = json_loadb((const char *)data, size, 0, NULL);
	if (!json_is_object(in)) {
		json_decref(in);
		return 0;
	}
	json_t *v2 = convert_hpa_v1_to_v2(in);
	expect(v2, "autoscaling/v2");
	json_t *v1 = convert_hpa_v2_to_v1(v2);
	expect(v1, "autoscaling/v1");
	json_t *again = convert_hpa_v1_to_v2(v1);
	expect(again, "autoscaling/v2");
	json_t *direct = convert_hpa_v2_to_v1(in);
	expect(direct, "autoscaling/v1");
	json_decref(again);
	json_decref(direct);
	json_decref(v1);
	json_decref(v2);
	json_decref(in);
	return 0;
}
