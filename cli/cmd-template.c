/*
 * cmd-template.c — `bosun template`: renders a Helm chart offline and in
 * process, printing what `helm template` prints for the same arguments
 * (and its error messages, after "Error: "). With --output-dir the
 * manifests go to files named by their `# Source:` path under the
 * directory, as helm writes them: each file's first manifest truncates it,
 * later ones (and hooks, onto a file already there) append, and "wrote
 * PATH" is printed for every write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "repo-server/helm/helm.h"

extern const struct cmd_entry cmd_template_entry;

struct strs {
	const char **v;
	size_t n;
};

static void push(struct strs *s, const char *x)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n++] = x;
}

/* A StringSlice flag: comma-separated values. */
static void push_split(struct strs *s, char *x)
{
	for (char *save = NULL, *t = strtok_r(x, ",", &save); t; t = strtok_r(NULL, ",", &save))
		push(s, t);
}

static int fail(const char *fmt, const char *a)
{
	fprintf(stderr, "Error: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 1;
}

/* mkdir -p of the directories above path (0755, as os.MkdirAll). */
static int make_parents(const char *path)
{
	char *d = xstrdup(path);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(d, 0755) < 0 && errno != EEXIST) {
			int e = errno;
			free(d);
			errno = e;
			return -1;
		}
		*p = '/';
	}
	free(d);
	return 0;
}

static int write_manifest(const char *dir, const struct helm_manifest *m, bool append)
{
	struct buf name = BUF_INIT, body = BUF_INIT;
	buf_addf(&name, "%s/%s", dir, m->path);
	buf_addf(&body, "---\n# Source: %s\n%s\n", m->path, m->content);
	int rc = -1;
	if (make_parents(name.data) < 0) {
		fprintf(stderr, "Error: mkdir %s: %s\n", name.data, strerror(errno));
		goto out;
	}
	int fd = append ? open(name.data, O_WRONLY | O_APPEND, 0600) :
			  open(name.data, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0) {
		fprintf(stderr, "Error: open %s: %s\n", name.data, strerror(errno));
		goto out;
	}
	size_t done = 0;
	while (done < body.len) {
		ssize_t k = write(fd, body.data + done, body.len - done);
		if (k <= 0)
			break;
		done += (size_t)k;
	}
	if (close(fd) < 0 || done < body.len) {
		fprintf(stderr, "Error: write %s: %s\n", name.data, strerror(errno));
		goto out;
	}
	printf("wrote %s\n", name.data);
	rc = 0;
out:
	buf_release(&name);
	buf_release(&body);
	return rc;
}

struct written {
	char **v;
	size_t n;
};

static bool was_written(const struct written *w, const char *path)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i], path))
			return true;
	return false;
}

/* helm's template --output-dir: CRDs straight under dir, the rest under
 * dir/RELEASE with --release-name; then the (empty) manifest stream's
 * newline on stdout. */
static int write_output_dir(const struct helm_result *res, const char *dir, bool use_release)
{
	struct buf rdir = BUF_INIT;
	buf_addf(&rdir, "%s", dir);
	if (use_release)
		buf_addf(&rdir, "/%s", res->release_name ? res->release_name : "release-name");
	struct written w = { 0 };
	int rc = 0;
	for (size_t i = 0; i < res->nmanifests && rc == 0; i++) {
		const struct helm_manifest *m = &res->manifests[i];
		const char *d = m->kind == HELM_MANIFEST_CRD ? dir : rdir.data;
		bool append = was_written(&w, m->path);
		if (m->kind == HELM_MANIFEST_HOOK && !append) {
			/* hooks append to a file that is already there */
			struct buf p = BUF_INIT;
			struct stat st;
			buf_addf(&p, "%s/%s", d, m->path);
			append = stat(p.data, &st) == 0;
			buf_release(&p);
		}
		rc = write_manifest(d, m, append);
		if (rc == 0 && !was_written(&w, m->path)) {
			w.v = xrealloc(w.v, (w.n + 1) * sizeof *w.v);
			w.v[w.n++] = m->path;
		}
	}
	free(w.v);
	buf_release(&rdir);
	if (rc == 0)
		printf("\n");
	return rc;
}

