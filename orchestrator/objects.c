/*
 * objects.c — metadata rules, subresource semantics and deletes on top of
 * the store (see objects.h).
 *
 * Every write is read-check-write against the store's optimistic
 * concurrency: the store refuses an update whose expected revision is no
 * longer current, so two writers never silently overwrite each other. When
 * the client did not ask for a revision (an unconditional PUT, a
 * controller's mutate) the layer re-reads and retries on its own.
 *
 * Kind-specific behaviour lives in small hooks called from here: defaults
 * (defaults.c), Service cluster IPs (reserved in the store under
 * /_/clusterips/ so allocation is atomic and survives restarts), CRDs (the
 * registry serves them once stored), and Namespaces (deleting one empties it
 * and then removes it; a Terminating namespace refuses new objects).
 */
#include "objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"
#include "defaults.h"
#include "doc.h"
#include "fields.h"
#include "graceful.h"
#include "kinds.h"
#include "log.h"
#include "names.h"
#include "selector.h"
#include "timefmt.h"

#define MAX_ANNOTATION_BYTES (256 * 1024)
#define RETRIES 16

struct objects {
	struct store *store;
	struct registry *reg;
	struct graceful *grace;         /* Terminating pods' timers */
	int64_t pod_stop_ms;
};

/* The kubelet's last step of a graceful deletion: the containers have
 * stopped, the pod goes (unless finalizers hold it). */
static void pod_stopped(const char *ns, const char *name, const char *uid, void *ctx)
{
	struct objects *o = ctx;
	struct resource *r = registry_find(o->reg, "", "v1", "pods");
	if (!r)
		return;
	struct obj_delete_opts d = { .graceful = 1, .grace_period = 0, .precondition_uid = uid };
	json_t *out = NULL;
	int deleted;
	objects_delete(o, r, ns, name, &d, &out, &deleted, NULL);
	json_decref(out);
	resource_unref(r);
}

struct objects *objects_new(struct store *store, struct registry *reg)
{
	struct objects *o = xcalloc(1, sizeof(*o));
	o->store = store;
	o->reg = reg;
	o->pod_stop_ms = 1000;
	o->grace = graceful_new(pod_stopped, o);
	return o;
}

void objects_free(struct objects *o)
{
	if (!o)
		return;
	graceful_free(o->grace);
	free(o);
}

void objects_set_pod_stop_delay(struct objects *o, int64_t ms)
{
	o->pod_stop_ms = ms >= 0 ? ms : 0;
}

struct store *objects_store(struct objects *o)
{
	return o->store;
}

struct registry *objects_registry(struct objects *o)
{
	return o->reg;
}

static int is_kind(const struct resource *r, const char *group, const char *resource)
{
	return !r->crd && !strcmp(r->group, group) && !strcmp(r->resource, resource);
}

char *objects_key(const struct resource *r, const char *ns, const char *name)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "/%s/%s/", r->group[0] ? r->group : "core", r->resource);
	if (r->namespaced)
		buf_addf(&b, "%s/", ns ? ns : "");
	buf_adds(&b, name);
	return buf_detach(&b, NULL);
}

char *objects_prefix(const struct resource *r, const char *ns)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "/%s/%s/", r->group[0] ? r->group : "core", r->resource);
	if (r->namespaced && ns && ns[0])
		buf_addf(&b, "%s/", ns);
	return buf_detach(&b, NULL);
}

int objects_has_generation(const struct resource *r)
{
	static const char *const groups[] = {
		"apps", "batch", "autoscaling", "policy", "networking.k8s.io",
		"apiextensions.k8s.io", NULL,
	};
	if (r->crd)
		return 1;
	for (size_t i = 0; groups[i]; i++)
		if (!strcmp(r->group, groups[i]))
			return 1;
	return 0;
}

json_t *objects_decode(const char *value, size_t len, int64_t rev)
{
	json_t *obj = json_loadb(value, len, 0, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return NULL;
	}
	char rv[32];
	snprintf(rv, sizeof(rv), "%lld", (long long)rev);
	json_t *m = json_object_get(obj, "metadata");
	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(obj, "metadata", m);
	}
	json_object_set_new(m, "resourceVersion", json_string(rv));
	return obj;
}

/* The stored form: compact JSON without resourceVersion. Caller frees. */
static int dump_to_buf(const char *data, size_t size, void *b)
{
	buf_add(b, data, size);
	return 0;
}

static void dump(struct buf *b, const json_t *v)
{
	json_dump_callback(v, dump_to_buf, b, JSON_COMPACT | JSON_ENCODE_ANY);
}

/*
 * The stored layout is fixed: {"apiVersion":..,"kind":..,"metadata":{..},...}
 * so that lists can put resourceVersion back by splicing text
 * (objects_splice) instead of parsing every object.
 */
static char *encode(const json_t *obj, size_t *len)
{
	struct buf b = BUF_INIT;
	json_t *m = json_object_get(obj, "metadata");
	json_t *meta = json_is_object(m) ? json_copy(m) : json_object();
	json_object_del(meta, "resourceVersion");
	json_t *av = json_object_get(obj, "apiVersion"), *kind = json_object_get(obj, "kind");
	buf_adds(&b, "{\"apiVersion\":");
	if (json_is_string(av))
		dump(&b, av);
	else
		buf_adds(&b, "\"\"");
	buf_adds(&b, ",\"kind\":");
	if (json_is_string(kind))
		dump(&b, kind);
	else
		buf_adds(&b, "\"\"");
	buf_adds(&b, ",\"metadata\":");
	dump(&b, meta);
	json_decref(meta);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		if (!strcmp(k, "apiVersion") || !strcmp(k, "kind") || !strcmp(k, "metadata"))
			continue;
		buf_addch(&b, ',');
		json_t *key = json_string(k);
		dump(&b, key);
		json_decref(key);
		buf_addch(&b, ':');
		dump(&b, v);
	}
	buf_addch(&b, '}');
	return buf_detach(&b, len);
}

int objects_splice(struct buf *out, const char *v, size_t len, int64_t rev)
{
	static const char a[] = "{\"apiVersion\":\"", k[] = ",\"kind\":\"", m[] = ",\"metadata\":{";
	size_t i = sizeof(a) - 1;
	if (len < i || memcmp(v, a, i))
		return -1;
	while (i < len && v[i] != '"' && v[i] != '\\')
		i++;
	i++;
	if (i + sizeof(k) - 1 > len || memcmp(v + i, k, sizeof(k) - 1))
		return -1;
	i += sizeof(k) - 1;
	while (i < len && v[i] != '"' && v[i] != '\\')
		i++;
	i++;
	if (i + sizeof(m) - 1 > len || memcmp(v + i, m, sizeof(m) - 1))
		return -1;
	i += sizeof(m) - 1;
	buf_add(out, v, i);
	buf_addf(out, "\"resourceVersion\":\"%lld\"%s", (long long)rev,
		 i < len && v[i] == '}' ? "" : ",");
	buf_add(out, v + i, len - i);
	return 0;
}

