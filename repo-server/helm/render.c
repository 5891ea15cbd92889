/*
 * render.c — helm_render(): the steps of `helm template` in Helm's order.
 *
 * Load the chart, check it is installable and its dependencies present,
 * name the release (--name-template), process dependencies against the
 * user's values, coalesce the final values, then parse every template of
 * the chart and its subcharts into one set, deepest paths first so that a
 * parent's {{define}} wins, and execute each non-partial template with
 * its chart's scope (.Values, .Chart, .Files, .Subcharts, ...). Rendered
 * files are then split into documents at `---`, their heads read to sort
 * them by kind into install order (hooks apart, by the same order), and
 * printed with `# Source:` headers exactly as helm's template command
 * prints them, --show-only applied last.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"
#include "repo-server/sprig/sprig.h"
#include "yaml.h"

struct incl {
	char *name;
	size_t count;
};

struct hrender {
	struct incl *incl;
	size_t nincl;
	char cause[BERR_MSG_MAX];       /* innermost message of a failed include */
};

/* The message under Go's "template: LOC: executing "X" at <...>: error
 * calling F: " wrappers, as Helm's errors.Unwrap chain finds it. */
static const char *unwrap_exec(const char *m)
{
	for (;;) {
		if (!strncmp(m, "template: ", 10)) {
			const char *c = strstr(m + 10, ": ");
			if (!c)
				return m;
			m = c + 2;
			continue;
		}
		if (!strncmp(m, "executing \"", 11)) {
			const char *at = strstr(m, ">: ");
			if (!at)
				return m;
			m = at + 3;
			continue;
		}
		if (!strncmp(m, "error calling ", 14)) {
			const char *c = strstr(m + 14, ": ");
			if (!c)
				return m;
			m = c + 2;
			continue;
		}
		return m;
	}
}

void hrender_note_failure(struct hrender *r, const char *msg)
{
	if (!r->cause[0])
		snprintf(r->cause, sizeof r->cause, "%s", unwrap_exec(msg));
}

size_t *hrender_include_count(struct hrender *r, const char *name)
{
	for (size_t i = 0; i < r->nincl; i++)
		if (!strcmp(r->incl[i].name, name))
			return &r->incl[i].count;
	r->incl = xrealloc(r->incl, (r->nincl + 1) * sizeof *r->incl);
	r->incl[r->nincl].name = xstrdup(name);
	r->incl[r->nincl].count = 0;
	return &r->incl[r->nincl++].count;
}

void helm_result_release(struct helm_result *r)
{
	buf_release(&r->text);
	json_decref(r->docs);
	json_decref(r->sources);
	r->docs = r->sources = NULL;
	for (size_t i = 0; i < r->nmanifests; i++) {
		free(r->manifests[i].path);
		free(r->manifests[i].content);
	}
	free(r->manifests);
	r->manifests = NULL;
	r->nmanifests = 0;
	free(r->release_name);
	r->release_name = NULL;
}

static void note_manifest(struct helm_result *r, enum helm_manifest_kind kind, const char *path,
			  const char *content, size_t len)
{
	r->manifests = xrealloc(r->manifests, (r->nmanifests + 1) * sizeof *r->manifests);
	r->manifests[r->nmanifests++] = (struct helm_manifest){ kind, xstrdup(path), xstrndup(content, len) };
}

/* --- the scope objects ------------------------------------------------------ */

struct tpl {
	char *name;             /* chart/templates/x.yaml */
	const char *text;
	size_t len;
	tv *scope;
	char *base_path;
	bool library;
};

struct tpls {
	struct tpl *v;
	size_t n;
};

