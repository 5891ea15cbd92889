/*
 * schema.c — values.schema.json, JSON Schema draft-07 as Helm applies it:
 * after the values are coalesced, each chart's schema checks its own
 * values (a subchart's under its name), and every failure is listed in one
 * error in the words of the validator Helm uses ("- at '/age': minimum:
 * got -5, want 0"). Supported: type, enum, const, properties, required,
 * additionalProperties, patternProperties, propertyNames, min/maxProperties,
 * items (one schema or a tuple), additionalItems, min/maxItems,
 * uniqueItems, contains, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, multipleOf, min/maxLength, pattern (PCRE2), allOf,
 * anyOf, oneOf, not, if/then/else, dependencies, and $ref within the same
 * document. Remote $refs and formats are not checked. Depth and the
 * number of errors are bounded.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "repo-server/helm/internal.h"
#include "yaml.h"

#define MAX_DEPTH 200
#define MAX_ERRORS 100

struct sv {
	const json_t *root;
	struct buf *errs;
	size_t nerr;
};

static void num(struct buf *b, const json_t *v)
{
	char t[32];
	if (json_is_integer(v))
		buf_addf(b, "%lld", (long long)json_integer_value(v));
	else {
		yaml_format_float(t, json_number_value(v), 64);
		buf_adds(b, t);
	}
}

static void fail(struct sv *s, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct sv *s, const char *at, const char *fmt, ...)
{
	if (!s->errs || s->nerr >= MAX_ERRORS) {
		s->nerr++;
		return;
	}
	s->nerr++;
	buf_addf(s->errs, "- at '%s': ", at);
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(s->errs, fmt, ap);
	va_end(ap);
	buf_addch(s->errs, '\n');
}

static const char *type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return json_real_value(v) == floor(json_real_value(v)) ? "integer" : "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static bool type_ok(const char *want, const json_t *v)
{
	const char *got = type_of(v);
	if (!strcmp(want, got))
		return true;
	return !strcmp(want, "number") && !strcmp(got, "integer");
}

static const json_t *resolve_ref(struct sv *s, const char *ref)
{
	if (strncmp(ref, "#", 1))
		return NULL;
	const json_t *cur = s->root;
	const char *p = ref + 1;
	while (*p == '/' && cur) {
		p++;
		size_t n = strcspn(p, "/");
		struct buf k = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
				buf_addch(&k, p[i + 1] == '0' ? '~' : '/');
				i++;
			} else {
				buf_addch(&k, p[i]);
			}
		}
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atol(k.data)) : json_object_get(cur, k.data);
		buf_release(&k);
		p += n;
	}
	return *p ? NULL : cur;
}

static bool regex_match(const char *pattern, const char *s, size_t len)
{
	int e;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &e, &off, NULL);
	if (!re)
		return true;    /* a bad pattern is the schema's fault, not the values' */
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, 100000);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, mc);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

static void validate(struct sv *s, const json_t *sc, const json_t *v, const char *at, int depth);

/* Whether v passes sc, errors discarded. */
static bool passes(struct sv *s, const json_t *sc, const json_t *v, const char *at, int depth)
{
	struct sv q = { s->root, NULL, 0 };
	validate(&q, sc, v, at, depth);
	return q.nerr == 0;
}

static void quoted_list(struct buf *b, const json_t *a)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) {
		if (i)
			buf_adds(b, ", ");
		if (json_is_string(x)) {
			buf_addf(b, "'%s'", json_string_value(x));
		} else {
			char *d = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
			buf_adds(b, d ? d : "");
			free(d);
		}
	}
}

static void child(struct buf *out, const char *at, const char *key)
{
	buf_addf(out, "%s/", at);
	for (; *key; key++) {
		if (*key == '~')
			buf_adds(out, "~0");
		else if (*key == '/')
			buf_adds(out, "~1");
		else
			buf_addch(out, *key);
	}
}

