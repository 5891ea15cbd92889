/*
 * fuzz-kubeconfig — kube_config_parse() on arbitrary text: it must return a
 * config or an error, never crash, leak or hang. File references resolve
 * under a directory that does not exist.
 */
#include <stddef.h>
#include <stdint.h>

#include "kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_config *cfg = NULL;
	struct berr err = BERR_INIT;

	if (kube_config_parse(&cfg, (const char *)data, size, "fuzz.yaml", "/nonexistent-fuzz",
			      NULL, &err) == 0)
		kube_config_free(cfg);
	if (kube_config_parse(&cfg, (const char *)data, size, "fuzz.yaml", "/nonexistent-fuzz",
			      "dev", &err) == 0)
		kube_config_free(cfg);
	return 0;
}