/* Where the JSON string starting at v[i] (a '"') ends: the index after its
 * closing quote, or 0 when it does not end. */
static size_t skip_string(const char *v, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (v[i] == '\\')
			i++;
		else if (v[i] == '"')
			return i + 1;
	}
	return 0;
}

/* Where the compact JSON value starting at v[i] ends, or 0 when it does not. */
static size_t skip_value(const char *v, size_t len, size_t i)
{
	if (i >= len)
		return 0;
	if (v[i] == '"')
		return skip_string(v, len, i);
	if (v[i] != '{' && v[i] != '[') {
		while (i < len && v[i] != ',' && v[i] != '}' && v[i] != ']')
			i++;
		return i < len ? i : 0;
	}
	int depth = 0;
	while (i < len) {
		char ch = v[i];
		if (ch == '"') {
			if (!(i = skip_string(v, len, i)))
				return 0;
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if ((ch == '}' || ch == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return 0;
}

int objects_stored_labels(const char *v, size_t len, json_t **labels)
{
	static const char a[] = "{\"apiVersion\":\"", k[] = ",\"kind\":\"", m[] = ",\"metadata\":{";
	*labels = NULL;
	size_t i = sizeof(a) - 1;
	if (len < i || memcmp(v, a, i) || !(i = skip_string(v, len, i - 1)))
		return -1;
	if (i + sizeof(k) - 1 > len || memcmp(v + i, k, sizeof(k) - 1))
		return -1;
	if (!(i = skip_string(v, len, i + sizeof(k) - 2)))
		return -1;
	if (i + sizeof(m) - 1 > len || memcmp(v + i, m, sizeof(m) - 1))
		return -1;
	i += sizeof(m) - 1;
	/* the members of metadata: "key":value, ... } */
	while (i < len && v[i] != '}') {
		size_t kend = v[i] == '"' ? skip_string(v, len, i) : 0;
		if (!kend || kend >= len || v[kend] != ':')
			return -1;
		size_t vend = skip_value(v, len, kend + 1);
		if (!vend)
			return -1;
		if (kend - i == 8 && !memcmp(v + i, "\"labels\"", 8)) {
			*labels = json_loadb(v + kend + 1, vend - kend - 1, 0, NULL);
			return *labels ? 0 : -1;
		}
		i = vend;
		if (i < len && v[i] == ',')
			i++;
	}
	return i < len ? 0 : -1;
}

static void set_rv(json_t *obj, int64_t rev)
{
	char rv[32];
	snprintf(rv, sizeof(rv), "%lld", (long long)rev);
	json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
			    json_string(rv));
}

static void new_uid(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}

/* Appends 5 characters from Kubernetes' generateName alphabet. */
static void random_suffix(struct buf *b)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char r[5];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)rand();
	for (size_t i = 0; i < sizeof(r); i++)
		buf_addch(b, alphabet[r[i] % (sizeof(alphabet) - 1)]);
}

static const char *name_rule(const struct resource *r, const char *name)
{
	if (r->crd || !strcmp(r->group, "rbac.authorization.k8s.io"))
		return names_path_segment(name);
	if (is_kind(r, "", "namespaces"))
		return names_dns1123_label(name);
	if (is_kind(r, "", "services"))
		return names_dns1035_label(name);
	return names_dns1123_subdomain(name);
}

static void check_string_map(struct kstatus *st, const json_t *map, const char *field,
			     int labels)
{
	if (!map || json_is_null(map))
		return;
	if (!json_is_object(map)) {
		kstatus_cause(st, "FieldValueInvalid", field, "Invalid value: must be an object");
		return;
	}
	const char *k;
	json_t *v;
	size_t total = 0;
	json_object_foreach((json_t *)map, k, v) {
		char f[512];
		snprintf(f, sizeof(f), "%s", field);
		const char *why = names_qualified(k);
		if (why)
			kstatus_cause(st, "FieldValueInvalid", f, "Invalid value: \"%s\": %s", k, why);
		if (!json_is_string(v)) {
			snprintf(f, sizeof(f), "%s.%s", field, k);
			kstatus_cause(st, "FieldValueTypeInvalid", f,
				      "Invalid value: must be a string");
			continue;
		}
		total += strlen(k) + json_string_length(v);
		if (labels && (why = names_label_value(json_string_value(v))))
			kstatus_cause(st, "FieldValueInvalid", f, "Invalid value: \"%s\": %s",
				      json_string_value(v), why);
	}
	if (!labels && total > MAX_ANNOTATION_BYTES)
		kstatus_cause(st, "FieldValueTooLong", field,
			      "Too long: must have at most 262144 bytes");
}

/* Checks apiVersion/kind of a body against the resource: the group must be
 * the resource's and the version one the registry serves the kind in (a
 * body of another served version of a CRD is stored as this one). */
static int check_type(struct objects *o, const struct resource *r, json_t *obj,
		      struct kstatus *st)
{
	if (!json_is_object(obj))
		return kstatus_bad_request(st, "the body of the request was not a JSON object");
	char want[512];
	resource_api_version(r, want, sizeof(want));
	const char *av = doc_get_str(obj, "apiVersion");
	const char *kind = doc_get_str(obj, "kind");
	if (av && av[0]) {
		char g[256], v[64];
		struct resource *served = NULL;
		if (kinds_split_api_version(av, g, sizeof(g), v, sizeof(v)) < 0 ||
		    strcmp(g, r->group) ||
		    (strcmp(v, r->version) && !(served = registry_find_kind(o->reg, g, v, r->kind))))
			return kstatus_bad_request(st, "the API version in the data (%s) does not "
						   "match the expected API version (%s)", av, want);
		resource_unref(served);
	}
	if (kind && kind[0] && strcmp(kind, r->kind))
		return kstatus_bad_request(st, "the kind in the data (%s) does not match the "
					   "expected kind (%s)", kind, r->kind);
	json_object_set_new(obj, "apiVersion", json_string(want));
	json_object_set_new(obj, "kind", json_string(r->kind));
	json_t *m = json_object_get(obj, "metadata");
	if (m && !json_is_object(m))
		return kstatus_bad_request(st, "metadata: must be an object");
	if (!m)
		json_object_set_new(obj, "metadata", json_object());
	return 0;
}

static int validate_meta(const struct resource *r, const json_t *obj, struct kstatus *st)
{
	const json_t *m = json_object_get(obj, "metadata");
	const char *name = doc_get_str(obj, "metadata.name");
	const char *why = name ? name_rule(r, name) : NULL;
	if (why)
		kstatus_cause(st, "FieldValueInvalid", "metadata.name", "Invalid value: \"%s\": %s",
			      name, why);
	check_string_map(st, json_object_get(m, "labels"), "metadata.labels", 1);
	check_string_map(st, json_object_get(m, "annotations"), "metadata.annotations", 0);
	const json_t *fin = json_object_get(m, "finalizers");
	if (fin && !json_is_null(fin)) {
		size_t i;
		json_t *f;
		if (!json_is_array(fin))
			kstatus_cause(st, "FieldValueInvalid", "metadata.finalizers",
				      "Invalid value: must be a list of strings");
		json_array_foreach(fin, i, f)
			if (!json_is_string(f) || names_qualified(json_string_value(f)))
				kstatus_cause(st, "FieldValueInvalid", "metadata.finalizers",
					      "Invalid value: must be a qualified name");
	}
	const json_t *owners = json_object_get(m, "ownerReferences");
	if (owners && !json_is_null(owners)) {
		size_t i;
		json_t *ref;
		if (!json_is_array(owners))
			kstatus_cause(st, "FieldValueInvalid", "metadata.ownerReferences",
				      "Invalid value: must be a list");
		json_array_foreach(owners, i, ref)
			if (!doc_get_str(ref, "uid") || !doc_get_str(ref, "name") ||
			    !doc_get_str(ref, "kind") || !doc_get_str(ref, "apiVersion"))
				kstatus_cause(st, "FieldValueRequired", "metadata.ownerReferences",
					      "Required value: apiVersion, kind, name and uid must "
					      "be set");
	}
	if (st && st->causes)
		return kstatus_invalid(st, r, name);
	return 0;
}

/* 0 when ns exists and takes new objects. */
static int check_namespace(struct objects *o, const char *ns, const struct resource *r,
			   const char *name, struct kstatus *st)
{
	struct resource *nsr = registry_find(o->reg, "", "v1", "namespaces");
	char *key = objects_key(nsr, NULL, ns);
	struct store_kv kv;
	int rc = store_get(o->store, key, &kv, NULL);
	free(key);
	if (rc == BERR_NOTFOUND) {
		rc = kstatus_not_found(st, nsr, ns);
		resource_unref(nsr);
		return rc;
	}
	resource_unref(nsr);
	if (rc < 0)
		return kstatus_set(st, 500, "InternalError", "cannot read namespace \"%s\"", ns);
	/* every namespaced create reads its namespace: parse it only when its
	 * text can hold a deletionTimestamp */
	int terminating = 0;
	if (memmem(kv.value, kv.len, "\"deletionTimestamp\"", 19)) {
		json_t *nso = objects_decode(kv.value, kv.len, kv.rev);
		terminating = nso && doc_get(nso, "metadata.deletionTimestamp");
		json_decref(nso);
	}
	store_kv_free(&kv);
	if (terminating) {
		char q[512];
		kstatus_qualified(q, sizeof(q), r);
		kstatus_details(st, name, r->group, r->resource);
		return kstatus_set(st, 403, "Forbidden",
				   "%s \"%s\" is forbidden: unable to create new content in "
				   "namespace %s because it is being terminated", q, name, ns);
	}
	return 0;
}

/* --- Service cluster IPs ----------------------------------------------------- */

#define IP_BASE ((10u << 24) | (96u << 16))    /* 10.96.0.0/12 */
#define IP_SIZE (1u << 20)

static void ip_key(struct buf *b, const char *ip)
{
	buf_addf(b, "/_/clusterips/%s", ip);
}

static int reserve_ip(struct objects *o, const char *ip)
{
	struct buf k = BUF_INIT;
	ip_key(&k, ip);
	int rc = store_create(o->store, k.data, "", 0, NULL, NULL);
	buf_release(&k);
	return rc;
}

static void release_ip(struct objects *o, const char *ip)
{
	if (!ip || !ip[0] || !strcmp(ip, "None"))
		return;
	struct buf k = BUF_INIT;
	ip_key(&k, ip);
	store_delete(o->store, k.data, 0, NULL, 0, NULL, NULL);
	buf_release(&k);
}

static int parse_ipv4(const char *s, unsigned *out)
{
	unsigned a, b, c, d;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -1;
	*out = (a << 24) | (b << 16) | (c << 8) | d;
	return 0;
}

static int allocate_cluster_ip(struct objects *o, json_t *svc, const struct resource *r,
			       struct kstatus *st)
{
	json_t *spec = json_object_get(svc, "spec");
	if (!json_is_object(spec))
		return 0;
	const char *type = doc_get_str(spec, "type");
	if (type && !strcmp(type, "ExternalName"))
		return 0;
	const char *want = doc_get_str(spec, "clusterIP");
	char ip[16];
	if (want && !strcmp(want, "None")) {
		json_object_set_new(spec, "clusterIPs", json_pack("[s]", "None"));
		return 0;
	}
	if (want && want[0]) {
		unsigned a;
		if (parse_ipv4(want, &a) < 0 || (a & ~(IP_SIZE - 1)) != IP_BASE) {
			kstatus_cause(st, "FieldValueInvalid", "spec.clusterIPs",
				      "Invalid value: \"%s\": provided IP is not in the valid range. "
				      "The range of valid IPs is 10.96.0.0/12", want);
			return kstatus_invalid(st, r, doc_get_str(svc, "metadata.name"));
		}
		if (reserve_ip(o, want) < 0) {
			kstatus_cause(st, "FieldValueInvalid", "spec.clusterIPs",
				      "Invalid value: \"%s\": provided IP is already allocated", want);
			return kstatus_invalid(st, r, doc_get_str(svc, "metadata.name"));
		}
		snprintf(ip, sizeof(ip), "%s", want);
	} else {
		unsigned seed;
		if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			seed = (unsigned)time(NULL);
		int ok = 0;
		for (unsigned i = 0; i < 64 && !ok; i++) {
			unsigned off = (seed + i * 7919u) % (IP_SIZE - 12) + 10; /* skip .0-.9 */
			unsigned a = IP_BASE + off;
			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
				 (a >> 8) & 255, a & 255);
			ok = reserve_ip(o, ip) == 0;
		}
		if (!ok)
			return kstatus_set(st, 500, "InternalError",
					   "failed to allocate a serviceIP: range is full");
	}
	json_object_set_new(spec, "clusterIP", json_string(ip));
	json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
	return 0;
}

