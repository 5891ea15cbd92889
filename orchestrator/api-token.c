/*
 * api-token.c — ServiceAccount tokens: the serviceaccounts/NAME/token
 * subresource that `kubectl create token` posts a TokenRequest to, the
 * authentication of the tokens it hands out, and their authorization.
 *
 * A token is a JWT (HS256, lib/jwt.h) under a 32-byte key kept 0600 in the
 * data dir (sa-signing-key), with the claims kube-apiserver's tokens carry:
 * iss, sub "system:serviceaccount:NS:NAME", aud, iat/nbf/exp, jti and
 * kubernetes.io {namespace, serviceaccount {name, uid}}. A request bearing
 * one is served when the signature holds, it has not expired, its audience
 * includes the API server's and the ServiceAccount still exists with the
 * same uid (deleting the account revokes its tokens); RBAC (rbac.h) then
 * decides what it may do. Tokens bound to a Pod or Secret are not issued.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "doc.h"
#include "jwt.h"
#include "rbac.h"
#include "timefmt.h"

#define ISSUER "https://kubernetes.default.svc.cluster.local"
#define MIN_SECONDS 600
#define DEFAULT_SECONDS 3600
#define MAX_SECONDS 4294967296LL

static const char *claim(const json_t *claims, const char *a, const char *b)
{
	return json_string_value(doc_getv(claims, "kubernetes.io", a, b, NULL));
}

int api_token_authenticate(struct api *api, const char *token, struct api_user *user)
{
	json_t *claims;
	if (jwt_verify(&claims, token, api->sa_key, sizeof(api->sa_key), ISSUER, ISSUER,
		       time(NULL), NULL) < 0)
		return -1;
	const char *ns = json_string_value(doc_getv(claims, "kubernetes.io", "namespace", NULL));
	const char *name = claim(claims, "serviceaccount", "name");
	const char *uid = claim(claims, "serviceaccount", "uid");
	const char *sub = doc_get_str(claims, "sub");
	int rc = -1;
	char username[600];
	if (ns && name && uid && sub && strlen(ns) < 254 && strlen(name) < 254) {
		snprintf(username, sizeof(username), "system:serviceaccount:%s:%s", ns, name);
		struct resource *r = registry_find(api->reg, "", "v1", "serviceaccounts");
		json_t *sa = NULL;
		if (!strcmp(sub, username) && r &&
		    objects_get(api->objects, r, ns, name, &sa, NULL) == 0) {
			const char *now_uid = doc_get_str(sa, "metadata.uid");
			rc = now_uid && !strcmp(now_uid, uid) ? 0 : -1;
		}
		json_decref(sa);
		resource_unref(r);
	}
	if (rc == 0)
		api_user_set(user, username, NULL);
	json_decref(claims);
	return rc;
}

void api_user_set(struct api_user *user, const char *username, const char *const *extra)
{
	memset(user, 0, sizeof(*user));
	snprintf(user->username, sizeof(user->username), "%s", username);
	size_t n = 0;
	static const char prefix[] = "system:serviceaccount:";
	const char *ns = !strncmp(username, prefix, sizeof(prefix) - 1)
		? username + sizeof(prefix) - 1 : NULL;
	const char *colon = ns ? strchr(ns, ':') : NULL;
	if (colon) {
		snprintf(user->groups[n++], sizeof(user->groups[0]), "system:serviceaccounts");
		snprintf(user->groups[n++], sizeof(user->groups[0]), "system:serviceaccounts:%.*s",
			 (int)(colon - ns), ns);
	}
	for (size_t i = 0; extra && extra[i] && n < API_MAX_GROUPS - 1; i++)
		snprintf(user->groups[n++], sizeof(user->groups[0]), "%s", extra[i]);
	snprintf(user->groups[n++], sizeof(user->groups[0]), "system:authenticated");
	for (size_t i = 0; i < n; i++) {
		user->group_list[i] = user->groups[i];
		user->admin |= !strcmp(user->groups[i], "system:masters");
	}
}

static const char *verb_of(const struct api_path *p, struct http_request *req)
{
	const char *m = req->method;
	if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
		if (api_truthy(http_request_query(req, "watch")))
			return "watch";
		return p->name[0] ? "get" : "list";
	}
	if (!strcmp(m, "POST"))
		return "create";
	if (!strcmp(m, "PUT"))
		return "update";
	if (!strcmp(m, "PATCH"))
		return "patch";
	if (!strcmp(m, "DELETE"))
		return p->name[0] ? "delete" : "deletecollection";
	return "unknown";
}

int api_token_authorize(struct api *api, const struct api_user *user, const struct api_path *p,
			struct http_request *req, struct http_response *resp)
{
	struct rbac_request rq = { verb_of(p, req), p->res->group, p->res->resource, p->sub,
				   p->name, p->ns };
	if (rbac_allowed(api->objects, user->username, user->group_list, &rq))
		return 1;
	struct kstatus st = KSTATUS_INIT;
	rbac_forbidden(&st, user->username, &rq);
	api_send_status(resp, &st);
	return 0;
}

static int invalid(struct kstatus *st, const char *name, const char *field, const char *fmt,
		   long long v)
{
	char why[200];
	snprintf(why, sizeof(why), fmt, v);
	kstatus_cause(st, "FieldValueInvalid", field, "%s", why);
	kstatus_details(st, name, "authentication.k8s.io", "TokenRequest");
	return kstatus_set(st, 422, "Invalid", "TokenRequest.authentication.k8s.io \"%s\" is "
			   "invalid: %s: %s", name, field, why);
}

/* Checks the TokenRequest body: *seconds and *audiences (new reference). */
static int read_request(const json_t *body, const char *name, json_int_t *seconds,
			json_t **audiences, struct kstatus *st)
{
	const char *av = doc_get_str(body, "apiVersion"), *kind = doc_get_str(body, "kind");
	if ((av && av[0] && strcmp(av, "authentication.k8s.io/v1")) ||
	    (kind && kind[0] && strcmp(kind, "TokenRequest")))
		return kstatus_bad_request(st, "the body must be an authentication.k8s.io/v1 "
					   "TokenRequest, not %s %s", av ? av : "", kind ? kind : "");
	const json_t *exp = doc_get(body, "spec.expirationSeconds");
	*seconds = DEFAULT_SECONDS;
	if (exp && !json_is_null(exp)) {
		if (!json_is_integer(exp))
			return invalid(st, name, "spec.expirationSeconds",
				       "Invalid value: must be an integer%.0lld", 0);
		*seconds = json_integer_value(exp);
	}
	if (*seconds < MIN_SECONDS)
		return invalid(st, name, "spec.expirationSeconds", "Invalid value: %lld: may not "
			       "specify a duration less than 10 minutes", (long long)*seconds);
	if (*seconds > MAX_SECONDS)
		return invalid(st, name, "spec.expirationSeconds", "Invalid value: %lld: may not "
			       "specify a duration larger than 2^32 seconds", (long long)*seconds);
	const json_t *bound = doc_get(body, "spec.boundObjectRef");
	if (bound && !json_is_null(bound) && json_object_size(bound))
		return kstatus_bad_request(st, "spec.boundObjectRef: tokens bound to an object are "
					   "not issued by the bundled cluster");
	const json_t *aud = doc_get(body, "spec.audiences");
	*audiences = json_array();
	size_t i;
	json_t *a;
	json_array_foreach(aud, i, a) {
		if (!json_is_string(a) || !json_string_length(a)) {
			json_decref(*audiences);
			return invalid(st, name, "spec.audiences", "Invalid value: audience %lld must "
				       "be a non-empty string", (long long)i);
		}
		json_array_append(*audiences, a);
	}
	if (!json_array_size(*audiences))
		json_array_append_new(*audiences, json_string(ISSUER));
	return 0;
}

