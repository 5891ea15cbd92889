/*
 * project-roles — Argo CD's project roles: an AppProject's spec.roles[]
 * ({name, description, policies, groups, jwtTokens}) gives the subject
 * `proj:<project>:<role>` permissions inside that project only, and
 * project tokens (JWTs whose subject is that role) let CI act as it.
 *
 *   POST   /api/v1/projects/{name}/roles/{role}/token      {expiresIn, id}
 *   DELETE /api/v1/projects/{name}/roles/{role}/token/{id}  (id or iat)
 *
 * The roles are enforced by the same RBAC code as bosun-rbac-cm: settings.c
 * lists the AppProjects with the other settings and appends each role's
 * policies, and `g, <group>, proj:<project>:<role>` for its groups, to the
 * policy. A policy line is taken only when its subject is the role itself,
 * its resource is applications or logs and its object lies in the project,
 * so a project can never grant more than its own apps, even when it was
 * written around the API (kubectl); the API refuses such lines with a 400.
 *
 * A token is valid while its id is listed in the role's jwtTokens: deleting
 * the entry revokes it at once on this replica and within a second on the
 * others (the settings snapshot's life).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api-internal.h"
#include "log.h"

#define ROLE_NAME_MAX 63
#define ROLE_POLICIES_MAX 100
#define ROLE_GROUPS_MAX 100
#define ROLE_TOKENS_MAX 100
#define ROLES_MAX 100
#define FIELD_MAX 512

/* ------------------------------------------------------------ validation */

/* Argo CD's role names: letters, digits, '-' and '_', alphanumeric ends. */
static int valid_role_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > ROLE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && ((c != '-' && c != '_') || i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

/* Splits a CSV policy line into at most max trimmed fields (in buf). */
static size_t split_fields(char *buf, char **fields, size_t max)
{
	size_t n = 0;
	char *p = buf;
	while (n < max) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		char *end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = 0;
		fields[n++] = p;
		if (!comma)
			return n;
		p = comma + 1;
	}
	return n + 1;   /* more fields than max */
}

/* 0 when line is a policy the role project/role may hold. */
static int check_policy(const char *line, const char *project, const char *role,
			struct berr *err)
{
	if (strlen(line) > FIELD_MAX || strpbrk(line, "\n\r\"#"))
		return berr_set(err, BERR_INVALID, "policy '%.80s' is not one CSV line", line);
	char buf[FIELD_MAX + 1], sub[2 * ROLE_NAME_MAX + 16];
	snprintf(buf, sizeof(buf), "%s", line);
	char *f[7];
	size_t n = split_fields(buf, f, 6);
	snprintf(sub, sizeof(sub), "proj:%s:%s", project, role);
	if (n != 6 || strcmp(f[0], "p"))
		return berr_set(err, BERR_INVALID,
				"policy '%.80s' must be 'p, %s, <resource>, <action>, %s/<app>, "
				"allow|deny'", line, sub, project);
	if (strcmp(f[1], sub))
		return berr_set(err, BERR_INVALID, "policy '%.80s' must have the subject '%s'",
				line, sub);
	if (strcmp(f[2], "applications") && strcmp(f[2], "logs"))
		return berr_set(err, BERR_INVALID, "policy '%.80s': a project role may only grant "
				"'applications' or 'logs'", line);
	size_t plen = strlen(project);
	if (strncmp(f[4], project, plen) || f[4][plen] != '/' || !f[3][0] || !f[4][plen + 1])
		return berr_set(err, BERR_INVALID, "policy '%.80s': the object must be in project "
				"'%s' ('%s/<app>')", line, project, project);
	if (strcmp(f[5], "allow") && strcmp(f[5], "deny"))
		return berr_set(err, BERR_INVALID, "policy '%.80s' must end with allow or deny",
				line);
	return 0;
}

static int check_group(const char *g)
{
	return g && *g && strlen(g) <= 256 && !strpbrk(g, ",\n\r\"#");
}

