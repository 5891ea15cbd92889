/*
 * api-internal — what the API's files share: the server state, the
 * per-request context (who is calling, which settings snapshot), the route
 * table type every route-*.c file fills, and helpers for answers and for
 * the objects in the control-plane cluster.
 */
#ifndef BOSUN_API_INTERNAL_H
#define BOSUN_API_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/rbac.h"
#include "doc.h"
#include "http.h"
#include "kube.h"

#define API_GROUP_VERSION "bosun.io/v1alpha1"
#define API_ISSUER "bosun"
#define API_AUDIENCE "bosun"
#define API_FINALIZER "resources-finalizer.bosun.io"
#define API_IN_CLUSTER "https://kubernetes.default.svc"
#define API_NAME_MAX 128

/* A snapshot of bosun-cm, bosun-secret and bosun-rbac-cm, shared by the
 * requests that took it and rebuilt when stale. Read-only once built. */
struct api_settings {
	int refs;
	time_t loaded;
	json_t *cm;                     /* bosun-cm data: {key: string} */
	json_t *secret;                 /* bosun-secret data, decoded: {key: string} */
	struct rbac_policy *policy;
	char policy_digest[DOC_DIGEST_HEX_LEN + 1];     /* of what the policy was built from */
	json_t *project_tokens;         /* {"proj:<project>:<role>": {token id: true}} */
	char *policy_error;             /* bosun-rbac-cm was unusable: built-ins only */
	struct buf key;                 /* JWT signing key */
};

struct api_revoked;
struct api_hub;
struct api_notifier;
struct api_binding;
struct api_list_cache;

struct api {
	struct api_config cfg;
	char *data_dir, *ns, *ui_dir;
	struct kube_client *kc;
	struct http_client *repo;
	struct http_client **controllers;       /* one per controller shard */
	size_t ncontrollers;
	struct http_server *srv;
	struct api_binding *bindings;   /* one per route (api.c) */
	size_t nbindings;
	struct throttle *throttle;
	struct api_revoked *revoked;

	pthread_mutex_t mu;             /* guards settings */
	struct api_settings *settings;
	int settings_dirty;

	struct api_hub *apps_hub;       /* stream of Applications */
	struct api_list_cache *list_cache;      /* unfiltered application lists */
	struct api_hub *alerts_hub;     /* stream of alert Events */
	struct api_notifier *notifier;

	/* metrics */
	pthread_mutex_t metrics_mu;
	json_t *metrics;                /* {"route code": count} */
	unsigned long long latency_buckets[12];
	double latency_sum;
	unsigned long long latency_count;
	unsigned long long logins_failed;
};

struct api_ctx {
	struct api *api;
	struct api_settings *st;
	char user[API_NAME_MAX];
	char jti[80];
	int session;                    /* authenticated by a session, not an API token */
	json_t *claims;
};

typedef void (*api_handler_fn)(struct api_ctx *ctx, struct http_request *req,
			       struct http_response *resp);

enum { API_PUBLIC = 1, API_OPTIONAL_AUTH = 2, API_NO_CACHE_HEADERS = 4 };

struct api_route {
	const char *method;
	const char *pattern;
	api_handler_fn fn;
	unsigned flags;
};

extern const struct api_route api_routes_session[];
extern const struct api_route api_routes_accounts[];
extern const struct api_route api_routes_applications[];
extern const struct api_route api_routes_projects[];
extern const struct api_route api_routes_project_roles[];
extern const struct api_route api_routes_repositories[];
extern const struct api_route api_routes_clusters[];
extern const struct api_route api_routes_settings[];
extern const struct api_route api_routes_stream[];
extern const struct api_route api_routes_webhook[];
extern const struct api_route api_routes_notifications[];
extern const struct api_route api_routes_static[];

/* ---- settings (settings.c) ---- */

/* A snapshot at most a second old; release with api_settings_put(). */
int api_settings_get(struct api *api, struct api_settings **out, struct berr *err);
void api_settings_put(struct api_settings *st);
/* The next api_settings_get() reloads (after this replica wrote). */
void api_settings_invalidate(struct api *api);
/* bosun-cm value or NULL. */
const char *api_cm_value(const struct api_settings *st, const char *key);
const char *api_secret_value(const struct api_settings *st, const char *key);

