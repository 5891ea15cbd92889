/*
 * funcs.c — Helm's template functions and the objects templates see that
 * are more than plain maps: include (with Helm's limit of 1000 nested
 * references to one name), tpl (parsed as Helm's "gotpl" template),
 * required, toYaml/fromYaml/fromYamlArray, fromJson/fromJsonArray,
 * toToml, lookup (always empty, as `helm template` has no cluster), and
 * the .Files, .Capabilities.KubeVersion and .Capabilities.APIVersions
 * objects with their methods.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"
#include "repo-server/template/gofmt.h"
#include "yaml.h"

#define INCLUDE_MAX 1000
#define FN(name) static int name(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err)
#define ARENA tmpl_call_arena(call)

static int arity(const char *name, size_t n, size_t want, struct berr *err)
{
	if (n != want)
		return berr_set(err, BERR_INVALID, "wrong number of args for %s: want %zu got %zu", name, want, n);
	return 0;
}

static int want_str(const tv *v, struct berr *err)
{
	if (v->kind != TV_STRING)
		return berr_set(err, BERR_INVALID, "wrong type for value; expected string; got %s",
				tv_type_name(v));
	return 0;
}

static void no_value_strip(struct buf *b)
{
	static const char nv[] = "<no value>";
	char *p = b->data, *w = b->data, *end = b->data + b->len;
	while (p < end) {
		char *hit = memmem(p, (size_t)(end - p), nv, sizeof nv - 1);
		size_t keep = hit ? (size_t)(hit - p) : (size_t)(end - p);
		memmove(w, p, keep);
		w += keep;
		p += keep;
		if (hit)
			p += sizeof nv - 1;
	}
	buf_truncate(b, (size_t)(w - b->data));
}

void hrender_strip_no_value(struct buf *b)
{
	no_value_strip(b);
}

FN(fn_include)
{
	struct hrender *r = tmpl_call_data(call);
	if (arity("include", n, 2, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	const char *name = args[0]->u.str.s;
	size_t *cnt = hrender_include_count(r, name);
	if (*cnt > INCLUDE_MAX)
		return berr_set(err, BERR_LIMIT,
				"rendering template has a nested reference name: %s: unable to execute template",
				name);
	(*cnt)++;
	struct buf b = BUF_INIT;
	int rc = tmpl_call_execute(call, name, args[1], &b, err);
	cnt = hrender_include_count(r, name);
	(*cnt)--;
	if (rc < 0)
		hrender_note_failure(r, err->msg);
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

FN(fn_tpl)
{
	if (arity("tpl", n, 2, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	if (!memmem(args[0]->u.str.s, args[0]->u.str.len, "{{", 2)) {
		*out = args[0];         /* no action: the text itself */
		return 0;
	}
	struct tmpl_set *set = tmpl_call_set(call);
	struct berr perr = BERR_INIT;
	/* Helm parses each tpl text into a fresh "gotpl" template, so even
	 * an empty one replaces the last; an empty action at the end keeps
	 * the body non-empty (an empty body would not replace it here) and
	 * prints nothing. */
	struct buf text = BUF_INIT;
	buf_add(&text, args[0]->u.str.s, args[0]->u.str.len);
	buf_adds(&text, "{{\"\"}}");
	int prc = tmpl_parse(set, "gotpl", text.data, text.len, &perr);
	buf_release(&text);
	if (prc < 0)
		return berr_set(err, perr.code, "cannot parse template \"%s\": %s", args[0]->u.str.s, perr.msg);
	struct buf b = BUF_INIT;
	struct berr eerr = BERR_INIT;
	if (tmpl_call_execute(call, "gotpl", args[1], &b, &eerr) < 0) {
		buf_release(&b);
		return berr_set(err, eerr.code, "error during tpl function execution for \"%s\": %s",
				args[0]->u.str.s, eerr.msg);
	}
	no_value_strip(&b);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

