/*
 * route-settings — what a client reads before logging in (settings,
 * version) and what operators scrape (healthz, metrics).
 */
#include <string.h>

#include "api/api-internal.h"
#include "version.h"

void api_metrics_write(struct api *api, struct buf *out);

static void settings(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	(void)req;
	struct berr err = BERR_INIT;
	if (!ctx->st && api_settings_get(ctx->api, &ctx->st, &err) < 0)
		return api_error(resp, &err);
	const char *url = api_cm_value(ctx->st, "url");
	const char *label = api_cm_value(ctx->st, "application.instanceLabelKey");
	json_t *out = json_pack("{s:s, s:s, s:s, s:{s:b}, s:b}", "url", url ? url : "",
				"appLabelKey", label ? label : "app.kubernetes.io/instance",
				"controllerNamespace", ctx->api->ns, "userLoginsDisabled", "disabled",
				0, "rbacPolicyValid", ctx->st->policy_error == NULL);
	http_response_json(resp, 200, out);
	json_decref(out);
}

static void version(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	(void)ctx;
	(void)req;
	json_t *out = json_pack("{s:s, s:s}", "Version", BOSUN_VERSION, "Platform",
#if defined(__x86_64__)
				"linux/amd64"
#elif defined(__aarch64__)
				"linux/arm64"
#else
				"linux"
#endif
	);
	http_response_json(resp, 200, out);
	json_decref(out);
}

static void healthz(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	(void)req;
	struct api_settings *st;
	struct berr err = BERR_INIT;
	if (api_settings_get(ctx->api, &st, &err) < 0)
		return http_response_text(resp, 503, "text/plain", "cluster unreachable\n", 20);
	api_settings_put(st);
	http_response_text(resp, 200, "text/plain", "ok\n", 3);
}

static void metrics(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	(void)req;
	struct buf b = BUF_INIT;
	api_metrics_write(ctx->api, &b);
	http_response_text(resp, 200, "text/plain; version=0.0.4", b.data, b.len);
	buf_release(&b);
}

const struct api_route api_routes_settings[] = {
	{ "GET", "/api/v1/settings", settings, API_PUBLIC },
	{ "GET", "/api/version", version, API_PUBLIC },
	{ "GET", "/api/v1/version", version, API_PUBLIC },
	{ "GET", "/healthz", healthz, API_PUBLIC },
	{ "GET", "/metrics", metrics, API_PUBLIC },
	{ NULL, NULL, NULL, 0 },
};
