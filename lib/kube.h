/*
 * kube — a Kubernetes API client for the bundled cluster and real clusters.
 *
 * A `struct kube_config` is what a kubeconfig says about one context:
 * server, credentials and TLS material, with file references already read
 * and base64 data decoded. A `struct kube_client` talks to that server over
 * lib/http's client; it is safe to share between threads.
 *
 * Objects are addressed by apiVersion + kind (+ namespace, name), never by
 * URL: the client learns each kind's resource name, scope and verbs from
 * the server's discovery documents (/api, /api/v1, /apis, /apis/<g>/<v>),
 * keeps them cached and refreshes when asked about a kind it does not know,
 * so custom resources work as soon as their CRD is served.
 *
 *     struct kube_ref ref = { .api_version = "apps/v1", .kind = "Deployment",
 *                             .namespace = "web", .name = "frontend" };
 *     json_t *obj;
 *     if (kube_client_get(kc, &obj, &ref, &err) == BERR_NOTFOUND) ...
 *
 * Errors carry the server's Status message; HTTP codes map to BERR codes:
 * 400/422 BERR_INVALID, 401/403 BERR_AUTH, 404 BERR_NOTFOUND, 409
 * BERR_EXISTS (reason AlreadyExists) or BERR_CONFLICT, 410 BERR_CONFLICT
 * (expired), 405/415 BERR_UNSUPPORTED, 413/429 BERR_LIMIT, 5xx BERR_FAIL or
 * BERR_IO (503/504). Tokens and keys are never logged.
 */
#ifndef BOSUN_KUBE_H
#define BOSUN_KUBE_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "http.h"

/* ------------------------------------------------------------ kubeconfig */

/*
 * An exec credential plugin (kubeconfig users[].user.exec, or the
 * execProviderConfig of a cluster Secret): a command that prints a
 * client.authentication.k8s.io ExecCredential holding a bearer token, as
 * EKS, GKE and AKS kubeconfigs use (kube-exec.c).
 */
struct kube_exec {
	char *api_version;              /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;                  /* a path, or a name looked up in PATH */
	char **args;                    /* NULL-terminated */
	char **env;                     /* "NAME=value", NULL-terminated, added */
	int provide_cluster_info;       /* KUBERNETES_EXEC_INFO carries the cluster */
	char *install_hint;             /* shown when the command is missing */
};

struct kube_config {
	char *context;                  /* the context used */
	char *cluster;                  /* its cluster's name */
	char *user;                     /* its user's name; NULL without one */
	char *server;                   /* "https://127.0.0.1:6443" */
	char *namespace;                /* context namespace, "default" when unset */
	char *token;                    /* bearer token (token or tokenFile) */
	char *ca_pem;                   /* certificate-authority(-data), PEM */
	char *client_cert_pem;          /* client-certificate(-data), PEM */
	char *client_key_pem;           /* client-key(-data), PEM */
	int insecure_skip_verify;
	struct kube_exec *exec;         /* token from a plugin; NULL without one */
};

/*
 * Loads a kubeconfig file. path NULL means the first file of $KUBECONFIG, or
 * ~/.kube/config. context NULL means current-context. Relative file
 * references (tokenFile, certificate-authority, ...) are resolved against
 * the kubeconfig's directory. Returns 0 and a config the caller frees with
 * kube_config_free(), or BERR_NOTFOUND (no file, unknown context/cluster/
 * user), BERR_INVALID (malformed, with the field named), BERR_UNSUPPORTED
 * (a user that only has an auth-provider plugin). An exec plugin is read
 * into cfg->exec; the client runs it for tokens.
 */
int kube_config_load(struct kube_config **out, const char *path, const char *context,
		     struct berr *err);
/* The same from text; `name` is used in messages, `base_dir` resolves
 * relative paths (NULL: the current directory). */
int kube_config_parse(struct kube_config **out, const char *text, size_t len,
		      const char *name, const char *base_dir, const char *context,
		      struct berr *err);
/*
 * The configuration of a pod's service account, for Bosun running inside the
 * cluster it manages: server from $KUBERNETES_SERVICE_HOST and
 * $KUBERNETES_SERVICE_PORT, token, ca.crt and namespace from sa_dir (NULL:
 * /var/run/secrets/kubernetes.io/serviceaccount). BERR_NOTFOUND when not in
 * a cluster. Context, cluster and user are "in-cluster".
 */
