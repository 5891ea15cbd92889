/*
 * bench-helm — helm_render() against its peer, the Go reference renderer
 * (bench/helm-ref: Go's text/template + Sprig + sigs.k8s.io/yaml, driven as
 * Helm drives them). Each chart is rendered N times by each, with the same
 * values; the reference's output of one render is first compared with
 * ours. Reported: CPU time per render (process CPU, the machine may be
 * shared) and peak RSS of each side, each chart's renders running in a
 * process of their own on both sides (from wait4). With --md FILE the
 * results are also written as the markdown fragment `make bench` gathers
 * into bench/RESULTS.md.
 *
 *     bench-helm [--md FILE] REF_BIN N CHART[:VALUES.yaml]...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "repo-server/helm/helm.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int render_once(struct buf *out, const char *chart, const char *values)
{
	json_t *v = json_object();
	struct berr err = BERR_INIT;
	if (values) {
		struct buf b = BUF_INIT;
		if (buf_read_file(&b, values, 64u << 20) < 0 ||
		    helm_values_add_yaml(v, b.data, b.len, values, &err) < 0) {
			fprintf(stderr, "%s: cannot read values: %s\n", values, err.msg);
			return -1;
		}
		buf_release(&b);
	}
	struct helm_options o = { .values = v, .kube_version = "1.33.0" };
	struct helm_result r = HELM_RESULT_INIT;
	int rc = helm_render(&r, &(struct helm_source){ .path = chart }, &o, &err);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", chart, err.msg);
	else if (out)
		buf_add(out, r.text.data, r.text.len);
	helm_result_release(&r);
	json_decref(v);
	return rc;
}

/* Runs the reference; its stdout into out (when not NULL). */
static int run_ref(const char *ref, const char *chart, const char *values, int n, struct buf *out,
		   double *cpu, long *maxrss_kb)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	char nbuf[32];
	snprintf(nbuf, sizeof nbuf, "%d", n);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(fd[0]);
		const char *argv[10];
		int a = 0;
		argv[a++] = ref;
		argv[a++] = chart;
		argv[a++] = "--kube-version";
		argv[a++] = "1.33.0";
		if (values) {
			argv[a++] = "-f";
			argv[a++] = values;
		}
		if (n > 1) {
			argv[a++] = "-N";
			argv[a++] = nbuf;
		}
		argv[a] = NULL;
		execv(ref, (char **)argv);
		_exit(127);
	}
	close(fd[1]);
	char tmp[65536];
	ssize_t k;
	while ((k = read(fd[0], tmp, sizeof tmp)) > 0)
		if (out)
			buf_add(out, tmp, (size_t)k);
	close(fd[0]);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	*cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
	*maxrss_kb = ru.ru_maxrss;
	return 0;
}

/* Our renders in a child process, so its peak RSS (from wait4) is the
 * renders' own: one render whose output comes back through the pipe
 * (length, then bytes), then N timed ones, whose CPU ms per render
 * follows. */
static int read_all(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (char *)p + got, n - got);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = write(fd, (const char *)p + done, n - done);
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

static int run_ours(const char *chart, const char *values, int n, struct buf *out, double *ms,
		    long *maxrss_kb)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		struct buf first = BUF_INIT;
		if (render_once(&first, chart, values) < 0)
			_exit(1);
		uint64_t len = first.len;
		if (write_all(fd[1], &len, sizeof len) < 0 || write_all(fd[1], first.data, first.len) < 0)
			_exit(1);
		buf_release(&first);
		double t0 = cpu_now();
		for (int k = 0; k < n; k++)
			if (render_once(NULL, chart, values) < 0)
				_exit(1);
		double r = (cpu_now() - t0) * 1000 / n;
		if (write_all(fd[1], &r, sizeof r) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	uint64_t len = 0;
	int rc = read_all(fd[0], &len, sizeof len);
	if (rc == 0 && len < (1u << 30)) {
		char *data = xmalloc(len + 1);
		rc = read_all(fd[0], data, len);
		if (rc == 0)
			buf_add(out, data, len);
		free(data);
	}
	if (rc == 0)
		rc = read_all(fd[0], ms, sizeof *ms);
	close(fd[0]);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || rc < 0)
		return -1;
	*maxrss_kb = ru.ru_maxrss;
	return 0;
}

