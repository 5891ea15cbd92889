/*
 * ignore — spec.ignoreDifferences: fields of a resource the comparison
 * leaves out, as Argo CD's rules name them. A rule matches by group and
 * kind (and name and namespace when given) and lists `jsonPointers`
 * (RFC 6901) or `managedFieldsManagers` (every field those managers own in
 * the live object's managedFields). Both are applied by taking the field
 * out of the desired object and the live object alike before the diff: a
 * deletion the last-applied annotation would predict finds nothing to
 * delete, so no difference can show there. `jqPathExpressions` (jqpath.c,
 * a bounded subset of jq) are removed the same way, as Argo CD's
 * del(EXPR); an expression that fails on an object (iterating a field that
 * is not there without `?`) leaves that object as it is, as Argo CD does,
 * and one that does not compile is reported by ignore_check().
 */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "ignore.h"
#include "jqpath.h"

#define MAX_FIELDS_DEPTH 64

static int rule_matches(const json_t *rule, const struct res_id *id)
{
	const char *g = doc_get_str(rule, "group"), *k = doc_get_str(rule, "kind");
	const char *n = doc_get_str(rule, "name"), *ns = doc_get_str(rule, "namespace");
	return (!g || !strcmp(g, "*") || !strcmp(g, id->group))
	       && (k && (!strcmp(k, "*") || !strcmp(k, id->kind)))
	       && (!n || !*n || !strcmp(n, id->name))
	       && (!ns || !*ns || !strcmp(ns, id->namespace));
}

/* Removes the RFC 6901 pointer from doc; a missing path is fine. */
static void remove_pointer(json_t *doc, const char *ptr)
{
	if (!ptr || ptr[0] != '/')
		return;
	json_t *node = doc;
	char *copy = xstrdup(ptr + 1), *save = NULL;
	char *tok = strtok_r(copy, "/", &save);
	while (tok && node) {
		/* unescape ~1 → / and ~0 → ~ in place */
		char *w = tok;
		for (char *r = tok; *r; r++) {
			if (r[0] == '~' && r[1] == '1')
				*w++ = '/', r++;
			else if (r[0] == '~' && r[1] == '0')
				*w++ = '~', r++;
			else
				*w++ = *r;
		}
		*w = '\0';
		char *next = strtok_r(NULL, "/", &save);
		if (json_is_object(node)) {
			if (!next) {
				json_object_del(node, tok);
				break;
			}
			node = json_object_get(node, tok);
		} else if (json_is_array(node)) {
			char *end;
			unsigned long i = strtoul(tok, &end, 10);
			if (*end || !*tok)
				break;
			if (!next) {
				json_array_remove(node, i);
				break;
			}
			node = json_array_get(node, i);
		} else {
			break;
		}
		tok = next;
	}
	free(copy);
}

/* Removes from doc every field a fieldsV1 tree names (f: keys only;
 * list entries k:/v:/i: take the whole list). */
static void remove_fields(json_t *doc, const json_t *fields, int depth)
{
	const char *k;
	json_t *v;
	if (!json_is_object(doc) || !json_is_object(fields) || depth > MAX_FIELDS_DEPTH)
		return;
	json_object_foreach((json_t *)fields, k, v) {
		if (strncmp(k, "f:", 2))
			continue;
		json_t *child = json_object_get(doc, k + 2);
		if (!child)
			continue;
		int leaf = !json_is_object(v) || !json_object_size(v) || json_object_get(v, ".");
		int list_entries = 0;
		const char *ck;
		json_t *cv;
		json_object_foreach(v, ck, cv)
			if (!strncmp(ck, "k:", 2) || !strncmp(ck, "v:", 2) || !strncmp(ck, "i:", 2))
				list_entries = 1;
		if (leaf || list_entries || !json_is_object(child))
			json_object_del(doc, k + 2);
		else
			remove_fields(child, v, depth + 1);
	}
}

static void managers_fields(json_t *target, json_t *live, const json_t *managers)
{
	json_t *mf = doc_get(live, "metadata.managedFields"), *e, *m;
	size_t i, j;
	json_array_foreach(mf, i, e) {
		const char *who = doc_get_str(e, "manager");
		json_array_foreach(managers, j, m) {
			if (who && json_is_string(m) && !strcmp(who, json_string_value(m))) {
				json_t *fields = json_object_get(e, "fieldsV1");
				/* metadata stays: it holds identity and tracking */
				json_t *f = doc_copy(fields);
				json_object_del(f, "f:metadata");
				remove_fields(target, f, 0);
				remove_fields(live, f, 0);
				json_decref(f);
			}
		}
	}
}

int ignore_apply(json_t **target, json_t **live, const json_t *rules, const struct res_id *id)
{
	json_t *rule;
	size_t i;
	int applied = 0;
	json_array_foreach(rules, i, rule) {
		if (!rule_matches(rule, id))
			continue;
		if (!applied) {
			json_t *t = doc_copy(*target), *l = doc_copy(*live);
			json_decref(*target);
			json_decref(*live);
			*target = t;
			*live = l;
			applied = 1;
		}
		json_t *p;
		size_t j;
		json_array_foreach(json_object_get(rule, "jsonPointers"), j, p) {
			remove_pointer(*target, json_string_value(p));
			remove_pointer(*live, json_string_value(p));
		}
		json_array_foreach(json_object_get(rule, "jqPathExpressions"), j, p) {
			struct jqpath *jq = NULL;
			if (!json_is_string(p) || jqpath_compile(&jq, json_string_value(p), NULL) < 0)
				continue;
			jqpath_delete(jq, *target, NULL);
			jqpath_delete(jq, *live, NULL);
			jqpath_free(jq);
		}
		json_t *managers = json_object_get(rule, "managedFieldsManagers");
		if (json_array_size(managers))
			managers_fields(*target, *live, managers);
	}
	return applied;
}

int ignore_check(const json_t *rules, struct berr *err)
{
	json_t *rule, *p;
	size_t i, j;
	json_array_foreach(rules, i, rule) {
		json_array_foreach(json_object_get(rule, "jqPathExpressions"), j, p) {
			struct jqpath *jq = NULL;
			if (!json_is_string(p))
				return berr_set(err, BERR_INVALID, "ignoreDifferences[%zu]."
						"jqPathExpressions[%zu] must be a string", i, j);
			int rc = jqpath_compile(&jq, json_string_value(p), err);
			jqpath_free(jq);
			if (rc < 0)
				return berr_prefix(err, "ignoreDifferences[%zu].jqPathExpressions[%zu]",
						   i, j);
		}
	}
	return 0;
}