int api_project_roles_check(const json_t *roles, const char *project, struct berr *err)
{
	if (!roles || json_is_null(roles))
		return 0;
	if (!json_is_array(roles) || json_array_size(roles) > ROLES_MAX)
		return berr_set(err, BERR_INVALID, "'spec.roles' must be a list of at most %d roles",
				ROLES_MAX);
	static const char *const keys[] = { "name", "description", "policies", "groups",
					     "jwtTokens", NULL };
	size_t i, j;
	json_t *r, *v;
	json_array_foreach(roles, i, r) {
		if (!json_is_object(r))
			return berr_set(err, BERR_INVALID, "'spec.roles[%zu]' must be an object", i);
		const char *k;
		json_object_foreach(r, k, v) {
			size_t n = 0;
			while (keys[n] && strcmp(keys[n], k))
				n++;
			if (!keys[n])
				return berr_set(err, BERR_INVALID, "unknown field 'spec.roles[%zu].%.64s'",
						i, k);
		}
		const char *name = api_str(r, "name");
		if (!valid_role_name(name))
			return berr_set(err, BERR_INVALID, "'spec.roles[%zu].name' must be letters, "
					"digits, '-' and '_' (at most %d)", i, ROLE_NAME_MAX);
		json_array_foreach(roles, j, v)
			if (j < i && api_str(v, "name") && !strcmp(api_str(v, "name"), name))
				return berr_set(err, BERR_INVALID, "role '%s' is defined twice", name);
		json_t *desc = json_object_get(r, "description");
		if (desc && (!json_is_string(desc) || json_string_length(desc) > 1024))
			return berr_set(err, BERR_INVALID, "'spec.roles[%zu].description' must be a "
					"short string", i);
		json_t *pol = json_object_get(r, "policies"), *grp = json_object_get(r, "groups");
		json_t *tok = json_object_get(r, "jwtTokens");
		if ((pol && (!json_is_array(pol) || json_array_size(pol) > ROLE_POLICIES_MAX)) ||
		    (grp && (!json_is_array(grp) || json_array_size(grp) > ROLE_GROUPS_MAX)) ||
		    (tok && (!json_is_array(tok) || json_array_size(tok) > ROLE_TOKENS_MAX)))
			return berr_set(err, BERR_INVALID, "'spec.roles[%zu]': policies, groups and "
					"jwtTokens must be lists of at most %d", i, ROLE_TOKENS_MAX);
		json_array_foreach(pol, j, v) {
			if (!json_is_string(v))
				return berr_set(err, BERR_INVALID, "'spec.roles[%zu].policies[%zu]' must "
						"be a string", i, j);
			if (project && check_policy(json_string_value(v), project, name, err) < 0)
				return berr_prefix(err, "role '%s'", name);
		}
		json_array_foreach(grp, j, v)
			if (!check_group(json_string_value(v)))
				return berr_set(err, BERR_INVALID, "'spec.roles[%zu].groups[%zu]' must be "
						"a group name", i, j);
		json_array_foreach(tok, j, v) {
			const char *id = api_str(v, "id");
			if (!json_is_object(v) || !json_is_integer(json_object_get(v, "iat")) ||
			    (id && strlen(id) > 64) ||
			    (json_object_get(v, "exp") && !json_is_integer(json_object_get(v, "exp"))))
				return berr_set(err, BERR_INVALID, "'spec.roles[%zu].jwtTokens[%zu]' must "
						"be {iat, exp, id}", i, j);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ policy */

/* The token's key in a role's jwtTokens: its id, else its iat. */
static void token_key(char *out, size_t size, const json_t *t)
{
	if (api_str(t, "id") && *api_str(t, "id"))
		snprintf(out, size, "%s", api_str(t, "id"));
	else
		snprintf(out, size, "%lld", (long long)json_integer_value(json_object_get(t, "iat")));
}

void api_project_roles_policy(const json_t *projects, struct buf *csv, json_t *tokens)
{
	size_t i, j, k;
	json_t *p, *r, *v;
	json_array_foreach(projects, i, p) {
		const char *project = doc_get_str(p, "metadata.name");
		json_t *roles = doc_get(p, "spec.roles");
		struct berr err = BERR_INIT;
		if (!project || !api_valid_name(project, 63) || !json_is_array(roles) ||
		    json_array_size(roles) > ROLES_MAX)
			continue;
		json_array_foreach(roles, j, r) {
			const char *role = api_str(r, "name");
			if (!valid_role_name(role))
				continue;
			char sub[2 * ROLE_NAME_MAX + 16];
			snprintf(sub, sizeof(sub), "proj:%s:%s", project, role);
			json_array_foreach(json_object_get(r, "policies"), k, v) {
				const char *line = json_string_value(v);
				if (k >= ROLE_POLICIES_MAX || !line)
					break;
				if (check_policy(line, project, role, &err) < 0) {
					log_warn("ignoring a project role policy", "project", project,
						 "role", role, "error", err.msg, NULL);
					berr_clear(&err);
					continue;
				}
				buf_addf(csv, "%s\n", line);
			}
			json_array_foreach(json_object_get(r, "groups"), k, v)
				if (k < ROLE_GROUPS_MAX && check_group(json_string_value(v)))
					buf_addf(csv, "g, %s, %s\n", json_string_value(v), sub);
			json_t *ids = json_object();
			json_array_foreach(json_object_get(r, "jwtTokens"), k, v) {
				char key[80];
				if (k >= ROLE_TOKENS_MAX || !json_is_object(v))
					break;
				token_key(key, sizeof(key), v);
				json_object_set_new(ids, key, json_true());
			}
			json_object_set_new(tokens, sub, ids);
		}
	}
}

int api_project_token_listed(const struct api_settings *st, const char *sub, const char *jti)
{
	json_t *ids = json_object_get(st->project_tokens, sub);
	return jti && json_object_get(ids, jti) != NULL;
}

/* ------------------------------------------------------------ tokens */

static void reply(struct http_response *resp, int status, json_t *doc)
{
	http_response_json(resp, status, doc);
	json_decref(doc);
}

struct token_change {
	const char *role;
	const char *id;         /* to add, or to remove (an id or an iat) */
	json_int_t iat, exp;    /* adding: iat > 0 */
	int found;
};

/* Adds or removes the token in the project's role; BERR_NOTFOUND for a
 * role (or a token to remove) the project does not have. */
static int change_tokens(json_t *project, struct token_change *tc, struct berr *err)
{
	size_t i, j;
	json_t *r, *t;
	json_array_foreach(doc_get(project, "spec.roles"), i, r) {
		if (!api_str(r, "name") || strcmp(api_str(r, "name"), tc->role))
			continue;
		json_t *list = json_object_get(r, "jwtTokens");
		if (!json_is_array(list))
			json_object_set_new(r, "jwtTokens", list = json_array());
		if (tc->iat) {
			json_array_foreach(list, j, t)
				if (api_str(t, "id") && !strcmp(api_str(t, "id"), tc->id))
					return berr_set(err, BERR_EXISTS, "role '%s' already has a token "
							"'%s'", tc->role, tc->id);
			if (json_array_size(list) >= ROLE_TOKENS_MAX)
				return berr_set(err, BERR_LIMIT, "role '%s' has %d tokens already",
						tc->role, ROLE_TOKENS_MAX);
			json_t *entry = json_pack("{s:I, s:s}", "iat", tc->iat, "id", tc->id);
			if (tc->exp)
				json_object_set_new(entry, "exp", json_integer(tc->exp));
			json_array_append_new(list, entry);
			return 0;
		}
		for (j = 0; j < json_array_size(list); j++) {
			char key[80], iat[32];
			t = json_array_get(list, j);
			token_key(key, sizeof(key), t);
			snprintf(iat, sizeof(iat), "%lld",
				 (long long)json_integer_value(json_object_get(t, "iat")));
			if (!strcmp(key, tc->id) || !strcmp(iat, tc->id)) {
				json_array_remove(list, j);
				tc->found = 1;
				return 0;
			}
		}
		return berr_set(err, BERR_NOTFOUND, "role '%s' has no token '%s'", tc->role, tc->id);
	}
	return berr_set(err, BERR_NOTFOUND, "project '%s' has no role '%s'",
			doc_get_str(project, "metadata.name"), tc->role);
}

/* Read-modify-write of the project, retried when someone wrote between. */
static int update_project(struct api *api, const char *name, struct token_change *tc,
			  struct berr *err)
{
	for (int attempt = 0;; attempt++) {
		json_t *project = NULL, *res = NULL;
		int rc = api_project_get(api, name, &project, err);
		if (rc == 0)
			rc = change_tokens(project, tc, err);
		if (rc == 0)
			rc = kube_client_update(api->kc, &res, project, NULL, err);
		json_decref(project);
		json_decref(res);
		if (rc != BERR_CONFLICT || attempt >= 5) {
			if (rc == 0)
				api_settings_invalidate(api);
			return rc;
		}
		berr_clear(err);
	}
}

static int role_params(struct http_request *req, struct http_response *resp,
		       const char **project, const char **role)
{
	*project = http_request_param(req, "name");
	*role = http_request_param(req, "role");
	if (!*project || !api_valid_name(*project, 63)) {
		http_response_error(resp, 400, "invalid project name '%.80s'", *project ? *project : "");
		return -1;
	}
	if (!valid_role_name(*role)) {
		http_response_error(resp, 400, "invalid role name '%.80s'", *role ? *role : "");
		return -1;
	}
	return 0;
}

static void create_token(struct api_ctx *ctx, struct http_request *req,
			 struct http_response *resp)
{
	const char *project, *role;
	json_t *body = NULL;
	if (role_params(req, resp, &project, &role) < 0 ||
	    !api_allow(ctx, resp, "projects", "update", project))
		return;
	if (req->body_len && api_body_object(req, resp, &body) < 0)
		return;
	json_t *ein = json_object_get(body, "expiresIn"), *jid = json_object_get(body, "id");
	struct berr err = BERR_INIT;
	int rc = 0;
	if (ein && !json_is_null(ein) && (!json_is_integer(ein) || json_integer_value(ein) < 0))
		rc = berr_set(&err, BERR_INVALID, "'expiresIn' must be a number of seconds");
	else if (jid && !json_is_null(jid) && (!json_is_string(jid) || !json_string_length(jid) ||
					       json_string_length(jid) > 64 ||
					       strpbrk(json_string_value(jid), ",\n\r\"")))
		rc = berr_set(&err, BERR_INVALID, "'id' must be a short string");
	if (rc < 0) {
		json_decref(body);
		return api_error(resp, &err);
	}
	char id[80], sub[2 * ROLE_NAME_MAX + 16];
	json_int_t expires_in = json_is_integer(ein) ? json_integer_value(ein) : 0;
	if (json_is_string(jid))
		snprintf(id, sizeof(id), "%s", json_string_value(jid));
	else
		api_random_hex(id, 16);
	json_decref(body);
	time_t now = time(NULL);
	struct token_change tc = { role, id, (json_int_t)now,
				   expires_in > 0 ? (json_int_t)now + expires_in : 0, 0 };
	char *token = NULL;
	rc = update_project(ctx->api, project, &tc, &err);
	if (rc == 0) {
		snprintf(sub, sizeof(sub), "proj:%s:%s", project, role);
		/* a token without expiry gets a JWT expiry far away; deleting
		 * its entry revokes it */
		json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "iss",
					   API_ISSUER, "aud", API_AUDIENCE, "sub", sub, "iat",
					   (json_int_t)now, "nbf", (json_int_t)now, "exp",
					   tc.exp ? tc.exp : (json_int_t)now + 100LL * 365 * 86400,
					   "jti", id, "kind", "projectRole");
		rc = jwt_sign(&token, claims, ctx->st->key.data, ctx->st->key.len, &err);
		json_decref(claims);
	}
	if (rc < 0)
		return api_error(resp, &err);
	log_info("project token created", "project", project, "role", role, "id", id,
		 "by", ctx->user, NULL);
	reply(resp, 200, json_pack("{s:s, s:s, s:I}", "token", token, "id", id, "iat",
				   (json_int_t)now));
	memset(token, 0, strlen(token));
	free(token);
}

static void delete_token(struct api_ctx *ctx, struct http_request *req,
			 struct http_response *resp)
{
	const char *project, *role, *id = http_request_param(req, "id");
	if (role_params(req, resp, &project, &role) < 0 ||
	    !api_allow(ctx, resp, "projects", "update", project))
		return;
	if (!id || !*id || strlen(id) > 64)
		return http_response_error(resp, 400, "invalid token id '%.80s'", id ? id : "");
	struct token_change tc = { role, id, 0, 0, 0 };
	struct berr err = BERR_INIT;
	if (update_project(ctx->api, project, &tc, &err) < 0)
		return api_error(resp, &err);
	log_info("project token revoked", "project", project, "role", role, "id", id,
		 "by", ctx->user, NULL);
	reply(resp, 200, json_object());
}

const struct api_route api_routes_project_roles[] = {
	{ "POST", "/api/v1/projects/{name}/roles/{role}/token", create_token, 0 },
	{ "DELETE", "/api/v1/projects/{name}/roles/{role}/token/{id}", delete_token, 0 },
	{ NULL, NULL, NULL, 0 },
};
