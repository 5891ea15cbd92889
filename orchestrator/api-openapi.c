/*
 * api-openapi.c — /openapi/v2 and /openapi/v3.
 */
#include "api.h"

static void not_found(struct http_request *req, struct http_response *resp, void *arg)
{
	struct api *api = arg;
	if (!api_authorized(api, req, resp))
		return;
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
	api_send_status(resp, &st);
}

void api_openapi_routes(struct http_server *srv, struct api *api)
{
	http_server_route(srv, "GET", "/openapi/*", not_found, api, NULL);
}
