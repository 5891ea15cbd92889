/* Unit tests for orchestrator/objects: metadata rules, defaults, conflicts,
 * status subresource, finalizers, namespaces, garbage collection, CRDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "doc.h"
#include "orchestrator/objects.h"
#include "selector.h"

struct fx {
	char dir[64];
	struct store *store;
	struct registry *reg;
	struct objects *o;
};

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad test json: %s: %s", e.text, text);
	return v;
}

static struct resource *R(struct fx *f, const char *group, const char *resource)
{
	struct resource *r = registry_find(f->reg, group, NULL, resource);
	assert_non_null(r);
	return r;
}

/* Creates from JSON text; returns the stored object (caller decrefs) or NULL
 * and leaves the status in st. */
static json_t *create(struct fx *f, const char *group, const char *resource,
		      const char *ns, const char *text, struct kstatus *st)
{
	struct resource *r = R(f, group, resource);
	json_t *in = J(text), *out = NULL;
	objects_create(f->o, r, ns, in, NULL, &out, st);
	json_decref(in);
	resource_unref(r);
	return out;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/bosun-objects-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/db", f->dir);
	assert_int_equal(store_open(&f->store, path, NULL, NULL), 0);
	f->reg = registry_new();
	f->o = objects_new(f->store, f->reg);
	struct kstatus st = KSTATUS_INIT;
	json_t *ns = create(f, "", "namespaces", NULL, "{\"metadata\":{\"name\":\"default\"}}", &st);
	assert_non_null(ns);
	json_decref(ns);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	objects_free(f->o);
	registry_free(f->reg);
	store_close(f->store);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static void test_create_sets_metadata(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *cm = create(f, "", "configmaps", "default",
			    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
			    "{\"name\":\"a\",\"resourceVersion\":\"99\",\"uid\":\"x\"},\"data\":{\"k\":\"v\"}}",
			    &st);
	assert_non_null(cm);
	assert_int_equal(strlen(doc_get_str(cm, "metadata.uid")), 36);
	assert_string_not_equal(doc_get_str(cm, "metadata.uid"), "x");
	assert_string_equal(doc_get_str(cm, "metadata.namespace"), "default");
	const char *ts = doc_get_str(cm, "metadata.creationTimestamp");
	assert_int_equal(strlen(ts), 20);
	assert_int_equal(ts[19], 'Z');
	assert_int_equal(atoi(doc_get_str(cm, "metadata.resourceVersion")), 2);
	assert_null(doc_get(cm, "metadata.generation"));   /* ConfigMaps have none */
	assert_string_equal(doc_get_str(cm, "metadata.managedFields[0].manager"), "unknown");
	json_decref(cm);

	json_t *again = create(f, "", "configmaps", "default", "{\"metadata\":{\"name\":\"a\"}}", &st);
	assert_null(again);
	assert_int_equal(st.code, 409);
	assert_string_equal(st.reason, "AlreadyExists");
	assert_string_equal(st.message, "configmaps \"a\" already exists");
	kstatus_release(&st);

	st = (struct kstatus)KSTATUS_INIT;
	json_t *gen = create(f, "", "configmaps", "default", "{\"metadata\":{\"generateName\":\"web-\"}}", &st);
	assert_non_null(gen);
	assert_int_equal(strlen(doc_get_str(gen, "metadata.name")), 9);
	assert_int_equal(strncmp(doc_get_str(gen, "metadata.name"), "web-", 4), 0);
	json_decref(gen);
}

static void test_create_rejects(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	assert_null(create(f, "", "configmaps", "default", "{\"metadata\":{\"name\":\"Bad_Name\"}}", &st));
	assert_int_equal(st.code, 422);
	assert_string_equal(st.reason, "Invalid");
	assert_non_null(strstr(st.message, "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
	assert_string_equal(doc_get_str(json_array_get(st.causes, 0), "field"), "metadata.name");
	kstatus_release(&st);

	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "configmaps", "default", "{\"metadata\":{}}", &st));
	assert_int_equal(st.code, 422);
	assert_non_null(strstr(st.message, "name or generateName is required"));
	kstatus_release(&st);

	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "configmaps", "nowhere", "{\"metadata\":{\"name\":\"a\"}}", &st));
	assert_int_equal(st.code, 404);
	assert_string_equal(st.message, "namespaces \"nowhere\" not found");

	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "configmaps", "default",
			   "{\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"a\"}}", &st));
	assert_int_equal(st.code, 400);
	assert_string_equal(st.reason, "BadRequest");

	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "configmaps", "default",
			   "{\"metadata\":{\"name\":\"a\",\"labels\":{\"a/b/c\":\"x\",\"ok\":\"bad value\"}}}", &st));
	assert_int_equal(st.code, 422);
	assert_int_equal(json_array_size(st.causes), 2);
	kstatus_release(&st);

	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "services", "default",
			   "{\"metadata\":{\"name\":\"1svc\"},\"spec\":{\"ports\":[{\"port\":80}]}}", &st));
	assert_int_equal(st.code, 422);
	kstatus_release(&st);
}

