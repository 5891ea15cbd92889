/*
 * cmd-template.c — `bosun template`: renders a Helm chart offline and in
 * process, printing what `helm template` prints for the same arguments
 * (and its error messages, after "Error: ").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int cmd_template_exec(int argc, char **argv)
{
	struct strs pos = { 0 }, files = { 0 }, sets = { 0 }, set_strings = { 0 }, set_files = { 0 },
		    set_jsons = { 0 }, apis = { 0 }, show = { 0 };
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
						     "--skip-crds", "--disable-openapi-validation", "--no-hooks" };
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
	free(apis.v);
	free(show.v);
	return rc;
}

const struct cmd_entry cmd_template_entry = {
	.name = "template",
	.usage = "[NAME] CHART [-f FILE]... [--set K=V]... [--set-string K=V] [--set-file K=PATH] "
		 "[--set-json K=JSON] [-n NS] [--kube-version V] [--api-versions G/V]... "
		 "[--include-crds] [--skip-tests] [--skip-schema-validation] [--show-only PATH]... "
		 "[--name-template T] [--debug]",
	.summary = "render a Helm chart locally, as helm template does",
	.exec = cmd_template_exec,
};
