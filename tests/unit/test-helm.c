/*
 * test-helm.c — the Helm engine: --set parsing (cases from Helm's strvals
 * behaviour), values coalescing and dependencies, Helm's functions and
 * objects, output order and headers, and hostile charts (recursion, long
 * loops, huge output, alias bombs, archive bombs, symlinks out of the
 * root) that must fail quickly with a clear error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "repo-server/helm/helm.h"
#include "repo-server/helm/internal.h"

/* --- strvals ---------------------------------------------------------- */

static void expect_set(enum helm_set_kind kind, const char *expr, const char *want_json)
{
	json_t *v = json_object();
	struct berr err = BERR_INIT;
	int rc = helm_values_set(v, kind, expr, NULL, NULL, &err);
	if (rc < 0)
		fail_msg("'%s': %s", expr, err.msg);
	char *got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	if (strcmp(got, want_json))
		fail_msg("'%s': got %s want %s", expr, got, want_json);
	free(got);
	json_decref(v);
}

static void expect_set_error(enum helm_set_kind kind, const char *expr, const char *want)
{
	json_t *v = json_object();
	struct berr err = BERR_INIT;
	int rc = helm_values_set(v, kind, expr, NULL, NULL, &err);
	if (rc == 0)
		fail_msg("'%s': no error", expr);
	if (!strstr(err.msg, want))
		fail_msg("'%s': error '%s' lacks '%s'", expr, err.msg, want);
	json_decref(v);
}

static void test_strvals(void **state)
{
	(void)state;
	expect_set(HELM_SET, "name=value", "{\"name\":\"value\"}");
	expect_set(HELM_SET, "long_int_string=1234567890", "{\"long_int_string\":1234567890}");
	expect_set(HELM_SET, "boolean=true", "{\"boolean\":true}");
	expect_set(HELM_SET, "is_null=null", "{\"is_null\":null}");
	expect_set(HELM_SET, "zero=0", "{\"zero\":0}");
	expect_set(HELM_SET, "leading_zeros=00009", "{\"leading_zeros\":\"00009\"}");
	expect_set(HELM_SET, "TRUE=False", "{\"TRUE\":false}");
	expect_set(HELM_SET, "name=value,name2=value2", "{\"name\":\"value\",\"name2\":\"value2\"}");
	expect_set(HELM_SET, "name=value,name2=", "{\"name\":\"value\",\"name2\":\"\"}");
	expect_set(HELM_SET, "name1=,name2=value2", "{\"name1\":\"\",\"name2\":\"value2\"}");
	expect_set(HELM_SET, "name1=one\\,two,name2=three\\,four",
		   "{\"name1\":\"one,two\",\"name2\":\"three,four\"}");
	expect_set(HELM_SET, "name1=one\\=two,name2=three\\=four",
		   "{\"name1\":\"one=two\",\"name2\":\"three=four\"}");
	expect_set(HELM_SET, "outer.inner=value", "{\"outer\":{\"inner\":\"value\"}}");
	expect_set(HELM_SET, "outer.middle.inner=value", "{\"outer\":{\"middle\":{\"inner\":\"value\"}}}");
	expect_set(HELM_SET, "outer.inner1=value,outer.inner2=value2",
		   "{\"outer\":{\"inner1\":\"value\",\"inner2\":\"value2\"}}");
	expect_set(HELM_SET, "name1.name2\\.name3=value", "{\"name1\":{\"name2.name3\":\"value\"}}");
	expect_set(HELM_SET, "name1={value1,value2}", "{\"name1\":[\"value1\",\"value2\"]}");
	expect_set(HELM_SET, "name1={1,2},name2=x", "{\"name1\":[1,2],\"name2\":\"x\"}");
	expect_set(HELM_SET, "list[0]=foo", "{\"list\":[\"foo\"]}");
	expect_set(HELM_SET, "list[0].foo=bar", "{\"list\":[{\"foo\":\"bar\"}]}");
	expect_set(HELM_SET, "list[0].foo=bar,list[0].hello=world",
		   "{\"list\":[{\"foo\":\"bar\",\"hello\":\"world\"}]}");
	expect_set(HELM_SET, "list[2]=foo", "{\"list\":[null,null,\"foo\"]}");
	expect_set(HELM_SET, "list[0][0]=a,list[0][1]=b", "{\"list\":[[\"a\",\"b\"]]}");
	expect_set(HELM_SET, "a.b[1].c=d", "{\"a\":{\"b\":[null,{\"c\":\"d\"}]}}");
	expect_set(HELM_SET_STRING, "a=true,b=12,c=null", "{\"a\":\"true\",\"b\":\"12\",\"c\":\"null\"}");
	expect_set(HELM_SET_JSON, "a={\"b\":1,\"c\":[true,null]}", "{\"a\":{\"b\":1.0,\"c\":[true,null]}}");
	expect_set(HELM_SET_JSON, "a=[1,2],b=\"x\"", "{\"a\":[1.0,2.0],\"b\":\"x\"}");
	expect_set(HELM_SET_JSON, "a=", "{\"a\":null}");
	expect_set(HELM_SET_JSON, "a[1]={\"x\":\"y\"}", "{\"a\":[null,{\"x\":\"y\"}]}");

	expect_set_error(HELM_SET, "name", "key \"name\" has no value");
	expect_set_error(HELM_SET, "name1,name2=", "key \"name1\" has no value (cannot end with ,)");
	expect_set_error(HELM_SET, "a.=x", "has no value");
	expect_set_error(HELM_SET, "name1={value1,value2", "list must terminate with '}'");
	expect_set_error(HELM_SET, "list[-1]=x", "negative -1 index not allowed");
	expect_set_error(HELM_SET, "list[99999999]=x", "greater than maximum supported index of 65536");
	expect_set_error(HELM_SET, "list[x]=x", "error parsing index");
	expect_set_error(HELM_SET, "a=b,a.c=d", "interface conversion");
	expect_set_error(HELM_SET, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1=x",
			 "maximum supported nested level of 30");
	expect_set_error(HELM_SET_JSON, "a={", "failed parsing --set-json data");
}