/* --- create ------------------------------------------------------------------ */

int objects_create(struct objects *o, struct resource *r, const char *ns,
		   const json_t *in, const struct obj_write_opts *opts, json_t **out,
		   struct kstatus *st)
{
	*out = NULL;
	json_t *obj = json_deep_copy(in);
	int rc = check_type(o, r, obj, st);
	if (rc)
		goto out;
	json_t *m = json_object_get(obj, "metadata");
	const char *name = doc_get_str(m, "name");
	const char *gen = doc_get_str(m, "generateName");
	if ((!name || !name[0]) && gen && gen[0]) {
		struct buf b = BUF_INIT;
		buf_adds(&b, gen);
		random_suffix(&b);
		json_object_set_new(m, "name", json_string(b.data));
		buf_release(&b);
		name = doc_get_str(m, "name");
	}
	if (!name || !name[0]) {
		kstatus_cause(st, "FieldValueRequired", "metadata.name",
			      "Required value: name or generateName is required");
		rc = kstatus_invalid(st, r, "");
		goto out;
	}
	if (r->namespaced) {
		const char *mns = doc_get_str(m, "namespace");
		if (mns && mns[0] && ns && strcmp(mns, ns)) {
			rc = kstatus_bad_request(st, "the namespace of the provided object does "
						 "not match the namespace sent on the request");
			goto out;
		}
		if (!ns || !ns[0])
			ns = mns && mns[0] ? mns : "default";
		json_object_set_new(m, "namespace", json_string(ns));
	} else {
		json_object_del(m, "namespace");
	}
	if ((rc = validate_meta(r, obj, st)))
		goto out;
	if (r->namespaced && (rc = check_namespace(o, ns, r, name, st)))
		goto out;

