/*
 * fuzz-schema — arbitrary bytes as a values.schema.json, and after the
 * first NUL byte as the values (JSON) it checks. The schema reader, $ref
 * resolution, cycles, formats and the error tree must never crash, hang
 * or leak; a failure must come with text.
 *
 * The fuzz build links only the lib/ sources, so the template values and
 * Go formatting it uses are compiled in here.
 */
#include "repo-server/template/value.c"
#include "repo-server/template/gofmt.c"
#include "repo-server/helm/schema.c"

#include <stdint.h>

const char *hchart_name(const struct hchart *c)
{
	(void)c;
	return "fuzz";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	const char *text = (const char *)data;
	const char *nul = memchr(text, 0, size);
	size_t slen = nul ? (size_t)(nul - text) : size;
	json_t *vals = NULL;
	if (nul)
		vals = json_loadb(nul + 1, size - slen - 1, JSON_DECODE_ANY, NULL);
	if (!vals)
		vals = json_pack("{s:i,s:s,s:[i,s],s:{s:b}}", "a", 1, "b", "x", "c", 2, "y", "d", "e", 1);
	struct buf out = BUF_INIT;
	int rc = check_one(&out, text, slen, vals);
	if (rc < 0 && !out.len)
		abort();
	buf_release(&out);
	json_decref(vals);
	return 0;
}