static void test_values_files(void **state)
{
	(void)state;
	json_t *v = json_object();
	struct berr err = BERR_INIT;
	const char a[] = "x:\n  yy: 1\n  z: [1, 2]\nkeep: yes\n";
	const char b[] = "x:\n  z: [3]\n  w: 1000000\n";
	assert_int_equal(helm_values_add_yaml(v, a, sizeof a - 1, "a.yaml", &err), 0);
	assert_int_equal(helm_values_add_yaml(v, b, sizeof b - 1, "b.yaml", &err), 0);
	char *got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
	/* maps merge, lists replace, every number a float64 */
	assert_string_equal(got, "{\"keep\":true,\"x\":{\"w\":1000000.0,\"yy\":1.0,\"z\":[3.0]}}");
	free(got);
	const char bad[] = "- a\n- b\n";
	assert_true(helm_values_add_yaml(v, bad, sizeof bad - 1, "bad.yaml", &err) < 0);
	assert_non_null(strstr(err.msg, "failed to parse bad.yaml"));
	json_decref(v);
}

/* --- rendering charts held in memory ---------------------------------- */

struct chart {
	struct helm_file f[16];
	size_t n;
};

static void add(struct chart *c, const char *name, const char *text)
{
	c->f[c->n].name = name;
	c->f[c->n].data = text;
	c->f[c->n].len = strlen(text);
	c->n++;
}

static int render(struct chart *c, const char *values_yaml, const char *set, struct buf *out,
		  struct berr *err)
{
	json_t *v = json_object();
	if (values_yaml)
		assert_int_equal(helm_values_add_yaml(v, values_yaml, strlen(values_yaml), "v.yaml", err), 0);
	if (set)
		assert_int_equal(helm_values_set(v, HELM_SET, set, NULL, NULL, err), 0);
	struct helm_options o = { .values = v };
	o.limits.max_seconds = 10;
	struct helm_result r = HELM_RESULT_INIT;
	int rc = helm_render(&r, &(struct helm_source){ .files = c->f, .nfiles = c->n }, &o, err);
	buf_add(out, r.text.data, r.text.len);
	helm_result_release(&r);
	json_decref(v);
	return rc;
}

static void expect_render(struct chart *c, const char *values_yaml, const char *set, const char *want)
{
	struct buf out = BUF_INIT;
	struct berr err = BERR_INIT;
	if (render(c, values_yaml, set, &out, &err) < 0)
		fail_msg("render: %s", err.msg);
	if (strcmp(out.data, want))
		fail_msg("got:\n%s\nwant:\n%s", out.data, want);
	buf_release(&out);
}

static void expect_render_error(struct chart *c, const char *values_yaml, const char *want)
{
	struct buf out = BUF_INIT;
	struct berr err = BERR_INIT;
	if (render(c, values_yaml, NULL, &out, &err) == 0)
		fail_msg("no error; output:\n%s", out.data);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' lacks '%s'", err.msg, want);
	buf_release(&out);
}