static void test_defaults(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *d = create(f, "apps", "deployments", "default",
			   "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
			   "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
			   "[{\"name\":\"c\",\"image\":\"nginx:1.25\",\"ports\":[{\"containerPort\":80}]},"
			   "{\"name\":\"d\",\"image\":\"busybox\"}]}}}}", &st);
	assert_non_null(d);
	assert_int_equal(doc_get_int(d, "spec.replicas", -1), 1);
	assert_string_equal(doc_get_str(d, "spec.strategy.type"), "RollingUpdate");
	assert_string_equal(doc_get_str(d, "spec.strategy.rollingUpdate.maxSurge"), "25%");
	assert_int_equal(doc_get_int(d, "spec.revisionHistoryLimit", -1), 10);
	assert_int_equal(doc_get_int(d, "spec.progressDeadlineSeconds", -1), 600);
	assert_int_equal(doc_get_int(d, "metadata.generation", -1), 1);
	json_t *ps = doc_get(d, "spec.template.spec");
	assert_string_equal(doc_get_str(ps, "restartPolicy"), "Always");
	assert_string_equal(doc_get_str(ps, "dnsPolicy"), "ClusterFirst");
	assert_string_equal(doc_get_str(ps, "schedulerName"), "default-scheduler");
	assert_int_equal(doc_get_int(ps, "terminationGracePeriodSeconds", -1), 30);
	assert_string_equal(doc_get_str(ps, "containers[0].imagePullPolicy"), "IfNotPresent");
	assert_string_equal(doc_get_str(ps, "containers[1].imagePullPolicy"), "Always");
	assert_string_equal(doc_get_str(ps, "containers[0].ports[0].protocol"), "TCP");
	assert_string_equal(doc_get_str(ps, "containers[0].terminationMessagePath"), "/dev/termination-log");
	json_decref(d);

	json_t *svc = create(f, "", "services", "default",
			     "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"ports\":[{\"port\":80}]}}", &st);
	assert_non_null(svc);
	assert_string_equal(doc_get_str(svc, "spec.type"), "ClusterIP");
	assert_string_equal(doc_get_str(svc, "spec.sessionAffinity"), "None");
	assert_int_equal(doc_get_int(svc, "spec.ports[0].targetPort", -1), 80);
	assert_string_equal(doc_get_str(svc, "spec.ports[0].protocol"), "TCP");
	const char *ip = doc_get_str(svc, "spec.clusterIP");
	assert_non_null(ip);
	assert_int_equal(strncmp(ip, "10.", 3), 0);
	assert_string_equal(doc_get_str(svc, "spec.clusterIPs[0]"), ip);
	json_decref(svc);

	st = (struct kstatus)KSTATUS_INIT;
	json_t *bad = create(f, "apps", "deployments", "default",
			     "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"x\"}},"
			     "\"template\":{\"metadata\":{\"labels\":{\"app\":\"y\"}},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}", &st);
	assert_null(bad);
	assert_int_equal(st.code, 422);
	assert_non_null(strstr(st.message, "`selector` does not match template `labels`"));
	assert_non_null(strstr(st.message, "spec.template.spec.containers[0].image: Required value"));
	kstatus_release(&st);

	json_t *sec = create(f, "", "secrets", "default",
			     "{\"metadata\":{\"name\":\"s\"},\"stringData\":{\"password\":\"hunter2\"}}", &st);
	assert_non_null(sec);
	assert_string_equal(doc_get_str(sec, "data.password"), "aHVudGVyMg==");
	assert_string_equal(doc_get_str(sec, "type"), "Opaque");
	assert_null(doc_get(sec, "stringData"));
	json_decref(sec);
}