static void group(char *out, size_t size, int n)
{
	if (n >= 1000)
		snprintf(out, size, "%d,%03d", n / 1000, n % 1000);
	else
		snprintf(out, size, "%d", n);
}

int main(int argc, char **argv)
{
	const char *md = NULL;
	if (argc > 2 && !strcmp(argv[1], "--md")) {
		md = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: bench-helm [--md FILE] REF_BIN N CHART[:VALUES]...\n");
		return 2;
	}
	const char *ref = argv[1];
	int n = atoi(argv[2]);
	struct buf frag = BUF_INIT;
	char nbuf[32];
	group(nbuf, sizeof nbuf, n);
	buf_addf(&frag, "## helm\n\n"
		 "| benchmark | Bosun | peer (same run) | ratio / target |\n|---|---|---|---|\n");
	double worst = 0;
	bool all_same = true;
	printf("%-40s %12s %12s %8s %10s %10s  %s\n", "chart", "bosun ms", "go ms", "speedup",
	       "bosun MiB", "go MiB", "output");
	for (int i = 3; i < argc; i++) {
		char *chart = strdup(argv[i]);
		char *values = strchr(chart, ':');
		if (values)
			*values++ = 0;
		struct buf ours = BUF_INIT, theirs = BUF_INIT;
		double rcpu;
		long rrss;
		double ms;
		long orss;
		if (run_ours(chart, values, n, &ours, &ms, &orss) < 0 ||
		    run_ref(ref, chart, values, 1, &theirs, &rcpu, &rrss) < 0) {
			fprintf(stderr, "%s: render failed\n", argv[i]);
			return 1;
		}
		bool identical = ours.len == theirs.len && !memcmp(ours.data, theirs.data, ours.len);
		const char *same = identical ? "identical" : "DIFFERENT";
		all_same = all_same && identical;
		if (run_ref(ref, chart, values, n, NULL, &rcpu, &rrss) < 0) {
			fprintf(stderr, "%s: reference failed\n", argv[i]);
			return 1;
		}
		double rms = rcpu * 1000 / n;
		const char *name = strrchr(chart, '/') ? strrchr(chart, '/') + 1 : chart;
		char label[128];
		snprintf(label, sizeof label, "%s%s%s", name, values ? ":" : "",
			 values ? (strrchr(values, '/') ? strrchr(values, '/') + 1 : values) : "");
		printf("%-40s %12.3f %12.3f %7.1fx %10.1f %10.1f  %s\n", label, ms, rms, rms / ms,
		       orss / 1024.0, rrss / 1024.0, same);
		fflush(stdout);
		if (worst == 0 || rms / ms < worst)
			worst = rms / ms;
		buf_addf(&frag, "| render %s (%s renders) | %.2f ms, %.1f MiB peak | Go text/template + Sprig: "
			 "%.2f ms, %.1f MiB peak | %.1f× faster%s / ≥ 3× |\n", label, nbuf, ms, orss / 1024.0,
			 rms, rrss / 1024.0, rms / ms, identical ? "" : ", OUTPUT DIFFERS");
		buf_release(&ours);
		buf_release(&theirs);
		free(chart);
	}
	buf_addf(&frag, "\nCPU time per render, each side's renders in a process of its own (peak RSS "
		 "of that process); the peer is bench/helm-ref, Go's text/template with Sprig and "
		 "sigs.k8s.io/yaml driven as Helm drives them, built from Debian's packages. Output "
		 "%s; slowest ratio %.1f×. Bosun also checks values.schema.json, which the peer "
		 "does not.\n", all_same ? "byte-identical for every chart" : "DIFFERS for some chart",
		 worst);
	if (md) {
		FILE *f = fopen(md, "w");
		if (!f || fwrite(frag.data, 1, frag.len, f) != frag.len || fclose(f)) {
			fprintf(stderr, "%s: cannot write\n", md);
			return 1;
		}
	}
	buf_release(&frag);
	return all_same ? 0 : 1;
}