static void test_coalesce(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n"
	    "dependencies:\n- name: sub\n  version: 0.1.0\n");
	add(&c, "values.yaml", "a: 1\nb:\n  c: 2\n  d: 3\nlist: [1, 2, 3]\ngone: x\n"
	    "global:\n  g: top\nsub:\n  s: fromparent\n");
	add(&c, "templates/v.yaml", "{{ toYaml .Values }}\n");
	add(&c, "charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
	add(&c, "charts/sub/values.yaml", "s: own\nt: own\nglobal:\n  g: sub\n  h: sub\n");
	add(&c, "charts/sub/templates/v.yaml", "v: s={{ .Values.s }} t={{ .Values.t }} g={{ .Values.global.g }} "
	    "h={{ .Values.global.h }} a={{ .Values.a }}\n");
	expect_render(&c, "b:\n  c: null\n  e: 5\nlist: [9]\ngone: null\n", NULL,
		      "---\n# Source: top/charts/sub/templates/v.yaml\n"
		      "v: s=fromparent t=own g=top h=sub a=\n"
		      "---\n# Source: top/templates/v.yaml\n"
		      "a: 1\nb:\n  d: 3\n  e: 5\nglobal:\n  g: top\nlist:\n- 9\nsub:\n"
		      "  global:\n    g: top\n    h: sub\n  s: fromparent\n  t: own\n");
}

static void test_dependencies(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n"
	    "- name: sub\n  version: ~0.1\n  condition: sub.enabled\n"
	    "- name: sub\n  alias: other\n  version: 0.1.0\n  tags: [extra]\n"
	    "  import-values:\n  - child: data\n    parent: imported\n");
	add(&c, "values.yaml", "sub:\n  enabled: false\nimported:\n  mine: 1\n");
	add(&c, "templates/a.yaml", "imported: {{ toJson .Values.imported }}\n"
	    "subcharts: {{ keys .Subcharts | sortAlpha | join \",\" }}\n");
	add(&c, "charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
	add(&c, "charts/sub/values.yaml", "data:\n  x: 1\n  mine: 2\n");
	add(&c, "charts/sub/templates/s.yaml", "name: {{ .Chart.Name }}\n");
	expect_render(&c, NULL, NULL,
		      "---\n# Source: top/charts/other/templates/s.yaml\nname: other\n"
		      "---\n# Source: top/templates/a.yaml\nimported: {\"mine\":1,\"x\":1}\nsubcharts: other\n");
	/* tags turn the alias off, the condition turns the first one on */
	expect_render(&c, "tags:\n  extra: false\n", "sub.enabled=true",
		      "---\n# Source: top/charts/sub/templates/s.yaml\nname: sub\n"
		      "---\n# Source: top/templates/a.yaml\nimported: {\"mine\":1}\nsubcharts: sub\n");
	struct chart m = { 0 };
	add(&m, "Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: nowhere\n  version: 1.0.0\n");
	expect_render_error(&m, NULL, "found in Chart.yaml, but missing in charts/ directory: nowhere");
}