static void test_update_generation_conflict_status(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	struct resource *r = R(f, "apps", "deployments");
	json_t *d = create(f, "apps", "deployments", "default",
			   "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
			   "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
			   "[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}}}", &st);
	assert_non_null(d);
	const char *rv1 = doc_get_str(d, "metadata.resourceVersion");
	char rv1c[32];
	snprintf(rv1c, sizeof(rv1c), "%s", rv1);

	/* a label change keeps the generation */
	json_t *up = json_deep_copy(d), *out = NULL;
	doc_set_new(up, "metadata.labels", json_pack("{s:s}", "tier", "front"), NULL);
	assert_int_equal(objects_update(f->o, r, "default", "web", up, NULL, &out, &st), 0);
	assert_int_equal(doc_get_int(out, "metadata.generation", -1), 1);
	assert_string_not_equal(doc_get_str(out, "metadata.resourceVersion"), rv1c);
	json_t *latest = out;

	/* the stale copy conflicts, with the real message */
	assert_int_equal(objects_update(f->o, r, "default", "web", up, NULL, &out, &st), BERR_CONFLICT);
	assert_int_equal(st.code, 409);
	assert_string_equal(st.message, "Operation cannot be fulfilled on deployments.apps \"web\": the "
			    "object has been modified; please apply your changes to the latest version and try again");
	json_decref(up);

	/* a spec change bumps the generation; status on the main resource is ignored */
	st = (struct kstatus)KSTATUS_INIT;
	up = json_deep_copy(latest);
	doc_set_new(up, "spec.replicas", json_integer(3), NULL);
	doc_set_new(up, "status", json_pack("{s:i}", "replicas", 7), NULL);
	assert_int_equal(objects_update(f->o, r, "default", "web", up, NULL, &out, &st), 0);
	assert_int_equal(doc_get_int(out, "metadata.generation", -1), 2);
	assert_null(doc_get(out, "status.replicas"));
	json_decref(up);
	json_decref(latest);
	latest = out;

	/* a status update takes only status */
	up = json_deep_copy(latest);
	doc_set_new(up, "spec.replicas", json_integer(9), NULL);
	doc_set_new(up, "status", json_pack("{s:i}", "replicas", 3), NULL);
	struct obj_write_opts so = { .sub = OBJ_STATUS, .field_manager = "sim" };
	assert_int_equal(objects_update(f->o, r, "default", "web", up, &so, &out, &st), 0);
	assert_int_equal(doc_get_int(out, "status.replicas", -1), 3);
	assert_int_equal(doc_get_int(out, "spec.replicas", -1), 3);
	assert_int_equal(doc_get_int(out, "metadata.generation", -1), 2);
	json_decref(up);

	/* an update that changes nothing keeps the revision */
	json_t *same = json_deep_copy(out), *out2 = NULL;
	assert_int_equal(objects_update(f->o, r, "default", "web", same, NULL, &out2, &st), 0);
	assert_string_equal(doc_get_str(out2, "metadata.resourceVersion"),
			    doc_get_str(out, "metadata.resourceVersion"));
	json_decref(same);
	json_decref(out2);
	json_decref(out);
	json_decref(latest);
	json_decref(d);

	json_t *ghost = J("{\"metadata\":{\"name\":\"ghost\"}}");
	assert_int_equal(objects_update(f->o, r, "default", "ghost", ghost, NULL, &out, &st), BERR_NOTFOUND);
	assert_int_equal(st.code, 404);
	json_decref(ghost);
	resource_unref(r);
}