	char uid[37], now[TIMEFMT_SIZE];
	new_uid(uid);
	timefmt_now(now);
	json_object_set_new(m, "uid", json_string(uid));
	json_object_set_new(m, "creationTimestamp", json_string(now));
	json_object_del(m, "deletionTimestamp");
	json_object_del(m, "deletionGracePeriodSeconds");
	json_object_del(m, "resourceVersion");
	json_object_del(m, "selfLink");
	if (objects_has_generation(r))
		json_object_set_new(m, "generation", json_integer(1));
	else
		json_object_del(m, "generation");
	json_object_del(m, "managedFields");
	fields_record(r, obj, NULL, opts && opts->field_manager ? opts->field_manager : "unknown",
		      opts && opts->apply ? "Apply" : "Update",
		      opts && opts->applied ? opts->applied : in);
	defaults_apply(r, obj);
	if ((rc = defaults_validate(r, obj, st)))
		goto out;

	int is_crd = is_kind(r, "apiextensions.k8s.io", "customresourcedefinitions");
	if (is_crd) {
		struct berr e = BERR_INIT;
		if ((rc = registry_add_crd(o->reg, obj, 0, &e)) < 0) {
			const char *colon = strstr(e.msg, ": ");
			char field[256];
			snprintf(field, sizeof(field), "%.*s", colon ? (int)(colon - e.msg) : 0, e.msg);
			kstatus_cause(st, "FieldValueInvalid", field, "%s", colon ? colon + 2 : e.msg);
			rc = kstatus_invalid(st, r, name);
			goto out;
		}
		defaults_crd_status(obj);
	}
	if (opts && opts->dry_run) {
		*out = obj;
		return 0;
	}
	int is_svc = is_kind(r, "", "services");
	char *key = objects_key(r, ns, name);
	if (is_svc) {
		/* AlreadyExists wins over an IP that is taken by this very service */
		struct store_kv kv;
		if (store_get(o->store, key, &kv, NULL) == 0) {
			store_kv_free(&kv);
			free(key);
			rc = kstatus_exists(st, r, name);
			goto out;
		}
		if ((rc = allocate_cluster_ip(o, obj, r, st))) {
			free(key);
			goto out;
		}
	}

	size_t len;
	char *val = encode(obj, &len);
	int64_t rev;
	struct berr e = BERR_INIT;
	rc = store_create(o->store, key, val, len, &rev, &e);
	if (rc == 0 && opts && opts->out_text && !is_crd
	    && objects_splice(opts->out_text, val, len, rev) == 0)
		buf_addch(opts->out_text, '\n');
	free(val);
	free(key);
	if (rc == BERR_EXISTS) {
		if (is_svc)
			release_ip(o, doc_get_str(obj, "spec.clusterIP"));
		rc = kstatus_exists(st, r, name);
		goto out;
	}
	if (rc < 0) {
		if (is_svc)
			release_ip(o, doc_get_str(obj, "spec.clusterIP"));
		rc = kstatus_set(st, 500, "InternalError", "%s", e.msg);
		goto out;
	}
	if (is_crd)
		registry_add_crd(o->reg, obj, 1, NULL);
	set_rv(obj, rev);
	*out = obj;
	return 0;
out:
	json_decref(obj);
	return rc;
}

int objects_get(struct objects *o, struct resource *r, const char *ns,
		const char *name, json_t **out, struct kstatus *st)
{
	*out = NULL;
	char *key = objects_key(r, ns, name);
	struct store_kv kv;
	struct berr e = BERR_INIT;
	int rc = store_get(o->store, key, &kv, &e);
	free(key);
	if (rc == BERR_NOTFOUND)
		return kstatus_not_found(st, r, name);
	if (rc < 0)
		return kstatus_set(st, 500, "InternalError", "%s", e.msg);
	*out = objects_decode(kv.value, kv.len, kv.rev);
	store_kv_free(&kv);
	if (!*out)
		return kstatus_set(st, 500, "InternalError", "stored object \"%s\" is corrupt", name);
	/* objects stored under another served version read as this one */
	char av[512];
	resource_api_version(r, av, sizeof(av));
	json_object_set_new(*out, "apiVersion", json_string(av));
	return 0;
}

struct list_ctx {
	objects_each_fn fn;
	void *ctx;
	const char *api_version;
	const struct selector *labels;
};

int objects_stored_match(const char *value, size_t len, const struct selector *labels)
{
	json_t *set;
	if (!labels)
		return 1;
	if (objects_stored_labels(value, len, &set) < 0)
		return -1;
	int ok = selector_matches(labels, set);
	json_decref(set);
	return ok;
}

static int list_one(const struct store_kv *kv, void *p)
{
	struct list_ctx *lc = p;
	if (!objects_stored_match(kv->value, kv->len, lc->labels))
		return 0;
	json_t *obj = objects_decode(kv->value, kv->len, kv->rev);
	if (!obj)
		return 0;
	json_object_set_new(obj, "apiVersion", json_string(lc->api_version));
	int rc = lc->fn(obj, lc->ctx);
	json_decref(obj);
	return rc;
}

int objects_list(struct objects *o, struct resource *r, const char *ns,
		 objects_each_fn fn, void *ctx, int64_t *rev_out, struct kstatus *st)
{
	return objects_list_after(o, r, ns, NULL, fn, ctx, rev_out, st);
}

int objects_list_after(struct objects *o, struct resource *r, const char *ns,
		       const char *after_key, objects_each_fn fn, void *ctx, int64_t *rev_out,
		       struct kstatus *st)
{
	return objects_list_selected(o, r, ns, after_key, NULL, fn, ctx, rev_out, st);
}