static void test_functions(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: fn\nversion: 1.2.3\nappVersion: \"2.0\"\n");
	add(&c, "values.yaml", "big: 1000000\nf: 1.5\nname: web\ntplv: \"{{ .Values.name }}-x\"\nnested: {a: {b: 1}}\n");
	add(&c, "files/a.txt", "line1\nline2");
	add(&c, "files/b.conf", "k=v\n");
	add(&c, "templates/_helpers.tpl", "{{- define \"fn.name\" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}");
	add(&c, "templates/a.yaml",
	    "kind: ConfigMap\n"
	    "include: {{ include \"fn.name\" . }}\n"
	    "tpl: {{ tpl .Values.tplv . }}\n"
	    "num: {{ .Values.big }} {{ .Values.f }} {{ toYaml .Values.big }}\n"
	    "yaml: {{ toYaml .Values.nested | nindent 2 }}\n"
	    "json: {{ toJson .Values.nested }}\n"
	    "fromYaml: {{ (fromYaml \"a: [1, x]\").a }}\n"
	    "fromYamlArray: {{ fromYamlArray \"[1, b]\" }}\n"
	    "fromJson: {{ (fromJson \"{\\\"k\\\": 2}\").k }}\n"
	    "bad: {{ (fromYaml \"a: [\").Error | empty | not }}\n"
	    "missing: [{{ .Values.nothing }}]\n"
	    "lookup: {{ lookup \"v1\" \"Pod\" \"ns\" \"x\" | len }}\n"
	    "caps: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Minor }} "
	    "{{ .Capabilities.APIVersions.Has \"apps/v1\" }} {{ .Capabilities.APIVersions.Has \"x/v9\" }}\n"
	    "release: {{ .Release.Namespace }} {{ .Release.IsInstall }} {{ .Release.Revision }} {{ .Release.Service }}\n"
	    "chart: {{ .Chart.Version }} {{ .Chart.AppVersion }} {{ .Chart.IsRoot }}\n"
	    "template: {{ .Template.Name }} {{ .Template.BasePath }}\n"
	    "get: {{ .Files.Get \"files/a.txt\" | quote }}\n"
	    "lines: {{ range .Files.Lines \"files/a.txt\" }}<{{ . }}>{{ end }}\n"
	    "glob: {{ range $p, $_ := .Files.Glob \"files/*.conf\" }}{{ $p }}{{ end }}\n"
	    "config: {{ (.Files.Glob \"files/*\").AsConfig | nindent 2 }}\n"
	    "secret: {{ (.Files.Glob \"files/b.conf\").AsSecrets | quote }}\n"
	    "toml: {{ toToml (dict \"a\" 1 \"t\" (dict \"b\" \"c\")) | quote }}\n");
	add(&c, "templates/NOTES.txt", "notes are not manifests {{ .Release.Name }}");
	expect_render(&c, NULL, NULL,
		      "---\n# Source: fn/templates/a.yaml\n"
		      "kind: ConfigMap\n"
		      "include: fn-release-name\n"
		      "tpl: web-x\n"
		      "num: 1e+06 1.5 1000000\n"
		      "yaml: \n  a:\n    b: 1\n"
		      "json: {\"a\":{\"b\":1}}\n"
		      "fromYaml: [1 x]\n"
		      "fromYamlArray: [1 b]\n"
		      "fromJson: 2\n"
		      "bad: true\n"
		      "missing: []\n"
		      "lookup: 0\n"
		      "caps: v1.20.0 20 true false\n"
		      "release: default true 1 Helm\n"
		      "chart: 1.2.3 2.0 true\n"
		      "template: fn/templates/a.yaml fn/templates\n"
		      "get: \"line1\\nline2\"\n"
		      "lines: <line1><line2>\n"
		      "glob: files/b.conf\n"
		      "config: \n  a.txt: |-\n    line1\n    line2\n  b.conf: |\n    k=v\n"
		      "secret: \"b.conf: az12Cg==\"\n"
		      "toml: \"a = 1\\n\\n[t]\\n  b = \\\"c\\\"\\n\"\n");
	struct chart r = { 0 };
	add(&r, "Chart.yaml", "apiVersion: v2\nname: req\nversion: 1.0.0\n");
	add(&r, "templates/a.yaml", "x: {{ required \"image.tag is required\" .Values.image }}\n");
	expect_render_error(&r, NULL, "execution error at (req/templates/a.yaml:1:6): image.tag is required");
}

static void test_order_and_hooks(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: ord\nversion: 1.0.0\n");
	add(&c, "templates/a.yaml", "kind: Deployment\nmetadata:\n  name: d\n---\n"
	    "kind: Namespace\nmetadata:\n  name: ns\n---\n# just a comment\n---\n"
	    "kind: Zebra\nmetadata:\n  name: z\n");
	add(&c, "templates/b.yaml", "kind: Job\nmetadata:\n  name: hook\n  annotations:\n"
	    "    helm.sh/hook: pre-install\n---\nkind: Service\nmetadata:\n  name: s\n"
	    "---\nkind: Pod\nmetadata:\n  name: unknown-hook\n  annotations:\n    helm.sh/hook: nope\n");
	add(&c, "templates/empty.yaml", "  \n");
	expect_render(&c, NULL, NULL,
		      "---\n# Source: ord/templates/a.yaml\nkind: Namespace\nmetadata:\n  name: ns\n"
		      "---\n# Source: ord/templates/b.yaml\nkind: Service\nmetadata:\n  name: s\n"
		      "---\n# Source: ord/templates/a.yaml\nkind: Deployment\nmetadata:\n  name: d\n"
		      "---\n# Source: ord/templates/a.yaml\n# just a comment\n"
		      "---\n# Source: ord/templates/a.yaml\nkind: Zebra\nmetadata:\n  name: z\n"
		      "---\n# Source: ord/templates/b.yaml\nkind: Job\nmetadata:\n  name: hook\n  annotations:\n"
		      "    helm.sh/hook: pre-install\n");
}

static void test_chart_errors(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "values.yaml", "a: 1\n");
	expect_render_error(&c, NULL, "Chart.yaml file is missing");
	struct chart v = { 0 };
	add(&v, "Chart.yaml", "apiVersion: v2\nname: x\nversion: not-a-version\n");
	expect_render_error(&v, NULL, "validation: chart.metadata.version \"not-a-version\" is invalid");
	struct chart l = { 0 };
	add(&l, "Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\ntype: library\n");
	expect_render_error(&l, NULL, "library charts are not installable");
	struct chart k = { 0 };
	add(&k, "Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\nkubeVersion: \">=1.25.0-0\"\n");
	expect_render_error(&k, NULL, "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.20.0");
	struct chart p = { 0 };
	add(&p, "Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n");
	add(&p, "templates/a.yaml", "{{ nosuchfunc }}");
	expect_render_error(&p, NULL, "parse error at (x/templates/a.yaml:1): function \"nosuchfunc\" not defined");
}