static void test_finalizers_and_gc(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	struct resource *cmr = R(f, "", "configmaps");
	json_t *owner = create(f, "", "configmaps", "default",
			       "{\"metadata\":{\"name\":\"owner\",\"finalizers\":[\"example.com/hold\"]}}", &st);
	assert_non_null(owner);
	char buf[512];
	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"name\":\"child\",\"ownerReferences\":[{\"apiVersion\":\"v1\","
		 "\"kind\":\"ConfigMap\",\"name\":\"owner\",\"uid\":\"%s\"}]}}",
		 doc_get_str(owner, "metadata.uid"));
	json_t *child = create(f, "", "configmaps", "default", buf, &st);
	assert_non_null(child);

	/* a finalizer keeps it, marked */
	json_t *out = NULL;
	int deleted;
	assert_int_equal(objects_delete(f->o, cmr, "default", "owner", NULL, &out, &deleted, &st), 0);
	assert_false(deleted);
	assert_non_null(doc_get(out, "metadata.deletionTimestamp"));
	/* removing the finalizer finishes the delete */
	json_object_del(json_object_get(out, "metadata"), "finalizers");
	json_t *gone = NULL;
	assert_int_equal(objects_update(f->o, cmr, "default", "owner", out, NULL, &gone, &st), 0);
	json_decref(gone);
	json_decref(out);
	assert_int_equal(objects_get(f->o, cmr, "default", "owner", &out, &st), BERR_NOTFOUND);

	/* background collection removes dependents */
	assert_int_equal(objects_collect_dependents(f->o, doc_get_str(owner, "metadata.uid"),
						    "default", "Background"), 1);
	assert_int_equal(objects_get(f->o, cmr, "default", "child", &out, &st), BERR_NOTFOUND);
	json_decref(owner);
	json_decref(child);

	/* orphaning drops the owner reference */
	owner = create(f, "", "configmaps", "default", "{\"metadata\":{\"name\":\"o2\"}}", &st);
	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"name\":\"c2\",\"ownerReferences\":[{\"apiVersion\":\"v1\","
		 "\"kind\":\"ConfigMap\",\"name\":\"o2\",\"uid\":\"%s\"}]}}",
		 doc_get_str(owner, "metadata.uid"));
	child = create(f, "", "configmaps", "default", buf, &st);
	struct obj_delete_opts orphan = { .propagation = "Orphan" };
	assert_int_equal(objects_delete(f->o, cmr, "default", "o2", &orphan, &out, &deleted, &st), 0);
	assert_true(deleted);
	json_decref(out);
	assert_int_equal(objects_get(f->o, cmr, "default", "c2", &out, &st), 0);
	assert_null(doc_get(out, "metadata.ownerReferences"));
	json_decref(out);
	json_decref(owner);
	json_decref(child);

	/* preconditions */
	struct obj_delete_opts pre = { .precondition_uid = "nope" };
	assert_int_equal(objects_delete(f->o, cmr, "default", "c2", &pre, &out, &deleted, &st), BERR_CONFLICT);
	assert_non_null(strstr(st.message, "Precondition failed: UID in precondition: nope"));
	resource_unref(cmr);
}

