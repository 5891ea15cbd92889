/*
 * bench-helm — helm_render() against its peer, the Go reference renderer
 * (bench/helm-ref: Go's text/template + Sprig + sigs.k8s.io/yaml, driven as
 * Helm drives them). Each chart is rendered N times by each, with the same
 * values; the reference's output of one render is first compared with
 * ours. Reported: CPU time per render (process CPU, the machine may be
 * shared) and peak RSS of each side (ours: this process; the reference:
 * its process, from wait4).
 *
 *     bench-helm REF_BIN N CHART[:VALUES.yaml]...
 *
 * With BENCH_FRAGMENT set, the results also go there as the markdown
 * fragment bench/Makefile describes.
 */
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

struct result {
	char label[128];
	double ms, rms, mib, rmib;      /* per render: ours, the reference's; peak MiB */
	int same;                       /* outputs identical */
};

/* The fragment for bench/RESULTS.md, when BENCH_FRAGMENT names a file. */
static int write_fragment(const struct result *r, int nres, int n)
{
	const char *path = getenv("BENCH_FRAGMENT");
	if (!path || nres == 0)
		return 0;
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	double lo = r[0].ms, hi = r[0].ms, rlo = r[0].rms, rhi = r[0].rms;
	double slo = r[0].rms / r[0].ms, shi = slo;
	int same = 0;
	const char *slowest = r[0].label;
	for (int i = 0; i < nres; i++) {
		double sp = r[i].rms / r[i].ms;
		lo = r[i].ms < lo ? r[i].ms : lo;
		hi = r[i].ms > hi ? r[i].ms : hi;
		rlo = r[i].rms < rlo ? r[i].rms : rlo;
		rhi = r[i].rms > rhi ? r[i].rms : rhi;
		if (sp < slo)
			slo = sp, slowest = r[i].label;
		shi = sp > shi ? sp : shi;
		same += r[i].same;
	}
	fprintf(f, "## helm\n\n| benchmark | Bosun | peer (same run) | ratio / target |\n"
		   "|---|---|---|---|\n");
	fprintf(f, "| render %d real charts, %d renders each (CPU per render) | %.2f–%.1f ms | "
		   "Go text/template + Sprig reference %.2f–%.1f ms | %.1f×–%.1f× faster (least: %s), "
		   "%s; target ≥ 3× |\n",
		nres, n, lo, hi, rlo, rhi, slo, shi, slowest,
		same == nres ? "output identical" : "OUTPUT DIFFERS for some charts");
	fprintf(f, "\nPer chart (ms per render; peak MiB of each process):\n\n"
		   "| chart | Bosun ms | Go ms | speed-up | Bosun MiB | Go MiB | output |\n"
		   "|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < nres; i++)
		fprintf(f, "| %s | %.2f | %.2f | %.1f× | %.1f | %.1f | %s |\n", r[i].label,
			r[i].ms, r[i].rms, r[i].rms / r[i].ms, r[i].mib, r[i].rmib,
			r[i].same ? "identical" : "different");
	fprintf(f, "\nThe charts are read from ../shared/peer/charts; Bosun's MiB is this "
		   "process's peak so far (it grows with the charts rendered before).\n");
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench-helm REF_BIN N CHART[:VALUES]...\n");
		return 2;
	}
	const char *ref = argv[1];
	int n = atoi(argv[2]);
	struct result *res = calloc((size_t)argc, sizeof(*res));
	int nres = 0;
	if (!res)
		return 1;
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
		if (render_once(&ours, chart, values) < 0 ||
		    run_ref(ref, chart, values, 1, &theirs, &rcpu, &rrss) < 0) {
			fprintf(stderr, "%s: render failed\n", argv[i]);
			return 1;
		}
		const char *same = ours.len == theirs.len && !memcmp(ours.data, theirs.data, ours.len) ?
				   "identical" : "DIFFERENT";
		double t0 = cpu_now();
		for (int k = 0; k < n; k++)
			render_once(NULL, chart, values);
		double ms = (cpu_now() - t0) * 1000 / n;
		if (run_ref(ref, chart, values, n, NULL, &rcpu, &rrss) < 0) {
			fprintf(stderr, "%s: reference failed\n", argv[i]);
			return 1;
		}
		double rms = rcpu * 1000 / n;
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		const char *name = strrchr(chart, '/') ? strrchr(chart, '/') + 1 : chart;
		char label[128];
		snprintf(label, sizeof label, "%s%s%s", name, values ? ":" : "",
			 values ? (strrchr(values, '/') ? strrchr(values, '/') + 1 : values) : "");
		printf("%-40s %12.3f %12.3f %7.1fx %10.1f %10.1f  %s\n", label, ms, rms, rms / ms,
		       ru.ru_maxrss / 1024.0, rrss / 1024.0, same);
		fflush(stdout);
		res[nres] = (struct result){ .ms = ms, .rms = rms, .mib = ru.ru_maxrss / 1024.0,
					     .rmib = rrss / 1024.0, .same = same[0] == 'i' };
		snprintf(res[nres++].label, sizeof(res->label), "%s", label);
		buf_release(&ours);
		buf_release(&theirs);
		free(chart);
	}
	int rc = write_fragment(res, nres, n);
	free(res);
	return rc;
}