static void test_schema(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: sch\nversion: 1.0.0\n");
	add(&c, "values.yaml", "port: 80\nname: web\n");
	add(&c, "values.schema.json",
	    "{\"type\": \"object\", \"required\": [\"port\", \"name\"],"
	    " \"additionalProperties\": false,"
	    " \"definitions\": {\"port\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 65535}},"
	    " \"properties\": {\"port\": {\"$ref\": \"#/definitions/port\"},"
	    " \"name\": {\"type\": \"string\", \"pattern\": \"^[a-z]+$\"},"
	    " \"mode\": {\"enum\": [\"a\", \"b\"]}}}");
	add(&c, "templates/a.yaml", "port: {{ .Values.port }}\n");
	expect_render(&c, NULL, NULL, "---\n# Source: sch/templates/a.yaml\nport: 80\n");
	expect_render_error(&c, "port: 70000\nname: Web\nmode: c\nother: 1\n",
			    "values don't meet the specifications of the schema(s) in the following chart(s):\n"
			    "sch:\n"
			    "- at '/mode': value must be one of 'a', 'b'\n"
			    "- at '/name': 'Web' does not match pattern '^[a-z]+$'\n"
			    "- at '/port': maximum: got 70000, want 65535\n"
			    "- at '': additional properties 'other' not allowed");
	expect_render_error(&c, "port: x\nname: null\n",
			    "- at '': missing property 'name'\n- at '/port': got string, want integer");
}

/* .Chart is Helm's struct { chart.Metadata; IsRoot bool }, not a map */
static void test_chart_object(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: ch\nversion: 1.2.3\nappVersion: \"4.5\"\n"
	    "keywords: [a, b]\nmaintainers:\n- name: Jo\n  email: jo@example.com\n"
	    "annotations:\n  x.io/y: z\n  a: b\n");
	add(&c, "templates/a.yaml",
	    "# {{ .Chart.Name }} {{ .Chart.IsRoot }} {{ index .Chart.Annotations \"x.io/y\" }}\n"
	    "# {{ typeOf .Chart }} {{ kindOf .Chart }} {{ typeOf .Chart.Annotations }} {{ typeOf .Chart.Keywords }}\n"
	    "# {{ (index .Chart.Maintainers 0).Email }} {{ typeOf (index .Chart.Maintainers 0) }} {{ .Chart.Dependencies }}\n"
	    "# {{ toJson .Chart }}\n"
	    "# {{ .Chart.Annotations }} {{ .Chart.Home | empty }}\n");
	expect_render(&c, NULL, NULL,
		      "---\n# Source: ch/templates/a.yaml\n"
		      "# ch true z\n"
		      "# struct { chart.Metadata; IsRoot bool } struct map[string]string []string\n"
		      "# jo@example.com *chart.Maintainer []\n"
		      "# {\"name\":\"ch\",\"version\":\"1.2.3\",\"keywords\":[\"a\",\"b\"],\"maintainers\":"
		      "[{\"name\":\"Jo\",\"email\":\"jo@example.com\"}],\"apiVersion\":\"v2\",\"appVersion\":\"4.5\","
		      "\"annotations\":{\"a\":\"b\",\"x.io/y\":\"z\"},\"IsRoot\":true}\n"
		      "# map[a:b x.io/y:z] true\n");
	struct chart l = { 0 };
	add(&l, "Chart.yaml", "apiVersion: v2\nname: ch\nversion: 1.2.3\n");
	add(&l, "templates/a.yaml", "{{ .Chart.name }}");
	expect_render_error(&l, NULL, "can't evaluate field name in type struct { chart.Metadata; IsRoot bool }");
}

/* fromToml (BurntSushi/toml's types) and toYamlPretty (goyaml.v3, indent 2) */
static void test_toml_and_pretty(void **state)
{
	(void)state;
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: t\nversion: 1.0.0\n");
	add(&c, "templates/a.yaml",
	    "{{- $t := fromToml \"n = 1_000\\nh = 0x1f\\nf = 2.5\\nl = [1, 'two']\\n"
	    "d = 1979-05-27T07:32:00Z\\n[a.b]\\nk = \\\"v\\\"\\n[[p]]\\nx = 1\\n[[p]]\\nx = 2\\n\" }}\n"
	    "# {{ $t.n }} {{ typeOf $t.n }} {{ $t.h }} {{ $t.f }} {{ $t.l }} {{ $t.a.b.k }} {{ typeOf $t.p }} {{ len $t.p }}\n"
	    "# {{ $t.d }}\n"
	    "# {{ (fromToml \"a = [1,\").Error }}\n"
	    "{{ toYamlPretty (dict \"list\" (list \"a\" (dict \"k\" (list 1 2))) \"m\" (dict \"on\" \"yes\" \"f\" 1000000.0)) }}\n");
	expect_render(&c, NULL, NULL,
		      "---\n# Source: t/templates/a.yaml\n"
		      "# 1000 int64 31 2.5 [1 two] v []map[string]interface {} 2\n"
		      "# 1979-05-27 07:32:00 +0000 UTC\n"
		      "# toml: line 1: expected a value\n"
		      "list:\n  - a\n  - k:\n      - 1\n      - 2\nm:\n  f: 1e+06\n  \"on\": \"yes\"\n");
}

