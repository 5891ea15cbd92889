/*
 * api — the Kubernetes HTTP API of the bundled cluster, internal contract
 * between its files: api-common.c (auth, paths, bodies, answers),
 * api-discovery.c, api-openapi.c, api-crud.c, api-list-stream.c,
 * api-watch.c, api-patch.c, api-tables.c, api-convert.c, api-token.c,
 * api-review.c and api-errors.c (kstatus.h).
 *
 * A request under /api or /apis is parsed into a `struct api_path` (group,
 * version, namespace, resource, name, subresource) and dispatched by verb.
 */
#ifndef BOSUN_ORCH_API_H
#define BOSUN_ORCH_API_H

#include <jansson.h>

#include "buf.h"
#include "http.h"
#include "kstatus.h"
#include "objects.h"
#include "registry.h"
#include "schema.h"
#include "selector.h"
#include "store.h"

struct watch_hub;

struct api {
	struct objects *objects;
	struct registry *reg;
	struct store *store;
	struct watch_hub *hub;
	char *token;                    /* the admin's bearer token */
	unsigned char sa_key[32];       /* signs ServiceAccount tokens (api-token.c) */
	size_t max_body;
};

/* Who a request comes from: the admin token's holder (or anyone in the
 * system:masters group), who may do anything, or a user RBAC authorizes
 * (rbac.h): a ServiceAccount by its token, or whoever the admin
 * impersonates (Impersonate-User and Impersonate-Group headers). */
#define API_MAX_GROUPS 8
struct api_user {
	int admin;
	char username[600];             /* "system:serviceaccount:NS:NAME", ... */
	char groups[API_MAX_GROUPS][256];
	const char *group_list[API_MAX_GROUPS + 1];     /* into groups, NULL-terminated */
};

struct api_path {
	int is_core;                    /* /api/v1 rather than /apis/g/v */
	char group[256];
	char version[256];
	char ns[256];                   /* "" when not in a namespace */
	char resource[256];             /* "" for the group-version root */
	char name[256];
	char sub[256];                  /* "status", "scale", ... */
	struct resource *res;           /* served resource, or NULL */
	/* A version served by conversion (convert.h): `view` is the version the
	 * client asked for, `res` the storage version every handler works on;
	 * `body` the request's object already read and converted (POST, PUT) */
	struct resource *view;
	json_t *body;
};

/* Routes every path of the API on srv. */
int api_routes(struct http_server *srv, struct api *api, struct berr *err);

/* --- api-common.c ---------------------------------------------------------- */

/* 1 when the request carries the admin token or a valid ServiceAccount
 * token (filling *user, impersonation applied; user may be NULL); otherwise
 * answers 401 (403 for an impersonation only the admin may do) and gives
 * 0. Discovery and OpenAPI need nothing more. */
int api_authorized(struct api *api, struct http_request *req, struct http_response *resp,
		   struct api_user *user);
/* Answers a Status error (st's code, or 500). Releases st. */
void api_send_status(struct http_response *resp, struct kstatus *st);
/* Answers with a JSON document (borrowed). */
void api_send_json(struct http_response *resp, int code, const json_t *doc);
/* Parses the request body (JSON, or YAML by Content-Type) into *out.
 * Protobuf and other types give 415; malformed bodies 400. */
int api_read_body(struct http_request *req, json_t **out, struct kstatus *st);
/* The same for an object a write will store: duplicate fields are not an
 * error here but a message ("duplicate field \"replicas\"", the last value
 * wins) appended to `problems` for api_check_fields. */
int api_read_object(struct http_request *req, json_t *problems, json_t **out,
		    struct kstatus *st);
/* Parses JSON (or YAML) text into an object the same way. */
int api_parse_object(const char *text, size_t len, int yaml, json_t *problems, json_t **out,
		     struct kstatus *st);
/* The request's fieldValidation (Warn when absent); 400 for other values. */
int api_field_validation(struct http_request *req, enum schema_validation *out,
			 struct kstatus *st);
/*
 * Removes the fields obj's kind does not declare and reports them with the
 * duplicate-field `problems`: Strict fails with 400 BadRequest ("strict
 * decoding error: unknown field \"spec.foo\"", or for server-side apply
 * ".spec.foo: field not declared in schema"), Warn adds one `Warning: 299`
 * header each, Ignore says nothing. Returns 0 or <0 with st filled.
 */
int api_check_fields(const struct resource *r, json_t *obj, enum schema_validation mode,
		     json_t *problems, int apply, struct http_response *resp, struct kstatus *st);
/* Go's strconv.ParseBool truths: 1, t, T, TRUE, true, True. */
int api_truthy(const char *s);
/* The Accept header asks for a meta.k8s.io Table. */
int api_wants_table(struct http_request *req);

/* --- api-token.c -------------------------------------------------------------- */

/* Fills *user from a ServiceAccount token: 0, or -1 when it is not one this
 * cluster issued, it expired, names another audience, or its ServiceAccount
 * is gone (deleted, or recreated with another uid). */