static void test_namespace_lifecycle(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *ns = create(f, "", "namespaces", NULL, "{\"metadata\":{\"name\":\"team\"}}", &st);
	assert_non_null(ns);
	assert_string_equal(doc_get_str(ns, "status.phase"), "Active");
	assert_string_equal(doc_get_str(ns, "metadata.labels[\"kubernetes.io/metadata.name\"]"), "team");
	json_decref(ns);
	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "namespaces", NULL, "{\"metadata\":{\"name\":\"a.b\"}}", &st));
	assert_int_equal(st.code, 422);
	kstatus_release(&st);
	json_t *cm = create(f, "", "configmaps", "team", "{\"metadata\":{\"name\":\"c\"}}", &st);
	json_decref(cm);
	json_t *svc = create(f, "", "services", "team",
			     "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"clusterIP\":\"10.96.0.50\",\"ports\":[{\"port\":1}]}}", &st);
	assert_non_null(svc);
	json_decref(svc);
	/* the IP is taken */
	st = (struct kstatus)KSTATUS_INIT;
	assert_null(create(f, "", "services", "default",
			   "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"clusterIP\":\"10.96.0.50\",\"ports\":[{\"port\":1}]}}", &st));
	assert_non_null(strstr(st.message, "already allocated"));
	kstatus_release(&st);

	struct resource *nsr = R(f, "", "namespaces"), *cmr = R(f, "", "configmaps");
	json_t *out;
	int deleted;
	assert_int_equal(objects_delete(f->o, nsr, NULL, "team", NULL, &out, &deleted, &st), 0);
	assert_true(deleted);
	json_decref(out);
	assert_int_equal(objects_get(f->o, cmr, "team", "c", &out, &st), BERR_NOTFOUND);
	/* its service's IP is free again */
	svc = create(f, "", "services", "default",
		     "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"clusterIP\":\"10.96.0.50\",\"ports\":[{\"port\":1}]}}", &st);
	assert_non_null(svc);
	json_decref(svc);
	resource_unref(nsr);
	resource_unref(cmr);
}

static void test_crd_serves_and_removes(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *crd = create(f, "apiextensions.k8s.io", "customresourcedefinitions", NULL,
			     "{\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
			     "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"kind\":\"Widget\"},"
			     "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true}]}}", &st);
	assert_non_null(crd);
	assert_string_equal(doc_get_str(crd, "status.conditions[1].type"), "Established");
	assert_string_equal(doc_get_str(crd, "status.acceptedNames.singular"), "widget");
	json_decref(crd);
	json_t *w = create(f, "example.com", "widgets", "default",
			   "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"},\"spec\":{\"x\":1}}", &st);
	assert_non_null(w);
	assert_int_equal(doc_get_int(w, "metadata.generation", -1), 1);
	json_decref(w);

	struct resource *crdr = R(f, "apiextensions.k8s.io", "customresourcedefinitions");
	json_t *out;
	int deleted;
	assert_int_equal(objects_delete(f->o, crdr, NULL, "widgets.example.com", NULL, &out, &deleted, &st), 0);
	json_decref(out);
	assert_null(registry_find(f->reg, "example.com", NULL, "widgets"));
	assert_int_equal(store_count(f->store, "/example.com/"), 0);
	resource_unref(crdr);
}