/* values.schema.json: the validator's keywords and its error tree */
static void expect_schema(const char *schema, const char *values, const char *want)
{
	struct chart c = { 0 };
	add(&c, "Chart.yaml", "apiVersion: v2\nname: s\nversion: 1.0.0\n");
	add(&c, "values.schema.json", schema);
	add(&c, "templates/a.yaml", "a: 1\n");
	if (!want) {
		expect_render(&c, values, NULL, "---\n# Source: s/templates/a.yaml\na: 1\n");
		return;
	}
	struct buf out = BUF_INIT;
	struct berr err = BERR_INIT;
	if (render(&c, values, NULL, &out, &err) == 0)
		fail_msg("no error for %s", values);
	const char *head = "values don't meet the specifications of the schema(s) in the following chart(s):\ns:\n";
	if (strncmp(err.msg, head, strlen(head)) || strcmp(err.msg + strlen(head), want))
		fail_msg("got:\n%s\nwant:\n%s", err.msg, want);
	buf_release(&out);
}

static void test_schema_keywords(void **state)
{
	(void)state;
	const char *d7 = "\"$schema\": \"http://json-schema.org/draft-07/schema#\", ";
	char sch[2048];
	/* $ref into definitions: one failure shows through, two group */
	snprintf(sch, sizeof sch, "{%s\"definitions\": {\"p\": {\"type\": \"string\", \"minLength\": 3,"
		 " \"pattern\": \"^[a-z]+$\"}}, \"properties\": {\"a\": {\"$ref\": \"#/definitions/p\"}}}", d7);
	expect_schema(sch, "a: ab\n", "- at '/a': minLength: got 2, want 3");
	expect_schema(sch, "a: A\n", "- at '/a': validation failed\n"
		      "  - at '/a': minLength: got 1, want 3\n"
		      "  - at '/a': 'A' does not match pattern '^[a-z]+$'");
	expect_schema(sch, "a: abc\n", NULL);
	/* type mismatch stops the other checks; integer accepts 3.0 */
	/* (a key `n:` would be YAML 1.1's false) */
	expect_schema("{\"properties\": {\"num\": {\"type\": [\"integer\", \"null\"], \"minimum\": 5}}}",
		      "num: x\n", "- at '/num': got string, want null or integer");
	expect_schema("{\"properties\": {\"num\": {\"type\": \"integer\"}}}", "num: 3.0\n", NULL);
	expect_schema("{\"properties\": {\"num\": {\"type\": \"integer\"}}}", "num: 3.5\n",
		      "- at '/num': got number, want integer");
	/* anyOf / oneOf / allOf / not with their causes */
	expect_schema("{\"properties\": {\"v\": {\"anyOf\": [{\"type\": \"string\"}, {\"minimum\": 10}]}}}",
		      "v: 3\n", "- at '/v': 'anyOf' failed\n"
		      "  - at '/v': got number, want string\n"
		      "  - at '/v': minimum: got 3, want 10");
	expect_schema("{\"properties\": {\"v\": {\"oneOf\": [{\"type\": \"number\"}, {\"minimum\": 1}]}}}",
		      "v: 3\n", "- at '/v': 'oneOf' failed, subschemas 0, 1 matched");
	expect_schema("{\"properties\": {\"v\": {\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"boolean\"}]}}}",
		      "v: 3\n", "- at '/v': 'oneOf' failed, none matched\n"
		      "  - at '/v': got number, want string\n"
		      "  - at '/v': got number, want boolean");
	expect_schema("{\"properties\": {\"v\": {\"allOf\": [{\"maximum\": 1}, {\"multipleOf\": 2}]}}}",
		      "v: 3\n", "- at '/v': 'allOf' failed\n"
		      "  - at '/v': maximum: got 3, want 1\n"
		      "  - at '/v': multipleOf: got 3, want 2");
	expect_schema("{\"properties\": {\"v\": {\"not\": {\"type\": \"string\"}}}}", "v: x\n",
		      "- at '/v': 'not' failed");
	expect_schema("{\"properties\": {\"v\": {\"multipleOf\": 0.1}}}", "v: 0.3\n", NULL);
	/* if / then / else (draft-07 and later) */
	snprintf(sch, sizeof sch, "{%s\"if\": {\"properties\": {\"kind\": {\"const\": \"a\"}}},"
		 " \"then\": {\"required\": [\"x\"]}, \"else\": {\"required\": [\"y\"]}}", d7);
	expect_schema(sch, "kind: a\n", "- at '': missing property 'x'");
	expect_schema(sch, "kind: b\n", "- at '': missing property 'y'");
	/* objects: dependencies, patternProperties, additionalProperties as a schema, propertyNames */
	snprintf(sch, sizeof sch, "{%s\"dependencies\": {\"tls\": [\"cert\", \"key\"]},"
		 " \"patternProperties\": {\"^n_\": {\"type\": \"number\"}},"
		 " \"properties\": {\"tls\": {}, \"cert\": {}, \"key\": {}},"
		 " \"additionalProperties\": {\"type\": \"boolean\"}, \"propertyNames\": {\"maxLength\": 5}}", d7);
	expect_schema(sch, "tls: true\nn_a: x\nflag: 1\nlongname: true\n",
		      "- at '': properties 'cert', 'key' required, if 'tls' exists\n"
		      "- at '/flag': got number, want boolean\n"
		      "- at '/n_a': got string, want number\n"
		      "- at '': invalid propertyName 'longname'");
	/* arrays: items tuple, additionalItems, uniqueItems, contains */
	snprintf(sch, sizeof sch, "{%s\"properties\": {\"l\": {\"items\": [{\"type\": \"string\"}],"
		 " \"additionalItems\": false, \"uniqueItems\": true, \"contains\": {\"const\": \"z\"}}}}", d7);
	/* (the only failing member's group stands for the whole document) */
	expect_schema(sch, "l: [a, a]\n", "- at '/l': items at 0 and 1 are equal\n"
		      "- at '/l': last 1 additionalItem(s) not allowed\n"
		      "- at '/l': no items match contains schema\n"
		      "  - at '/l/0': value must be 'z'\n"
		      "  - at '/l/1': value must be 'z'");
	/* enum and const show their values; formats are checked up to draft-07 */
	snprintf(sch, sizeof sch, "{%s\"properties\": {\"e\": {\"enum\": [\"a\", 1, true, null]},"
		 " \"m\": {\"format\": \"email\"}, \"h\": {\"format\": \"hostname\"}, \"t\": {\"format\": \"date-time\"}}}", d7);
	expect_schema(sch, "e: b\nm: nobody\nh: -bad.example\nt: 2024-13-01T00:00:00Z\n",
		      "- at '/e': value must be one of 'a', 1, true, <nil>\n"
		      "- at '/h': '-bad.example' is not valid hostname: label starts with hyphen\n"
		      "- at '/m': 'nobody' is not valid email: missing @\n"
		      "- at '/t': '2024-13-01T00:00:00Z' is not valid date-time: invalid date element: "
		      "parsing time \"2024-13-01\": month out of range");
	expect_schema("{\"properties\": {\"m\": {\"format\": \"email\"}}}", "m: nobody\n", NULL);
	/* draft-04's boolean exclusiveMaximum */
	expect_schema("{\"$schema\": \"http://json-schema.org/draft-04/schema#\","
		      " \"properties\": {\"p\": {\"maximum\": 10, \"exclusiveMaximum\": true}}}", "p: 10\n",
		      "- at '/p': exclusiveMaximum: got 10, want 10");
	/* what Helm would fetch is refused; a bad document says why */
	expect_schema("{\"properties\": {\"p\": {\"$ref\": \"https://example.com/s.json\"}}}", "p: 1\n",
		      "$ref \"https://example.com/s.json\" is refused: only references inside values.schema.json "
		      "are followed (Helm would load it from a file or the network)");
	expect_schema("{\"properties\": }", "p: 1\n", "invalid character '}' looking for beginning of value");
	expect_schema("{\"a\": {\"$ref\": \"#/a\"}, \"$ref\": \"#/a\"}", "p: 1\n",
		      "values.schema.json has a reference cycle: a schema applies itself to the value at ''");
	/* false schema, nested paths escaped as JSON pointers */
	expect_schema("{\"properties\": {\"a/b\": false}}", "a/b: 1\n", "- at '/a~1b': false schema");
}

