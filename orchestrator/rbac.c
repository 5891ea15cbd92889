/*
 * rbac.c — RBAC rule matching and the binding walk (see rbac.h).
 *
 * The walk reads the bindings at every request (the ClusterRoleBindings,
 * then the RoleBindings of the request's namespace), then their roles, and
 * stops at the first rule that allows it, so a change to a Role or binding applies to the very
 * next request. Cheap enough for a test cluster's handful of bindings.
 */
#include "rbac.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "doc.h"

/* Whether the string list `list` holds `want` or "*". */
static int has(const json_t *list, const char *want)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		if (s && (!strcmp(s, "*") || !strcmp(s, want)))
			return 1;
	}
	return 0;
}

static int resource_matches(const json_t *list, const struct rbac_request *rq)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if (!strcmp(s, "*"))
			return 1;
		if (!rq->sub[0]) {
			if (!strcmp(s, rq->resource))
				return 1;
			continue;
		}
		/* "pods/log", or "*\/log" for that subresource of everything */
		const char *slash = strchr(s, '/');
		if (!slash || strcmp(slash + 1, rq->sub))
			continue;
		size_t n = (size_t)(slash - s);
		if ((n == 1 && s[0] == '*') ||
		    (n == strlen(rq->resource) && !strncmp(s, rq->resource, n)))
			return 1;
	}
	return 0;
}

int rbac_rule_allows(const json_t *rule, const struct rbac_request *rq)
{
	if (!json_is_object(rule) || !has(json_object_get(rule, "verbs"), rq->verb) ||
	    !has(json_object_get(rule, "apiGroups"), rq->group) ||
	    !resource_matches(json_object_get(rule, "resources"), rq))
		return 0;
	const json_t *names = json_object_get(rule, "resourceNames");
	if (json_array_size(names) == 0)
		return 1;
	/* names restrict requests on one object; a collection never matches */
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
		if (rq->name[0] && json_is_string(v) && !strcmp(json_string_value(v), rq->name))
			return 1;
	return 0;
}

int rbac_binding_names(const json_t *binding, const char *user, const char *const *groups)
{
	const char *bns = doc_get_str(binding, "metadata.namespace");
	size_t i;
	json_t *s;
	json_array_foreach(doc_get(binding, "subjects"), i, s) {
		const char *kind = doc_get_str(s, "kind"), *name = doc_get_str(s, "name");
		if (!kind || !name)
			continue;
		if (!strcmp(kind, "ServiceAccount")) {
			const char *ns = doc_get_str(s, "namespace");
			if (!ns || !ns[0])
				ns = bns;
			char sa[600];
			snprintf(sa, sizeof(sa), "system:serviceaccount:%s:%s", ns ? ns : "", name);
			if (ns && !strcmp(sa, user))
				return 1;
		} else if (!strcmp(kind, "User")) {
			if (!strcmp(name, user))
				return 1;
		} else if (!strcmp(kind, "Group")) {
			for (size_t g = 0; groups && groups[g]; g++)
				if (!strcmp(name, groups[g]))
					return 1;
		}
	}
	return 0;
}

struct walk {
	struct objects *o;
	const char *user;
	const char *const *groups;
	const struct rbac_request *rq;
	struct resource *roles, *cluster_roles;
	json_t *bindings;
};

static int role_allows(struct walk *w, const json_t *binding)
{
	const char *kind = doc_get_str(binding, "roleRef.kind");
	const char *name = doc_get_str(binding, "roleRef.name");
	const char *bns = doc_get_str(binding, "metadata.namespace");
	if (!kind || !name)
		return 0;
	json_t *role = NULL;
	if (!strcmp(kind, "ClusterRole") && w->cluster_roles)
		objects_get(w->o, w->cluster_roles, NULL, name, &role, NULL);
	else if (!strcmp(kind, "Role") && bns && w->roles)
		objects_get(w->o, w->roles, bns, name, &role, NULL);
	int ok = 0;
	size_t i;
	json_t *rule;
	json_array_foreach(json_object_get(role, "rules"), i, rule)
		if ((ok = rbac_rule_allows(rule, w->rq)))
			break;
	json_decref(role);
	return ok;
}

/* Keeps the bindings that name the user; their roles are read once the
 * list is over (the store is not re-entered from inside a list). */
static int collect_binding(json_t *binding, void *ctx)
{
	struct walk *w = ctx;
	if (rbac_binding_names(binding, w->user, w->groups))
		json_array_append(w->bindings, binding);
	return 0;
}

int rbac_allowed(struct objects *o, const char *user, const char *const *groups,
		 const struct rbac_request *rq)
{
	static const char g[] = "rbac.authorization.k8s.io";
	struct registry *reg = objects_registry(o);
	struct walk w = { o, user, groups, rq, registry_find(reg, g, "v1", "roles"),
			  registry_find(reg, g, "v1", "clusterroles"), json_array() };
	struct resource *crb = registry_find(reg, g, "v1", "clusterrolebindings");
	struct resource *rb = registry_find(reg, g, "v1", "rolebindings");
	int64_t rev;
	if (crb)
		objects_list(o, crb, NULL, collect_binding, &w, &rev, NULL);
	if (rb && rq->ns[0])
		objects_list(o, rb, rq->ns, collect_binding, &w, &rev, NULL);
	int allowed = 0;
	size_t i;
	json_t *b;
	json_array_foreach(w.bindings, i, b)
		if ((allowed = role_allows(&w, b)))
			break;
	json_decref(w.bindings);
	resource_unref(crb);
	resource_unref(rb);
	resource_unref(w.roles);
	resource_unref(w.cluster_roles);
	return allowed;
}

void rbac_forbidden(struct kstatus *st, const char *user, const struct rbac_request *rq)
{
	struct buf what = BUF_INIT, where = BUF_INIT;
	buf_adds(&what, rq->resource);
	if (rq->group[0])
		buf_addf(&what, ".%s", rq->group);
	if (rq->name[0])
		buf_addf(&what, " \"%s\"", rq->name);
	if (rq->ns[0])
		buf_addf(&where, "in the namespace \"%s\"", rq->ns);
	else
		buf_adds(&where, "at the cluster scope");
	kstatus_details(st, rq->name[0] ? rq->name : NULL, rq->group, rq->resource);
	kstatus_set(st, 403, "Forbidden", "%s is forbidden: User \"%s\" cannot %s resource "
		    "\"%s%s%s\" in API group \"%s\" %s", what.data, user, rq->verb, rq->resource,
		    rq->sub[0] ? "/" : "", rq->sub, rq->group, where.data);
	buf_release(&what);
	buf_release(&where);
}
