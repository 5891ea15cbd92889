/*
 * api-convert.c — requests on a built-in version served by conversion
 * (autoscaling/v1 HorizontalPodAutoscalers, see convert.h).
 *
 * Objects are stored in one version only, so the handlers run unchanged on
 * the storage version: the body of a create or update is read and checked
 * against the version the client named and converted before the handler
 * sees it (p->body), a patch is applied to the object as the client's
 * version (api-patch.c converts there), watch events are converted as they
 * are sent (api-watch.c), and every other answer is converted here once
 * the handler is done: an object or a list of them; Status and Table
 * answers read the same in both versions. A body of the converted version
 * sent to the storage version's path is converted on its way in too.
 */
#include "api.h"

#include <string.h>

#include "convert.h"
#include "doc.h"
#include "kinds.h"

json_t *api_convert_out(const struct api_path *p, const json_t *obj)
{
	json_t *out = p->view ? convert_from_storage(p->view, obj) : NULL;
	return out ? out : json_incref((json_t *)obj);
}

json_t *api_convert_in(const struct api_path *p, const json_t *obj)
{
	json_t *out = p->view ? convert_to_storage(p->view, obj) : NULL;
	return out ? out : json_incref((json_t *)obj);
}

int api_convert_read(struct api_path *p, struct http_request *req, struct http_response *resp,
		     struct kstatus *st)
{
	enum schema_validation mode;
	if (api_field_validation(req, &mode, st) < 0)
		return -1;
	json_t *problems = json_array(), *obj = NULL;
	int rc = api_read_object(req, problems, &obj, st);
	if (rc == 0 && !json_is_object(obj))
		rc = kstatus_bad_request(st, "the body of the request was not a JSON object");
	char view_av[512], stored_av[512];
	resource_api_version(p->view, view_av, sizeof(view_av));
	resource_api_version(p->res, stored_av, sizeof(stored_av));
	const char *av = rc == 0 ? doc_get_str(obj, "apiVersion") : NULL;
	const char *kind = rc == 0 ? doc_get_str(obj, "kind") : NULL;
	int stored = av && !strcmp(av, stored_av);
	if (rc == 0 && av && av[0] && strcmp(av, view_av) && !stored)
		rc = kstatus_bad_request(st, "the API version in the data (%s) does not match the "
					 "expected API version (%s)", av, view_av);
	if (rc == 0 && kind && kind[0] && strcmp(kind, p->view->kind))
		rc = kstatus_bad_request(st, "the kind in the data (%s) does not match the "
					 "expected kind (%s)", kind, p->view->kind);
	if (rc == 0)
		rc = api_check_fields(stored ? p->res : p->view, obj, mode, problems, 0, resp, st);
	json_decref(problems);
	if (rc == 0)
		p->body = stored ? json_incref(obj) : convert_to_storage(p->view, obj);
	json_decref(obj);
	return rc < 0 ? rc : 0;
}

int api_convert_foreign(struct api *api, struct api_path *p, struct http_request *req,
			struct http_response *resp, struct kstatus *st)
{
	if (p->view || p->body || p->res->crd ||
	    !convert_kind_has_versions(p->res->group, p->res->kind))
		return 0;
	json_t *obj;
	struct kstatus ignored = KSTATUS_INIT;
	if (api_read_object(req, NULL, &obj, &ignored) < 0) {
		kstatus_release(&ignored);
		return 0;       /* the handler's own read says what is wrong */
	}
	char g[256], v[64];
	const char *av = doc_get_str(obj, "apiVersion");
	struct resource *view = NULL;
	if (av && kinds_split_api_version(av, g, sizeof(g), v, sizeof(v)) == 0 &&
	    !strcmp(g, p->res->group) && strcmp(v, p->res->version))
		view = registry_find_kind(api->reg, g, v, p->res->kind);
	json_decref(obj);
	int rc = 0;
	if (view && convert_needed(view)) {
		p->view = view;
		rc = api_convert_read(p, req, resp, st);
		p->view = NULL;
	}
	resource_unref(view);
	return rc;
}

/* Converts the handler's JSON answer (an object or a list) in place. */
static void convert_answer(const struct api_path *p, struct http_response *resp)
{
	if (resp->status >= 300 || !resp->body.len)
		return;
	json_t *doc = json_loadb(resp->body.data, resp->body.len, 0, NULL);
	const char *kind = doc_get_str(doc, "kind");
	json_t *out = NULL;
	if (kind && !strcmp(kind, p->res->kind)) {
		out = api_convert_out(p, doc);
	} else if (kind && !strcmp(kind, p->res->list_kind)) {
		char av[512];
		resource_api_version(p->view, av, sizeof(av));
		out = json_incref(doc);
		json_object_set_new(out, "apiVersion", json_string(av));
		json_t *items = json_object_get(out, "items");
		size_t i;
		json_t *item;
		json_array_foreach(items, i, item)
			json_array_set_new(items, i, api_convert_out(p, item));
	}
	if (out)
		http_response_json(resp, resp->status, out);
	json_decref(out);
	json_decref(doc);
}

void api_convert_serve(struct api *api, struct api_path *p, struct http_request *req,
		       struct http_response *resp)
{
	struct resource *stored = registry_find(api->reg, p->res->group, NULL, p->res->resource);
	if (!stored || !stored->storage) {
		resource_unref(stored);
		struct kstatus st = KSTATUS_INIT;
		kstatus_set(&st, 500, "InternalError", "no storage version of %s.%s",
			    p->res->resource, p->res->group);
		return api_send_status(resp, &st);
	}
	p->view = p->res;
	p->res = stored;
	const char *m = req->method;
	int write = (!strcmp(m, "POST") && !p->name[0]) ||
		    (!strcmp(m, "PUT") && p->name[0] && (!p->sub[0] || !strcmp(p->sub, "status")));
	struct kstatus st = KSTATUS_INIT;
	if (write && api_convert_read(p, req, resp, &st) < 0) {
		api_send_status(resp, &st);
	} else {
		if (!strcmp(m, "PATCH"))
			api_patch(api, p, req, resp);
		else
			api_crud(api, p, req, resp);
		if (!resp->stream)
			convert_answer(p, resp);
	}
	json_decref(p->body);
	p->body = NULL;
	resource_unref(p->res);
	p->res = p->view;
	p->view = NULL;
}