int objects_list_selected(struct objects *o, struct resource *r, const char *ns,
			  const char *after_key, const struct selector *labels,
			  objects_each_fn fn, void *ctx, int64_t *rev_out, struct kstatus *st)
{
	char av[512];
	resource_api_version(r, av, sizeof(av));
	struct list_ctx lc = { fn, ctx, av, labels };
	char *prefix = objects_prefix(r, ns);
	struct berr e = BERR_INIT;
	int rc = store_list(o->store, prefix, after_key, 0, list_one, &lc, rev_out, &e);
	free(prefix);
	if (rc < 0 && e.code)
		return kstatus_set(st, 500, "InternalError", "%s", e.msg);
	return rc;
}

/* --- update ------------------------------------------------------------------ */

/* Whether a and b (objects) are equal leaving out the members named in
 * skip (NULL-terminated): compared in place, without copies. */
static int equal_except(const json_t *a, const json_t *b, const char *const *skip)
{
	const char *k;
	json_t *v;
	size_t na = 0, nb = 0;
	json_object_foreach((json_t *)a, k, v) {
		int skipped = 0;
		for (size_t i = 0; skip[i] && !skipped; i++)
			skipped = !strcmp(k, skip[i]);
		if (skipped)
			continue;
		na++;
		if (!doc_equal(v, json_object_get(b, k)))
			return 0;
	}
	json_object_foreach((json_t *)b, k, v) {
		int skipped = 0;
		for (size_t i = 0; skip[i] && !skipped; i++)
			skipped = !strcmp(k, skip[i]);
		nb += !skipped;
	}
	return na == nb;
}

static int spec_changed(const json_t *a, const json_t *b)
{
	static const char *const skip[] = { "metadata", "status", NULL };
	return !equal_except(a, b, skip);
}

static int same_ignoring_rv_and_managers(const json_t *a, const json_t *b)
{
	static const char *const top[] = { "metadata", NULL };
	static const char *const meta[] = { "resourceVersion", "managedFields", NULL };
	json_t *ma = json_object_get(a, "metadata"), *mb = json_object_get(b, "metadata");
	if (!equal_except(a, b, top))
		return 0;
	if (json_is_object(ma) && json_is_object(mb))
		return equal_except(ma, mb, meta);
	return doc_equal(ma, mb);
}

static int finalizers_empty(const json_t *obj)
{
	const json_t *f = doc_get(obj, "metadata.finalizers");
	return !json_is_array(f) || json_array_size(f) == 0;
}

static void copy_field(json_t *dst, const json_t *src, const char *field)
{
	json_t *v = json_object_get(src, field);
	if (v)
		json_object_set(dst, field, v);
	else
		json_object_del(dst, field);
}

static int finalize_delete(struct objects *o, struct resource *r, const char *key,
			   const json_t *obj, int64_t rev, json_t **out, struct kstatus *st);
static void purge_prefix(struct objects *o, struct resource *r, const char *prefix);

/* One attempt of an update against the stored object `cur`. */
static int update_once(struct objects *o, struct resource *r, const char *key,
		       const json_t *cur, const json_t *in, int64_t expect,
		       const struct obj_write_opts *opts, json_t **out, struct kstatus *st)
{
	json_t *obj;
	enum obj_sub sub = opts ? opts->sub : OBJ_MAIN;
	if (sub == OBJ_STATUS) {
		/* only status and metadata change: the rest is shared with cur */
		obj = json_copy((json_t *)cur);
		json_t *cm = json_object_get(cur, "metadata");
		json_object_set_new(obj, "metadata", json_is_object(cm) ? json_copy(cm) : json_object());
		copy_field(obj, in, "status");
	} else {
		obj = json_deep_copy(in);
		if (r->subresources & KIND_SUB_STATUS)
			copy_field(obj, cur, "status");
	}
	json_t *m = json_object_get(obj, "metadata"), *cm = json_object_get(cur, "metadata");
	static const char *const keep[] = {
		"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
		"namespace", "name", "generation", "managedFields", NULL,
	};
	for (size_t i = 0; keep[i]; i++)
		copy_field(m, cm, keep[i]);
	json_object_del(m, "selfLink");
	if (sub == OBJ_MAIN) {
		defaults_apply(r, obj);
		int rc = validate_meta(r, obj, st);
		if (!rc)
			rc = defaults_validate(r, obj, st);
		if (rc) {
			json_decref(obj);
			return rc;
		}
		if (objects_has_generation(r) && spec_changed(cur, obj))
			json_object_set_new(m, "generation",
					    json_integer(doc_get_int(cur, "metadata.generation", 1) + 1));
		if (is_kind(r, "", "services")) {
			/* clusterIP is immutable once allocated */
			json_t *spec = json_object_get(obj, "spec");
			const char *was = doc_get_str(cur, "spec.clusterIP");
			if (json_is_object(spec) && was) {
				json_object_set_new(spec, "clusterIP", json_string(was));
				copy_field(spec, json_object_get(cur, "spec"), "clusterIPs");
			}
		}
	}
	if (same_ignoring_rv_and_managers(cur, obj)) {
		json_decref(obj);
		*out = json_deep_copy(cur);
		return 0;
	}
	/* fields_record() edits managedFields in place: cur's must stay as read */
	json_t *mf = json_object_get(m, "managedFields");
	if (mf)
		json_object_set_new(m, "managedFields", json_deep_copy(mf));
	fields_record(r, obj, cur, opts && opts->field_manager ? opts->field_manager : "unknown",
		      opts && opts->apply ? "Apply" : "Update", opts ? opts->applied : NULL);
	if (doc_get(cur, "metadata.deletionTimestamp") && finalizers_empty(obj)) {
		int rc = opts && opts->dry_run ? 0 : finalize_delete(o, r, key, obj, expect, out, st);
		if (!rc && !*out)
			*out = obj;
		else
			json_decref(obj);
		return rc;
	}
	if (opts && opts->dry_run) {
		*out = obj;
		return 0;
	}
	size_t len;
	char *val = encode(obj, &len);
	int64_t rev;
	struct berr e = BERR_INIT;
	int rc = store_update(o->store, key, expect, val, len, &rev, &e);
	if (rc == 0 && opts && opts->out_text
	    && !is_kind(r, "apiextensions.k8s.io", "customresourcedefinitions")
	    && objects_splice(opts->out_text, val, len, rev) == 0)
		buf_addch(opts->out_text, '\n');
	free(val);
	if (rc < 0) {
		json_decref(obj);
		return rc == BERR_CONFLICT || rc == BERR_NOTFOUND ? rc
			: kstatus_set(st, 500, "InternalError", "%s", e.msg);
	}
	if (is_kind(r, "apiextensions.k8s.io", "customresourcedefinitions"))
		registry_add_crd(o->reg, obj, 1, NULL);
	set_rv(obj, rev);
	*out = obj;
	return 0;
}

