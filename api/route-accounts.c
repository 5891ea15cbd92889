/*
 * route-accounts — local accounts (Argo CD's /api/v1/account): list, get,
 * can-i, password change and API tokens. Anyone may change their own
 * password and manage their own tokens; doing it for another account takes
 * `accounts, update`. A password change always needs the caller's current
 * password, so a stolen session alone cannot take the account over.
 */
#include <stdio.h>
#include <string.h>

#include "api/api-internal.h"
#include "log.h"

static json_t *account_json(const struct api_settings *st, const char *name)
{
	json_t *caps = json_array();
	const char *all[] = { "login", "apiKey" };
	for (size_t i = 0; i < 2; i++)
		if (api_account_has_capability(st, name, all[i]))
			json_array_append_new(caps, json_string(all[i]));
	char key[API_NAME_MAX + 24];
	snprintf(key, sizeof(key), "accounts.%s.tokens", name);
	const char *text = api_secret_value(st, key);
	json_t *tokens = text ? json_loads(text, 0, NULL) : NULL;
	json_t *out_tokens = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(tokens, i, t) {
		json_t *o = json_object();
		json_object_set(o, "id", json_object_get(t, "id"));
		json_object_set(o, "issuedAt", json_object_get(t, "iat"));
		if (json_object_get(t, "exp"))
			json_object_set(o, "expiresAt", json_object_get(t, "exp"));
		json_array_append_new(out_tokens, o);
	}
	json_decref(tokens);
	return json_pack("{s:s, s:b, s:o, s:o}", "name", name, "enabled",
			 api_account_enabled(st, name), "capabilities", caps, "tokens",
			 out_tokens);
}

static void list_accounts(struct api_ctx *ctx, struct http_request *req,
			  struct http_response *resp)
{
	(void)req;
	json_t *names = api_account_names(ctx->st);
	json_t *items = json_array();
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
		if (api_can(ctx, "accounts", "get", json_string_value(n)) ||
		    !strcmp(ctx->user, json_string_value(n)))
			json_array_append_new(items, account_json(ctx->st, json_string_value(n)));
	json_decref(names);
	json_t *out = json_pack("{s:o}", "items", items);
	http_response_json(resp, 200, out);
	json_decref(out);
}

static int self_or_allowed(struct api_ctx *ctx, struct http_response *resp,
			   const char *action, const char *name)
{
	if (!strcmp(ctx->user, name))
		return 1;
	return api_allow(ctx, resp, "accounts", action, name);
}

static int require_account(struct api_ctx *ctx, struct http_response *resp, const char *name)
{
	if (api_account_exists(ctx->st, name))
		return 1;
	http_response_error(resp, 404, "account '%s' not found", name);
	return 0;
}

static void get_account(struct api_ctx *ctx, struct http_request *req,
			struct http_response *resp)
{
	const char *name = http_request_param(req, "name");
	if (!self_or_allowed(ctx, resp, "get", name) || !require_account(ctx, resp, name))
		return;
	json_t *out = account_json(ctx->st, name);
	http_response_json(resp, 200, out);
	json_decref(out);
}

static void can_i(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	const char *object = http_request_param(req, "*");
	json_t *out = json_pack("{s:s}", "value",
				api_can(ctx, http_request_param(req, "resource"),
					http_request_param(req, "action"), object ? object : "")
					? "yes" : "no");
	http_response_json(resp, 200, out);
	json_decref(out);
}