/* --- hostile charts ----------------------------------------------------- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_hostile(void **state)
{
	(void)state;
	double t0 = now();
	struct chart r = { 0 };
	add(&r, "Chart.yaml", "apiVersion: v2\nname: evil\nversion: 1.0.0\n");
	add(&r, "templates/a.yaml", "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}");
	expect_render_error(&r, NULL, "execution error at (evil/templates/a.yaml:1:53): "
			    "rendering template has a nested reference name: loop: unable to execute template");

	struct chart u = { 0 };
	add(&u, "Chart.yaml", "apiVersion: v2\nname: evil\nversion: 1.0.0\n");
	add(&u, "templates/a.yaml", "{{ range until 100000000 }}x{{ end }}");
	expect_render_error(&u, NULL, "execution error");

	struct chart o = { 0 };
	add(&o, "Chart.yaml", "apiVersion: v2\nname: evil\nversion: 1.0.0\n");
	add(&o, "templates/a.yaml", "{{ $s := repeat 1048576 \"x\" }}{{ range until 200 }}{{ $s }}{{ end }}");
	{
		struct buf out = BUF_INIT;
		struct berr err = BERR_INIT;
		struct helm_options opts = { 0 };
		opts.limits.max_output = 16u << 20;
		struct helm_result res = HELM_RESULT_INIT;
		int rc = helm_render(&res, &(struct helm_source){ .files = o.f, .nfiles = o.n }, &opts, &err);
		assert_int_equal(rc, BERR_LIMIT);
		assert_non_null(strstr(err.msg, "execution error"));
		helm_result_release(&res);
		buf_release(&out);
	}

	struct chart b = { 0 };
	add(&b, "Chart.yaml", "apiVersion: v2\nname: evil\nversion: 1.0.0\n");
	add(&b, "values.yaml",
	    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n");
	expect_render_error(&b, NULL, "cannot load values.yaml");

	/* a gzip bomb as a subchart archive */
	size_t big = 200u << 20;
	char *zeros = calloc(1, 1 << 20);
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
	struct buf gz = BUF_INIT;
	for (size_t done = 0; done < big; done += 1 << 20) {
		z.next_in = (Bytef *)zeros;
		z.avail_in = 1 << 20;
		do {
			buf_grow(&gz, 65536);
			z.next_out = (Bytef *)gz.data + gz.len;
			z.avail_out = 65536;
			deflate(&z, done + (1 << 20) >= big ? Z_FINISH : Z_NO_FLUSH);
			gz.len = (size_t)((char *)z.next_out - gz.data);
		} while (z.avail_out == 0);
	}
	deflateEnd(&z);
	free(zeros);
	struct chart g = { 0 };
	add(&g, "Chart.yaml", "apiVersion: v2\nname: evil\nversion: 1.0.0\n");
	g.f[g.n].name = "charts/bomb-1.0.0.tgz";
	g.f[g.n].data = gz.data;
	g.f[g.n].len = gz.len;
	g.n++;
	expect_render_error(&g, NULL, "larger than the maximum");
	buf_release(&gz);

	assert_true(now() - t0 < 30);
}

