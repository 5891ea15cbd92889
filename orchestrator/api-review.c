/*
 * api-review.c — the two reviews a client makes about itself:
 * SelfSubjectAccessReview (`kubectl auth can-i`, authorization.k8s.io/v1)
 * and SelfSubjectReview (`kubectl auth whoami`, authentication.k8s.io/v1).
 *
 * They are not stored: each POST is answered with the object it sent plus
 * a status, computed for the identity the request authenticated as (the
 * admin may do anything; a ServiceAccount what RBAC allows it, rbac.h).
 * Neither is listed in discovery; kubectl posts to them directly.
 */
#include "api.h"

#include <string.h>

#include "doc.h"
#include "rbac.h"

static const char SSAR[] = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
static const char SSR[] = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

static const char *str_at(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static void access_review(const struct api *api, const struct api_user *user, json_t *body,
			  struct http_response *resp)
{
	const json_t *ra = doc_get(body, "spec.resourceAttributes");
	int allowed = user->admin;
	const char *reason = user->admin ? "the admin token may do anything" : "";
	if (!user->admin && json_is_object(ra)) {
		struct rbac_request rq = { str_at(ra, "verb"), str_at(ra, "group"),
					   str_at(ra, "resource"), str_at(ra, "subresource"),
					   str_at(ra, "name"), str_at(ra, "namespace") };
		allowed = rbac_allowed(api->objects, user->username, user->group_list, &rq);
		reason = allowed ? "allowed by a RoleBinding or ClusterRoleBinding" : "";
	}
	json_object_set_new(body, "apiVersion", json_string("authorization.k8s.io/v1"));
	json_object_set_new(body, "kind", json_string("SelfSubjectAccessReview"));
	json_t *status = json_pack("{s:b}", "allowed", allowed);
	if (reason[0])
		json_object_set_new(status, "reason", json_string(reason));
	json_object_set_new(body, "status", status);
	http_response_json(resp, 201, body);
}

static void self_review(const struct api_user *user, json_t *body, struct http_response *resp)
{
	json_t *groups = json_array();
	for (size_t i = 0; user->group_list[i]; i++)
		json_array_append_new(groups, json_string(user->group_list[i]));
	json_object_set_new(body, "apiVersion", json_string("authentication.k8s.io/v1"));
	json_object_set_new(body, "kind", json_string("SelfSubjectReview"));
	json_object_set_new(body, "status", json_pack("{s:{s:s, s:o}}", "userInfo", "username",
						      user->username, "groups", groups));
	http_response_json(resp, 201, body);
}

int api_review(struct api *api, const struct api_user *user, struct http_request *req,
	       struct http_response *resp)
{
	int access = !strcmp(req->path, SSAR);
	if (strcmp(req->method, "POST") || (!access && strcmp(req->path, SSR)))
		return 0;
	struct kstatus st = KSTATUS_INIT;
	json_t *body;
	if (api_read_body(req, &body, &st) < 0) {
		api_send_status(resp, &st);
		return 1;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		kstatus_bad_request(&st, "the body of the request was not a JSON object");
		api_send_status(resp, &st);
		return 1;
	}
	if (access)
		access_review(api, user, body, resp);
	else
		self_review(user, body, resp);
	json_decref(body);
	return 1;
}