int kube_config_in_cluster(struct kube_config **out, const char *sa_dir, struct berr *err);
/*
 * A destination cluster registered as a Secret (`bosun.io/secret-type:
 * cluster`, Argo CD's layout): server and name from its data, token and TLS
 * material from data.config. The context holds the cluster's name (its
 * server when unnamed); the namespace is "default". BERR_INVALID, naming
 * the Secret and field, when server is missing or config is not JSON with
 * base64 PEM.
 */
int kube_config_from_cluster_secret(struct kube_config **out, const json_t *secret,
				    struct berr *err);
void kube_config_free(struct kube_config *cfg);

/*
 * Reads an exec plugin's settings: kubeconfig's {apiVersion, command, args,
 * env: [{name, value}], provideClusterInfo, interactiveMode, installHint} or
 * Argo CD's execProviderConfig (env as a map). A relative command with a
 * '/' is resolved against base_dir (the kubeconfig's directory; NULL: as
 * is). `where` prefixes errors ("kubeconfig 'k': user 'u'").
 */
int kube_exec_parse(struct kube_exec **out, const json_t *exec, const char *base_dir,
		    const char *where, struct berr *err);
void kube_exec_free(struct kube_exec *e);

/* ------------------------------------------------------------ client */

struct kube_client;

struct kube_client_options {
	long timeout_ms;                /* per request (not watches); default 30000 */
	const char *user_agent;
	long discovery_min_interval_ms; /* between refreshes caused by an unknown
	                                   kind; default 1000 */
};

/* opts may be NULL. The config is copied. Free with kube_client_free(). */
int kube_client_new(struct kube_client **out, const struct kube_config *cfg,
		    const struct kube_client_options *opts, struct berr *err);
void kube_client_free(struct kube_client *kc);
/* The default namespace (the context's); owned by the client. */
const char *kube_client_namespace(const struct kube_client *kc);

/* ------------------------------------------------------------ discovery */

enum kube_verb {
	KUBE_VERB_GET = 1 << 0,
	KUBE_VERB_LIST = 1 << 1,
	KUBE_VERB_WATCH = 1 << 2,
	KUBE_VERB_CREATE = 1 << 3,
	KUBE_VERB_UPDATE = 1 << 4,
	KUBE_VERB_PATCH = 1 << 5,
	KUBE_VERB_DELETE = 1 << 6,
	KUBE_VERB_DELETECOLLECTION = 1 << 7,
};

struct kube_resource {
	char group[256];                /* "" for the core group */
	char version[64];
	char api_version[320];          /* "v1", "apps/v1" */
	char kind[128];
	char name[128];                 /* plural resource name: "deployments" */
	int namespaced;
	unsigned verbs;                 /* enum kube_verb bits */
};

/*
 * Fills *out for apiVersion + kind. An unknown kind triggers one discovery
 * refresh (at most once per discovery_min_interval_ms) before it is
 * BERR_NOTFOUND.
 */
int kube_client_resource(struct kube_client *kc, struct kube_resource *out,
			 const char *api_version, const char *kind, struct berr *err);
/* Every resource the server serves (not subresources), in discovery order.
 * *out is malloc'd; the caller frees it. */
int kube_client_resources(struct kube_client *kc, struct kube_resource **out, size_t *n,
			  struct berr *err);
/* Re-reads discovery now. Groups that fail to answer are skipped with a
 * warning, as kubectl does; failing /api or /apis is an error. */
int kube_client_discover(struct kube_client *kc, struct berr *err);

/* ------------------------------------------------------------ objects */

/* What to act on. namespace NULL: the client's default for get/create/...,
 * all namespaces for list and watch; ignored for cluster-scoped kinds. */
struct kube_ref {
	const char *api_version;
	const char *kind;
	const char *namespace;
	const char *name;
	const char *subresource;        /* "status", "scale" or NULL */
};

/* *out is a new reference the caller decrefs. */
int kube_client_get(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		    struct berr *err);

struct kube_list_options {
	const char *label_selector;
	const char *field_selector;
	long limit;                     /* page size; default 500 */
	size_t max_items;               /* beyond this BERR_LIMIT; default 1000000 */
	const char *resource_version;
};