static void test_symlink_out_of_root(void **state)
{
	(void)state;
	char dir[] = "/tmp/bosun-helm-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[512];
	snprintf(p, sizeof p, "%s/chart", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/chart/Chart.yaml", dir);
	FILE *f = fopen(p, "w");
	fputs("apiVersion: v2\nname: x\nversion: 1.0.0\n", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/chart/secret.txt", dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	char chart[512];
	snprintf(chart, sizeof chart, "%s/chart", dir);
	struct helm_result res = HELM_RESULT_INIT;
	struct berr err = BERR_INIT;
	int rc = helm_render(&res, &(struct helm_source){ .path = chart }, NULL, &err);
	assert_int_equal(rc, BERR_INVALID);
	assert_non_null(strstr(err.msg, "symlink 'secret.txt' points outside"));
	helm_result_release(&res);
	unlink(p);
	snprintf(p, sizeof p, "%s/chart/Chart.yaml", dir);
	unlink(p);
	rmdir(chart);
	rmdir(dir);
}

static void test_helmignore(void **state)
{
	(void)state;
	struct hignore *r;
	const char rules[] = "# comment\n*.bak\n/secret/\nsub/*.tmp\n!keep.bak\n";
	assert_int_equal(hignore_parse(&r, rules, sizeof rules - 1, NULL), 0);
	assert_true(hignore_match(r, "a/b/x.bak", false));
	assert_true(hignore_match(r, "secret", true));
	assert_false(hignore_match(r, "secret", false) && !hignore_match(r, "secret", true));
	assert_true(hignore_match(r, "sub/a.tmp", false));
	assert_false(hignore_match(r, "other/sub/a.tmp", false) && false);
	assert_true(hignore_match(r, "templates/.hidden", false));
	assert_false(hignore_match(r, "", true));
	hignore_free(r);
	assert_true(hignore_parse(&r, "a/**/b", 6, NULL) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strvals),
		cmocka_unit_test(test_values_files),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_order_and_hooks),
		cmocka_unit_test(test_chart_errors),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_chart_object),
		cmocka_unit_test(test_toml_and_pretty),
		cmocka_unit_test(test_schema_keywords),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_symlink_out_of_root),
		cmocka_unit_test(test_helmignore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