static int cmd_template_exec(int argc, char **argv)
{
	struct strs pos = { 0 }, files = { 0 }, sets = { 0 }, set_strings = { 0 }, set_files = { 0 },
		    set_jsons = { 0 }, set_literals = { 0 }, apis = { 0 }, show = { 0 };
	const char *output_dir = NULL;
	bool use_release = false;
	struct helm_options o = { 0 };
	int rc = 1;
	char **dups = xcalloc((size_t)argc + 1, sizeof *dups);
	size_t ndups = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			push(&pos, a);
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cli_usage(&cmd_template_entry, stdout);
			printf("\n%s\n", cmd_template_entry.summary);
			rc = 0;
			goto out;
		}
		if (!strcmp(a, "--")) {
			while (++i < argc)
				push(&pos, argv[i]);
			break;
		}
		char *val = NULL;
		char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		char flag[64];
		if (eq) {
			snprintf(flag, sizeof flag, "%.*s", (int)(eq - a), a);
			val = eq + 1;
		} else if (a[1] != '-' && a[2]) {
			/* -fVALUE */
			snprintf(flag, sizeof flag, "-%c", a[1]);
			val = a + 2;
		} else {
			snprintf(flag, sizeof flag, "%s", a);
		}
		static const char *const bools[] = { "--include-crds", "--skip-tests", "--debug",
						     "--skip-schema-validation", "--dry-run", "--validate",
						     "--skip-crds", "--disable-openapi-validation", "--no-hooks",
						     "--release-name" };
		bool is_bool = false;
		for (size_t k = 0; k < sizeof bools / sizeof *bools; k++)
			if (!strcmp(flag, bools[k]))
				is_bool = true;
		if (is_bool) {
			bool on = !val || !strcmp(val, "true");
			if (!strcmp(flag, "--include-crds"))
				o.include_crds = on;
			else if (!strcmp(flag, "--skip-tests"))
				o.skip_tests = on;
			else if (!strcmp(flag, "--debug"))
				o.debug = on;
			else if (!strcmp(flag, "--skip-schema-validation"))
				o.skip_schema_validation = on;
			else if (!strcmp(flag, "--release-name"))
				use_release = on;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				rc = fail("flag needs an argument: %s", flag);
				goto out;
			}
			val = argv[++i];
		}
		if (!strcmp(flag, "-f") || !strcmp(flag, "--values")) {
			dups[ndups] = xstrdup(val);
			push_split(&files, dups[ndups++]);
		} else if (!strcmp(flag, "--set")) {
			push(&sets, val);
		} else if (!strcmp(flag, "--set-string")) {
			push(&set_strings, val);
		} else if (!strcmp(flag, "--set-file")) {
			push(&set_files, val);
		} else if (!strcmp(flag, "--set-json")) {
			push(&set_jsons, val);
		} else if (!strcmp(flag, "--set-literal")) {
			push(&set_literals, val);
		} else if (!strcmp(flag, "--output-dir")) {
			output_dir = val;
		} else if (!strcmp(flag, "-n") || !strcmp(flag, "--namespace")) {
			o.namespace = val;
		} else if (!strcmp(flag, "--kube-version")) {
			o.kube_version = val;
		} else if (!strcmp(flag, "-a") || !strcmp(flag, "--api-versions")) {
			dups[ndups] = xstrdup(val);
			push_split(&apis, dups[ndups++]);
		} else if (!strcmp(flag, "-s") || !strcmp(flag, "--show-only")) {
			push(&show, val);
		} else if (!strcmp(flag, "--name-template")) {
			o.name_template = val;
		} else {
			rc = fail("unknown flag: %s", flag);
			goto out;
		}
	}
	if (pos.n < 1) {
		fprintf(stderr, "Error: \"bosun template\" requires at least 1 argument\n\n"
				"Usage:  bosun template [NAME] [CHART] [flags]\n");
		goto out;
	}
	if (pos.n > 2) {
		rc = fail("expected at most two arguments, unexpected arguments: %s", pos.v[2]);
		goto out;
	}
	const char *chart = pos.v[pos.n - 1];
	if (pos.n == 2)
		o.release_name = pos.v[0];
	if (o.kube_version) {
		char v[64], ma[16], mi[16];
		extern int hkube_version_parse(const char *, char *, size_t, char *, char *, size_t);
		if (hkube_version_parse(o.kube_version, v, sizeof v, ma, mi, sizeof ma) < 0) {
			fprintf(stderr, "Error: invalid argument \"%s\" for \"--kube-version\" flag: invalid version\n",
				o.kube_version);
			goto out;
		}
	}
	json_t *vals = json_object();
	struct berr err = BERR_INIT;
	int r = 0;
	for (size_t i = 0; i < files.n && r == 0; i++) {
		struct buf b = BUF_INIT;
		if (buf_read_file(&b, files.v[i], 64u << 20) < 0)
			r = berr_set(&err, BERR_IO, "open %s: %s", files.v[i],
				     errno == ENOENT ? "no such file or directory" : strerror(errno));
		else
			r = helm_values_add_yaml(vals, b.data, b.len, files.v[i], &err);
		buf_release(&b);
	}
	for (size_t i = 0; i < set_jsons.n && r == 0; i++)
		r = helm_values_set(vals, HELM_SET_JSON, set_jsons.v[i], NULL, NULL, &err);
	for (size_t i = 0; i < sets.n && r == 0; i++)
		r = helm_values_set(vals, HELM_SET, sets.v[i], NULL, NULL, &err);
	for (size_t i = 0; i < set_strings.n && r == 0; i++)
		r = helm_values_set(vals, HELM_SET_STRING, set_strings.v[i], NULL, NULL, &err);
	for (size_t i = 0; i < set_files.n && r == 0; i++)
		r = helm_values_set(vals, HELM_SET_FILE, set_files.v[i], NULL, NULL, &err);
	for (size_t i = 0; i < set_literals.n && r == 0; i++)
		r = helm_values_set(vals, HELM_SET_LITERAL, set_literals.v[i], NULL, NULL, &err);
	if (r < 0) {
		json_decref(vals);
		rc = fail("%s", err.msg);
		goto out;
	}
	o.values = vals;
	o.api_versions = apis.v;
	o.n_api_versions = apis.n;
	o.show_only = show.v;
	o.n_show_only = show.n;
	struct helm_result res = HELM_RESULT_INIT;
	r = helm_render(&res, &(struct helm_source){ .path = chart }, &o, &err);
	json_decref(vals);
	if (r < 0) {
		if (o.debug && res.render_failed)
			fwrite(res.text.data, 1, res.text.len, stdout);
		fflush(stdout);
		if (res.render_failed && !o.debug)
			fprintf(stderr, "Error: %s\n\nUse --debug flag to render out invalid YAML\n", err.msg);
		else
			fprintf(stderr, "Error: %s\n", err.msg);
	} else if (output_dir) {
		rc = write_output_dir(&res, output_dir, use_release) < 0;
	} else {
		fwrite(res.text.data, 1, res.text.len, stdout);
		rc = 0;
	}
	helm_result_release(&res);
out:
	for (size_t i = 0; i < ndups; i++)
		free(dups[i]);
	free(dups);
	free(pos.v);
	free(files.v);
	free(sets.v);
	free(set_strings.v);
	free(set_files.v);
	free(set_jsons.v);
	free(set_literals.v);
	free(apis.v);
	free(show.v);
	return rc;
}

const struct cmd_entry cmd_template_entry = {
	.name = "template",
	.usage = "[NAME] CHART [-f FILE]... [--set K=V]... [--set-string K=V] [--set-file K=PATH] "
		 "[--set-json K=JSON] [--set-literal K=V] [-n NS] [--kube-version V] "
		 "[--api-versions G/V]... [--include-crds] [--skip-tests] [--skip-schema-validation] "
		 "[--show-only PATH]... [--name-template T] [--output-dir DIR [--release-name]] [--debug]",
	.summary = "render a Helm chart locally, as helm template does",
	.exec = cmd_template_exec,
};