static void random_id(char out[37])
{
	unsigned char b[16] = { 0 };
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		memset(b, 0x5a, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

void api_token_request(struct api *api, struct api_path *p, struct http_request *req,
		       struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	if (strcmp(req->method, "POST") || !p->name[0]) {
		kstatus_set(&st, 405, "MethodNotAllowed", "the server does not allow this method "
			    "on the requested resource (%s)", req->method);
		return api_send_status(resp, &st);
	}
	json_t *body = NULL, *audiences = NULL, *sa = NULL;
	json_int_t seconds = DEFAULT_SECONDS;
	if (api_read_body(req, &body, &st) < 0 ||
	    read_request(body, p->name, &seconds, &audiences, &st) < 0 ||
	    objects_get(api->objects, p->res, p->ns, p->name, &sa, &st) < 0) {
		json_decref(body);
		json_decref(audiences);
		return api_send_status(resp, &st);
	}
	time_t now = time(NULL);
	char jti[37], sub[600];
	random_id(jti);
	snprintf(sub, sizeof(sub), "system:serviceaccount:%s:%s", p->ns, p->name);
	json_t *claims = json_pack("{s:O, s:I, s:I, s:I, s:s, s:s, s:s, s:{s:s, s:{s:s, s:s}}}",
				   "aud", audiences, "exp", (json_int_t)now + seconds, "iat",
				   (json_int_t)now, "nbf", (json_int_t)now, "iss", ISSUER, "jti",
				   jti, "sub", sub, "kubernetes.io", "namespace", p->ns,
				   "serviceaccount", "name", p->name, "uid",
				   doc_get_str(sa, "metadata.uid") ?: "");
	char *token = NULL;
	struct berr e = BERR_INIT;
	if (jwt_sign(&token, claims, api->sa_key, sizeof(api->sa_key), &e) < 0) {
		kstatus_set(&st, 500, "InternalError", "%s", e.msg);
		api_send_status(resp, &st);
	} else {
		char expires[TIMEFMT_SIZE];
		timefmt_rfc3339(expires, now + (time_t)seconds);
		json_t *out = json_pack("{s:s, s:s, s:{s:s, s:s, s:n}, s:{s:O, s:I, s:n}, "
					"s:{s:s, s:s}}", "kind", "TokenRequest", "apiVersion",
					"authentication.k8s.io/v1", "metadata", "name", p->name,
					"namespace", p->ns, "creationTimestamp", "spec", "audiences",
					audiences, "expirationSeconds", seconds, "boundObjectRef",
					"status", "token", token, "expirationTimestamp", expires);
		http_response_json(resp, 201, out);
		json_decref(out);
	}
	free(token);
	json_decref(claims);
	json_decref(sa);
	json_decref(audiences);
	json_decref(body);
}
