/*
 * fuzz-toml — arbitrary bytes as the text of Helm's fromToml. The reader
 * must give a map or an error with a message, never crash, hang or leak.
 *
 * The fuzz build links only the lib/ sources, so the template values and
 * Sprig (for its time values) are compiled in here.
 */
#include "repo-server/template/exec.c"
#include "repo-server/template/gofmt.c"
#include "repo-server/template/parse.c"
#include "repo-server/template/set.c"
#include "repo-server/template/value.c"
#include "repo-server/sprig/sprig-all.inc"
#include "repo-server/helm/toml.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct tv_arena *a = tv_arena_new();
	tv *m = NULL;
	char err[256] = "";
	int rc = htoml_parse(a, &m, (const char *)data, size, err, sizeof err);
	if (rc < 0 && !err[0])
		abort();
	if (rc == 0 && (!m || m->kind != TV_MAP))
		abort();
	tv_arena_free(a);
	return 0;
}
