/*
 * route-notifications — the notification delivery log (notify.c keeps the
 * last deliveries): GET /api/v1/notifications/deliveries, each delivery
 * shown to whoever may read its application.
 */
#include <string.h>

#include "api/api-internal.h"

static void deliveries(struct api_ctx *ctx, struct http_request *req,
		       struct http_response *resp)
{
	const char *app = http_request_query(req, "app");
	json_t *all = api_notify_deliveries(ctx->api);
	json_t *items = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(all, i, d) {
		const char *a = api_str(d, "app") ? api_str(d, "app") : "";
		if (app && *app && strcmp(app, a))
			continue;
		char obj[2 * API_NAME_MAX + 2];
		api_app_rbac_object(ctx->api, a, obj, sizeof(obj));
		if (api_can(ctx, "applications", "get", obj))
			json_array_append(items, d);
	}
	json_decref(all);
	json_t *out = json_pack("{s:o}", "items", items);
	http_response_json(resp, 200, out);
	json_decref(out);
}

const struct api_route api_routes_notifications[] = {
	{ "GET", "/api/v1/notifications/deliveries", deliveries, 0 },
	{ NULL, NULL, NULL, 0 },
};
