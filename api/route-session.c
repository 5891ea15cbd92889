/*
 * route-session — login, logout and userinfo (Argo CD's /api/v1/session).
 * Login is throttled per user name (throttle.c) and answers the same
 * "invalid username or password" whether the name exists or not.
 */
#include <stdio.h>
#include <string.h>

#include "api/api-internal.h"
#include "log.h"

static void set_cookie(struct api_ctx *ctx, struct http_response *resp, const char *token,
		       long max_age)
{
	struct buf c = BUF_INIT;
	buf_addf(&c, "bosun.token=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", token,
		 max_age, ctx->api->cfg.tls_cert_file ? "; Secure" : "");
	http_response_header(resp, "Set-Cookie", c.data);
	memset(c.data, 0, c.len);
	buf_release(&c);
}

static void login(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return;
	const char *user = api_str(body, "username");
	const char *password = api_str(body, "password");
	if (!user || !password || !*user) {
		json_decref(body);
		return http_response_error(resp, 400, "username and password are required");
	}
	if (strlen(user) >= API_NAME_MAX || strlen(password) > PASSWORD_MAX_LEN) {
		json_decref(body);
		return http_response_error(resp, 401, "invalid username or password");
	}
	struct api *api = ctx->api;
	long wait = throttle_check(api->throttle, user, time(NULL));
	if (wait > 0) {
		char s[24];
		snprintf(s, sizeof(s), "%ld", wait);
		http_response_header(resp, "Retry-After", s);
		api_metrics_login_failed(api);
		http_response_error(resp, 429,
				    "too many failed login attempts for '%s': retry in %ld s", user,
				    wait);
		json_decref(body);
		return;
	}
	struct berr err = BERR_INIT;
	if (api_settings_get(api, &ctx->st, &err) < 0) {
		json_decref(body);
		return api_error(resp, &err);
	}
	int ok = api_account_check_password(ctx->st, user, password) &&
		 api_account_enabled(ctx->st, user) &&
		 api_account_has_capability(ctx->st, user, "login");
	if (!ok) {
		throttle_fail(api->throttle, user, time(NULL));
		api_metrics_login_failed(api);
		log_info("login failed", "user", user, "remote", req->remote_addr, NULL);
		json_decref(body);
		return http_response_error(resp, 401, "invalid username or password");
	}
	throttle_success(api->throttle, user);
	char *token = NULL;
	if (api_session_issue(api, ctx->st, user, &token, &err) < 0) {
		json_decref(body);
		return api_error(resp, &err);
	}
	log_info("login", "user", user, "remote", req->remote_addr, NULL);
	set_cookie(ctx, resp, token, api->cfg.session_ttl_s);
	json_t *out = json_pack("{s:s}", "token", token);
	http_response_json(resp, 200, out);
	json_decref(out);
	memset(token, 0, strlen(token));
	free(token);
	json_decref(body);
}

static void logout(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	(void)req;
	if (ctx->session)
		api_session_revoke(ctx->api, ctx->jti,
				   (time_t)json_integer_value(json_object_get(ctx->claims, "exp")));
	set_cookie(ctx, resp, "", 0);
	json_t *out = json_object();
	http_response_json(resp, 200, out);
	json_decref(out);
}

static void userinfo(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	(void)req;
	json_t *out;
	if (!ctx->claims) {
		out = json_pack("{s:b}", "loggedIn", 0);
	} else {
		out = json_pack("{s:b, s:s, s:s, s:[], s:s}", "loggedIn", 1, "username",
				ctx->user, "iss", API_ISSUER, "groups", "authMethod",
				ctx->session ? "session" : "apiKey");
	}
	http_response_json(resp, 200, out);
	json_decref(out);
}

const struct api_route api_routes_session[] = {
	{ "POST", "/api/v1/session", login, API_PUBLIC },
	{ "DELETE", "/api/v1/session", logout, 0 },
	{ "GET", "/api/v1/session/userinfo", userinfo, API_OPTIONAL_AUTH },
	{ NULL, NULL, NULL, 0 },
};