static void test_managed_fields(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	struct resource *r = R(f, "apps", "deployments");
	json_t *in = J("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}},\"spec\":{"
		       "\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{"
		       "\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
		       "[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}}}");
	json_t *d = NULL, *out = NULL;
	struct obj_write_opts alice = { .field_manager = "alice" };
	assert_int_equal(objects_create(f->o, r, "default", in, &alice, &d, &st), 0);
	json_t *mf = doc_get(d, "metadata.managedFields");
	assert_int_equal(json_array_size(mf), 1);
	json_t *set = doc_get(json_array_get(mf, 0), "fieldsV1");
	/* what alice sent, keyed lists by merge key; not the defaults */
	assert_non_null(doc_getv(set, "f:spec", "f:replicas", NULL));
	assert_non_null(doc_getv(set, "f:spec", "f:template", "f:spec", "f:containers",
				 "k:{\"name\":\"c\"}", "f:image", NULL));
	assert_null(doc_getv(set, "f:spec", "f:strategy", NULL));
	assert_null(doc_getv(set, "f:metadata", "f:uid", NULL));

	/* bob changes replicas: he takes that field from alice */
	json_t *up = json_deep_copy(d);
	doc_set_new(up, "spec.replicas", json_integer(5), NULL);
	struct obj_write_opts bob = { .field_manager = "bob" };
	assert_int_equal(objects_update(f->o, r, "default", "web", up, &bob, &out, &st), 0);
	mf = doc_get(out, "metadata.managedFields");
	assert_int_equal(json_array_size(mf), 2);
	json_t *a = json_array_get(mf, 0), *b = json_array_get(mf, 1);
	assert_string_equal(doc_get_str(a, "manager"), "alice");
	assert_string_equal(doc_get_str(b, "manager"), "bob");
	assert_null(doc_getv(a, "fieldsV1", "f:spec", "f:replicas", NULL));
	assert_non_null(doc_getv(a, "fieldsV1", "f:spec", "f:selector", NULL));
	assert_non_null(doc_getv(b, "fieldsV1", "f:spec", "f:replicas", NULL));
	assert_null(doc_getv(b, "fieldsV1", "f:spec", "f:selector", NULL));

	/* carol removes alice's label and nothing else: alice no longer owns
	 * it, and keeps what is unchanged */
	json_t *up2 = json_deep_copy(out), *out2 = NULL;
	json_object_del(doc_get(up2, "metadata.labels"), "app");
	struct obj_write_opts carol = { .field_manager = "carol" };
	assert_int_equal(objects_update(f->o, r, "default", "web", up2, &carol, &out2, &st), 0);
	a = json_array_get(doc_get(out2, "metadata.managedFields"), 0);
	assert_string_equal(doc_get_str(a, "manager"), "alice");
	assert_null(doc_getv(a, "fieldsV1", "f:metadata", "f:labels", "f:app", NULL));
	assert_non_null(doc_getv(a, "fieldsV1", "f:spec", "f:selector", NULL));
	assert_non_null(doc_getv(a, "fieldsV1", "f:spec", "f:template", "f:spec", "f:containers",
				 "k:{\"name\":\"c\"}", "f:image", NULL));
	json_decref(up2);
	json_decref(out2);
	json_decref(up);
	json_decref(out);
	json_decref(d);
	json_decref(in);
	resource_unref(r);
}

static void test_splice_matches_decode(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *cm = create(f, "", "configmaps", "default",
			    "{\"data\":{\"z\":\"1\"},\"metadata\":{\"name\":\"sp\"},\"kind\":\"ConfigMap\"}", &st);
	assert_non_null(cm);
	struct store_kv kv;
	assert_int_equal(store_get(f->store, "/core/configmaps/default/sp", &kv, NULL), 0);
	struct buf out = BUF_INIT;
	assert_int_equal(objects_splice(&out, kv.value, kv.len, kv.rev), 0);
	json_t *spliced = json_loads(out.data, 0, NULL);
	json_t *decoded = objects_decode(kv.value, kv.len, kv.rev);
	assert_non_null(spliced);
	assert_true(json_equal(spliced, decoded));
	assert_true(json_equal(spliced, cm));
	/* an empty metadata object and foreign layouts */
	buf_reset(&out);
	const char *empty = "{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{}}";
	assert_int_equal(objects_splice(&out, empty, strlen(empty), 7), 0);
	assert_string_equal(out.data, "{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{\"resourceVersion\":\"7\"}}");
	buf_reset(&out);
	assert_int_equal(objects_splice(&out, "{\"kind\":\"X\"}", 12, 1), -1);
	assert_int_equal(out.len, 0);
	assert_int_equal(objects_splice(&out, "{\"apiVersion\":\"v1", 16, 1), -1);
	buf_release(&out);
	json_decref(spliced);
	json_decref(decoded);
	json_decref(cm);
	store_kv_free(&kv);
}

static int count_item(json_t *obj, void *p)
{
	(void)obj;
	(*(int *)p)++;
	return 0;
}