static int read_current(struct objects *o, const char *key, json_t **cur, int64_t *rev)
{
	struct store_kv kv;
	int rc = store_get(o->store, key, &kv, NULL);
	if (rc < 0)
		return rc;
	*cur = objects_decode(kv.value, kv.len, kv.rev);
	*rev = kv.rev;
	store_kv_free(&kv);
	return *cur ? 0 : BERR_FAIL;
}

int objects_update(struct objects *o, struct resource *r, const char *ns,
		   const char *name, const json_t *in, const struct obj_write_opts *opts,
		   json_t **out, struct kstatus *st)
{
	return objects_update_from(o, r, ns, name, NULL, in, opts, out, st);
}

int objects_update_from(struct objects *o, struct resource *r, const char *ns,
			const char *name, const json_t *read, const json_t *in,
			const struct obj_write_opts *opts, json_t **out, struct kstatus *st)
{
	*out = NULL;
	/* check_type() sets top-level members and update_once() copies deeply:
	 * a shallow copy is enough here */
	json_t *obj = json_copy((json_t *)in);
	int rc = check_type(o, r, obj, st);
	if (rc) {
		json_decref(obj);
		return rc;
	}
	const char *bname = doc_get_str(obj, "metadata.name");
	if (bname && strcmp(bname, name)) {
		json_decref(obj);
		return kstatus_bad_request(st, "the name of the object (%s) does not match the "
					   "name on the URL (%s)", bname, name);
	}
	const char *bns = doc_get_str(obj, "metadata.namespace");
	if (r->namespaced && bns && bns[0] && ns && strcmp(bns, ns)) {
		json_decref(obj);
		return kstatus_bad_request(st, "the namespace of the provided object does not "
					   "match the namespace sent on the request");
	}
	const char *want_rv = doc_get_str(obj, "metadata.resourceVersion");
	int64_t expect = want_rv && want_rv[0] ? strtoll(want_rv, NULL, 10) : 0;
	if (want_rv && want_rv[0] && expect <= 0) {
		json_decref(obj);
		kstatus_cause(st, "FieldValueInvalid", "metadata.resourceVersion",
			      "Invalid value: \"%s\": must be a decimal number", want_rv);
		return kstatus_invalid(st, r, name);
	}
	const char *read_rv = doc_get_str(read, "metadata.resourceVersion");
	int64_t read_rev = read_rv ? strtoll(read_rv, NULL, 10) : 0;
	char *key = objects_key(r, ns, name);
	for (int i = 0; i < RETRIES; i++) {
		json_t *cur;
		int64_t rev;
		if (i == 0 && read_rev > 0) {
			cur = json_incref((json_t *)read);
			rev = read_rev;
			rc = 0;
		} else {
			rc = read_current(o, key, &cur, &rev);
		}
		if (rc == BERR_NOTFOUND) {
			rc = kstatus_not_found(st, r, name);
			break;
		}
		if (rc < 0) {
			rc = kstatus_set(st, 500, "InternalError", "cannot read \"%s\"", name);
			break;
		}
		if (expect && expect != rev) {
			json_decref(cur);
			rc = kstatus_conflict(st, r, name);
			break;
		}
		rc = update_once(o, r, key, cur, obj, rev, opts, out, st);
		json_decref(cur);
		if (rc == BERR_CONFLICT && !expect && !(st && st->code))
			continue;
		if (rc == BERR_CONFLICT && !(st && st->code))
			rc = kstatus_conflict(st, r, name);
		if (rc == BERR_NOTFOUND && !(st && st->code))
			rc = kstatus_not_found(st, r, name);
		break;
	}
	if (rc == BERR_CONFLICT && !(st && st->code))
		rc = kstatus_conflict(st, r, name);
	free(key);
	json_decref(obj);
	return rc;
}

int objects_mutate(struct objects *o, struct resource *r, const char *ns,
		   const char *name, enum obj_sub sub, const char *manager,
		   objects_mutate_fn fn, void *ctx, struct kstatus *st)
{
	return objects_mutate_from(o, r, ns, name, NULL, sub, manager, fn, ctx, NULL, st);
}

int objects_mutate_from(struct objects *o, struct resource *r, const char *ns,
			const char *name, const json_t *read, enum obj_sub sub,
			const char *manager, objects_mutate_fn fn, void *ctx, json_t **out,
			struct kstatus *st)
{
	char *key = objects_key(r, ns, name);
	struct obj_write_opts opts = { .field_manager = manager, .sub = sub };
	const char *rv = read ? doc_get_str(read, "metadata.resourceVersion") : NULL;
	int rc = BERR_CONFLICT;
	if (out)
		*out = NULL;
	for (int i = 0; i < RETRIES && rc == BERR_CONFLICT; i++) {
		json_t *cur, *written = NULL;
		int64_t rev;
		if (i == 0 && rv) {
			cur = json_incref((json_t *)read);
			rev = strtoll(rv, NULL, 10);
		} else if ((rc = read_current(o, key, &cur, &rev)) < 0) {
			rc = rc == BERR_NOTFOUND ? kstatus_not_found(st, r, name) : rc;
			break;
		}
		json_t *next = json_deep_copy(cur);
		int changed = fn(next, ctx);
		if (changed > 0)
			rc = update_once(o, r, key, cur, next, rev, &opts, &written, st);
		else
			rc = changed;
		if (out && rc == 0)
			*out = json_incref(written);
		json_decref(written);
		json_decref(next);
		json_decref(cur);
	}
	free(key);
	return rc;
}

/* --- delete ------------------------------------------------------------------ */

static int drop_owner(json_t *obj, void *p)
{
	const char *uid = p;
	json_t *refs = doc_get(obj, "metadata.ownerReferences");
	size_t i;
	json_t *ref;
	int changed = 0;
	json_array_foreach(refs, i, ref) {
		const char *u = doc_get_str(ref, "uid");
		if (u && !strcmp(u, uid)) {
			json_array_remove(refs, i);
			i--;
			changed = 1;
		}
	}
	if (changed && json_array_size(refs) == 0)
		json_object_del(json_object_get(obj, "metadata"), "ownerReferences");
	return changed;
}

struct dependent {
	struct resource *r;
	char *ns, *name;
};

struct dependents {
	struct dependent *v;
	size_t n, cap;
	const char *uid;
	struct resource *r;
};