/* Sets the user's name and groups: a ServiceAccount's groups follow from
 * its name, `extra` (may be NULL, NULL-terminated) are added, and
 * system:authenticated; a member of system:masters is admin. */
void api_user_set(struct api_user *user, const char *username, const char *const *extra);
int api_token_authenticate(struct api *api, const char *token, struct api_user *user);
/* Whether the user may make the request; answers 403 itself and gives 0. */
int api_token_authorize(struct api *api, const struct api_user *user, const struct api_path *p,
			struct http_request *req, struct http_response *resp);
/* POST serviceaccounts/NAME/token: a TokenRequest answered with a token. */
void api_token_request(struct api *api, struct api_path *p, struct http_request *req,
		       struct http_response *resp);

/* --- api-review.c ------------------------------------------------------------- */

/* Answers a POST of a SelfSubjectAccessReview or SelfSubjectReview for
 * `user` and gives 1; 0 (nothing answered) for any other request. */
int api_review(struct api *api, const struct api_user *user, struct http_request *req,
	       struct http_response *resp);

/* --- api-convert.c ----------------------------------------------------------- */

/* Serves a request on a version served by conversion: p->res is that
 * version on entry. Reads and converts the body, runs the handler on the
 * storage version and converts its answer back. */
void api_convert_serve(struct api *api, struct api_path *p, struct http_request *req,
		       struct http_response *resp);
/* The object of a converted version's request read the way do_create and
 * do_update read one, fields checked against the version asked for
 * (api_check_fields), then converted to the storage version. */
int api_convert_read(struct api_path *p, struct http_request *req, struct http_response *resp,
		     struct kstatus *st);
/* The same for a create or update on the storage version whose body names
 * a version served by conversion (an autoscaling/v1 object sent to the v2
 * path): read as that version into p->body, as the real server decodes by
 * the body's apiVersion. 0 (also when there is nothing to do) or <0. */
int api_convert_foreign(struct api *api, struct api_path *p, struct http_request *req,
			struct http_response *resp, struct kstatus *st);
/* A stored object as p->view's version when there is one (new reference). */
json_t *api_convert_out(const struct api_path *p, const json_t *obj);
/* ... and back (new reference). */
json_t *api_convert_in(const struct api_path *p, const json_t *obj);

/* --- the handlers ------------------------------------------------------------ */

void api_discovery_routes(struct http_server *srv, struct api *api);
void api_openapi_routes(struct http_server *srv, struct api *api);
/* GET/POST/PUT/PATCH/DELETE on a parsed resource path. */
void api_crud(struct api *api, struct api_path *p, struct http_request *req,
	      struct http_response *resp);
void api_patch(struct api *api, struct api_path *p, struct http_request *req,
	       struct http_response *resp);
/* DeleteOptions (`opts`, may be NULL) and the query's delete parameters
 * into o; its strings are borrowed from both. */
void api_delete_options(struct http_request *req, const json_t *opts, struct obj_delete_opts *o);
/* POST pods/NAME/eviction (api-eviction.c). */
void api_evict(struct api *api, struct api_path *p, struct http_request *req,
	       struct http_response *resp);
/* The autoscaling/v1 Scale of an object (new reference). */
json_t *api_scale_of(const struct resource *r, const json_t *obj);
/* Sets the replicas a Scale names and answers with the new Scale. */
void api_scale_write(struct api *api, struct api_path *p, const json_t *scale,
		     const char *manager, struct http_response *resp);

/* Table conversion: a new meta.k8s.io/v1 Table of the given objects. */
json_t *api_table(const struct resource *r, json_t *const *objs, size_t n,
		  const char *list_rv, int include_object);
/* One Table row for a watch event's object. */
json_t *api_table_for_object(const struct resource *r, const json_t *obj);

/* Appends kv's object to out, after a comma when `comma`, with its
 * resourceVersion: spliced into the stored text, or, when a field selector
 * must see the object or the text is not in the layout objects_splice()
 * knows (or its labels could not be read there: `match` < 0, from
 * objects_stored_match()), decoded, matched and printed, one object at a
 * time. Returns 1 when appended, 0 when not (not selected, not an object;
 * out is left as it was). In api-crud.c. */
int api_list_item_append(struct buf *out, const struct store_kv *kv, int match,
			 const struct selector *labels, const struct selector *fields, int comma);

/* --- api-list-stream.c --------------------------------------------------------- */

/* Answers with the list cur yields, streamed; takes cur, the selectors and
 * prefix (a key prefix, for the log). */
void api_list_stream(struct http_response *resp, const struct resource *res,
		     struct store_cursor *cur, int64_t rev, struct selector *labels,
		     struct selector *fields, char *prefix);

/* --- api-watch.c ------------------------------------------------------------- */

struct watch_hub *watch_hub_start(struct store *store, struct registry *reg);
void watch_hub_stop(struct watch_hub *hub);
/* Serves a watch request (turns resp into a stream). */
void api_watch(struct api *api, struct api_path *p, struct http_request *req,
	       struct http_response *resp, struct selector *labels,
	       struct selector *fields);

#endif
