/*
 * fuzz-cli — what the `bosun` CLI does with text it did not write: the
 * bytes are split at the first NUL into two halves.
 *
 * Both halves go through the unified diff (against each other), which
 * must report "no difference" for equal inputs; the first half is also
 * read as a YAML stream whose documents go through the Argo CD manifest
 * conversion, Secret masking (after which no data value may be anything
 * but the mask), the app summary printer, and the server-sent-event line
 * parser. Any crash, leak or sanitizer report is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/app.c"
#include "../../cli/client.c"
#include "../../cli/config.c"
#include "../../cli/flags.c"
#include "../../cli/table.c"
#include "../../cli/textdiff.c"

static int count_event(json_t *data, void *arg)
{
	(void)data;
	(*(int *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char *a = malloc(size + 1);
	memcpy(a, data, size);
	a[size] = 0;
	const char *b = a + strlen(a) < a + size ? a + strlen(a) + 1 : "";

	struct buf out = BUF_INIT;
	textdiff_unified(&out, a, b, "live", "desired", size & 1);
	buf_reset(&out);
	if (textdiff_unified(&out, a, a, "x", "y", 0) != 0 || out.len)
		abort();
	buf_release(&out);

	json_t *docs = NULL;
	if (yaml_read_stream(&docs, a, strlen(a), "fuzz", NULL, NULL) == 0) {
		size_t i;
		json_t *d;
		json_array_foreach(docs, i, d) {
			app_mask_secret(d);
			if (json_is_object(d) && !strcmp(nz(doc_get_str(d, "kind")), "Secret")) {
				const char *k;
				json_t *v;
				json_object_foreach(json_object_get(d, "data"), k, v)
					if (strcmp(nz(json_string_value(v)), "++++++++"))
						abort();
				if (json_object_get(d, "stringData"))
					abort();
			}
			FILE *devnull = fopen("/dev/null", "w");
			if (json_is_object(d) && devnull)
				app_print_summary(d, "https://x", 1, devnull);
			if (devnull)
				fclose(devnull);
			app_manifest_convert(d, NULL);
		}
		json_decref(docs);
	}

	/* the SSE reader, line by line as the HTTP client hands it lines */
	int events = 0;
	struct sse s = { BUF_INIT, count_event, &events };
	const char *p = a;
	while (*p) {
		size_t len = strcspn(p, "\n");
		on_line(p, len, &s);
		p += len + (p[len] == '\n');
	}
	on_line("", 0, &s);
	buf_release(&s.data);
	free(a);
	return 0;
}