/*
 * Read-modify-write of a ConfigMap or Secret (kind "ConfigMap"/"Secret") in
 * Bosun's namespace: edit gets the object's data as {key: string}
 * (decoded for Secrets), changes it and returns 0 (or a negative code to
 * abandon). The object is created when missing; a concurrent write is
 * retried.
 */
/* data of a ConfigMap (secret 0) or Secret (secret 1, values decoded) as
 * {key: string}; new reference. Values that are not text are left out. */
json_t *api_decode_data(const json_t *obj, int secret);
typedef int (*api_edit_fn)(json_t *data, void *arg, struct berr *err);
int api_edit_data(struct api *api, const char *kind, const char *name, api_edit_fn edit,
		  void *arg, struct berr *err);

/* ---- accounts (accounts.c) ---- */

int api_accounts_bootstrap(struct api *api, struct berr *err);
/* Authenticates the request's bearer token or bosun.token cookie, filling
 * ctx. BERR_AUTH with the reason. */
int api_authenticate(struct api_ctx *ctx, struct http_request *req, struct berr *err);
/* Account facts from a settings snapshot. */
int api_account_exists(const struct api_settings *st, const char *name);
int api_account_enabled(const struct api_settings *st, const char *name);
int api_account_has_capability(const struct api_settings *st, const char *name,
			       const char *cap);
/* Every account name (admin first), a new JSON array of strings. */
json_t *api_account_names(const struct api_settings *st);
/* 1 match, 0 no match (also for unknown accounts, after the same work). */
int api_account_check_password(const struct api_settings *st, const char *name,
			       const char *password);
/* Issues a session token for name (malloc'd). */
int api_session_issue(struct api *api, const struct api_settings *st, const char *name,
		      char **out, struct berr *err);
/* Issues an API token and records it; *id gets its id. */
int api_token_issue(struct api *api, const char *name, const char *id, long expires_in,
		    char **out, struct berr *err);
int api_token_revoke(struct api *api, const char *name, const char *id, struct berr *err);
int api_password_set(struct api *api, const char *name, const char *password,
		     struct berr *err);
/* Revokes a session until it would have expired anyway. */
void api_session_revoke(struct api *api, const char *jti, time_t exp);
struct api_revoked *api_revoked_new(void);
void api_revoked_free(struct api_revoked *r);

/* ---- helpers (api.c) ---- */

/* 1 when ctx->user may do action on resource/object; otherwise writes 403
 * naming the missing permission and returns 0. */
int api_allow(struct api_ctx *ctx, struct http_response *resp, const char *resource,
	      const char *action, const char *object);
/* Same check without an answer. */
int api_can(struct api_ctx *ctx, const char *resource, const char *action,
	    const char *object);
/* Parses the body as a JSON object: 0, or writes 400 and returns -1. */
int api_body_object(struct http_request *req, struct http_response *resp, json_t **out);
/* Writes the berr as the answer (kube codes mapped to HTTP statuses). */
void api_error(struct http_response *resp, const struct berr *err);
/* A DNS-1123 subdomain of at most max characters: 1, else 0. */
int api_valid_name(const char *name, size_t max);
/* The ref of a Bosun object by kind in Bosun's namespace. */
struct kube_ref api_ref(struct api *api, const char *kind, const char *name);
/* String member or NULL. */
const char *api_str(const json_t *obj, const char *key);
void api_metrics_login_failed(struct api *api);

/* ---- projects and destinations (route-projects.c) ---- */

/* Reads AppProject name: BERR_NOTFOUND names it. */
int api_project_get(struct api *api, const char *name, json_t **out, struct berr *err);
/* 0 when the project permits the app's sources and destination, else
 * BERR_AUTH naming what it does not permit. */
int api_project_permits(const json_t *project, const json_t *spec, struct berr *err);
/* 0 when the destination names a known cluster (in-cluster or a registered
 * one); fills *server with the server URL (malloc'd). */
int api_destination_resolve(struct api *api, const json_t *dest, char **server,
			    struct berr *err);