static void test_stored_labels_and_selected_list(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *a = create(f, "", "configmaps", "default",
			   "{\"metadata\":{\"name\":\"a\",\"annotations\":{\"x\":\"}{\\\"labels\\\":1\"},"
			   "\"labels\":{\"app\":\"web\",\"tier\":\"a.b-c\"}},\"data\":{\"k\":\"[{\"}}", &st);
	json_t *b = create(f, "", "configmaps", "default",
			   "{\"metadata\":{\"name\":\"b\",\"labels\":{\"app\":\"db\"}}}", &st);
	json_t *c = create(f, "", "configmaps", "default", "{\"metadata\":{\"name\":\"c\"}}", &st);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	/* the labels read from the stored text are the object's */
	const char *names[] = { "a", "b", "c" };
	json_t *objs[] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		struct store_kv kv;
		char key[64];
		snprintf(key, sizeof(key), "/core/configmaps/default/%s", names[i]);
		assert_int_equal(store_get(f->store, key, &kv, NULL), 0);
		json_t *labels = NULL;
		assert_int_equal(objects_stored_labels(kv.value, kv.len, &labels), 0);
		json_t *want = doc_get(objs[i], "metadata.labels");
		if (want)
			assert_true(json_equal(labels, want));
		else
			assert_null(labels);
		json_decref(labels);
		store_kv_free(&kv);
	}
	json_t *labels = (json_t *)1;
	assert_int_equal(objects_stored_labels("{\"kind\":\"X\"}", 12, &labels), -1);
	const char *cut = "{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{\"labels\":{\"a\"";
	assert_int_equal(objects_stored_labels(cut, strlen(cut), &labels), -1);
	/* a selected list calls back for the matching objects only */
	struct resource *r = R(f, "", "configmaps");
	struct selector *sel = NULL;
	int n = 0;
	assert_int_equal(selector_parse_labels(&sel, "app=web", NULL), 0);
	assert_int_equal(objects_list_selected(f->o, r, "default", NULL, sel, count_item, &n, NULL,
					       &st), 0);
	assert_int_equal(n, 1);
	selector_free(sel);
	n = 0;
	assert_int_equal(selector_parse_labels(&sel, "!app", NULL), 0);
	assert_int_equal(objects_list_selected(f->o, r, "default", NULL, sel, count_item, &n, NULL,
					       &st), 0);
	assert_int_equal(n, 1);
	selector_free(sel);
	n = 0;
	assert_int_equal(objects_list_selected(f->o, r, "default", NULL, NULL, count_item, &n, NULL,
					       &st), 0);
	assert_int_equal(n, 3);
	resource_unref(r);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void test_update_out_text(void **state)
{
	struct fx *f = *state;
	struct kstatus st = KSTATUS_INIT;
	json_t *cm = create(f, "", "configmaps", "default",
			    "{\"metadata\":{\"name\":\"t\"},\"data\":{\"a\":\"1\"}}", &st);
	assert_non_null(cm);
	struct resource *r = R(f, "", "configmaps");
	struct buf text = BUF_INIT;
	struct obj_write_opts o = { .field_manager = "me", .out_text = &text };
	json_t *in = J("{\"metadata\":{\"name\":\"t\"},\"data\":{\"a\":\"2\"}}"), *out = NULL;
	/* a write: the text is the stored object as *out has it */
	assert_int_equal(objects_update_from(f->o, r, "default", "t", cm, in, &o, &out, &st), 0);
	assert_true(text.len > 0);
	json_t *parsed = json_loads(text.data, 0, NULL);
	assert_non_null(parsed);
	assert_true(json_equal(parsed, out));
	json_decref(parsed);
	json_decref(out);
	/* no write (nothing changed): no text */
	buf_reset(&text);
	assert_int_equal(objects_update(f->o, r, "default", "t", in, &o, &out, &st), 0);
	assert_int_equal(text.len, 0);
	json_decref(out);
	buf_release(&text);
	json_decref(in);
	json_decref(cm);
	resource_unref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_sets_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_generation_conflict_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finalizers_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crd_serves_and_removes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_managed_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_splice_matches_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_labels_and_selected_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_out_text, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