FN(fn_required)
{
	(void)call;
	if (arity("required", n, 2, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	tv *v = args[1];
	if (v->kind == TV_NIL || (v->kind == TV_STRING && v->u.str.len == 0))
		return berr_set(err, BERR_INVALID, "%s", args[0]->u.str.s);
	*out = v;
	return 0;
}

FN(fn_lookup)
{
	(void)args;
	if (n != 4)
		return berr_set(err, BERR_INVALID, "wrong number of args for lookup: want 4 got %zu", n);
	*out = tv_map(ARENA);
	return 0;
}

/* toYaml: Go's sigs.k8s.io/yaml Marshal, trailing newline removed; ""
 * when the value cannot be marshalled. */
int hyaml_of(struct buf *out, const tv *v)
{
	json_t *j = tv_to_json(v, 10000, NULL);
	if (!j)
		return -1;
	yaml_write_flags(out, j, YAML_WRITE_JSON_NUMBERS);
	json_decref(j);
	if (out->len && out->data[out->len - 1] == '\n')
		buf_truncate(out, out->len - 1);
	return 0;
}

FN(fn_toyaml)
{
	if (arity("toYaml", n, 1, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	if (hyaml_of(&b, args[0]) < 0)
		buf_reset(&b);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

FN(fn_mustToYaml)
{
	if (arity("mustToYaml", n, 1, err) < 0)
		return err->code;
	struct buf b = BUF_INIT;
	if (hyaml_of(&b, args[0]) < 0) {
		buf_release(&b);
		return berr_set(err, BERR_INVALID, "cannot marshal value to YAML");
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/*
 * toYamlPretty: goyaml.v3's encoder with indent 2. It prints what go-yaml
 * v2 prints for the same value (the same emitter lineage, the same key
 * order and quoting decisions, numbers as the Go values are: 1e+06 for a
 * float64 million) except that long scalars are never folded and a block
 * sequence under a mapping key is indented instead of sitting at the
 * key's column. So v2's text is taken
 * and every such sequence moved right by two columns, its items' content
 * with it (block scalar bodies are carried along, never read as structure).
 */
static size_t indent_of(const char *l, size_t n)
{
	size_t i = 0;
	while (i < n && l[i] == ' ')
		i++;
	return i;
}

static bool is_item(const char *l, size_t n, size_t ind)
{
	return ind < n && l[ind] == '-' && (ind + 1 == n || l[ind + 1] == ' ');
}

/* Column where a line's last key or value starts, after any "- " item
 * marks. */
static size_t node_col(const char *l, size_t n, size_t ind)
{
	size_t c = ind;
	while (is_item(l, n, c))
		c += c + 1 < n ? 2 : 1;
	return c;
}

/* A line opening a block scalar ("key: |-", "- >"): its body follows. */
static bool opens_block_scalar(const char *l, size_t n)
{
	size_t e = n;
	while (e > 0 && (isdigit((unsigned char)l[e - 1]) || l[e - 1] == '-' || l[e - 1] == '+'))
		e--;
	return e > 0 && (l[e - 1] == '|' || l[e - 1] == '>') && (e == 1 || l[e - 2] == ' ');
}

static void yaml_v3_indent(struct buf *out, const char *s, size_t len)
{
	size_t stack[256], depth = 0;   /* columns of open indented sequences */
	size_t block = SIZE_MAX;        /* parent column of a block scalar body */
	size_t pos = 0;
	while (pos < len) {
		const char *l = s + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl ? 1 : 0);
		size_t ind = indent_of(l, n);
		if (ind == n) {                 /* empty line */
			buf_add(out, l, n);
			if (nl)
				buf_addch(out, '\n');
			continue;
		}
		if (block != SIZE_MAX && ind > block) {
			for (size_t k = 0; k < depth; k++)
				buf_adds(out, "  ");
			buf_add(out, l, n);
			if (nl)
				buf_addch(out, '\n');
			continue;
		}
		block = SIZE_MAX;
		while (depth && !(ind > stack[depth - 1] || (ind == stack[depth - 1] && is_item(l, n, ind))))
			depth--;
		for (size_t k = 0; k < depth; k++)
			buf_adds(out, "  ");
		buf_add(out, l, n);
		if (nl)
			buf_addch(out, '\n');
		size_t col = node_col(l, n, ind);
		if (opens_block_scalar(l, n)) {
			block = col;
			continue;
		}
		if (n && l[n - 1] == ':' && nl && depth < sizeof stack / sizeof *stack) {
			/* a key whose value is on the next lines: an indentless
			 * sequence there starts at the key's column */
			const char *m = s + pos;
			const char *mnl = memchr(m, '\n', len - pos);
			size_t mn = mnl ? (size_t)(mnl - m) : len - pos;
			size_t mind = indent_of(m, mn);
			if (mind == col && is_item(m, mn, mind))
				stack[depth++] = col;
		}
	}
}

FN(fn_toyamlpretty)
{
	if (arity("toYamlPretty", n, 1, err) < 0)
		return err->code;
	struct buf b = BUF_INIT, v2 = BUF_INIT;
	json_t *j = tv_to_json(args[0], 10000, NULL);
	if (j) {
		yaml_write_flags(&v2, j, YAML_WRITE_NO_WRAP);
		json_decref(j);
		yaml_v3_indent(&b, v2.data, v2.len);
		if (b.len && b.data[b.len - 1] == '\n')
			buf_truncate(&b, b.len - 1);
	}
	buf_release(&v2);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

static json_t *read_first_doc(const tv *s, struct berr *err)
{
	struct yaml_limits lim = yaml_default_limits;
	lim.duplicate_keys_last_wins = 1;
	json_t *docs;
	if (yaml_read_stream(&docs, s->u.str.s, s->u.str.len, "<fromYaml>", &lim, err) < 0)
		return NULL;
	json_t *d = json_incref(json_array_size(docs) ? json_array_get(docs, 0) : json_null());
	json_decref(docs);
	hvals_floatify(d);
	return d;
}

static const char *json_go_type(const json_t *j)
{
	return json_is_array(j) ? "array" : json_is_object(j) ? "object" : json_is_string(j) ? "string" :
	       json_is_boolean(j) ? "bool" : "number";
}

FN(fn_fromyaml)
{
	if (arity("fromYaml", n, 1, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	struct berr e = BERR_INIT;
	json_t *d = read_first_doc(args[0], &e);
	tv *m;
	if (!d) {
		m = tv_map(ARENA);
		tv_map_set(ARENA, m, "Error", tv_str(ARENA, e.msg));
	} else if (json_is_null(d)) {
		m = tv_map(ARENA);
	} else if (!json_is_object(d)) {
		m = tv_map(ARENA);
		struct buf b = BUF_INIT;
		buf_addf(&b, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type map[string]interface {}",
			 json_go_type(d));
		tv_map_set(ARENA, m, "Error", tv_str_buf(ARENA, &b));
	} else {
		m = tv_from_json(ARENA, d);
	}
	json_decref(d);
	*out = m;
	return 0;
}

FN(fn_fromyamlarray)
{
	if (arity("fromYamlArray", n, 1, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	struct berr e = BERR_INIT;
	json_t *d = read_first_doc(args[0], &e);
	tv *l;
	if (d && json_is_array(d)) {
		l = tv_from_json(ARENA, d);
	} else if (d && json_is_null(d)) {
		l = tv_list(ARENA, 0);
	} else {
		l = tv_list(ARENA, 1);
		struct buf b = BUF_INIT;
		if (!d)
			buf_adds(&b, e.msg);
		else
			buf_addf(&b, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type []interface {}",
				 json_go_type(d));
		tv_list_push(ARENA, l, tv_str_buf(ARENA, &b));
	}
	json_decref(d);
	*out = l;
	return 0;
}

static json_t *parse_json(const tv *s, char *msg, size_t mlen)
{
	json_error_t je;
	json_t *j = json_loadb(s->u.str.s, s->u.str.len, JSON_DECODE_ANY, &je);
	if (!j)
		snprintf(msg, mlen, "%s", je.text);
	else
		hvals_floatify(j);
	return j;
}

FN(fn_fromjson)
{
	if (arity("fromJson", n, 1, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	char msg[256];
	json_t *j = parse_json(args[0], msg, sizeof msg);
	tv *m;
	if (j && json_is_object(j)) {
		m = tv_from_json(ARENA, j);
	} else if (j && json_is_null(j)) {
		m = tv_map(ARENA);
	} else {
		m = tv_map(ARENA);
		if (j)
			snprintf(msg, sizeof msg, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
				 json_go_type(j));
		tv_map_set(ARENA, m, "Error", tv_str(ARENA, msg));
	}
	json_decref(j);
	*out = m;
	return 0;
}

FN(fn_fromjsonarray)
{
	if (arity("fromJsonArray", n, 1, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	char msg[256];
	json_t *j = parse_json(args[0], msg, sizeof msg);
	tv *l;
	if (j && json_is_array(j)) {
		l = tv_from_json(ARENA, j);
	} else if (j && json_is_null(j)) {
		l = tv_list(ARENA, 0);
	} else {
		if (j)
			snprintf(msg, sizeof msg, "json: cannot unmarshal %s into Go value of type []interface {}",
				 json_go_type(j));
		l = tv_list(ARENA, 1);
		tv_list_push(ARENA, l, tv_str(ARENA, msg));
	}
	json_decref(j);
	*out = l;
	return 0;
}

/* --- toToml (BurntSushi/toml's encoder on maps) --------------------------- */

static void toml_str(struct buf *o, const char *s, size_t len)
{
	buf_addch(o, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_adds(o, "\\\""); break;
		case '\\': buf_adds(o, "\\\\"); break;
		case '\n': buf_adds(o, "\\n"); break;
		case '\t': buf_adds(o, "\\t"); break;
		case '\r': buf_adds(o, "\\r"); break;
		case '\b': buf_adds(o, "\\b"); break;
		case '\f': buf_adds(o, "\\f"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_addf(o, "\\u%04X", c);
			else
				buf_addch(o, (char)c);
		}
	}
	buf_addch(o, '"');
}

static bool toml_bare(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!(isalnum((unsigned char)*k) || *k == '_' || *k == '-'))
			return false;
	return true;
}

static void toml_key(struct buf *o, const char *k)
{
	if (toml_bare(k))
		buf_adds(o, k);
	else
		toml_str(o, k, strlen(k));
}

static bool toml_is_table(const tv *v)
{
	return v->kind == TV_MAP;
}

static bool toml_is_table_array(const tv *v)
{
	if (v->kind != TV_LIST || !v->u.list.len)
		return false;
	for (size_t i = 0; i < v->u.list.len; i++)
		if (v->u.list.items[i]->kind != TV_MAP)
			return false;
	return true;
}

static int toml_value(struct buf *o, const tv *v, int depth)
{
	if (depth > 100)
		return -1;
	switch (v->kind) {
	case TV_BOOL: buf_adds(o, v->u.b ? "true" : "false"); return 0;
	case TV_INT: buf_addf(o, "%lld", (long long)v->u.i); return 0;
	case TV_FLOAT: {
		double f = v->u.f;
		if (f != f) {
			buf_adds(o, "nan");
		} else if (f == 1.0 / 0.0 || f == -1.0 / 0.0) {
			buf_adds(o, f > 0 ? "inf" : "-inf");
		} else {
			struct buf t = BUF_INIT;
			gofmt_float_shortest(&t, f, 'f');
			buf_add(o, t.data, t.len);
			if (!strchr(t.data, '.') && !strchr(t.data, 'e'))
				buf_adds(o, ".0");
			buf_release(&t);
		}
		return 0;
	}
	case TV_STRING: toml_str(o, v->u.str.s, v->u.str.len); return 0;
	case TV_LIST:
		buf_addch(o, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				buf_adds(o, ", ");
			if (toml_value(o, v->u.list.items[i], depth + 1) < 0)
				return -1;
		}
		buf_addch(o, ']');
		return 0;
	case TV_MAP: {
		buf_addch(o, '{');
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				buf_adds(o, ", ");
			toml_key(o, v->u.map.e[i].key);
			buf_adds(o, " = ");
			if (toml_value(o, v->u.map.e[i].val, depth + 1) < 0)
				return -1;
		}
		buf_addch(o, '}');
		return 0;
	}
	default:
		return -1;
	}
}

static int toml_table(struct buf *o, const tv *m, struct buf *path, int depth, const char *indent)
{
	if (depth > 100)
		return -1;
	/* plain keys first, then tables, then arrays of tables */
	for (size_t i = 0; i < m->u.map.len; i++) {
		const tv *v = m->u.map.e[i].val;
		if (v->kind == TV_NIL || toml_is_table(v) || toml_is_table_array(v))
			continue;
		buf_adds(o, indent);
		toml_key(o, m->u.map.e[i].key);
		buf_adds(o, " = ");
		if (toml_value(o, v, depth) < 0)
			return -1;
		buf_addch(o, '\n');
	}
	for (size_t i = 0; i < m->u.map.len; i++) {
		const tv *v = m->u.map.e[i].val;
		if (!toml_is_table(v) && !toml_is_table_array(v))
			continue;
		size_t saved = path->len;
		if (path->len)
			buf_addch(path, '.');
		struct buf k = BUF_INIT;
		toml_key(&k, m->u.map.e[i].key);
		buf_add(path, k.data, k.len);
		buf_release(&k);
		struct buf ind = BUF_INIT;
		buf_addf(&ind, "%s  ", indent);
		if (toml_is_table(v)) {
			buf_addf(o, "\n%s[%s]\n", indent, path->data);
			if (toml_table(o, v, path, depth + 1, ind.data) < 0)
				return -1;
		} else {
			for (size_t j = 0; j < v->u.list.len; j++) {
				buf_addf(o, "\n%s[[%s]]\n", indent, path->data);
				if (toml_table(o, v->u.list.items[j], path, depth + 1, ind.data) < 0)
					return -1;
			}
		}
		buf_release(&ind);
		buf_truncate(path, saved);
	}
	return 0;
}

/* fromToml: BurntSushi/toml into map[string]interface{}; on error a map
 * holding only "Error", as Helm's fromTOML leaves it. */
FN(fn_fromtoml)
{
	if (arity("fromToml", n, 1, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	char msg[256];
	tv *m;
	if (htoml_parse(ARENA, &m, args[0]->u.str.s, args[0]->u.str.len, msg, sizeof msg) < 0) {
		m = tv_map(ARENA);
		tv_map_set(ARENA, m, "Error", tv_str(ARENA, msg));
	}
	*out = m;
	return 0;
}

FN(fn_totoml)
{
	if (arity("toToml", n, 1, err) < 0)
		return err->code;
	struct buf b = BUF_INIT, path = BUF_INIT;
	if (args[0]->kind != TV_MAP) {
		buf_adds(&b, "toml: top-level values must be Go maps or structs");
	} else if (toml_table(&b, args[0], &path, 0, "") < 0) {
		buf_reset(&b);
		buf_adds(&b, "toml: cannot encode value");
	}
	buf_release(&path);
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

/* --- .Files ---------------------------------------------------------------- */

struct files_obj {
	const struct hfile **v;
	size_t n;
};

static const struct hfile *files_find(const struct files_obj *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i]->name, name))
			return f->v[i];
	return NULL;
}

static void files_free(void *p)
{
	struct files_obj *f = p;
	free(f->v);
	free(f);
}

static void files_format(struct buf *out, const void *p)
{
	const struct files_obj *f = p;
	buf_adds(out, "map[");
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			buf_addch(out, ' ');
		buf_addf(out, "%s:[", f->v[i]->name);
		for (size_t j = 0; j < f->v[i]->len; j++)
			buf_addf(out, "%s%u", j ? " " : "", (unsigned char)f->v[i]->data[j]);
		buf_addch(out, ']');
	}
	buf_addch(out, ']');
}

static const struct tv_type files_type;

static tv *files_as_map(struct tv_arena *a, const struct files_obj *f, bool b64)
{
	tv *m = tv_map(a);
	for (size_t i = 0; i < f->n; i++) {
		const char *base = strrchr(f->v[i]->name, '/');
		base = base ? base + 1 : f->v[i]->name;
		if (!b64) {
			tv_map_set(a, m, base, tv_strn(a, f->v[i]->data, f->v[i]->len));
			continue;
		}
		static const char tb[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		struct buf e = BUF_INIT;
		const unsigned char *d = (const unsigned char *)f->v[i]->data;
		size_t len = f->v[i]->len;
		for (size_t j = 0; j < len; j += 3) {
			unsigned v = (unsigned)d[j] << 16 | (j + 1 < len ? (unsigned)d[j + 1] << 8 : 0) |
				     (j + 2 < len ? d[j + 2] : 0);
			buf_addch(&e, tb[v >> 18 & 63]);
			buf_addch(&e, tb[v >> 12 & 63]);
			buf_addch(&e, j + 1 < len ? tb[v >> 6 & 63] : '=');
			buf_addch(&e, j + 2 < len ? tb[v & 63] : '=');
		}
		tv_map_set(a, m, base, tv_str_buf(a, &e));
	}
	return m;
}

static int fnmatch_loose(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

static int glob_any(const char *pattern, const char *name)
{
	if (strstr(pattern, "**"))
		return fnmatch_loose(pattern, name);
	return hglob_match(pattern, name);
}

static int files_field(struct tmpl_call *call, tv **out, void *p, const char *name, tv **args,
		       size_t n, struct berr *err)
{
	struct files_obj *f = p;
	struct tv_arena *a = tmpl_call_arena(call);
	if (!strcmp(name, "Get") || !strcmp(name, "GetBytes") || !strcmp(name, "Lines") ||
	    !strcmp(name, "Glob")) {
		if (arity(name, n, 1, err) < 0 || want_str(args[0], err) < 0)
			return err->code;
		const char *arg = args[0]->u.str.s;
		if (name[0] == 'G' && name[1] == 'l') {
			struct files_obj *g = xcalloc(1, sizeof *g);
			g->v = xcalloc(f->n + 1, sizeof *g->v);
			for (size_t i = 0; i < f->n; i++)
				if (glob_any(arg, f->v[i]->name) == 1)
					g->v[g->n++] = f->v[i];
			*out = tv_opaque(a, &files_type, g);
			return 0;
		}
		const struct hfile *h = files_find(f, arg);
		if (name[0] == 'L') {
			tv *l = tv_list(a, 0);
			l->u.list.go_type = "[]string";
			if (h && h->len) {
				const char *s = h->data, *end = h->data + h->len;
				for (;;) {
					const char *nl = memchr(s, '\n', (size_t)(end - s));
					tv_list_push(a, l, tv_strn(a, s, nl ? (size_t)(nl - s) : (size_t)(end - s)));
					if (!nl)
						break;
					s = nl + 1;
				}
			}
			*out = l;
			return 0;
		}
		*out = h ? tv_strn(a, h->data, h->len) : tv_str(a, "");
		return 0;
	}
	if (!strcmp(name, "AsConfig") || !strcmp(name, "AsSecrets")) {
		if (arity(name, n, 0, err) < 0)
			return err->code;
		struct buf b = BUF_INIT;
		if (f->n)
			hyaml_of(&b, files_as_map(a, f, name[2] == 'S'));
		*out = tv_str_buf(a, &b);
		return 0;
	}
	return BERR_NOTFOUND;
}

/* range over .Files: each name with its content (a string rather than
 * Go's []byte, which is what templates turn it into anyway). */
static tv *files_range(struct tv_arena *a, const void *p)
{
	const struct files_obj *f = p;
	tv *m = tv_map(a);
	for (size_t i = 0; i < f->n; i++)
		tv_map_set(a, m, f->v[i]->name, tv_strn(a, f->v[i]->data, f->v[i]->len));
	return m;
}

static const struct tv_type files_type = {
	.go_type = "engine.files",
	.kind = "map",
	.format = files_format,
	.field = files_field,
	.free = files_free,
	.range_value = files_range,
};

tv *hfiles_object(struct tv_arena *a, const struct hchart *c)
{
	struct files_obj *f = xcalloc(1, sizeof *f);
	f->v = xcalloc(c->files.n + 1, sizeof *f->v);
	for (size_t i = 0; i < c->files.n; i++)
		f->v[f->n++] = &c->files.v[i];
	return tv_opaque(a, &files_type, f);
}

/* --- .Capabilities -------------------------------------------------------- */

struct kube_obj {
	char version[64], major[16], minor[16];
};

static void kube_format(struct buf *out, const void *p)
{
	buf_adds(out, ((const struct kube_obj *)p)->version);
}

static int kube_field(struct tmpl_call *call, tv **out, void *p, const char *name, tv **args,
		      size_t n, struct berr *err)
{
	(void)args;
	struct kube_obj *k = p;
	struct tv_arena *a = tmpl_call_arena(call);
	const char *v = !strcmp(name, "Version") || !strcmp(name, "GitVersion") || !strcmp(name, "String") ?
			k->version : !strcmp(name, "Major") ? k->major : !strcmp(name, "Minor") ? k->minor : NULL;
	if (!v)
		return BERR_NOTFOUND;
	if (n)
		return berr_set(err, BERR_INVALID, "wrong number of args for %s: want 0 got %zu", name, n);
	*out = tv_str(a, v);
	return 0;
}

static const struct tv_type kube_type = {
	.go_type = "*chartutil.KubeVersion",
	.kind = "ptr",
	.format = kube_format,
	.field = kube_field,
	.free = free,
};

struct apis_obj {
	char **v;
	size_t n;
};

static void apis_free(void *p)
{
	struct apis_obj *o = p;
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i]);
	free(o->v);
	free(o);
}

static void apis_format(struct buf *out, const void *p)
{
	const struct apis_obj *o = p;
	buf_addch(out, '[');
	for (size_t i = 0; i < o->n; i++)
		buf_addf(out, "%s%s", i ? " " : "", o->v[i]);
	buf_addch(out, ']');
}

static int apis_field(struct tmpl_call *call, tv **out, void *p, const char *name, tv **args,
		      size_t n, struct berr *err)
{
	struct apis_obj *o = p;
	if (strcmp(name, "Has"))
		return BERR_NOTFOUND;
	(void)call;
	if (arity("Has", n, 1, err) < 0 || want_str(args[0], err) < 0)
		return err->code;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i], args[0]->u.str.s)) {
			*out = tv_bool(true);
			return 0;
		}
	*out = tv_bool(false);
	return 0;
}

static const struct tv_type apis_type = {
	.go_type = "chartutil.VersionSet",
	.kind = "slice",
	.format = apis_format,
	.field = apis_field,
	.free = apis_free,
};

/* What client-go's scheme knows, as Helm's DefaultVersionSet lists it:
 * each group/version, and group/version/Kind for the kinds charts ask
 * about. */
static const char *const default_apis[] = {
	"v1", "v1/ConfigMap", "v1/Endpoints", "v1/Event", "v1/LimitRange", "v1/Namespace", "v1/Node",
	"v1/PersistentVolume", "v1/PersistentVolumeClaim", "v1/Pod", "v1/PodTemplate",
	"v1/ReplicationController", "v1/ResourceQuota", "v1/Secret", "v1/Service", "v1/ServiceAccount",
	"admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding",
	"admissionregistration.k8s.io/v1alpha1", "admissionregistration.k8s.io/v1beta1",
	"apps/v1", "apps/v1/ControllerRevision", "apps/v1/DaemonSet", "apps/v1/Deployment",
	"apps/v1/ReplicaSet", "apps/v1/StatefulSet", "apps/v1beta1", "apps/v1beta2",
	"authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1",
	"authorization.k8s.io/v1", "authorization.k8s.io/v1beta1",
	"autoscaling/v1", "autoscaling/v1/HorizontalPodAutoscaler", "autoscaling/v2",
	"autoscaling/v2/HorizontalPodAutoscaler", "autoscaling/v2beta1", "autoscaling/v2beta2",
	"batch/v1", "batch/v1/CronJob", "batch/v1/Job", "batch/v1beta1", "batch/v1beta1/CronJob",
	"certificates.k8s.io/v1", "certificates.k8s.io/v1/CertificateSigningRequest",
	"certificates.k8s.io/v1alpha1", "certificates.k8s.io/v1beta1",
	"coordination.k8s.io/v1", "coordination.k8s.io/v1/Lease", "coordination.k8s.io/v1alpha2",
	"coordination.k8s.io/v1beta1",
	"discovery.k8s.io/v1", "discovery.k8s.io/v1/EndpointSlice", "discovery.k8s.io/v1beta1",
	"events.k8s.io/v1", "events.k8s.io/v1/Event", "events.k8s.io/v1beta1",
	"extensions/v1beta1", "extensions/v1beta1/Ingress",
	"flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1beta2", "flowcontrol.apiserver.k8s.io/v1beta3",
	"internal.apiserver.k8s.io/v1alpha1",
	"networking.k8s.io/v1", "networking.k8s.io/v1/Ingress", "networking.k8s.io/v1/IngressClass",
	"networking.k8s.io/v1/NetworkPolicy", "networking.k8s.io/v1alpha1", "networking.k8s.io/v1beta1",
	"networking.k8s.io/v1beta1/Ingress", "networking.k8s.io/v1beta1/IngressClass",
	"node.k8s.io/v1", "node.k8s.io/v1/RuntimeClass", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1",
	"policy/v1", "policy/v1/PodDisruptionBudget", "policy/v1beta1",
	"policy/v1beta1/PodDisruptionBudget", "policy/v1beta1/PodSecurityPolicy",
	"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1/ClusterRole",
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding", "rbac.authorization.k8s.io/v1/Role",
	"rbac.authorization.k8s.io/v1/RoleBinding", "rbac.authorization.k8s.io/v1alpha1",
	"rbac.authorization.k8s.io/v1beta1",
	"resource.k8s.io/v1alpha3", "resource.k8s.io/v1beta1", "resource.k8s.io/v1beta2",
	"scheduling.k8s.io/v1", "scheduling.k8s.io/v1/PriorityClass", "scheduling.k8s.io/v1alpha1",
	"scheduling.k8s.io/v1beta1",
	"storage.k8s.io/v1", "storage.k8s.io/v1/CSIDriver", "storage.k8s.io/v1/CSINode",
	"storage.k8s.io/v1/CSIStorageCapacity", "storage.k8s.io/v1/StorageClass",
	"storage.k8s.io/v1/VolumeAttachment", "storage.k8s.io/v1alpha1", "storage.k8s.io/v1beta1",
	"storagemigration.k8s.io/v1alpha1",
};

int hkube_version_parse(const char *in, char *version, size_t vlen, char *major, char *minor,
			size_t mlen)
{
	const char *p = in;
	if (*p == 'v' || *p == 'V')
		p++;
	unsigned long long v[3] = { 0, 0, 0 };
	int parts = 0;
	while (parts < 3 && isdigit((unsigned char)*p)) {
		char *end;
		v[parts++] = strtoull(p, &end, 10);
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	if (!parts || (*p && *p != '-' && *p != '+'))
		return -1;
	snprintf(version, vlen, "v%llu.%llu.%llu%s", v[0], v[1], v[2], p);
	snprintf(major, mlen, "%llu", v[0]);
	snprintf(minor, mlen, "%llu", v[1]);
	return 0;
}

tv *hcaps_object(struct tv_arena *a, const char *kube_version, const char *const *apis,
		 size_t napis)
{
	struct kube_obj *k = xcalloc(1, sizeof *k);
	if (hkube_version_parse(kube_version, k->version, sizeof k->version, k->major, k->minor,
				sizeof k->major) < 0)
		hkube_version_parse("v1.20.0", k->version, sizeof k->version, k->major, k->minor,
				    sizeof k->major);
	struct apis_obj *o = xcalloc(1, sizeof *o);
	size_t nd = sizeof default_apis / sizeof *default_apis;
	o->v = xcalloc(nd + napis + 1, sizeof *o->v);
	for (size_t i = 0; i < nd; i++)
		o->v[o->n++] = xstrdup(default_apis[i]);
	for (size_t i = 0; i < napis; i++)
		o->v[o->n++] = xstrdup(apis[i]);
	tv *caps = tv_map(a);
	tv_map_set(a, caps, "KubeVersion", tv_opaque(a, &kube_type, k));
	tv_map_set(a, caps, "APIVersions", tv_opaque(a, &apis_type, o));
	tv *hv = tv_map(a);
	tv_map_set(a, hv, "Version", tv_str(a, "v3.21.4"));
	tv_map_set(a, hv, "GitCommit", tv_str(a, ""));
	tv_map_set(a, hv, "GitTreeState", tv_str(a, "clean"));
	tv_map_set(a, hv, "GoVersion", tv_str(a, "go1.24"));
	tv_map_set(a, caps, "HelmVersion", hv);
	return caps;
}

void hfuncs_register(struct tmpl_set *set, struct hrender *r)
{
	static const struct tmpl_func_def defs[] = {
		{ "include", fn_include },
		{ "tpl", fn_tpl },
		{ "required", fn_required },
		{ "lookup", fn_lookup },
		{ "toYaml", fn_toyaml },
		{ "mustToYaml", fn_mustToYaml },
		{ "toYamlPretty", fn_toyamlpretty },
		{ "fromYaml", fn_fromyaml },
		{ "fromYamlArray", fn_fromyamlarray },
		{ "fromJson", fn_fromjson },
		{ "fromJsonArray", fn_fromjsonarray },
		{ "toToml", fn_totoml },
		{ "fromToml", fn_fromtoml },
	};
	tmpl_set_funcs(set, defs, sizeof defs / sizeof *defs, r);
}