static tv *collect(struct tv_arena *a, const struct hchart *c, tv *parent, struct tpls *out)
{
	tv *next = tv_map(a);
	tv *subs = tv_map(a);
	tv_map_set(a, next, "Chart", hchart_object(a, c));
	tv_map_set(a, next, "Files", hfiles_object(a, c));
	tv_map_set(a, next, "Release", tv_map_get(parent, "Release"));
	tv_map_set(a, next, "Capabilities", tv_map_get(parent, "Capabilities"));
	tv_map_set(a, next, "Subcharts", subs);
	tv *pv = tv_map_get(parent, "Values");
	tv *vals = NULL;
	if (!c->parent) {
		vals = pv;
	} else if (pv && pv->kind == TV_MAP) {
		tv *t = tv_map_get(pv, hchart_name(c));
		if (t && t->kind == TV_MAP)
			vals = t;
	}
	tv_map_set(a, next, "Values", vals ? vals : tv_map(a));
	for (size_t i = 0; i < c->ndeps; i++)
		tv_map_set(a, subs, hchart_name(c->deps[i]), collect(a, c->deps[i], next, out));
	struct buf full = BUF_INIT;
	hchart_full_path(&full, c);
	const char *type = json_string_value(json_object_get(c->meta, "type"));
	bool lib = type && !strcmp(type, "library");
	for (size_t i = 0; i < c->templates.n; i++) {
		const struct hfile *f = &c->templates.v[i];
		const char *base = strrchr(f->name, '/');
		base = base ? base + 1 : f->name;
		if (lib && base[0] != '_')
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		struct tpl *t = &out->v[out->n++];
		struct buf nb = BUF_INIT, bp = BUF_INIT;
		buf_addf(&nb, "%s/%s", full.data, f->name);
		buf_addf(&bp, "%s/templates", full.data);
		t->name = buf_detach(&nb, NULL);
		t->base_path = buf_detach(&bp, NULL);
		t->text = f->data;
		t->len = f->len;
		t->scope = next;
		t->library = lib;
	}
	buf_release(&full);
	return next;
}

static size_t slashes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* sort.Reverse(byPathLen): most slashes first, then reverse lexical. */
static int cmp_tpl(const void *x, const void *y)
{
	const struct tpl *a = x, *b = y;
	size_t ca = slashes(a->name), cb = slashes(b->name);
	if (ca != cb)
		return ca > cb ? -1 : 1;
	return -strcmp(a->name, b->name);
}

/* "template: NAME:L:C: executing ... at <...>: MSG" → "execution error at
 * (NAME:L:C): MSG", the innermost message as Helm unwraps it. */
