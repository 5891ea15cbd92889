/*
 * orchestrator.c — starting and stopping the bundled cluster, and the
 * `bosund cluster` role.
 *
 * Start-up order: data dir, bearer token, store, registry (built-ins plus
 * the CRDs found in the store), object layer, the namespaces every cluster
 * has, watch hub, HTTP server, kubeconfig, then the simulated controllers.
 * Stop runs it backwards; the store is closed last, after every thread that
 * writes to it has stopped.
 */
#include "orchestrator.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api.h"
#include "buf.h"
#include "daemon.h"
#include "doc.h"
#include "log.h"
#include "sim.h"
#include "tls.h"

struct orchestrator {
	struct store *store;
	struct registry *reg;
	struct objects *objects;
	struct api api;
	struct http_server *srv;
	struct sim *sim;
	int port;
	char *cert_file, *key_file;     /* our own, when none was given */
};

/* The 32 bytes a key file's hex (load_secret_file) stands for. */
static void hex_key(unsigned char out[32], const char *hex)
{
	for (size_t i = 0; i < 32; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

/* Reads <dir>/<name> (hex of `nbytes` random bytes), making it 0600 at
 * first start. */
static int load_secret_file(const char *dir, const char *name, size_t nbytes, char **out,
			    struct berr *err)
{
	struct buf path = BUF_INIT, tok = BUF_INIT;
	buf_addf(&path, "%s/%s", dir, name);
	if (buf_read_file(&tok, path.data, 4096) == 0) {
		while (tok.len && (tok.data[tok.len - 1] == '\n' || tok.data[tok.len - 1] == '\r'))
			buf_truncate(&tok, tok.len - 1);
		if (tok.len >= 2 * nbytes) {
			*out = buf_detach(&tok, NULL);
			buf_release(&path);
			return 0;
		}
	}
	buf_reset(&tok);
	unsigned char raw[64];
	if (nbytes > sizeof(raw) || getrandom(raw, nbytes, 0) != (ssize_t)nbytes) {
		buf_release(&path);
		return berr_set(err, BERR_IO, "cannot generate '%s': %s", name, strerror(errno));
	}
	for (size_t i = 0; i < nbytes; i++)
		buf_addf(&tok, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	buf_addch(&tok, '\n');
	int rc = daemon_write_file(path.data, tok.data, tok.len, 0600, err);
	buf_release(&path);
	if (rc < 0) {
		buf_release(&tok);
		return rc;
	}
	buf_truncate(&tok, tok.len - 1);
	*out = buf_detach(&tok, NULL);
	return 0;
}

static int write_kubeconfig(const char *dir, const char *url, const char *ca_file,
			    const char *token, struct berr *err)
{
	struct buf path = BUF_INIT, y = BUF_INIT, ca = BUF_INIT;
	if (buf_read_file(&ca, ca_file, 1 << 20) < 0) {
		buf_release(&ca);
		return berr_set(err, BERR_IO, "cannot read '%s'", ca_file);
	}
	unsigned char *b64 = xmalloc(4 * ((ca.len + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)ca.data, (int)ca.len);
	buf_release(&ca);
	buf_addf(&path, "%s/kubeconfig.yaml", dir);
	buf_addf(&y,
		 "apiVersion: v1\n"
		 "kind: Config\n"
		 "clusters:\n"
		 "- cluster:\n"
		 "    certificate-authority-data: %s\n"
		 "    server: %s\n"
		 "  name: bosun\n"
		 "contexts:\n"
		 "- context:\n"
		 "    cluster: bosun\n"
		 "    namespace: default\n"
		 "    user: bosun-admin\n"
		 "  name: bosun\n"
		 "current-context: bosun\n"
		 "preferences: {}\n"
		 "users:\n"
		 "- name: bosun-admin\n"
		 "  user:\n"
		 "    token: %s\n", (char *)b64, url, token);
	free(b64);
	int rc = daemon_write_file(path.data, y.data, y.len, 0600, err);
	buf_release(&path);
	buf_release(&y);
	return rc;
}

static int load_crd(json_t *crd, void *p)
{
	struct registry *reg = p;
	struct berr e = BERR_INIT;
	if (registry_add_crd(reg, crd, 1, &e) < 0)
		log_warn("stored CRD not served", "crd", doc_get_str(crd, "metadata.name"),
			 "error", e.msg, NULL);
	return 0;
}

/* Creates obj (JSON text) unless it exists. */
static void ensure(struct objects *o, const char *group, const char *resource,
		   const char *ns, const char *text)
{
	struct resource *r = registry_find(objects_registry(o), group, NULL, resource);
	json_t *obj = json_loads(text, 0, NULL), *out = NULL;
	struct kstatus st = KSTATUS_INIT;
	if (r && obj && objects_create(o, r, ns, obj, NULL, &out, &st) < 0 && st.code != 409)
		log_warn("cannot create built-in object", "object", text, "error", st.message, NULL);
	kstatus_release(&st);
	json_decref(out);
	json_decref(obj);
	resource_unref(r);
}

/*
 * The user-facing ClusterRoles a fresh cluster has, for RoleBindings such as
 * `kubectl create rolebinding dev --clusterrole=edit --user=jane`: view reads
 * the namespaced workload kinds (not Secrets), edit also writes them and
 * reads Secrets, admin also manages Roles and RoleBindings, cluster-admin
 * may do anything (bound to the system:masters group, as on a real
 * cluster). Written out whole: the cluster has no ClusterRole aggregation.
 */
#define READ "[\"get\",\"list\",\"watch\"]"
#define WRITE "[\"create\",\"delete\",\"deletecollection\",\"patch\",\"update\"]"
#define VIEW_RULES \
	"{\"apiGroups\":[\"\"],\"verbs\":" READ ",\"resources\":[\"configmaps\",\"endpoints\"," \
	"\"persistentvolumeclaims\",\"persistentvolumeclaims/status\",\"pods\",\"pods/log\"," \
	"\"pods/status\",\"replicationcontrollers\",\"replicationcontrollers/scale\"," \
	"\"replicationcontrollers/status\",\"serviceaccounts\",\"services\",\"services/status\"," \
	"\"bindings\",\"events\",\"limitranges\",\"resourcequotas\",\"resourcequotas/status\"," \
	"\"namespaces\",\"namespaces/status\"]}," \
	"{\"apiGroups\":[\"apps\"],\"verbs\":" READ ",\"resources\":[\"controllerrevisions\"," \
	"\"daemonsets\",\"daemonsets/status\",\"deployments\",\"deployments/scale\"," \
	"\"deployments/status\",\"replicasets\",\"replicasets/scale\",\"replicasets/status\"," \
	"\"statefulsets\",\"statefulsets/scale\",\"statefulsets/status\"]}," \
	"{\"apiGroups\":[\"autoscaling\"],\"verbs\":" READ ",\"resources\":" \
	"[\"horizontalpodautoscalers\",\"horizontalpodautoscalers/status\"]}," \
	"{\"apiGroups\":[\"batch\"],\"verbs\":" READ ",\"resources\":[\"cronjobs\"," \
	"\"cronjobs/status\",\"jobs\",\"jobs/status\"]}," \
	"{\"apiGroups\":[\"policy\"],\"verbs\":" READ ",\"resources\":" \
	"[\"poddisruptionbudgets\",\"poddisruptionbudgets/status\"]}," \
	"{\"apiGroups\":[\"networking.k8s.io\"],\"verbs\":" READ ",\"resources\":" \
	"[\"ingresses\",\"ingresses/status\",\"networkpolicies\"]}," \
	"{\"apiGroups\":[\"discovery.k8s.io\"],\"verbs\":" READ ",\"resources\":" \
	"[\"endpointslices\"]}"
#define EDIT_RULES VIEW_RULES "," \
	"{\"apiGroups\":[\"\"],\"verbs\":" READ ",\"resources\":[\"secrets\"]}," \
	"{\"apiGroups\":[\"\"],\"verbs\":" WRITE ",\"resources\":[\"configmaps\",\"endpoints\"," \
	"\"events\",\"persistentvolumeclaims\",\"pods\",\"pods/attach\",\"pods/exec\"," \
	"\"pods/portforward\",\"pods/proxy\",\"replicationcontrollers\"," \
	"\"replicationcontrollers/scale\",\"secrets\",\"serviceaccounts\",\"services\"," \
	"\"services/proxy\"]}," \
	"{\"apiGroups\":[\"\"],\"verbs\":[\"create\"],\"resources\":[\"pods/eviction\"," \
	"\"serviceaccounts/token\"]}," \
	"{\"apiGroups\":[\"apps\"],\"verbs\":" WRITE ",\"resources\":[\"daemonsets\"," \
	"\"deployments\",\"deployments/rollback\",\"deployments/scale\",\"replicasets\"," \
	"\"replicasets/scale\",\"statefulsets\",\"statefulsets/scale\"]}," \
	"{\"apiGroups\":[\"autoscaling\"],\"verbs\":" WRITE ",\"resources\":" \
	"[\"horizontalpodautoscalers\"]}," \
	"{\"apiGroups\":[\"batch\"],\"verbs\":" WRITE ",\"resources\":[\"cronjobs\",\"jobs\"]}," \
	"{\"apiGroups\":[\"policy\"],\"verbs\":" WRITE ",\"resources\":" \
	"[\"poddisruptionbudgets\"]}," \
	"{\"apiGroups\":[\"networking.k8s.io\"],\"verbs\":" WRITE ",\"resources\":" \
	"[\"ingresses\",\"networkpolicies\"]}," \
	"{\"apiGroups\":[\"discovery.k8s.io\"],\"verbs\":" WRITE ",\"resources\":" \
	"[\"endpointslices\"]}"
#define ADMIN_RULES EDIT_RULES "," \
	"{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"verbs\":[\"create\",\"delete\"," \
	"\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]," \
	"\"resources\":[\"roles\",\"rolebindings\"]}," \
	"{\"apiGroups\":[\"authorization.k8s.io\"],\"verbs\":[\"create\"]," \
	"\"resources\":[\"localsubjectaccessreviews\"]}"
#define DEFAULT_ROLE(name, rules) \
	"{\"metadata\":{\"name\":\"" name "\",\"labels\":{\"kubernetes.io/bootstrapping\":" \
	"\"rbac-defaults\"},\"annotations\":{\"rbac.authorization.kubernetes.io/autoupdate\":" \
	"\"true\"}},\"rules\":[" rules "]}"

static void bootstrap(struct objects *o)
{
	static const char *const namespaces[] = { "default", "kube-system", "kube-public",
						  "kube-node-lease", NULL };
	for (size_t i = 0; namespaces[i]; i++) {
		char text[128];
		snprintf(text, sizeof(text), "{\"metadata\":{\"name\":\"%s\"}}", namespaces[i]);
		ensure(o, "", "namespaces", NULL, text);
		char sa[160];
		snprintf(sa, sizeof(sa), "{\"metadata\":{\"name\":\"default\",\"namespace\":\"%s\"}}",
			 namespaces[i]);
		ensure(o, "", "serviceaccounts", namespaces[i], sa);
	}
	ensure(o, "", "services", "default",
	       "{\"metadata\":{\"name\":\"kubernetes\",\"labels\":{\"component\":\"apiserver\","
	       "\"provider\":\"kubernetes\"}},\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":"
	       "[{\"name\":\"https\",\"port\":443,\"targetPort\":6443}]}}");
	/* what a fresh cluster has: the default StorageClass the simulated
	 * provisioner serves, and the two system PriorityClasses */
	ensure(o, "storage.k8s.io", "storageclasses", NULL,
	       "{\"metadata\":{\"name\":\"standard\",\"annotations\":"
	       "{\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
	       "\"provisioner\":\"bosun.io/simulated\",\"reclaimPolicy\":\"Delete\","
	       "\"volumeBindingMode\":\"Immediate\"}");
	ensure(o, "scheduling.k8s.io", "priorityclasses", NULL,
	       "{\"metadata\":{\"name\":\"system-cluster-critical\"},\"value\":2000000000}");
	ensure(o, "scheduling.k8s.io", "priorityclasses", NULL,
	       "{\"metadata\":{\"name\":\"system-node-critical\"},\"value\":2000001000}");
	const char *rbac = "rbac.authorization.k8s.io";
	ensure(o, rbac, "clusterroles", NULL, DEFAULT_ROLE("view", VIEW_RULES));
	ensure(o, rbac, "clusterroles", NULL, DEFAULT_ROLE("edit", EDIT_RULES));
	ensure(o, rbac, "clusterroles", NULL, DEFAULT_ROLE("admin", ADMIN_RULES));
	ensure(o, rbac, "clusterroles", NULL, DEFAULT_ROLE("cluster-admin",
	       "{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}"));
	ensure(o, rbac, "clusterrolebindings", NULL,
	       "{\"metadata\":{\"name\":\"cluster-admin\",\"labels\":"
	       "{\"kubernetes.io/bootstrapping\":\"rbac-defaults\"}},\"roleRef\":"
	       "{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
	       "\"name\":\"cluster-admin\"},\"subjects\":[{\"apiGroup\":"
	       "\"rbac.authorization.k8s.io\",\"kind\":\"Group\",\"name\":\"system:masters\"}]}");
}

/* The HTTP layer's own refusals as the Status objects kubectl understands. */
static void status_error_body(struct http_response *resp, int status, const char *msg)
{
	struct kstatus st = KSTATUS_INIT;
	if (status == 413)
		kstatus_set(&st, 413, "RequestEntityTooLarge", "Request entity too large: %s", msg);
	else if (status == 503)
		kstatus_set(&st, 503, "ServiceUnavailable", "%s", msg);
	else
		kstatus_set(&st, status, "", "%s", msg);
	api_send_status(resp, &st);
}

int orchestrator_start(struct orchestrator **out, const struct orchestrator_opts *opts,
		       struct berr *err)
{
	*out = NULL;
	if (!opts || !opts->data_dir)
		return berr_set(err, BERR_INVALID, "cluster: no data dir");
	int rc = daemon_ensure_dir(opts->data_dir, 0700, err);
	if (rc < 0)
		return rc;
	struct orchestrator *o = xcalloc(1, sizeof(*o));
	char *enc_hex = NULL;
	char *sa_hex = NULL;
	/* first, before any thread: the certificate is made in a child process */
	if ((!opts->tls_cert_file || !opts->tls_key_file) &&
	    (rc = tls_ensure_cert(opts->data_dir, opts->address, &o->cert_file, &o->key_file,
				  err)) < 0)
		goto fail;
	if ((rc = load_secret_file(opts->data_dir, "cluster-token", 24, &o->api.token, err)) < 0 ||
	    (rc = load_secret_file(opts->data_dir, "encryption-key", 32, &enc_hex, err)) < 0 ||
	    (rc = load_secret_file(opts->data_dir, "sa-signing-key", 32, &sa_hex, err)) < 0)
		goto fail;
	hex_key(o->api.sa_key, sa_hex);
	OPENSSL_cleanse(sa_hex, strlen(sa_hex));
	free(sa_hex);
	struct buf db = BUF_INIT;
	buf_addf(&db, "%s/cluster.db", opts->data_dir);
	struct store_opts sto = { .history = opts->history };
	rc = store_open(&o->store, db.data, &sto, err);
	buf_release(&db);
	if (rc < 0) {
		free(enc_hex);
		goto fail;
	}
	/* Secrets are AES-256-GCM ciphertext in the database file */
	unsigned char enc_key[32];
	hex_key(enc_key, enc_hex);
	OPENSSL_cleanse(enc_hex, strlen(enc_hex));
	free(enc_hex);
	const char *const encrypted[] = { "/core/secrets/", NULL };
	store_set_encryption(o->store, enc_key, encrypted);
	OPENSSL_cleanse(enc_key, sizeof(enc_key));
	o->reg = registry_new();
	o->objects = objects_new(o->store, o->reg);
	struct resource *crds = registry_find(o->reg, "apiextensions.k8s.io", "v1",
					      "customresourcedefinitions");
	objects_list(o->objects, crds, NULL, load_crd, o->reg, NULL, NULL);
	resource_unref(crds);
	bootstrap(o->objects);
	/* a simulated container stops as fast as it starts */
	objects_set_pod_stop_delay(o->objects, opts->pod_start_delay_ms >= 0
						       ? opts->pod_start_delay_ms : 1000);
	objects_resume_pod_deletions(o->objects);

	o->api.objects = o->objects;
	o->api.reg = o->reg;
	o->api.store = o->store;
	o->api.hub = watch_hub_start(o->store, o->reg);

	const char *cert = opts->tls_cert_file, *key = opts->tls_key_file;
	if (!cert || !key) {
		cert = o->cert_file;
		key = o->key_file;
	}
	struct http_server_options ho = {
		.name = "cluster",
		.address = opts->address,
		.port = (uint16_t)opts->port,
		.threads = 8,
		/* kube-apiserver's limit for a request body */
		.max_body_bytes = 3 * 1024 * 1024,
		.tls_cert_file = cert,
		.tls_key_file = key,
		.access_log = HTTP_ACCESS_LOG_DEBUG,
		.error_body = status_error_body,
	};
	if ((rc = http_server_new(&o->srv, &ho, err)) < 0 ||
	    (rc = api_routes(o->srv, &o->api, err)) < 0 ||
	    (rc = http_server_start(o->srv, err)) < 0)
		goto fail;
	o->port = http_server_port(o->srv);
	struct buf url = BUF_INIT;
	buf_addf(&url, "https://%s:%d",
		 opts->address && opts->address[0] && strcmp(opts->address, "0.0.0.0")
			? opts->address : "127.0.0.1", o->port);
	rc = write_kubeconfig(opts->data_dir, url.data, cert, o->api.token, err);
	buf_release(&url);
	if (rc < 0)
		goto fail;
	struct sim_opts so = { .nodes = opts->nodes > 0 ? opts->nodes : 1,
			       .pod_start_delay_ms = opts->pod_start_delay_ms >= 0
					? opts->pod_start_delay_ms : 1000 };
	o->sim = sim_start(o->objects, &so);
	*out = o;
	return 0;
fail:
	orchestrator_stop(o);
	return rc;
}

int orchestrator_port(const struct orchestrator *o)
{
	return o->port;
}

void orchestrator_stop(struct orchestrator *o)
{
	if (!o)
		return;
	sim_stop(o->sim);
	if (o->store)
		store_wake_all(o->store);
	if (o->srv)
		http_server_stop(o->srv, 2000);
	watch_hub_stop(o->api.hub);
	http_server_free(o->srv);
	objects_free(o->objects);
	registry_free(o->reg);
	store_close(o->store);
	free(o->api.token);
	free(o->cert_file);
	free(o->key_file);
	free(o);
}

/* "1s", "500ms", "2m", "0" into milliseconds; -1 when malformed. */
static int usage(void)
{
	fprintf(stderr, "usage: bosund cluster [--port N] [--data-dir D] [--nodes N] "
		"[--pod-start-delay 1s] [--address A] [--tls-cert F --tls-key F]\n"
		"       [--history N]   revisions kept for watches to resume from (10000)\n");
	return 2;
}

int orchestrator_main(int argc, char **argv)
{
	const char *data_dir = "./bosun-data";
	argc = daemon_common_options(argc, argv, &data_dir);
	if (argc < 0)
		return usage();
	struct orchestrator_opts opts = { .data_dir = data_dir, .port = 6443, .nodes = 1,
					  .pod_start_delay_ms = 1000 };
	const struct daemon_opt table[] = {
		{ "--port", DAEMON_OPT_PORT, &opts.port, 0, 0 },
		{ "--nodes", DAEMON_OPT_INT, &opts.nodes, 1, 1000 },
		{ "--pod-start-delay", DAEMON_OPT_DURATION, &opts.pod_start_delay_ms, 0, 0 },
		{ "--history", DAEMON_OPT_LONG, &opts.history, 10, 1L << 40 },
		{ "--address", DAEMON_OPT_STRING, &opts.address, 0, 0 },
		{ "--tls-cert", DAEMON_OPT_STRING, &opts.tls_cert_file, 0, 0 },
		{ "--tls-key", DAEMON_OPT_STRING, &opts.tls_key_file, 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	int rc = daemon_parse_options("cluster", argc, argv, table);
	if (rc) {
		usage();
		return rc > 0 ? 0 : 2;
	}
	daemon_block_signals();
	struct berr err = BERR_INIT;
	struct orchestrator *o;
	if (orchestrator_start(&o, &opts, &err) < 0) {
		fprintf(stderr, "bosund cluster: %s\n", err.msg);
		return 1;
	}
	struct daemon_ports ports = DAEMON_PORTS_NONE;
	ports.cluster = o->port;
	if (daemon_write_ports(data_dir, &ports, &err) < 0) {
		fprintf(stderr, "bosund cluster: %s\n", err.msg);
		orchestrator_stop(o);
		return 1;
	}
	char port[16];
	snprintf(port, sizeof(port), "%d", o->port);
	log_info("cluster listening", "port", port, "kubeconfig", data_dir, NULL);
	daemon_wait_for_signal();
	log_info("cluster stopping", NULL);
	orchestrator_stop(o);
	return 0;
}
