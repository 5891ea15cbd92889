/*
 * rbac — Kubernetes RBAC authorization for the identities the bundled
 * cluster authenticates besides its admin token: ServiceAccounts, by the
 * tokens `kubectl create token` issues (api-token.c), and whoever the admin
 * impersonates.
 *
 * A request is allowed when a RoleBinding in its namespace or a
 * ClusterRoleBinding names the user (a subject of kind User with its name,
 * of kind ServiceAccount whose "system:serviceaccount:NS:NAME" it is, or of
 * kind Group with one of its groups) and the bound Role or ClusterRole has a rule whose
 * verbs, apiGroups, resources ("pods", "pods/log", "*", "*\/scale") and
 * resourceNames match; `*` is a wildcard everywhere. Nothing is allowed by
 * default: there are no bootstrap ClusterRoles and no aggregation.
 *
 * Ownership: every argument is borrowed.
 */
#ifndef BOSUN_ORCH_RBAC_H
#define BOSUN_ORCH_RBAC_H

#include <jansson.h>

#include "kstatus.h"
#include "objects.h"

struct rbac_request {
	const char *verb;               /* get, list, watch, create, ... */
	const char *group;              /* "" for core */
	const char *resource;           /* plural */
	const char *sub;                /* subresource, "" for none */
	const char *name;               /* "" for collections */
	const char *ns;                 /* "" at the cluster scope */
};

/* Whether one PolicyRule allows the request. */
int rbac_rule_allows(const json_t *rule, const struct rbac_request *rq);

/* Whether a RoleBinding or ClusterRoleBinding names the user (by name, as
 * a ServiceAccount, or by one of its groups, NULL-terminated). */
int rbac_binding_names(const json_t *binding, const char *user, const char *const *groups);

/* Whether the user may do what rq asks, by the bindings and roles stored
 * now: 1 or 0. */
int rbac_allowed(struct objects *o, const char *user, const char *const *groups,
		 const struct rbac_request *rq);

/* Fills st with kube-apiserver's 403: `pods "web" is forbidden: User
 * "system:serviceaccount:ns:sa" cannot get resource "pods" in API group ""
 * in the namespace "ns"`. */
void rbac_forbidden(struct kstatus *st, const char *user, const struct rbac_request *rq);

#endif