/* A client for the destination ({server, name}): the API's own for
 * in-cluster (not to be freed), else a new one built from the cluster's
 * Secret, which the caller frees when it is not api->kc. err may be NULL. */
int api_destination_client(struct api *api, const json_t *dest, struct kube_client **out,
			   struct berr *err);

/* ---- project roles (project-roles.c) ---- */

/* 0 when spec.roles is well formed and (project not NULL) every policy
 * stays inside the project and names its own role; else BERR_INVALID. */
int api_project_roles_check(const json_t *roles, const char *project, struct berr *err);
/* Appends the policy lines of every project's roles (those that pass the
 * check above) to csv, and each role's token ids to tokens. */
void api_project_roles_policy(const json_t *projects, struct buf *csv, json_t *tokens);
/* 1 when the project role sub ("proj:<p>:<r>") lists token jti. */
int api_project_token_listed(const struct api_settings *st, const char *sub, const char *jti);

/* ---- repositories (route-repositories.c) ---- */

/* Credentials of the registered repository for url as the repo server's
 * `repo` object (new reference; an empty object when none). */
json_t *api_repo_credentials(struct api *api, const char *url);
/* 1 when url's scheme is one git speaks (https, http, ssh, git, file, or
 * scp-like user@host:path). */
int api_repo_url_valid(const char *url);
/* POSTs body to the repo server's path; *out is its JSON answer. Errors
 * keep the repo server's message and status. */
int api_repo_server_post(struct api *api, const char *path, const json_t *body,
			 json_t **out, long *status, struct berr *err);

/* ---- resource tree (tree.c) ---- */

/* Connects to the controllers named in cfg->controller_urls. */
int api_tree_init(struct api *api, struct berr *err);
void api_tree_free(struct api *api);
/* The resource tree of app in Argo CD's shape {"nodes": [...]} (new
 * reference): from the controller that owns the app, or the app's own
 * resources from its status when no controller answers. */
json_t *api_resource_tree(struct api *api, const json_t *app);

/* ---- streams (route-stream.c) ---- */

/* Records that this replica wrote an Application (obj: what the cluster
 * answered; deleted: it is gone), so later lists from the cache see it. */
void api_apps_wrote(struct api *api, const json_t *obj, int deleted);
/* Every Application from the watch-fed cache, sorted by name, as entries
 * {"app": object, "text": its compact JSON} (new reference to the array;
 * entries are immutable), once the cache has caught up with this replica's
 * writes (waits up to a second); NULL when it has not, and the caller lists
 * from the cluster. *version (may be NULL) gets the cache's version: it
 * grows with every change. */
json_t *api_apps_snapshot(struct api *api, unsigned long long *version);
/* The cache's version once it has caught up as above: 0, or -1 when it has
 * not. */
int api_apps_version(struct api *api, unsigned long long *version);
/* "<project>/<app>" for RBAC, the project as the cache knows it ("" when
 * the app is unknown). */
void api_app_rbac_object(struct api *api, const char *app, char *out, size_t size);
int api_streams_start(struct api *api, struct berr *err);
void api_streams_stop(struct api *api);

/* ---- list cache (list-cache.c) ---- */

struct api_list_cache *api_list_cache_new(void);
void api_list_cache_free(struct api_list_cache *c);
/* 1 and the answer written when the list for this cache version, policy
 * digest and RBAC subject is kept; 0 otherwise. */
int api_list_cache_get(struct api_list_cache *c, unsigned long long version, const char *policy,
		       const char *subject, struct http_response *resp);
/* Keeps text (copied) as that answer. */
void api_list_cache_put(struct api_list_cache *c, unsigned long long version, const char *policy,
			const char *subject, const char *text, size_t len);
void api_list_cache_stats(struct api_list_cache *c, unsigned long long *hits,
			  unsigned long long *misses);

/* ---- notifications (notify.c) ---- */

int api_notifier_start(struct api *api, struct berr *err);
void api_notifier_stop(struct api *api);
/* Queues a new alert (event: {name, namespace} of its Event); never blocks. */
void api_notify_alert(struct api *api, const json_t *alert, const json_t *event);
/* The last deliveries, oldest first (new reference). */
json_t *api_notify_deliveries(struct api *api);

#endif