static void exec_error(struct berr *err, const char *file, const char *cause)
{
	char msg[BERR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s", err->msg);
	char *sep = strncmp(msg, "template: ", 10) ? NULL : strstr(msg + 10, ": ");
	if (!sep) {
		berr_set(err, err->code, "execution error in (%s): %s", file, msg);
		return;
	}
	*sep = 0;
	char inner[BERR_MSG_MAX];
	snprintf(inner, sizeof inner, "%s", cause && *cause ? cause : unwrap_exec(sep + 2));
	berr_set(err, err->code, "execution error at (%s): %s", msg + 10, inner);
}

static void parse_error(struct berr *err, const char *file)
{
	char msg[BERR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s", err->msg);
	char *first = strstr(msg, ": ");
	if (!first) {
		berr_set(err, err->code, "parse error in (%s): %s", file, msg);
		return;
	}
	char *loc = first + 2;
	char *second = strstr(loc, ": ");
	if (!second) {
		berr_set(err, err->code, "parse error in (%s): %s", file, msg);
		return;
	}
	*second = 0;
	char *last = second + 2, *p;
	while ((p = strstr(last, ": ")))
		last = p + 2;
	char l2[BERR_MSG_MAX];
	snprintf(l2, sizeof l2, "%s", last);
	berr_set(err, err->code, "parse error at (%s): %s", loc, l2);
}

/* --- splitting and sorting ----------------------------------------------------- */

struct manifest {
	const char *path;
	char *content;
	json_t *docs;           /* the content parsed (read_head) */
	char kind[128];
	bool hook, test;
	size_t order;
};

static const char *const install_order[] = {
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
};

static int kind_rank(const char *k)
{
	for (size_t i = 0; i < sizeof install_order / sizeof *install_order; i++)
		if (!strcmp(install_order[i], k))
			return (int)i;
	return -1;
}

static int cmp_manifest(const void *x, const void *y)
{
	const struct manifest *a = x, *b = y;
	int ra = kind_rank(a->kind), rb = kind_rank(b->kind);
	int c;
	if (ra < 0 && rb < 0)
		c = strcmp(a->kind, b->kind);
	else if (ra < 0)
		c = 1;
	else if (rb < 0)
		c = -1;
	else
		c = ra - rb;
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char *trim_dup(const char *s, size_t len)
{
	while (len && is_space(*s))
		s++, len--;
	while (len && is_space(s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* releaseutil.SplitManifests: the regexp (?:^|\s*\n)---\s* over the
 * trimmed text; empty pieces dropped, each piece trimmed. Calls fn for
 * each document in order. */
static void split_manifests(const char *text, size_t len, void (*fn)(void *, char *), void *ctx)
{
	while (len && is_space(*text))
		text++, len--;
	while (len && is_space(text[len - 1]))
		len--;
	size_t start = 0, i = 0;
	if (len >= 3 && !memcmp(text, "---", 3)) {
		i = 3;
		while (i < len && is_space(text[i]))
			i++;
		start = i;
	}
	while (i < len) {
		if (text[i] == '\n' && i + 3 < len + 0 && i + 1 + 3 <= len && !memcmp(text + i + 1, "---", 3)) {
			/* the match starts at the whitespace run before this \n */
			size_t ms = i;
			while (ms > start && is_space(text[ms - 1]))
				ms--;
			char *piece = trim_dup(text + start, ms - start);
			if (*piece)
				fn(ctx, piece);
			else
				free(piece);
			i += 4;
			while (i < len && is_space(text[i]))
				i++;
			start = i;
			continue;
		}
		i++;
	}
	if (start < len) {
		char *piece = trim_dup(text + start, len - start);
		if (*piece)
			fn(ctx, piece);
		else
			free(piece);
	} else if (start == len && len == 0) {
		/* nothing */
	}
}

struct mlist {
	struct manifest *v;
	size_t n;
	const char *path;
	struct berr *err;
	int rc;
};

static void add_piece(void *ctx, char *piece)
{
	struct mlist *l = ctx;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	struct manifest *m = &l->v[l->n];
	memset(m, 0, sizeof *m);
	m->path = l->path;
	m->content = piece;
	m->order = l->n;
	l->n++;
}

static const char *const hook_events[] = {
	"pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade",
	"pre-rollback", "post-rollback", "test", "test-success",
};

/* Reads a manifest's head; -1 with err set on bad YAML, 1 when it is an
 * unknown hook (dropped). */
static int read_head(struct manifest *m, struct berr *err)
{
	struct yaml_limits lim = yaml_default_limits;
	lim.duplicate_keys_last_wins = 1;
	json_t *docs;
	struct berr yerr = BERR_INIT;
	if (yaml_read_stream(&docs, m->content, strlen(m->content), "<manifest>", &lim, &yerr) < 0) {
		/* "<manifest>:LINE:COL: MSG" → "yaml: line LINE: MSG" */
		const char *p = yerr.msg;
		const char *q = strstr(p, "<manifest>:");
		unsigned line = 0;
		const char *msg = p;
		if (q) {
			line = (unsigned)strtoul(q + 11, (char **)&msg, 10);
			const char *c = strstr(msg, ": ");
			msg = c ? c + 2 : msg;
		}
		/* go-yaml leaves out libyaml's context ("while scanning ...") */
		const char *ctx = strstr(msg, " (while ");
		int mlen = ctx ? (int)(ctx - msg) : (int)strlen(msg);
		berr_set(err, BERR_INVALID, "YAML parse error on %s: error converting YAML to JSON: yaml: line %u: %.*s",
			 m->path, line, mlen, msg);
		return -1;
	}
	json_t *d = json_array_get(docs, 0);
	if (d && !json_is_null(d) && !json_is_object(d)) {
		berr_set(err, BERR_INVALID,
			 "YAML parse error on %s: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type releaseutil.SimpleHead",
			 m->path, json_is_array(d) ? "array" : json_is_string(d) ? "string" :
			 json_is_boolean(d) ? "bool" : "number");
		json_decref(docs);
		return -1;
	}
	const char *kind = json_string_value(json_object_get(d, "kind"));
	snprintf(m->kind, sizeof m->kind, "%s", kind ? kind : "");
	json_t *ann = json_object_get(json_object_get(d, "metadata"), "annotations");
	const char *hooks = json_string_value(json_object_get(ann, "helm.sh/hook"));
	int rc = 0;
	if (json_is_object(ann) && json_object_get(ann, "helm.sh/hook")) {
		m->hook = true;
		char *h = xstrdup(hooks ? hooks : ""), *save = NULL;
		bool any = false;
		for (char *t = strtok_r(h, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			while (is_space(*t))
				t++;
			size_t n = strlen(t);
			while (n && is_space(t[n - 1]))
				t[--n] = 0;
			for (char *c = t; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			bool known = false;
			for (size_t i = 0; i < sizeof hook_events / sizeof *hook_events; i++)
				if (!strcmp(t, hook_events[i]))
					known = true;
			if (!known) {
				rc = 1;
				break;
			}
			any = true;
			if (!strcmp(t, "test") || !strcmp(t, "test-success"))
				m->test = true;
		}
		if (!any && rc == 0)
			rc = 1;
		free(h);
	}
	m->docs = docs;
	return rc;
}

static int cmp_path(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* --- the release name ------------------------------------------------------------ */

static int release_name(char **out, const struct helm_options *o, struct berr *err)
{
	if (o->name_template && *o->name_template) {
		struct tmpl_set *s = tmpl_set_new();
		sprig_register(s);
		struct buf b = BUF_INIT;
		int rc = tmpl_parse(s, "name-template", o->name_template, strlen(o->name_template), err);
		if (rc == 0)
			rc = tmpl_execute(s, "name-template", NULL, &b, NULL, err);
		tmpl_set_free(s);
		if (rc < 0) {
			buf_release(&b);
			return rc;
		}
		*out = buf_detach(&b, NULL);
	} else {
		*out = xstrdup(o->release_name && *o->release_name ? o->release_name : "release-name");
	}
	regex_t re;
	regcomp(&re, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", REG_EXTENDED | REG_NOSUB);
	bool ok = regexec(&re, *out, 0, NULL, 0) == 0 && strlen(*out) <= 53;
	regfree(&re);
	if (!ok) {
		berr_set(err, BERR_INVALID, "release name \"%s\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53",
			 *out);
		free(*out);
		*out = NULL;
		return BERR_INVALID;
	}
	return 0;
}

/* --- CRDs -------------------------------------------------------------------------- */

static void add_crds(struct buf *b, const struct hchart *c, struct helm_result *res)
{
	struct buf full = BUF_INIT;
	hchart_full_path(&full, c);
	for (size_t i = 0; i < c->files.n; i++) {
		const struct hfile *f = &c->files.v[i];
		size_t nl = strlen(f->name);
		if (strncmp(f->name, "crds/", 5) ||
		    !((nl > 5 && !strcmp(f->name + nl - 5, ".yaml")) || (nl > 4 && !strcmp(f->name + nl - 4, ".yml")) ||
		      (nl > 5 && !strcmp(f->name + nl - 5, ".json"))))
			continue;
		buf_addf(b, "---\n# Source: %s/%s\n", full.data, f->name);
		buf_add(b, f->data, f->len);
		buf_addch(b, '\n');
		struct buf path = BUF_INIT;
		buf_addf(&path, "%s/%s", full.data, f->name);
		note_manifest(res, HELM_MANIFEST_CRD, path.data, f->data, f->len);
		buf_release(&path);
	}
	buf_release(&full);
	for (size_t i = 0; i < c->ndeps; i++)
		add_crds(b, c->deps[i], res);
}

/* --- show-only ------------------------------------------------------------------------ */

struct pieces {
	char **v;
	size_t n;
};

static void add_any(void *ctx, char *piece)
{
	struct pieces *p = ctx;
	p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
	p->v[p->n++] = piece;
}

static int show_only(struct buf *text, const struct helm_options *o, struct berr *err)
{
	struct pieces p = { 0 };
	split_manifests(text->data, text->len, add_any, &p);
	struct buf out = BUF_INIT;
	int rc = 0;
	for (size_t s = 0; s < o->n_show_only && rc == 0; s++) {
		bool missing = true;
		for (size_t i = 0; i < p.n; i++) {
			const char *src = strstr(p.v[i], "# Source: ");
			if (!src)
				continue;
			src += 10;
			const char *sl = strchr(src, '/');
			if (!sl || sl == src)
				continue;
			size_t nl = strcspn(sl + 1, "\n");
			if (!nl)
				continue;
			char *name = xstrndup(sl + 1, nl);
			int m = hglob_match(o->show_only[s], name);
			free(name);
			if (m != 1)
				continue;
			buf_addf(&out, "---\n%s\n", p.v[i]);
			missing = false;
		}
		if (missing)
			rc = berr_set(err, BERR_NOTFOUND, "could not find template %s in chart", o->show_only[s]);
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	if (rc == 0) {
		buf_release(text);
		*text = out;
	} else {
		buf_release(&out);
	}
	return rc;
}

/* The printed stream back into documents, each with the path of its
 * `# Source:` header (a CRD file of several documents gives them all its
 * path). */
static int parse_docs(struct helm_result *res, struct berr *err)
{
	struct pieces p = { 0 };
	split_manifests(res->text.data, res->text.len, add_any, &p);
	res->sources = json_array();
	struct yaml_limits lim = yaml_default_limits;
	lim.duplicate_keys_last_wins = 1;
	int rc = 0;
	char *source = xstrdup("");
	for (size_t i = 0; i < p.n; i++) {
		if (!strncmp(p.v[i], "# Source: ", 10)) {
			free(source);
			source = xstrndup(p.v[i] + 10, strcspn(p.v[i] + 10, "\n"));
		}
		json_t *docs;
		if (rc == 0 && yaml_read_stream(&docs, p.v[i], strlen(p.v[i]), source, &lim, err) < 0)
			rc = BERR_INVALID;
		if (rc == 0) {
			size_t k;
			json_t *d;
			json_array_foreach(docs, k, d) {
				if (!json_is_object(d))
					continue;
				json_array_append(res->docs, d);
				json_array_append_new(res->sources, json_string(source));
			}
			json_decref(docs);
		}
		free(p.v[i]);
	}
	free(source);
	free(p.v);
	return rc;
}

/* The same documents without reading the text again: each manifest was
 * parsed when its head was read, and the text is exactly these manifests
 * in this order (when no --show-only or CRDs change it). */
static void docs_of(struct helm_result *res, const struct mlist *gen, const struct mlist *hooks,
		    bool skip_tests)
{
	res->sources = json_array();
	for (int h = 0; h < 2; h++) {
		const struct mlist *l = h ? hooks : gen;
		for (size_t i = 0; i < l->n; i++) {
			if (h && skip_tests && l->v[i].test)
				continue;
			json_t *src = json_string(l->v[i].path);
			size_t k;
			json_t *d;
			json_array_foreach(l->v[i].docs, k, d) {
				if (!json_is_object(d))
					continue;
				json_array_append(res->docs, d);
				json_array_append(res->sources, src);
			}
			json_decref(src);
		}
	}
}

/* --- helm_render ------------------------------------------------------------------------ */

static int check_dependencies(const struct hchart *c, struct berr *err)
{
	json_t *deps = json_object_get(c->meta, "dependencies");
	struct buf missing = BUF_INIT;
	size_t i;
	json_t *d;
	json_array_foreach(deps, i, d) {
		const char *n = json_string_value(json_object_get(d, "name"));
		bool found = false;
		for (size_t k = 0; k < c->ndeps; k++)
			if (n && !strcmp(hchart_name(c->deps[k]), n))
				found = true;
		if (!found)
			buf_addf(&missing, "%s%s", missing.len ? ", " : "", n ? n : "");
	}
	int rc = 0;
	if (missing.len)
		rc = berr_set(err, BERR_INVALID,
			      "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: %s",
			      missing.data);
	buf_release(&missing);
	return rc;
}

static int render_files(struct hchart *c, const json_t *user_vals, const struct helm_options *o,
			const char *relname, struct tv_arena *a, char ***names_out, char ***texts_out,
			size_t *n_out, bool *rendering, struct berr *err)
{
	int rc = hdeps_process(c, user_vals, err);
	if (rc < 0)
		return rc;
	json_t *vals = hvals_coalesce(c, user_vals, false);
	if (!vals)
		return berr_set(err, BERR_INVALID, "cannot coalesce values of chart '%s'", hchart_name(c));
	if (!o->skip_schema_validation && (rc = hschema_validate(c, vals, err)) < 0) {
		json_decref(vals);
		return rc;
	}
	tv *top = tv_map(a);
	tv *rel = tv_map(a);
	tv_map_set(a, rel, "Name", tv_str(a, relname));
	tv_map_set(a, rel, "Namespace", tv_str(a, o->namespace && *o->namespace ? o->namespace : "default"));
	tv_map_set(a, rel, "IsUpgrade", tv_bool(false));
	tv_map_set(a, rel, "IsInstall", tv_bool(true));
	tv_map_set(a, rel, "Revision", tv_int(a, 1));
	tv_map_set(a, rel, "Service", tv_str(a, "Helm"));
	tv_map_set(a, top, "Release", rel);
	tv_map_set(a, top, "Capabilities",
		   hcaps_object(a, o->kube_version && *o->kube_version ? o->kube_version : "v1.20.0",
				o->api_versions, o->n_api_versions));
	tv_map_set(a, top, "Values", tv_from_json(a, vals));
	json_decref(vals);
	struct tpls ts = { 0 };
	*rendering = true;      /* from here on Helm has a release to show */
	collect(a, c, top, &ts);
	if (ts.n)
		qsort(ts.v, ts.n, sizeof *ts.v, cmp_tpl);
	struct hrender r = { 0 };
	struct tmpl_set *set = tmpl_set_new();
	sprig_register(set);
	hfuncs_register(set, &r);
	for (size_t i = 0; i < ts.n && rc == 0; i++) {
		rc = tmpl_parse(set, ts.v[i].name, ts.v[i].text, ts.v[i].len, err);
		if (rc < 0)
			parse_error(err, ts.v[i].name);
	}
	char **names = xcalloc(ts.n + 1, sizeof *names), **texts = xcalloc(ts.n + 1, sizeof *texts);
	size_t n = 0;
	struct tmpl_options lim = o->limits;
	lim.missingkey = TMPL_MISSING_ZERO;
	/* deep enough for Helm's own limit of 1000 nested includes of a name
	 * to fire first, with its message */
	if (!lim.max_depth)
		lim.max_depth = 2100;
	for (size_t i = 0; i < ts.n && rc == 0; i++) {
		struct tpl *t = &ts.v[i];
		const char *base = strrchr(t->name, '/') + 1;
		if (base[0] == '_')
			continue;
		tv *tm = tv_map(a);
		tv_map_set(a, tm, "Name", tv_str(a, t->name));
		tv_map_set(a, tm, "BasePath", tv_str(a, t->base_path));
		tv_map_set(a, t->scope, "Template", tm);
		r.cause[0] = 0;
		struct buf b = BUF_INIT;
		rc = tmpl_execute_value(set, t->name, t->scope, a, &b, &lim, err);
		if (rc < 0) {
			exec_error(err, t->name, r.cause);
			buf_release(&b);
			break;
		}
		hrender_strip_no_value(&b);
		names[n] = xstrdup(t->name);
		texts[n] = buf_detach(&b, NULL);
		n++;
	}
	tmpl_set_free(set);
	for (size_t i = 0; i < r.nincl; i++)
		free(r.incl[i].name);
	free(r.incl);
	for (size_t i = 0; i < ts.n; i++) {
		free(ts.v[i].name);
		free(ts.v[i].base_path);
	}
	free(ts.v);
	*names_out = names;
	*texts_out = texts;
	*n_out = n;
	return rc;
}

int helm_render(struct helm_result *res, const struct helm_source *src,
		const struct helm_options *o, struct berr *err)
{
	static const struct helm_options none;
	if (!o)
		o = &none;
	struct hchart *c = NULL;
	int rc = hchart_load(&c, src, o->root, err);
	if (rc < 0)
		return rc;
	const char *type = json_string_value(json_object_get(c->meta, "type"));
	if (type && *type && strcmp(type, "application")) {
		rc = berr_set(err, BERR_INVALID, "%s charts are not installable", type);
		hchart_free(c);
		return rc;
	}
	if ((rc = check_dependencies(c, err)) < 0) {
		hchart_free(c);
		return rc;
	}
	char *relname = NULL;
	if ((rc = release_name(&relname, o, err)) < 0) {
		hchart_free(c);
		return rc;
	}
	const char *kv = json_string_value(json_object_get(c->meta, "kubeVersion"));
	if (kv && *kv) {
		char ver[64], ma[16], mi[16];
		if (hkube_version_parse(o->kube_version && *o->kube_version ? o->kube_version : "v1.20.0",
					ver, sizeof ver, ma, mi, sizeof ma) == 0 &&
		    !hsemver_satisfies(kv, ver)) {
			rc = berr_set(err, BERR_INVALID,
				      "chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kv, ver);
			free(relname);
			hchart_free(c);
			return rc;
		}
	}
	struct tv_arena *a = tv_arena_new();
	char **names = NULL, **texts = NULL;
	size_t n = 0;
	json_t *user = o->values ? json_deep_copy(o->values) : json_object();
	bool rendering = false;
	rc = render_files(c, user, o, relname, a, &names, &texts, &n, &rendering, err);
	json_decref(user);
	tv_arena_free(a);
	free(res->release_name);
	res->release_name = relname;
	res->render_failed = rc < 0 && rendering;

	/* sort files by path, drop NOTES.txt, partials and empty files */
	struct mlist gen = { 0 }, hooks = { 0 };
	size_t *idx = xcalloc(n + 1, sizeof *idx);
	char **paths = xcalloc(n + 1, sizeof *paths);
	for (size_t i = 0; i < n; i++)
		paths[i] = names[i];
	qsort(paths, n, sizeof *paths, cmp_path);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t k = 0;
		while (names[k] != paths[i])
			k++;
		idx[i] = k;
	}
	struct buf text = BUF_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *path = names[idx[i]], *t = texts[idx[i]];
		size_t pl = strlen(path);
		if (pl >= 9 && !strcmp(path + pl - 9, "NOTES.txt"))
			continue;
		const char *s = t;
		while (is_space(*s))
			s++;
		if (!*s)
			continue;
		struct mlist file = { .path = path };
		split_manifests(t, strlen(t), add_piece, &file);
		for (size_t j = 0; j < file.n; j++) {
			struct manifest *m = &file.v[j];
			int hr = rc < 0 ? 0 : read_head(m, err);
			if (hr < 0)
				rc = BERR_INVALID;
			struct mlist *dst = hr == 0 && m->hook ? &hooks : &gen;
			if (hr == 1 || rc < 0) {
				free(m->content);
				json_decref(m->docs);
				continue;
			}
			dst->v = xrealloc(dst->v, (dst->n + 1) * sizeof *dst->v);
			*m = *m;
			m->order = dst->n;
			dst->v[dst->n++] = *m;
		}
		free(file.v);
	}
	if (rc < 0 && rendering)
		res->render_failed = true;
	if (rc < 0 && rendering && o->debug) {
		for (size_t i = 0; i < n; i++) {
			const char *path = names[idx[i]], *t = texts[idx[i]];
			size_t pl = strlen(path);
			if (pl >= 9 && !strcmp(path + pl - 9, "NOTES.txt"))
				continue;
			const char *s = t;
			while (is_space(*s))
				s++;
			if (*s)
				buf_addf(&text, "---\n# Source: %s\n%s\n", path, t);
		}
		char *trim = trim_dup(text.data, text.len);
		buf_reset(&res->text);
		buf_addf(&res->text, "%s\n", trim);
		free(trim);
	}
	if (rc == 0) {
		if (gen.n)
			qsort(gen.v, gen.n, sizeof *gen.v, cmp_manifest);
		if (hooks.n)
			qsort(hooks.v, hooks.n, sizeof *hooks.v, cmp_manifest);
		if (o->include_crds)
			add_crds(&text, c, res);
		for (size_t i = 0; i < gen.n; i++) {
			buf_addf(&text, "---\n# Source: %s\n%s\n", gen.v[i].path, gen.v[i].content);
			note_manifest(res, HELM_MANIFEST_RESOURCE, gen.v[i].path, gen.v[i].content,
				      strlen(gen.v[i].content));
		}
		char *trim = trim_dup(text.data, text.len);
		buf_reset(&text);
		buf_addf(&text, "%s\n", trim);
		free(trim);
		res->docs = json_array();
		for (size_t i = 0; i < hooks.n; i++) {
			if (o->skip_tests && hooks.v[i].test)
				continue;
			buf_addf(&text, "---\n# Source: %s\n%s\n", hooks.v[i].path, hooks.v[i].content);
			note_manifest(res, HELM_MANIFEST_HOOK, hooks.v[i].path, hooks.v[i].content,
				      strlen(hooks.v[i].content));
		}
		if (o->n_show_only)
			rc = show_only(&text, o, err);
		if (rc == 0) {
			buf_add(&res->text, text.data, text.len);
			if (o->n_show_only || o->include_crds)
				rc = parse_docs(res, err);
			else
				docs_of(res, &gen, &hooks, o->skip_tests);
		}
		if (rc < 0) {
			json_decref(res->docs);
			json_decref(res->sources);
			res->docs = res->sources = NULL;
			for (size_t i = 0; i < res->nmanifests; i++) {
				free(res->manifests[i].path);
				free(res->manifests[i].content);
			}
			free(res->manifests);
			res->manifests = NULL;
			res->nmanifests = 0;
		}
	}
	buf_release(&text);
	for (size_t i = 0; i < gen.n; i++) {
		free(gen.v[i].content);
		json_decref(gen.v[i].docs);
	}
	for (size_t i = 0; i < hooks.n; i++) {
		free(hooks.v[i].content);
		json_decref(hooks.v[i].docs);
	}
	free(gen.v);
	free(hooks.v);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(texts[i]);
	}
	free(names);
	free(texts);
	free(idx);
	free(paths);
	hchart_free(c);
	return rc;
}