/*
 * Lists every page (following metadata.continue) and returns one List
 * object: {"apiVersion", "kind": "<Kind>List", "metadata": {"resourceVersion"},
 * "items": [...]}, each item with apiVersion and kind filled in. opts may be
 * NULL.
 */
int kube_client_list(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		     const struct kube_list_options *opts, struct berr *err);

enum kube_patch_type {
	KUBE_PATCH_MERGE,               /* application/merge-patch+json */
	KUBE_PATCH_JSON,                /* application/json-patch+json */
	KUBE_PATCH_STRATEGIC,           /* application/strategic-merge-patch+json */
	KUBE_PATCH_APPLY,               /* application/apply-patch+yaml (server-side apply) */
};

struct kube_write_options {
	const char *field_manager;      /* default "bosun" */
	int force;                      /* apply patches: take over conflicting fields */
	int dry_run;                    /* dryRun=All */
	const char *subresource;        /* update: "status" */
};

/* Creates obj (its apiVersion, kind, metadata.namespace). opts may be NULL. */
int kube_client_create(struct kube_client *kc, json_t **out, const json_t *obj,
		       const struct kube_write_options *opts, struct berr *err);
/* Replaces obj (PUT; metadata.resourceVersion gives optimistic locking). */
int kube_client_update(struct kube_client *kc, json_t **out, const json_t *obj,
		       const struct kube_write_options *opts, struct berr *err);
/* Patches ref (ref->subresource honoured) with a patch document in text. */
int kube_client_patch(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		      enum kube_patch_type type, const char *patch, size_t len,
		      const struct kube_write_options *opts, struct berr *err);
/* Server-side apply of obj (identity from its apiVersion, kind, metadata);
 * opts->field_manager defaults to "bosun", opts->force takes over fields. */
int kube_client_apply(struct kube_client *kc, json_t **out, const json_t *obj,
		      const struct kube_write_options *opts, struct berr *err);
/*
 * Deletes ref. propagation is "Foreground", "Background", "Orphan" or NULL
 * (the server's default). out may be NULL; otherwise it gets what the server
 * returned (the object being deleted or a Status).
 */
int kube_client_delete(struct kube_client *kc, json_t **out, const struct kube_ref *ref,
		       const char *propagation, struct berr *err);

/* ------------------------------------------------------------ watch */

/* kube_client_watch()'s result when the server says the resourceVersion is
 * too old (HTTP 410 or an ERROR event with code 410): list again. */
#define KUBE_WATCH_GONE 1

struct kube_watch_options {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version;   /* resume point; NULL or "" = from now */
	long timeout_seconds;           /* server-side end of the watch; 0 = none */
	int allow_bookmarks;
	const int *cancel;              /* stop when *cancel becomes nonzero */
};

/* type is "ADDED", "MODIFIED", "DELETED" or "BOOKMARK"; object is borrowed
 * (incref to keep). Return nonzero to stop watching. */
typedef int (*kube_watch_fn)(const char *type, json_t *object, void *arg);

/*
 * Watches ref's kind (ref->name set: only that object). Blocks, calling fn
 * per event, until the server ends the watch, fn returns nonzero or the
 * cancel flag is set (all three return 0), the resourceVersion expired
 * (KUBE_WATCH_GONE), or an error (negative BERR code).
 */
int kube_client_watch(struct kube_client *kc, const struct kube_ref *ref,
		      const struct kube_watch_options *opts, kube_watch_fn fn, void *arg,
		      struct berr *err);

/* ------------------------------------------------------------ lower level */

/*
 * Sends a raw request to the API server (path like "/api/v1/namespaces").
 * Any HTTP status is a success; *out is released by the caller.
 */
int kube_client_request(struct kube_client *kc, struct http_client_response *out,
			const char *method, const char *path, const char *content_type,
			const void *body, size_t len, struct berr *err);

/*
 * Turns an error answer (status >= 400, body usually a Status object) into
 * a berr whose message is "<what>: <server message>"; returns the code.
 */
int kube_status_error(struct berr *err, long status, const char *body, size_t len,
		      const char *what);

/* Splits "apps/v1" into group "apps" and version "v1" ("v1": group ""). */
int kube_split_api_version(const char *api_version, char *group, size_t group_size,
			   char *version, size_t version_size);

#endif