static int collect_dependent(json_t *obj, void *p)
{
	struct dependents *d = p;
	json_t *refs = doc_get(obj, "metadata.ownerReferences");
	size_t i;
	json_t *ref;
	json_array_foreach(refs, i, ref) {
		const char *u = doc_get_str(ref, "uid");
		if (!u || strcmp(u, d->uid))
			continue;
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 16;
			d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
		}
		const char *ns = doc_get_str(obj, "metadata.namespace");
		d->v[d->n].r = d->r;
		__atomic_add_fetch(&d->r->refs, 1, __ATOMIC_ACQ_REL);
		d->v[d->n].ns = ns ? xstrdup(ns) : NULL;
		d->v[d->n].name = xstrdup(doc_get_str(obj, "metadata.name"));
		d->n++;
		break;
	}
	return 0;
}

/* Every object (of any storage-version resource) owned by uid. The search
 * is limited to ns for namespaced dependents when ns is set. */
static void find_dependents(struct objects *o, const char *uid, const char *ns,
			    struct dependents *d)
{
	memset(d, 0, sizeof(*d));
	d->uid = uid;
	size_t n;
	struct resource **all = registry_snapshot(o->reg, &n);
	for (size_t i = 0; i < n; i++) {
		if (!all[i]->storage)
			continue;
		d->r = all[i];
		objects_list(o, all[i], all[i]->namespaced ? ns : NULL, collect_dependent, d,
			     NULL, NULL);
	}
	registry_snapshot_free(all, n);
}

static void dependents_free(struct dependents *d)
{
	for (size_t i = 0; i < d->n; i++) {
		resource_unref(d->v[i].r);
		free(d->v[i].ns);
		free(d->v[i].name);
	}
	free(d->v);
}

void objects_orphan(struct objects *o, const char *uid, const char *ns)
{
	struct dependents d;
	find_dependents(o, uid, ns, &d);
	for (size_t i = 0; i < d.n; i++)
		objects_mutate(o, d.v[i].r, d.v[i].ns, d.v[i].name, OBJ_MAIN,
			       "garbage-collector", drop_owner, (void *)uid, NULL);
	dependents_free(&d);
}

int objects_collect_dependents(struct objects *o, const char *uid, const char *ns,
			       const char *propagation)
{
	struct dependents d;
	find_dependents(o, uid, ns, &d);
	struct obj_delete_opts opts = { .propagation = propagation };
	for (size_t i = 0; i < d.n; i++) {
		json_t *out = NULL;
		int deleted;
		objects_delete(o, d.v[i].r, d.v[i].ns, d.v[i].name, &opts, &out, &deleted, NULL);
		json_decref(out);
	}
	int n = (int)d.n;
	dependents_free(&d);
	return n;
}

struct kvlist {
	struct store_kv *v;
	size_t n, cap;
};

static int collect_kv(const struct store_kv *kv, void *p)
{
	struct kvlist *l = p;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	struct store_kv *c = &l->v[l->n++];
	c->key = xstrdup(kv->key);
	c->value = xstrndup(kv->value, kv->len);
	c->len = kv->len;
	c->rev = kv->rev;
	c->create_rev = kv->create_rev;
	return 0;
}

static void kvlist_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_kv_free(&l->v[i]);
	free(l->v);
}

/* Removes every object under prefix at once, finalizers or not (what a
 * deleted namespace or CRD does to its contents). */
static void purge_prefix(struct objects *o, struct resource *r, const char *prefix)
{
	struct kvlist l = { 0 };
	store_list(o->store, prefix, NULL, 0, collect_kv, &l, NULL, NULL);
	for (size_t i = 0; i < l.n; i++) {
		json_t *obj = objects_decode(l.v[i].value, l.v[i].len, l.v[i].rev), *out = NULL;
		if (obj)
			finalize_delete(o, r, l.v[i].key, obj, 0, &out, NULL);
		json_decref(out);
		json_decref(obj);
	}
	kvlist_free(&l);
}

static void empty_namespace(struct objects *o, const char *ns)
{
	size_t n;
	struct resource **all = registry_snapshot(o->reg, &n);
	for (size_t i = 0; i < n; i++) {
		if (!all[i]->namespaced || !all[i]->storage)
			continue;
		char *prefix = objects_prefix(all[i], ns);
		purge_prefix(o, all[i], prefix);
		free(prefix);
	}
	registry_snapshot_free(all, n);
}

static int finalize_delete(struct objects *o, struct resource *r, const char *key,
			   const json_t *obj, int64_t rev, json_t **out, struct kstatus *st)
{
	size_t len;
	char *val = encode(obj, &len);
	struct berr e = BERR_INIT;
	int64_t drev;
	int rc = store_delete(o->store, key, rev, val, len, &drev, &e);
	free(val);
	if (rc == BERR_CONFLICT || rc == BERR_NOTFOUND)
		return rc;
	if (rc < 0)
		return kstatus_set(st, 500, "InternalError", "%s", e.msg);
	if (is_kind(r, "", "services"))
		release_ip(o, doc_get_str(obj, "spec.clusterIP"));
	if (is_kind(r, "apiextensions.k8s.io", "customresourcedefinitions")) {
		const char *name = doc_get_str(obj, "metadata.name");
		struct resource *cr = registry_find(o->reg, doc_get_str(obj, "spec.group"), NULL,
						    doc_get_str(obj, "spec.names.plural"));
		registry_remove_crd(o->reg, name);
		if (cr) {
			char *prefix = objects_prefix(cr, NULL);
			purge_prefix(o, cr, prefix);
			resource_unref(cr);
			free(prefix);
		}
	}
	*out = json_deep_copy(obj);
	set_rv(*out, drev);
	return 0;
}

/* The grace period a delete gives this pod: none when it never ran on a
 * node or has finished, as the real API server decides. */