static void validate(struct sv *s, const json_t *sc, const json_t *v, const char *at, int depth)
{
	if (depth > MAX_DEPTH) {
		fail(s, at, "schema nesting too deep");
		return;
	}
	if (json_is_false(sc)) {
		fail(s, at, "false schema");
		return;
	}
	if (!json_is_object(sc))
		return;
	const char *ref = json_string_value(json_object_get(sc, "$ref"));
	if (ref) {
		const json_t *t = resolve_ref(s, ref);
		if (t)
			validate(s, t, v, at, depth + 1);
		return;     /* draft-07: $ref siblings are ignored */
	}
	json_t *x;
	/* type */
	if ((x = json_object_get(sc, "type"))) {
		bool ok = false;
		if (json_is_string(x)) {
			ok = type_ok(json_string_value(x), v);
		} else {
			size_t i;
			json_t *t;
			json_array_foreach(x, i, t)
				if (json_is_string(t) && type_ok(json_string_value(t), v))
					ok = true;
		}
		if (!ok) {
			struct buf w = BUF_INIT;
			if (json_is_string(x)) {
				buf_adds(&w, json_string_value(x));
			} else {
				size_t i;
				json_t *t;
				json_array_foreach(x, i, t)
					buf_addf(&w, "%s%s", i ? " or " : "", json_string_value(t) ?: "");
			}
			fail(s, at, "got %s, want %s", type_of(v), w.data);
			buf_release(&w);
			return;
		}
	}
	if ((x = json_object_get(sc, "enum")) && json_is_array(x)) {
		bool ok = false;
		size_t i;
		json_t *e;
		json_array_foreach(x, i, e)
			if (json_equal(e, (json_t *)v) || (json_is_number(e) && json_is_number(v) &&
							   json_number_value(e) == json_number_value(v)))
				ok = true;
		if (!ok) {
			struct buf w = BUF_INIT;
			quoted_list(&w, x);
			fail(s, at, "value must be one of %s", w.data);
			buf_release(&w);
		}
	}
	if ((x = json_object_get(sc, "const")) && !json_equal(x, (json_t *)v) &&
	    !(json_is_number(x) && json_is_number(v) && json_number_value(x) == json_number_value(v))) {
		char *d = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
		fail(s, at, "value must be %s", d ? d : "");
		free(d);
	}
	/* numbers */
	if (json_is_number(v)) {
		double n = json_number_value(v);
		static const char *const kw[] = { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" };
		for (int k = 0; k < 4; k++) {
			json_t *lim = json_object_get(sc, kw[k]);
			if (!json_is_number(lim))
				continue;
			double l = json_number_value(lim);
			bool bad = k == 0 ? n < l : k == 1 ? n > l : k == 2 ? n <= l : n >= l;
			if (bad) {
				struct buf g = BUF_INIT, w = BUF_INIT;
				num(&g, v);
				num(&w, lim);
				fail(s, at, "%s: got %s, want %s", kw[k], g.data, w.data);
				buf_release(&g);
				buf_release(&w);
			}
		}
		json_t *mo = json_object_get(sc, "multipleOf");
		if (json_is_number(mo) && json_number_value(mo) > 0) {
			double q = n / json_number_value(mo);
			if (q != floor(q)) {
				struct buf g = BUF_INIT, w = BUF_INIT;
				num(&g, v);
				num(&w, mo);
				fail(s, at, "%s not multipleOf %s", g.data, w.data);
				buf_release(&g);
				buf_release(&w);
			}
		}
	}
	/* strings */
	if (json_is_string(v)) {
		const char *str = json_string_value(v);
		size_t runes = 0;
		for (const unsigned char *p = (const unsigned char *)str; *p; p++)
			runes += (*p & 0xc0) != 0x80;
		json_t *l;
		if (json_is_integer(l = json_object_get(sc, "minLength")) && (json_int_t)runes < json_integer_value(l))
			fail(s, at, "minLength: got %zu, want %lld", runes, (long long)json_integer_value(l));
		if (json_is_integer(l = json_object_get(sc, "maxLength")) && (json_int_t)runes > json_integer_value(l))
			fail(s, at, "maxLength: got %zu, want %lld", runes, (long long)json_integer_value(l));
		const char *pat = json_string_value(json_object_get(sc, "pattern"));
		if (pat && !regex_match(pat, str, json_string_length(v)))
			fail(s, at, "'%s' does not match pattern '%s'", str, pat);
	}
	/* arrays */
	if (json_is_array(v)) {
		size_t n = json_array_size(v);
		json_t *l;
		if (json_is_integer(l = json_object_get(sc, "minItems")) && (json_int_t)n < json_integer_value(l))
			fail(s, at, "minItems: got %zu, want %lld", n, (long long)json_integer_value(l));
		if (json_is_integer(l = json_object_get(sc, "maxItems")) && (json_int_t)n > json_integer_value(l))
			fail(s, at, "maxItems: got %zu, want %lld", n, (long long)json_integer_value(l));
		if (json_is_true(json_object_get(sc, "uniqueItems")))
			for (size_t i = 0; i < n; i++)
				for (size_t j = i + 1; j < n; j++)
					if (json_equal(json_array_get(v, i), json_array_get(v, j)))
						fail(s, at, "items at %zu and %zu are equal", i, j);
		json_t *items = json_object_get(sc, "items");
		for (size_t i = 0; i < n && items; i++) {
			const json_t *isc = json_is_array(items) ? json_array_get(items, i) : items;
			if (!isc && json_is_array(items))
				isc = json_object_get(sc, "additionalItems");
			if (!isc)
				continue;
			struct buf c = BUF_INIT;
			buf_addf(&c, "%s/%zu", at, i);
			validate(s, isc, json_array_get(v, i), c.data, depth + 1);
			buf_release(&c);
		}
		json_t *ct = json_object_get(sc, "contains");
		if (ct) {
			bool any = false;
			for (size_t i = 0; i < n && !any; i++)
				any = passes(s, ct, json_array_get(v, i), at, depth + 1);
			if (!any)
				fail(s, at, "no items match contains schema");
		}
	}
	/* objects */
	if (json_is_object(v)) {
		json_t *req = json_object_get(sc, "required");
		struct buf miss = BUF_INIT;
		size_t nmiss = 0, i;
		json_t *r;
		json_array_foreach(req, i, r) {
			if (json_is_string(r) && !json_object_get(v, json_string_value(r))) {
				buf_addf(&miss, "%s'%s'", nmiss ? ", " : "", json_string_value(r));
				nmiss++;
			}
		}
		if (nmiss)
			fail(s, at, "missing propert%s %s", nmiss > 1 ? "ies" : "y", miss.data);
		buf_release(&miss);
		json_t *l;
		size_t np = json_object_size(v);
		if (json_is_integer(l = json_object_get(sc, "minProperties")) && (json_int_t)np < json_integer_value(l))
			fail(s, at, "minProperties: got %zu, want %lld", np, (long long)json_integer_value(l));
		if (json_is_integer(l = json_object_get(sc, "maxProperties")) && (json_int_t)np > json_integer_value(l))
			fail(s, at, "maxProperties: got %zu, want %lld", np, (long long)json_integer_value(l));
		json_t *props = json_object_get(sc, "properties");
		json_t *pprops = json_object_get(sc, "patternProperties");
		json_t *addl = json_object_get(sc, "additionalProperties");
		json_t *pnames = json_object_get(sc, "propertyNames");
		json_t *deps = json_object_get(sc, "dependencies");
		/* keys in sorted order, for stable messages */
		size_t nk = json_object_size(v), k = 0;
		const char **keys = xcalloc(nk + 1, sizeof *keys);
		const char *key;
		json_t *val;
		json_object_foreach((json_t *)v, key, val)
			keys[k++] = key;
		for (size_t a = 0; a < nk; a++)
			for (size_t b = a + 1; b < nk; b++)
				if (strcmp(keys[a], keys[b]) > 0) {
					const char *t = keys[a];
					keys[a] = keys[b];
					keys[b] = t;
				}
		struct buf extra = BUF_INIT;
		size_t nextra = 0;
		for (k = 0; k < nk && json_is_false(addl); k++) {
			bool known = json_object_get(props, keys[k]) != NULL;
			const char *pk;
			json_t *psc;
			json_object_foreach(pprops, pk, psc)
				if (regex_match(pk, keys[k], strlen(keys[k])))
					known = true;
			if (!known)
				buf_addf(&extra, "%s'%s'", nextra++ ? ", " : "", keys[k]);
		}
		if (nextra)
			fail(s, at, "additional properties %s not allowed", extra.data);
		buf_release(&extra);
		for (k = 0; k < nk; k++) {
			key = keys[k];
			val = json_object_get(v, key);
			struct buf c = BUF_INIT;
			child(&c, at, key);
			bool matched = false;
			json_t *ps = json_object_get(props, key);
			if (ps) {
				matched = true;
				validate(s, ps, val, c.data, depth + 1);
			}
			const char *pk;
			json_t *psc;
			json_object_foreach(pprops, pk, psc) {
				if (regex_match(pk, key, strlen(key))) {
					matched = true;
					validate(s, psc, val, c.data, depth + 1);
				}
			}
			if (!matched && addl && !json_is_false(addl))
				validate(s, addl, val, c.data, depth + 1);
			if (pnames) {
				json_t *ks = json_string(key);
				validate(s, pnames, ks, c.data, depth + 1);
				json_decref(ks);
			}
			json_t *dep = json_object_get(deps, key);
			if (json_is_array(dep)) {
				size_t di;
				json_t *dn;
				json_array_foreach(dep, di, dn)
					if (json_is_string(dn) && !json_object_get(v, json_string_value(dn)))
						fail(s, at, "property '%s' is required, if '%s' property exists",
						     json_string_value(dn), key);
			} else if (dep) {
				validate(s, dep, v, at, depth + 1);
			}
			buf_release(&c);
		}
		free(keys);
	}
	/* combinators */
	json_t *sub;
	size_t i;
	json_array_foreach(json_object_get(sc, "allOf"), i, sub)
		validate(s, sub, v, at, depth + 1);
	if ((x = json_object_get(sc, "anyOf")) && json_is_array(x)) {
		bool any = false;
		json_array_foreach(x, i, sub)
			if (!any && passes(s, sub, v, at, depth + 1))
				any = true;
		if (!any)
			fail(s, at, "anyOf failed");
	}
	if ((x = json_object_get(sc, "oneOf")) && json_is_array(x)) {
		size_t ok = 0;
		json_array_foreach(x, i, sub)
			ok += passes(s, sub, v, at, depth + 1);
		if (ok != 1)
			fail(s, at, ok ? "oneOf failed, subschemas %s matched" : "oneOf failed, none matched",
			     ok ? "several" : "");
	}
	if ((x = json_object_get(sc, "not")) && passes(s, x, v, at, depth + 1))
		fail(s, at, "not failed");
	if ((x = json_object_get(sc, "if"))) {
		json_t *branch = passes(s, x, v, at, depth + 1) ? json_object_get(sc, "then") :
				 json_object_get(sc, "else");
		if (branch)
			validate(s, branch, v, at, depth + 1);
	}
}

static void check_chart(struct buf *out, const struct hchart *c, const json_t *vals, int depth)
{
	if (depth > HELM_MAX_CHART_DEPTH)
		return;
	if (c->schema) {
		struct buf errs = BUF_INIT;
		struct sv s = { c->schema, &errs, 0 };
		json_t *v = json_is_object(vals) ? (json_t *)vals : NULL;
		json_t *empty = v ? NULL : json_object();
		validate(&s, c->schema, v ? v : empty, "", 0);
		json_decref(empty);
		if (s.nerr)
			buf_addf(out, "%s:\n%s", hchart_name(c), errs.data);
		buf_release(&errs);
	}
	for (size_t i = 0; i < c->ndeps; i++)
		check_chart(out, c->deps[i], json_object_get(vals, hchart_name(c->deps[i])), depth + 1);
}

int hschema_validate(const struct hchart *c, const json_t *vals, struct berr *err)
{
	struct buf out = BUF_INIT;
	check_chart(&out, c, vals, 0);
	int rc = 0;
	if (out.len && out.data[out.len - 1] == '\n')
		buf_truncate(&out, out.len - 1);
	if (out.len)
		rc = berr_set(err, BERR_INVALID,
			      "values don't meet the specifications of the schema(s) in the following chart(s):\n%s",
			      out.data);
	buf_release(&out);
	return rc;
}