static void update_password(struct api_ctx *ctx, struct http_request *req,
			    struct http_response *resp)
{
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return;
	const char *name = api_str(body, "name");
	const char *current = api_str(body, "currentPassword");
	const char *next = api_str(body, "newPassword");
	struct berr err = BERR_INIT;
	if (!name || !*name)
		name = ctx->user;
	if (!current || !next) {
		http_response_error(resp, 400, "currentPassword and newPassword are required");
	} else if (self_or_allowed(ctx, resp, "update", name) &&
		   require_account(ctx, resp, name)) {
		struct api *api = ctx->api;
		long wait = throttle_check(api->throttle, ctx->user, time(NULL));
		if (wait > 0) {
			http_response_error(resp, 429, "too many failed attempts: retry in %ld s",
					    wait);
		} else if (!api_account_check_password(ctx->st, ctx->user, current)) {
			throttle_fail(api->throttle, ctx->user, time(NULL));
			api_metrics_login_failed(api);
			http_response_error(resp, 401, "current password does not match");
		} else if (password_check_policy(next, &err) < 0) {
			http_response_error(resp, 400, "new password: %s", err.msg);
		} else if (api_password_set(api, name, next, &err) < 0) {
			api_error(resp, &err);
		} else {
			log_info("password changed", "account", name, "by", ctx->user, NULL);
			json_t *out = json_object();
			http_response_json(resp, 200, out);
			json_decref(out);
		}
	}
	json_decref(body);
}

static void create_token(struct api_ctx *ctx, struct http_request *req,
			 struct http_response *resp)
{
	const char *name = http_request_param(req, "name");
	if (!self_or_allowed(ctx, resp, "update", name) || !require_account(ctx, resp, name))
		return;
	if (!api_account_has_capability(ctx->st, name, "apiKey"))
		return http_response_error(resp, 400, "account '%s' does not have the apiKey capability",
					   name);
	json_t *body = NULL;
	if (req->body_len && api_body_object(req, resp, &body) < 0)
		return;
	const char *id = api_str(body, "id");
	json_t *exp = json_object_get(body, "expiresIn");
	long expires_in = 0;
	if (exp && (!json_is_integer(exp) || json_integer_value(exp) < 0 ||
		    json_integer_value(exp) > 10LL * 365 * 86400)) {
		json_decref(body);
		return http_response_error(resp, 400, "expiresIn must be a number of seconds");
	}
	if (exp)
		expires_in = (long)json_integer_value(exp);
	if (id && (!*id || strlen(id) > 64 || strspn(id, "abcdefghijklmnopqrstuvwxyz"
						    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
						    strlen(id))) {
		json_decref(body);
		return http_response_error(resp, 400, "token id must be 1..64 of [A-Za-z0-9-_.]");
	}
	char *token = NULL;
	struct berr err = BERR_INIT;
	if (api_token_issue(ctx->api, name, id, expires_in, &token, &err) < 0) {
		json_decref(body);
		return api_error(resp, &err);
	}
	log_info("api token created", "account", name, "by", ctx->user, NULL);
	json_t *out = json_pack("{s:s}", "token", token);
	http_response_json(resp, 200, out);
	json_decref(out);
	memset(token, 0, strlen(token));
	free(token);
	json_decref(body);
}

static void delete_token(struct api_ctx *ctx, struct http_request *req,
			 struct http_response *resp)
{
	const char *name = http_request_param(req, "name");
	if (!self_or_allowed(ctx, resp, "update", name) || !require_account(ctx, resp, name))
		return;
	struct berr err = BERR_INIT;
	if (api_token_revoke(ctx->api, name, http_request_param(req, "id"), &err) < 0)
		return api_error(resp, &err);
	json_t *out = json_object();
	http_response_json(resp, 200, out);
	json_decref(out);
}

const struct api_route api_routes_accounts[] = {
	{ "GET", "/api/v1/account", list_accounts, 0 },
	{ "GET", "/api/v1/account/can-i/{resource}/{action}/*", can_i, 0 },
	{ "PUT", "/api/v1/account/password", update_password, 0 },
	{ "GET", "/api/v1/account/{name}", get_account, 0 },
	{ "POST", "/api/v1/account/{name}/token", create_token, 0 },
	{ "DELETE", "/api/v1/account/{name}/token/{id}", delete_token, 0 },
	{ NULL, NULL, NULL, 0 },
};