static int64_t pod_grace(const json_t *pod, int64_t asked)
{
	const char *phase = doc_get_str(pod, "status.phase");
	if (!doc_get_str(pod, "spec.nodeName") ||
	    (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
		return 0;
	if (asked >= 0)
		return asked;
	json_t *t = doc_get(pod, "spec.terminationGracePeriodSeconds");
	return json_is_integer(t) && json_integer_value(t) >= 0 ? json_integer_value(t) : 30;
}

/*
 * Marks a pod Terminating for `grace` seconds, or shortens the grace of one
 * already marked. Returns 1 with *out set when the pod stays for now, 0 when
 * it must go at once, or BERR_CONFLICT to retry.
 */
static int pod_mark_terminating(struct objects *o, const char *key, const json_t *cur,
				int64_t rev, int64_t grace, json_t **out)
{
	json_t *dgp = doc_get(cur, "metadata.deletionGracePeriodSeconds");
	int marked = doc_get(cur, "metadata.deletionTimestamp") != NULL;
	if (grace == 0)
		return 0;
	if (marked && json_is_integer(dgp) && json_integer_value(dgp) <= grace) {
		*out = json_deep_copy(cur);
		return 1;
	}
	json_t *next = json_deep_copy(cur);
	json_t *m = json_object_get(next, "metadata");
	char when[TIMEFMT_SIZE];
	timefmt_rfc3339(when, time(NULL) + (time_t)grace);
	json_object_set_new(m, "deletionTimestamp", json_string(when));
	json_object_set_new(m, "deletionGracePeriodSeconds", json_integer(grace));
	size_t len;
	char *val = encode(next, &len);
	int64_t nrev;
	int rc = store_update(o->store, key, rev, val, len, &nrev, NULL);
	free(val);
	if (rc < 0) {
		json_decref(next);
		return BERR_CONFLICT;
	}
	set_rv(next, nrev);
	int64_t after = grace * 1000 < o->pod_stop_ms ? grace * 1000 : o->pod_stop_ms;
	graceful_schedule(o->grace, doc_get_str(next, "metadata.namespace"),
			  doc_get_str(next, "metadata.name"), doc_get_str(next, "metadata.uid"),
			  after);
	*out = next;
	return 1;
}

static int resume_one(const struct store_kv *kv, void *p)
{
	struct objects *o = p;
	if (!memmem(kv->value, kv->len, "\"deletionTimestamp\"", 19))
		return 0;
	json_t *pod = objects_decode(kv->value, kv->len, kv->rev);
	if (doc_get(pod, "metadata.deletionTimestamp"))
		graceful_schedule(o->grace, doc_get_str(pod, "metadata.namespace"),
				  doc_get_str(pod, "metadata.name"), doc_get_str(pod, "metadata.uid"),
				  o->pod_stop_ms);
	json_decref(pod);
	return 0;
}

void objects_resume_pod_deletions(struct objects *o)
{
	struct resource *r = registry_find(o->reg, "", "v1", "pods");
	if (!r)
		return;
	char *prefix = objects_prefix(r, NULL);
	store_list(o->store, prefix, NULL, 0, resume_one, o, NULL, NULL);
	free(prefix);
	resource_unref(r);
}

int objects_delete(struct objects *o, struct resource *r, const char *ns,
		   const char *name, const struct obj_delete_opts *opts, json_t **out,
		   int *deleted, struct kstatus *st)
{
	*out = NULL;
	*deleted = 0;
	const char *policy = opts && opts->propagation ? opts->propagation : "Background";
	if (strcmp(policy, "Background") && strcmp(policy, "Foreground") &&
	    strcmp(policy, "Orphan")) {
		kstatus_cause(st, "FieldValueNotSupported", "propagationPolicy",
			      "Unsupported value: \"%s\": supported values: \"Foreground\", "
			      "\"Background\", \"Orphan\"", policy);
		return kstatus_invalid(st, r, name);
	}
	char *key = objects_key(r, ns, name);
	int rc = BERR_CONFLICT;
	for (int i = 0; i < RETRIES && rc == BERR_CONFLICT; i++) {
		json_t *cur;
		int64_t rev;
		rc = read_current(o, key, &cur, &rev);
		if (rc < 0) {
			rc = rc == BERR_NOTFOUND ? kstatus_not_found(st, r, name)
				: kstatus_set(st, 500, "InternalError", "cannot read \"%s\"", name);
			break;
		}
		const char *uid = doc_get_str(cur, "metadata.uid");
		if (opts && opts->precondition_uid && strcmp(opts->precondition_uid, uid)) {
			kstatus_details(st, name, r->group, r->resource);
			rc = kstatus_set(st, 409, "Conflict",
					 "Precondition failed: UID in precondition: %s, UID in object "
					 "meta: %s", opts->precondition_uid, uid);
			json_decref(cur);
			break;
		}
		if (opts && opts->precondition_rv &&
		    strtoll(opts->precondition_rv, NULL, 10) != rev) {
			kstatus_details(st, name, r->group, r->resource);
			rc = kstatus_set(st, 409, "Conflict",
					 "Precondition failed: ResourceVersion in precondition: %s, "
					 "ResourceVersion in object meta: %lld",
					 opts->precondition_rv, (long long)rev);
			json_decref(cur);
			break;
		}
		if (opts && opts->dry_run) {
			*out = cur;
			rc = 0;
			break;
		}
		int is_ns = is_kind(r, "", "namespaces");
		int foreground = !strcmp(policy, "Foreground");
		int pod_now = 0;        /* a pod whose grace is over: it goes now */
		if (is_kind(r, "", "pods") && opts && opts->graceful && !foreground) {
			int64_t grace = pod_grace(cur, opts->grace_period);
			rc = pod_mark_terminating(o, key, cur, rev, grace, out);
			if (rc == BERR_CONFLICT) {
				json_decref(cur);
				continue;
			}
			if (rc == 1) {
				json_decref(cur);
				rc = 0;
				break;
			}
			pod_now = finalizers_empty(cur);
		}
		if (doc_get(cur, "metadata.deletionTimestamp") && !is_ns && !pod_now) {
			*out = cur;
			rc = 0;
			break;
		}
		if (!strcmp(policy, "Orphan"))
			objects_orphan(o, uid, ns);
		if (is_ns || foreground || !finalizers_empty(cur)) {
			json_t *next = json_deep_copy(cur);
			json_t *m = json_object_get(next, "metadata");
			if (!json_object_get(m, "deletionTimestamp")) {
				char now[TIMEFMT_SIZE];
				timefmt_now(now);
				json_object_set_new(m, "deletionTimestamp", json_string(now));
				json_object_set_new(m, "deletionGracePeriodSeconds", json_integer(0));
			}
			if (foreground) {
				json_t *f = json_object_get(m, "finalizers");
				if (!json_is_array(f)) {
					f = json_array();
					json_object_set_new(m, "finalizers", f);
				}
				json_array_append_new(f, json_string("foregroundDeletion"));
			}
			if (is_ns)
				json_object_set_new(next, "status",
						    json_pack("{s:s}", "phase", "Terminating"));
			size_t len;
			char *val = encode(next, &len);
			int64_t nrev;
			rc = store_update(o->store, key, rev, val, len, &nrev, NULL);
			free(val);
			json_decref(cur);
			if (rc < 0) {
				json_decref(next);
				continue;
			}
			set_rv(next, nrev);
			if (is_ns && finalizers_empty(next)) {
				/* the namespace controller's work, done at once */
				empty_namespace(o, name);
				rc = finalize_delete(o, r, key, next, nrev, out, st);
				json_decref(next);
				*deleted = rc == 0;
				break;
			}
			*out = next;
			break;
		}
		rc = finalize_delete(o, r, key, cur, rev, out, st);
		json_decref(cur);
		if (rc == 0)
			*deleted = 1;
	}
	if (rc == BERR_CONFLICT && !(st && st->code))
		rc = kstatus_conflict(st, r, name);
	free(key);
	return rc;
}
