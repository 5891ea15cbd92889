/*
 * bench-yaml — yaml_read_stream against its peer, a bare libyaml event scan
 * (yaml_parser_parse in a loop, events discarded) over the same file. The
 * scan is the floor of any libyaml-based reader; the ratio says how much of
 * that speed survives scalar resolution and building the json_t tree. Also
 * reports yaml_write over the documents read. Times are process CPU time
 * (the machine may be shared); each figure is the best of RUNS runs
 * (default 5), and the first yaml_read_stream run, which also pays for the
 * process's first touch of its heap pages, is reported on its own.
 *
 *     bench-yaml FILE.yaml [RUNS]
 *
 * With BENCH_FRAGMENT set, the results also go there as the markdown
 * fragment bench/Makefile describes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yaml.h"
#include <yaml.h>           /* libyaml (lib/ is only on the quoted include path) */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t bare_scan(const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	size_t events = 0;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "bare scan: %s\n", p.problem);
			exit(1);
		}
		int done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		events++;
		if (done)
			break;
	}
	yaml_parser_delete(&p);
	return events;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-yaml FILE.yaml [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	struct buf text = BUF_INIT;
	if (buf_read_file(&text, argv[1], (size_t)1 << 31) < 0) {
		perror(argv[1]);
		return 1;
	}
	double mb = (double)text.len / 1e6;
	struct yaml_limits lim = { .max_bytes = text.len + 1 };

	double best_scan = 1e30, best_read = 1e30, best_write = 1e30, first_read = 0;
	size_t events = 0, ndocs = 0, out_bytes = 0;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		events = bare_scan(text.data, text.len);
		double t1 = now();
		if (t1 - t0 < best_scan)
			best_scan = t1 - t0;

		json_t *docs;
		struct berr err = BERR_INIT;
		t0 = now();
		if (yaml_read_stream(&docs, text.data, text.len, argv[1], &lim, &err) < 0) {
			fprintf(stderr, "yaml_read_stream: %s\n", err.msg);
			return 1;
		}
		t1 = now();
		if (!r)
			first_read = t1 - t0;
		if (t1 - t0 < best_read)
			best_read = t1 - t0;
		ndocs = json_array_size(docs);

		struct buf out = BUF_INIT;
		size_t i;
		json_t *doc;
		t0 = now();
		json_array_foreach(docs, i, doc) {
			buf_adds(&out, "---\n");
			yaml_write(&out, doc);
		}
		t1 = now();
		if (t1 - t0 < best_write)
			best_write = t1 - t0;
		out_bytes = out.len;
		buf_release(&out);
		json_decref(docs);
	}

	double scan = mb / best_scan, read = mb / best_read;
	printf("input: %s, %.1f MB, %zu documents, %zu events\n", argv[1], mb, ndocs, events);
	printf("libyaml bare event scan: %7.1f MB/s\n", scan);
	printf("yaml_read_stream:        %7.1f MB/s  (%.0f%% of the bare scan)\n", read,
	       100.0 * read / scan);
	printf("yaml_read_stream, first run: %.1f MB/s (%.0f%%)\n", mb / first_read,
	       100.0 * mb / first_read / scan);
	printf("yaml_write:              %7.1f MB/s of output (%.1f MB)\n",
	       (double)out_bytes / 1e6 / best_write, (double)out_bytes / 1e6);
	const char *frag = getenv("BENCH_FRAGMENT");
	FILE *f = frag ? fopen(frag, "w") : NULL;
	if (frag && !f) {
		perror(frag);
		return 1;
	}
	if (f) {
		fprintf(f, "## yaml\n\n| benchmark | Bosun | peer (same run) | ratio / target |\n"
			   "|---|---|---|---|\n");
		fprintf(f, "| read %.1f MB of Kubernetes YAML into documents, best of %d | %.1f MB/s | "
			   "libyaml bare event scan %.1f MB/s | %.0f%%; target ≥ 60%% |\n",
			mb, runs, read, scan, 100.0 * read / scan);
		fprintf(f, "| the same, first run (fresh heap pages) | %.1f MB/s | — | %.0f%% of the scan |\n",
			mb / first_read, 100.0 * mb / first_read / scan);
		fprintf(f, "| write the documents back as YAML | %.1f MB/s of output | — | — |\n",
			(double)out_bytes / 1e6 / best_write);
		fprintf(f, "\nInput: %.1f MB of generated Deployments, Services and ConfigMaps "
			   "(%zu documents, %zu libyaml events); process CPU time. The peer parses "
			   "the same bytes and discards the events, the floor of any libyaml-based "
			   "reader.\n", mb, ndocs, events);
		fclose(f);
	}
	buf_release(&text);
	return 0;
}
