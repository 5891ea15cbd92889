/*
 * rbac — Argo CD's policy model (a Casbin CSV) without Casbin:
 *
 *     p, <subject>, <resource>, <action>, <object>, allow|deny
 *     g, <user or group>, <role>
 *
 * A request (user, resource, action, object) is allowed when some `p` line
 * whose subject is the user, one of its roles (followed through `g` lines,
 * transitively) or the default role matches it with `allow`, and none
 * matches with `deny`: deny wins. Resource, action and object are globs
 * (`*` any run of characters, `/` included; `?` one character); objects are
 * `<project>/<app>` for applications and logs, the name for the rest.
 * role:admin and role:readonly are built in, and the `admin` account holds
 * role:admin.
 */
#ifndef BOSUN_API_RBAC_H
#define BOSUN_API_RBAC_H

#include "err.h"

struct rbac_policy;

#define RBAC_MAX_LINES 100000

/*
 * Parses csv (may be NULL) on top of the built-in policy. default_role (may
 * be NULL or "") applies to every authenticated user. BERR_INVALID names the
 * line. Free with rbac_policy_free().
 */
int rbac_policy_parse(struct rbac_policy **out, const char *csv, const char *default_role,
		      struct berr *err);
void rbac_policy_free(struct rbac_policy *p);

/* 1 when allowed, 0 when not. */
int rbac_enforce(const struct rbac_policy *p, const char *user, const char *resource,
		 const char *action, const char *object);

/* Glob matching as the policy uses it: 1 when s matches pattern. */
int rbac_glob(const char *pattern, const char *s);

#endif
