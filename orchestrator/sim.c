/*
 * sim.c — KWOK-style simulation: nodes, scheduler, kubelet, Deployment and
 * ReplicaSet controllers, garbage collector (see sim.h).
 *
 * One thread follows the whole store. Each event marks keys dirty: the
 * object itself, and its controlling owner (a pod wakes its ReplicaSet, a
 * ReplicaSet its Deployment). A DELETED event also queues its uid for the
 * garbage collector. Dirty keys are reconciled in batches, deduplicated;
 * timers (a pod's start delay, image pull back-off, foreground deletions
 * still waiting on dependents) put keys back at a given time. Every
 * reconcile reads the current object and writes only what differs, so the
 * thread's own writes settle instead of looping.
 *
 * Rolling updates follow the Deployment controller: the new ReplicaSet is
 * scaled up within maxSurge, old ones down within maxUnavailable, as pods
 * become available; status carries replicas, updated, ready, available,
 * observedGeneration and the Available / Progressing conditions that
 * `kubectl rollout status` reads.
 */
#include "sim.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cron.h"
#include "doc.h"
#include "log.h"
#include "timefmt.h"

#define MANAGER "bosun-sim"
#define TICK_MS 100

struct timer {
	char *key;
	long long due_ms;
};

/* The garbage collector's index: for each owner uid, the store keys of the
 * objects whose ownerReferences name it, kept up to date from events. */
#define OWNER_BUCKETS 4096

struct owner {
	char *uid;
	char **keys;
	size_t n, cap;
	struct owner *next;
};

struct sim {
	struct objects *o;
	struct registry *reg;
	struct sim_opts opts;
	pthread_t thread;
	int stop;
	int running;
	char **dirty;
	size_t ndirty, capdirty;
	char **gone;                    /* uids of deleted objects */
	size_t ngone, capgone;
	struct owner *owners[OWNER_BUCKETS];    /* owner uid -> dependents' keys */
	struct timer *timers;
	size_t ntimers, captimers;
	unsigned next_node;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void push_str(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = xstrdup(s);
}

static void mark(struct sim *s, const char *key)
{
	push_str(&s->dirty, &s->ndirty, &s->capdirty, key);
}

static void mark_obj(struct sim *s, const char *prefix, const char *ns, const char *name)
{
	struct buf k = BUF_INIT;
	buf_addf(&k, "%s%s/%s", prefix, ns, name);
	mark(s, k.data);
	buf_release(&k);
}

static void after(struct sim *s, const char *key, long long ms)
{
	for (size_t i = 0; i < s->ntimers; i++)
		if (!strcmp(s->timers[i].key, key)) {
			if (s->timers[i].due_ms > now_ms() + ms)
				s->timers[i].due_ms = now_ms() + ms;
			return;
		}
	if (s->ntimers == s->captimers) {
		s->captimers = s->captimers ? s->captimers * 2 : 64;
		s->timers = xrealloc(s->timers, s->captimers * sizeof(*s->timers));
	}
	s->timers[s->ntimers].key = xstrdup(key);
	s->timers[s->ntimers].due_ms = now_ms() + ms;
	s->ntimers++;
}

static unsigned owner_bucket(const char *uid)
{
	uint32_t h = 2166136261u;
	for (; *uid; uid++)
		h = (h ^ (unsigned char)*uid) * 16777619u;
	return h % OWNER_BUCKETS;
}

static struct owner *owner_find(struct sim *s, const char *uid, int create)
{
	struct owner **pp = &s->owners[owner_bucket(uid)];
	for (struct owner *o = *pp; o; o = o->next)
		if (!strcmp(o->uid, uid))
			return o;
	if (!create)
		return NULL;
	struct owner *o = xcalloc(1, sizeof(*o));
	o->uid = xstrdup(uid);
	o->next = *pp;
	*pp = o;
	return o;
}

static void owner_add(struct sim *s, const char *uid, const char *key)
{
	struct owner *o = owner_find(s, uid, 1);
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return;
	push_str(&o->keys, &o->n, &o->cap, key);
}

static void owner_free(struct owner *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->keys[i]);
	free(o->keys);
	free(o->uid);
	free(o);
}

static void owner_remove(struct sim *s, const char *uid, const char *key)
{
	struct owner **pp = &s->owners[owner_bucket(uid)];
	for (struct owner *o = *pp; o; pp = &o->next, o = o->next) {
		if (strcmp(o->uid, uid))
			continue;
		for (size_t i = 0; i < o->n; i++)
			if (!strcmp(o->keys[i], key)) {
				free(o->keys[i]);
				o->keys[i] = o->keys[--o->n];
				break;
			}
		if (o->n == 0) {
			*pp = o->next;
			owner_free(o);
		}
		return;
	}
}

/* Moves key from the owners `before` names to those `after` names. */
static void owners_track(struct sim *s, const char *key, const json_t *before, const json_t *after)
{
	size_t i;
	json_t *ref;
	json_array_foreach(doc_get(before, "metadata.ownerReferences"), i, ref) {
		const char *uid = doc_get_str(ref, "uid");
		if (uid)
			owner_remove(s, uid, key);
	}
	json_array_foreach(doc_get(after, "metadata.ownerReferences"), i, ref) {
		const char *uid = doc_get_str(ref, "uid");
		if (uid)
			owner_add(s, uid, key);
	}
}

/* A copy of the keys of uid's dependents (NULL-terminated; caller frees). */
static char **owner_dependents(struct sim *s, const char *uid, size_t *n)
{
	struct owner *o = owner_find(s, uid, 0);
	*n = o ? o->n : 0;
	char **out = xcalloc(*n + 1, sizeof(*out));
	for (size_t i = 0; i < *n; i++)
		out[i] = xstrdup(o->keys[i]);
	return out;
}

/* A new reference to v, or to a new empty object when v is NULL. */
static json_t *or_empty(json_t *v)
{
	return v ? json_incref(v) : json_object();
}

/* A deep copy of v, or a new empty object when v is NULL. */
static json_t *copy_or_empty(const json_t *v)
{
	return v ? json_deep_copy(v) : json_object();
}

static struct resource *res(struct sim *s, const char *group, const char *resource)
{
	return registry_find(s->reg, group, NULL, resource);
}

/* The controller owner reference of obj, or NULL. */
static const json_t *controller_of(const json_t *obj)
{
	size_t i;
	json_t *ref;
	json_array_foreach(doc_get(obj, "metadata.ownerReferences"), i, ref)
		if (json_is_true(json_object_get(ref, "controller")))
			return ref;
	return NULL;
}

static int owned_by(const json_t *obj, const char *uid)
{
	const json_t *ref = controller_of(obj);
	const char *u = ref ? doc_get_str(ref, "uid") : NULL;
	return u && !strcmp(u, uid);
}

static json_t *owner_ref(const json_t *owner, const char *api_version, const char *kind)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", api_version, "kind",
			 kind, "name", doc_get_str(owner, "metadata.name"), "uid",
			 doc_get_str(owner, "metadata.uid"), "controller", 1,
			 "blockOwnerDeletion", 1);
}

/* --- events ---------------------------------------------------------------------- */

/* Records a core/v1 Event about obj, as `kubectl describe` shows them. */
static void emit(struct sim *s, const json_t *obj, const char *type, const char *reason,
		 const char *component, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void emit(struct sim *s, const json_t *obj, const char *type, const char *reason,
		 const char *component, const char *fmt, ...)
{
	const char *ns = doc_get_str(obj, "metadata.namespace");
	const char *name = doc_get_str(obj, "metadata.name");
	if (!name)
		return;
	char msg[1024], ename[512], now[TIMEFMT_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(ename, sizeof(ename), "%s.%llx", name,
		 (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
	timefmt_now(now);
	json_t *ev = json_pack(
		"{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:{s:s},"
		" s:s, s:s, s:i, s:s, s:s, s:s}",
		"apiVersion", "v1", "kind", "Event",
		"metadata", "name", ename, "namespace", ns ? ns : "default",
		"involvedObject", "kind", doc_get_str(obj, "kind") ?: "",
		"namespace", ns ? ns : "", "name", name,
		"uid", doc_get_str(obj, "metadata.uid") ?: "",
		"apiVersion", doc_get_str(obj, "apiVersion") ?: "",
		"reason", reason, "message", msg, "source", "component", component,
		"firstTimestamp", now, "lastTimestamp", now, "count", 1, "type", type,
		"reportingComponent", component, "reportingInstance", "");
	if (!ns)
		json_object_del(json_object_get(ev, "involvedObject"), "namespace");
	struct resource *r = registry_find(s->reg, "", "v1", "events");
	json_t *out = NULL;
	if (r)
		objects_create(s->o, r, ns ? ns : "default", ev, NULL, &out, NULL);
	json_decref(out);
	json_decref(ev);
	resource_unref(r);
}

static int collect_old_event(json_t *ev, void *p)
{
	json_t *list = p;
	time_t t;
	if (timefmt_parse(&t, NULL, doc_get_str(ev, "lastTimestamp") ?: "", NULL) == 0 &&
	    time(NULL) - t > 3600)
		json_array_append_new(list, json_pack("[s, s]", doc_get_str(ev, "metadata.namespace") ?: "",
						      doc_get_str(ev, "metadata.name") ?: ""));
	return 0;
}

/* Events live an hour, as with the real API server's default TTL. */
static void prune_events(struct sim *s)
{
	struct resource *r = registry_find(s->reg, "", "v1", "events");
	if (!r)
		return;
	json_t *old = json_array();
	objects_list(s->o, r, NULL, collect_old_event, old, NULL, NULL);
	size_t i;
	json_t *e;
	json_array_foreach(old, i, e) {
		json_t *out = NULL;
		int deleted;
		objects_delete(s->o, r, json_string_value(json_array_get(e, 0)),
			       json_string_value(json_array_get(e, 1)), NULL, &out, &deleted, NULL);
		json_decref(out);
	}
	json_decref(old);
	resource_unref(r);
}

struct objlist {
	json_t *items;
	const char *owner_uid;
};

static int collect_owned(json_t *obj, void *p)
{
	struct objlist *l = p;
	if (!l->owner_uid || owned_by(obj, l->owner_uid))
		json_array_append(l->items, obj);
	return 0;
}

static json_t *list_owned(struct sim *s, const char *group, const char *resource,
			  const char *ns, const char *uid)
{
	struct resource *r = res(s, group, resource);
	struct objlist l = { json_array(), uid };
	if (r)
		objects_list(s->o, r, ns, collect_owned, &l, NULL, NULL);
	resource_unref(r);
	return l.items;
}

/* --- nodes ------------------------------------------------------------------------ */

static void ensure_nodes(struct sim *s)
{
	struct resource *r = res(s, "", "nodes");
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	for (int i = 1; i <= s->opts.nodes; i++) {
		char name[64], ip[32];
		snprintf(name, sizeof(name), "bosun-node-%d", i);
		snprintf(ip, sizeof(ip), "10.240.0.%d", i);
		json_t *node = json_pack(
			"{s:{s:s, s:{s:s, s:s, s:s, s:s}}, s:{}, s:{s:{s:s, s:s, s:s, s:s},"
			" s:{s:s, s:s, s:s, s:s}, s:[{s:s, s:s}, {s:s, s:s}],"
			" s:[{s:s, s:s, s:s, s:s, s:s, s:s}],"
			" s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}}}",
			"metadata", "name", name, "labels", "kubernetes.io/hostname", name,
			"kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64", "type", "bosun",
			"spec",
			"status", "capacity", "cpu", "32", "memory", "256Gi", "pods", "110",
			"ephemeral-storage", "1Ti",
			"allocatable", "cpu", "32", "memory", "256Gi", "pods", "110",
			"ephemeral-storage", "1Ti",
			"addresses", "type", "InternalIP", "address", ip, "type", "Hostname",
			"address", name,
			"conditions", "type", "Ready", "status", "True", "reason", "KubeletReady",
			"message", "simulated kubelet is ready", "lastHeartbeatTime", now,
			"lastTransitionTime", now,
			"nodeInfo", "kubeletVersion", "v1.32.0-bosun", "osImage", "Bosun simulated node",
			"kernelVersion", "simulated", "containerRuntimeVersion", "bosun://simulated",
			"operatingSystem", "linux", "architecture", "amd64", "kubeProxyVersion",
			"v1.32.0-bosun");
		json_t *out = NULL;
		struct kstatus st = KSTATUS_INIT;
		if (objects_create(s->o, r, NULL, node, NULL, &out, &st) == 0) {
			/* status is kept on create for nodes: the kubelet registers it so */
			json_decref(out);
		}
		kstatus_release(&st);
		json_decref(node);
	}
	resource_unref(r);
}

/* --- pods: scheduler and kubelet -------------------------------------------------- */

static int image_fails(const char *image)
{
	if (!image)
		return 0;
	if (!strncmp(image, "invalid.example/", 16))
		return 1;
	const char *slash = strrchr(image, '/');
	const char *colon = strchr(slash ? slash : image, ':');
	return colon && !strcmp(colon + 1, "does-not-exist");
}

static const char *simulate_mode(const json_t *c)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c, "env"), i, e)
		if (!strcmp(doc_get_str(e, "name") ?: "", "BOSUN_SIMULATE"))
			return doc_get_str(e, "value");
	return NULL;
}

static json_t *condition(const char *type, int status, const char *now)
{
	return json_pack("{s:s, s:s, s:n, s:s}", "type", type, "status", status ? "True" : "False",
			 "lastProbeTime", "lastTransitionTime", now);
}

struct pod_step {
	struct sim *s;
	long long wait_ms;              /* > 0: come back later */
	json_t *events;                 /* [type, reason, message] to record once written */
};

static void note(struct pod_step *ps, const char *type, const char *reason, const char *msg)
{
	json_array_append_new(ps->events, json_pack("[s, s, s]", type, reason, msg));
}

/* Keeps lastTransitionTime of conditions whose status did not change. */
static void keep_transitions(json_t *status, const json_t *old)
{
	size_t i, j;
	json_t *c, *o;
	json_array_foreach(json_object_get(status, "conditions"), i, c)
		json_array_foreach(json_object_get(old, "conditions"), j, o)
			if (json_equal(json_object_get(c, "type"), json_object_get(o, "type")) &&
			    json_equal(json_object_get(c, "status"), json_object_get(o, "status")) &&
			    json_object_get(o, "lastTransitionTime"))
				json_object_set(c, "lastTransitionTime",
						json_object_get(o, "lastTransitionTime"));
}

static int pod_status_step(json_t *pod, void *p)
{
	struct pod_step *ps = p;
	struct sim *s = ps->s;
	if (doc_get(pod, "metadata.deletionTimestamp") || !doc_get_str(pod, "spec.nodeName"))
		return 0;
	const char *phase = doc_get_str(pod, "status.phase");
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return 0;
	json_t *old = doc_get(pod, "status");
	json_array_clear(ps->events);
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	const char *start = doc_get_str(pod, "status.startTime");
	time_t started = time(NULL);
	if (start)
		timefmt_parse(&started, NULL, start, NULL);
	long long elapsed = now_ms() - (long long)started * 1000;
	int up = elapsed >= s->opts.pod_start_delay_ms;

	json_t *status = json_object();
	json_object_set_new(status, "startTime", json_string(start ? start : now));
	json_object_set_new(status, "qosClass", json_string("BestEffort"));
	json_object_set_new(status, "hostIP", json_string("10.240.0.1"));
	json_object_set_new(status, "hostIPs", json_pack("[{s:s}]", "ip", "10.240.0.1"));
	const char *ip = doc_get_str(pod, "status.podIP");
	char ipbuf[32];
	if (!ip) {
		/* from the uid, so a restarted simulation hands out no duplicates */
		uint32_t h = 2166136261u;
		for (const char *u = doc_get_str(pod, "metadata.uid") ?: ""; *u; u++)
			h = (h ^ (unsigned char)*u) * 16777619u;
		snprintf(ipbuf, sizeof(ipbuf), "10.244.%u.%u", (h >> 8) % 256, h % 250 + 2);
		ip = ipbuf;
	}
	json_t *cstat = json_array();
	int all_ready = 1, any_waiting = 0;
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(pod, "spec.containers"), i, c) {
		const char *name = doc_get_str(c, "name") ?: "";
		const char *image = doc_get_str(c, "image") ?: "";
		const char *mode = simulate_mode(c);
		json_t *prev = NULL, *pc;
		size_t k;
		json_array_foreach(doc_get(old, "containerStatuses"), k, pc)
			if (!strcmp(doc_get_str(pc, "name") ?: "", name))
				prev = pc;
		json_int_t restarts = prev ? doc_get_int(prev, "restartCount", 0) : 0;
		json_t *state;
		int ready = 0, started_c = 0;
		if (!up) {
			state = json_pack("{s:{s:s}}", "waiting", "reason", "ContainerCreating");
			ps->wait_ms = s->opts.pod_start_delay_ms - elapsed + 10;
		} else if (image_fails(image)) {
			const char *was = prev ? doc_get_str(prev, "state.waiting.reason") : NULL;
			int backoff = was && (!strcmp(was, "ErrImagePull") || !strcmp(was, "ImagePullBackOff"));
			char msg[600];
			snprintf(msg, sizeof(msg), backoff ? "Back-off pulling image \"%s\""
				 : "failed to pull image \"%s\": simulated: image not found", image);
			state = json_pack("{s:{s:s, s:s}}", "waiting", "reason",
					  backoff ? "ImagePullBackOff" : "ErrImagePull", "message", msg);
			if (!backoff)
				ps->wait_ms = 2000;
		} else if (mode && !strcmp(mode, "crash")) {
			restarts = prev && doc_get(prev, "state.waiting") ? restarts + 1 : restarts;
			state = json_pack("{s:{s:s, s:s}}", "waiting", "reason", "CrashLoopBackOff",
					  "message", "back-off restarting failed container (simulated crash)");
			ps->wait_ms = 10000;
		} else {
			const char *since = prev ? doc_get_str(prev, "state.running.startedAt") : NULL;
			state = json_pack("{s:{s:s}}", "running", "startedAt", since ? since : now);
			started_c = 1;
			ready = !(mode && !strcmp(mode, "unready"));
			/* a readiness probe holds Ready back by its initial delay */
			long long probe_ms = doc_get(c, "readinessProbe")
				? doc_get_int(c, "readinessProbe.initialDelaySeconds", 0) * 1000 : 0;
			if (ready && elapsed < s->opts.pod_start_delay_ms + probe_ms) {
				ready = 0;
				ps->wait_ms = s->opts.pod_start_delay_ms + probe_ms - elapsed + 10;
			}
		}
		const char *was = prev ? doc_get_str(prev, "state.waiting.reason") : NULL;
		const char *is = doc_get_str(state, "waiting.reason");
		char m[700];
		if (started_c && !(prev && doc_get(prev, "state.running"))) {
			snprintf(m, sizeof(m), "Successfully pulled image \"%s\" in 0s (simulated)", image);
			note(ps, "Normal", "Pulled", m);
			snprintf(m, sizeof(m), "Created container %s", name);
			note(ps, "Normal", "Created", m);
			snprintf(m, sizeof(m), "Started container %s", name);
			note(ps, "Normal", "Started", m);
		} else if (is && (!was || strcmp(was, is))) {
			if (!strcmp(is, "ErrImagePull")) {
				snprintf(m, sizeof(m), "Failed to pull image \"%s\": not found (simulated)",
					 image);
				note(ps, "Warning", "Failed", m);
				note(ps, "Warning", "Failed", "Error: ErrImagePull");
			} else if (!strcmp(is, "ImagePullBackOff")) {
				snprintf(m, sizeof(m), "Back-off pulling image \"%s\"", image);
				note(ps, "Normal", "BackOff", m);
				note(ps, "Warning", "Failed", "Error: ImagePullBackOff");
			} else if (!strcmp(is, "CrashLoopBackOff")) {
				snprintf(m, sizeof(m), "Back-off restarting failed container %s", name);
				note(ps, "Warning", "BackOff", m);
			}
		}
		if (json_object_get(state, "waiting"))
			any_waiting = 1;
		all_ready &= ready;
		json_array_append_new(cstat, json_pack(
			"{s:s, s:s, s:s, s:o, s:b, s:I, s:b, s:s, s:o}", "name", name, "image", image,
			"imageID", started_c ? "simulated" : "", "state", state, "ready", ready,
			"restartCount", restarts, "started", started_c, "containerID",
			started_c ? "bosun://simulated" : "", "lastState", json_object()));
	}
	int running = up && !any_waiting;
	/* a Job's containers run for one more start delay, then exit */
	const json_t *ctl = controller_of(pod);
	int job_pod = ctl && !strcmp(doc_get_str(ctl, "kind") ?: "", "Job");
	long long run_for = s->opts.pod_start_delay_ms > 200 ? s->opts.pod_start_delay_ms : 200;
	if (job_pod && running && elapsed < s->opts.pod_start_delay_ms + run_for)
		ps->wait_ms = s->opts.pod_start_delay_ms + run_for - elapsed + 10;
	if (job_pod && running && elapsed >= s->opts.pod_start_delay_ms + run_for) {
		int failed = 0;
		json_t *cs;
		json_array_foreach(doc_get(pod, "spec.containers"), i, c) {
			const char *mode = simulate_mode(c);
			failed |= mode && !strcmp(mode, "fail");
		}
		json_array_foreach(cstat, i, cs) {
			const char *since = doc_get_str(cs, "state.running.startedAt");
			json_object_set_new(cs, "state", json_pack(
				"{s:{s:i, s:s, s:s, s:s, s:s}}", "terminated", "exitCode", failed ? 1 : 0,
				"reason", failed ? "Error" : "Completed", "startedAt", since ? since : now,
				"finishedAt", now, "containerID", "bosun://simulated"));
			json_object_set_new(cs, "ready", json_false());
			json_object_set_new(cs, "started", json_false());
		}
		json_object_set_new(status, "phase", json_string(failed ? "Failed" : "Succeeded"));
		json_object_set_new(status, "containerStatuses", cstat);
		json_object_set_new(status, "podIP", json_string(ip));
		json_object_set_new(status, "podIPs", json_pack("[{s:s}]", "ip", ip));
		json_t *conds = json_array();
		json_array_append_new(conds, condition("PodReadyToStartContainers", 0, now));
		json_array_append_new(conds, condition("Initialized", 1, now));
		json_array_append_new(conds, condition("Ready", 0, now));
		json_array_append_new(conds, condition("ContainersReady", 0, now));
		json_array_append_new(conds, condition("PodScheduled", 1, now));
		json_object_set_new(status, "conditions", conds);
		keep_transitions(status, old);
		json_object_set_new(pod, "status", status);
		ps->wait_ms = 0;
		return 1;
	}
	json_object_set_new(status, "phase", json_string(running ? "Running" : "Pending"));
	if (up) {
		json_object_set_new(status, "podIP", json_string(ip));
		json_object_set_new(status, "podIPs", json_pack("[{s:s}]", "ip", ip));
	}
	json_object_set_new(status, "containerStatuses", cstat);
	json_t *conds = json_array();
	json_array_append_new(conds, condition("PodReadyToStartContainers", up, now));
	json_array_append_new(conds, condition("Initialized", 1, now));
	json_array_append_new(conds, condition("Ready", running && all_ready, now));
	json_array_append_new(conds, condition("ContainersReady", running && all_ready, now));
	json_array_append_new(conds, condition("PodScheduled", 1, now));
	json_object_set_new(status, "conditions", conds);
	keep_transitions(status, old);
	if (old && json_equal(old, status)) {
		json_decref(status);
		return 0;
	}
	json_object_set_new(pod, "status", status);
	return 1;
}

/* Picks a node for the pod (nodeSelector, fewest pods): 1 bound, 0 none fits. */
static int bind_step(json_t *pod, void *p)
{
	struct sim *s = p;
	if (doc_get_str(pod, "spec.nodeName"))
		return 0;
	const json_t *sel = doc_get(pod, "spec.nodeSelector");
	for (int tries = 0; tries < s->opts.nodes; tries++) {
		int n = (int)(s->next_node++ % (unsigned)s->opts.nodes) + 1;
		char name[64];
		snprintf(name, sizeof(name), "bosun-node-%d", n);
		int fits = 1;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)sel, k, v) {
			if (!strcmp(k, "kubernetes.io/hostname"))
				fits &= !strcmp(json_string_value(v) ?: "", name);
			else if (!strcmp(k, "kubernetes.io/os"))
				fits &= !strcmp(json_string_value(v) ?: "", "linux");
			else if (!strcmp(k, "kubernetes.io/arch"))
				fits &= !strcmp(json_string_value(v) ?: "", "amd64");
			else if (strcmp(k, "type") || strcmp(json_string_value(v) ?: "", "bosun"))
				fits = 0;
		}
		if (fits) {
			json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(name));
			return 1;
		}
	}
	return 0;
}

static int unschedulable_step(json_t *pod, void *p)
{
	(void)p;
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	json_t *conds = json_pack("[{s:s, s:s, s:s, s:s, s:n, s:s}]", "type", "PodScheduled",
				  "status", "False", "reason", "Unschedulable", "message",
				  "0/1 nodes are available: node(s) didn't match Pod's node affinity/selector.",
				  "lastProbeTime", "lastTransitionTime", now);
	json_t *status = json_pack("{s:s, s:o, s:s}", "phase", "Pending", "conditions", conds,
				   "qosClass", "BestEffort");
	keep_transitions(status, doc_get(pod, "status"));
	if (json_equal(doc_get(pod, "status"), status)) {
		json_decref(status);
		return 0;
	}
	json_object_set_new(pod, "status", status);
	return 1;
}

static void reconcile_pod(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *r = res(s, "", "pods");
	struct kstatus st = KSTATUS_INIT;
	json_t *pod;
	if (objects_get(s->o, r, ns, name, &pod, &st) < 0) {
		resource_unref(r);
		return;
	}
	int unbound = !doc_get_str(pod, "spec.nodeName");
	json_decref(pod);
	if (unbound) {
		objects_mutate(s->o, r, ns, name, OBJ_MAIN, MANAGER, bind_step, s, NULL);
		if (objects_get(s->o, r, ns, name, &pod, NULL) < 0) {
			resource_unref(r);
			return;
		}
		unbound = !doc_get_str(pod, "spec.nodeName");
		if (!unbound)
			emit(s, pod, "Normal", "Scheduled", "default-scheduler",
			     "Successfully assigned %s/%s to %s", ns, name,
			     doc_get_str(pod, "spec.nodeName"));
		json_decref(pod);
		if (unbound)
			objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, unschedulable_step, s,
				       NULL);
	}
	struct pod_step ps = { s, 0, json_array() };
	if (objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, pod_status_step, &ps, NULL) == 0 &&
	    json_array_size(ps.events) && objects_get(s->o, r, ns, name, &pod, NULL) == 0) {
		size_t i;
		json_t *e;
		json_array_foreach(ps.events, i, e)
			emit(s, pod, json_string_value(json_array_get(e, 0)),
			     json_string_value(json_array_get(e, 1)), "kubelet", "%s",
			     json_string_value(json_array_get(e, 2)));
		json_decref(pod);
	}
	json_decref(ps.events);
	if (ps.wait_ms > 0)
		after(s, key, ps.wait_ms);
	resource_unref(r);
}

/* --- ReplicaSet controller ------------------------------------------------------------ */

static int pod_ready(const json_t *pod)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(pod, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", "Ready"))
			return !strcmp(doc_get_str(c, "status") ?: "", "True");
	return 0;
}

struct rs_status {
	json_int_t replicas, ready, observed;
};

static int rs_status_step(json_t *rs, void *p)
{
	struct rs_status *v = p;
	json_t *status = json_pack("{s:I, s:I, s:I, s:I, s:I}", "replicas", v->replicas,
				   "fullyLabeledReplicas", v->replicas, "readyReplicas", v->ready,
				   "availableReplicas", v->ready, "observedGeneration", v->observed);
	if (v->ready == 0) {
		json_object_del(status, "readyReplicas");
		json_object_del(status, "availableReplicas");
	}
	if (json_equal(doc_get(rs, "status"), status)) {
		json_decref(status);
		return 0;
	}
	json_object_set_new(rs, "status", status);
	return 1;
}

static void reconcile_rs(struct sim *s, const char *ns, const char *name)
{
	struct resource *r = res(s, "apps", "replicasets"), *pr = res(s, "", "pods");
	json_t *rs;
	if (objects_get(s->o, r, ns, name, &rs, NULL) < 0)
		goto out;
	if (doc_get(rs, "metadata.deletionTimestamp")) {
		json_decref(rs);
		goto out;
	}
	json_t *pods = list_owned(s, "", "pods", ns, doc_get_str(rs, "metadata.uid"));
	json_int_t want = doc_get_int(rs, "spec.replicas", 1);
	json_t *live = json_array();
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod)
		if (!doc_get(pod, "metadata.deletionTimestamp"))
			json_array_append(live, pod);
	json_int_t have = (json_int_t)json_array_size(live);
	for (; have < want; have++) {
		json_t *tmpl = doc_get(rs, "spec.template");
		json_t *np = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o}, s:O}", "apiVersion", "v1",
				       "kind", "Pod", "metadata", "generateName", "", "namespace", ns,
				       "labels", or_empty(doc_get(tmpl, "metadata.labels")),
				       "ownerReferences", owner_ref(rs, "apps/v1", "ReplicaSet"),
				       "spec", doc_get(tmpl, "spec"));
		struct buf gn = BUF_INIT;
		buf_addf(&gn, "%s-", name);
		doc_set_new(np, "metadata.generateName", json_string(gn.data), NULL);
		buf_release(&gn);
		json_t *ann = doc_get(tmpl, "metadata.annotations");
		if (ann)
			doc_set(np, "metadata.annotations", ann, NULL);
		json_t *out = NULL;
		struct kstatus st = KSTATUS_INIT;
		struct obj_write_opts wo = { .field_manager = "kube-controller-manager" };
		if (objects_create(s->o, pr, ns, np, &wo, &out, &st) < 0) {
			log_warn("cannot create pod", "replicaset", name, "error", st.message, NULL);
			emit(s, rs, "Warning", "FailedCreate", "replicaset-controller",
			     "Error creating: %s", st.message);
		} else {
			emit(s, rs, "Normal", "SuccessfulCreate", "replicaset-controller",
			     "Created pod: %s", doc_get_str(out, "metadata.name"));
		}
		kstatus_release(&st);
		json_decref(out);
		json_decref(np);
	}
	/* scale down: not-ready pods first, then the newest */
	for (int pass = 0; pass < 2 && have > want; pass++) {
		for (size_t k = json_array_size(live); k-- > 0 && have > want;) {
			json_t *p = json_array_get(live, k);
			if (pass == 0 && pod_ready(p))
				continue;
			if (doc_get(p, "metadata.deletionTimestamp"))
				continue;
			json_t *out = NULL;
			int deleted;
			if (objects_delete(s->o, pr, ns, doc_get_str(p, "metadata.name"), NULL, &out,
					   &deleted, NULL) == 0)
				emit(s, rs, "Normal", "SuccessfulDelete", "replicaset-controller",
				     "Deleted pod: %s", doc_get_str(p, "metadata.name"));
			json_decref(out);
			json_object_set_new(json_object_get(p, "metadata"), "deletionTimestamp",
					    json_string("now"));
			have--;
		}
	}
	json_int_t ready = 0;
	json_t *after_pods = list_owned(s, "", "pods", ns, doc_get_str(rs, "metadata.uid"));
	json_int_t count = 0;
	json_array_foreach(after_pods, i, pod) {
		count++;
		ready += pod_ready(pod);
	}
	struct rs_status v = { count, ready, doc_get_int(rs, "metadata.generation", 1) };
	objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, rs_status_step, &v, NULL);
	json_decref(after_pods);
	json_decref(live);
	json_decref(pods);
	json_decref(rs);
out:
	resource_unref(r);
	resource_unref(pr);
}

/* --- Deployment controller --------------------------------------------------------------- */

void sim_template_hash(char *out, size_t size, const json_t *template)
{
	struct buf b = BUF_INIT;
	doc_canonical(&b, template);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < b.len; i++) {
		h ^= (unsigned char)b.data[i];
		h *= 16777619u;
	}
	buf_release(&b);
	static const char alphanums[] = "bcdfghjklmnpqrstvwxz2456789";
	char digits[16];
	snprintf(digits, sizeof(digits), "%u", h);
	size_t n = strlen(digits);
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = alphanums[(unsigned char)digits[i] % (sizeof(alphanums) - 1)];
	out[n] = '\0';
}

/* An int-or-percent of total (round up for surge, down for unavailable). */
static json_int_t scaled(const json_t *v, json_int_t total, int round_up, json_int_t dflt)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		long long pct = atoll(s);
		if (strchr(s, '%'))
			return round_up ? (total * pct + 99) / 100 : total * pct / 100;
		return pct;
	}
	return dflt;
}

struct set_int {
	const char *path;
	json_int_t v;
};

static int set_int_step(json_t *obj, void *p)
{
	struct set_int *si = p;
	if (doc_get(obj, si->path) && doc_get_int(obj, si->path, -1) == si->v)
		return 0;
	doc_set_new(obj, si->path, json_integer(si->v), NULL);
	return 1;
}

static void scale_rs(struct sim *s, const json_t *d, const char *ns, const json_t *rs,
		     json_int_t n)
{
	json_int_t was = doc_get_int(rs, "spec.replicas", 0);
	if (was == n)
		return;
	struct resource *r = res(s, "apps", "replicasets");
	struct set_int si = { "spec.replicas", n };
	if (objects_mutate(s->o, r, ns, doc_get_str(rs, "metadata.name"), OBJ_MAIN,
			   "kube-controller-manager", set_int_step, &si, NULL) == 0)
		emit(s, d, "Normal", "ScalingReplicaSet", "deployment-controller",
		     "Scaled %s replica set %s from %lld to %lld", n > was ? "up" : "down",
		     doc_get_str(rs, "metadata.name"), (long long)was, (long long)n);
	resource_unref(r);
}

struct deploy_status {
	json_t *status;
};

static int deploy_status_step(json_t *d, void *p)
{
	struct deploy_status *ds = p;
	json_t *old = doc_get(d, "status");
	/* keep condition times when nothing changed */
	size_t i, j;
	json_t *c, *o;
	json_array_foreach(json_object_get(ds->status, "conditions"), i, c)
		json_array_foreach(json_object_get(old, "conditions"), j, o)
			if (json_equal(json_object_get(c, "type"), json_object_get(o, "type")) &&
			    json_equal(json_object_get(c, "status"), json_object_get(o, "status")) &&
			    json_equal(json_object_get(c, "reason"), json_object_get(o, "reason"))) {
				json_object_set(c, "lastTransitionTime",
						json_object_get(o, "lastTransitionTime"));
				json_object_set(c, "lastUpdateTime", json_object_get(o, "lastUpdateTime"));
			}
	if (old && json_equal(old, ds->status))
		return 0;
	json_object_set(d, "status", ds->status);
	return 1;
}

static long long condition_age_s(const json_t *d, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(d, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", type)) {
			time_t t;
			if (timefmt_parse(&t, NULL, doc_get_str(c, "lastUpdateTime") ?: "", NULL) == 0)
				return (long long)(time(NULL) - t);
		}
	return 0;
}

static const char *condition_reason(const json_t *d, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(d, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", type))
			return doc_get_str(c, "reason");
	return NULL;
}

static void reconcile_deployment(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *dr = res(s, "apps", "deployments"), *rr = res(s, "apps", "replicasets");
	json_t *d;
	if (objects_get(s->o, dr, ns, name, &d, NULL) < 0)
		goto out;
	if (doc_get(d, "metadata.deletionTimestamp")) {
		json_decref(d);
		goto out;
	}
	const char *uid = doc_get_str(d, "metadata.uid");
	json_t *tmpl = doc_get(d, "spec.template");
	char hash[16];
	sim_template_hash(hash, sizeof(hash), tmpl);
	json_t *rss = list_owned(s, "apps", "replicasets", ns, uid);
	json_t *newrs = NULL;
	long long max_rev = 0;
	size_t i;
	json_t *rs;
	json_array_foreach(rss, i, rs) {
		const char *h = doc_get_str(rs, "metadata.labels[\"pod-template-hash\"]");
		if (h && !strcmp(h, hash))
			newrs = rs;
		long long rev = atoll(doc_get_str(rs, "metadata.annotations[\"deployment.kubernetes.io/revision\"]") ?: "0");
		if (rev > max_rev)
			max_rev = rev;
	}
	json_int_t want = doc_get_int(d, "spec.replicas", 1);
	int recreate = !strcmp(doc_get_str(d, "spec.strategy.type") ?: "", "Recreate");
	json_int_t surge = recreate ? 0 : scaled(doc_get(d, "spec.strategy.rollingUpdate.maxSurge"), want, 1, 1);
	json_int_t unavail = recreate ? want : scaled(doc_get(d, "spec.strategy.rollingUpdate.maxUnavailable"), want, 0, 0);
	if (surge == 0 && unavail == 0)
		unavail = 1;
	int created_new = 0;
	if (!newrs) {
		char rsname[512];
		snprintf(rsname, sizeof(rsname), "%s-%s", name, hash);
		json_t *labels = copy_or_empty(doc_get(tmpl, "metadata.labels"));
		json_object_set_new(labels, "pod-template-hash", json_string(hash));
		json_t *t = json_deep_copy(tmpl);
		doc_set(t, "metadata.labels", labels, NULL);
		json_t *sel = json_deep_copy(doc_get(d, "spec.selector"));
		doc_set_new(sel, "matchLabels[\"pod-template-hash\"]", json_string(hash), NULL);
		char rev[32];
		snprintf(rev, sizeof(rev), "%lld", max_rev + 1);
		json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:O, s:o, s:{s:s}}, s:{s:i, s:o, s:o}}",
					"apiVersion", "apps/v1", "kind", "ReplicaSet", "metadata",
					"name", rsname, "namespace", ns, "labels", labels,
					"ownerReferences", owner_ref(d, "apps/v1", "Deployment"),
					"annotations", "deployment.kubernetes.io/revision", rev,
					"spec", "replicas", 0, "selector", sel, "template", t);
		struct obj_write_opts wo = { .field_manager = "kube-controller-manager" };
		struct kstatus st = KSTATUS_INIT;
		if (objects_create(s->o, rr, ns, obj, &wo, &newrs, &st) < 0)
			log_warn("cannot create replicaset", "deployment", name, "error", st.message, NULL);
		else
			created_new = 1;
		kstatus_release(&st);
		json_decref(labels);
		json_decref(obj);
		if (!newrs) {
			json_decref(rss);
			json_decref(d);
			goto out;
		}
		json_array_append(rss, newrs);
		json_decref(newrs);
		newrs = json_array_get(rss, json_array_size(rss) - 1);
	}
	/* totals over every ReplicaSet */
	json_int_t total = 0, available = 0, ready = 0, status_total = 0;
	json_array_foreach(rss, i, rs) {
		total += doc_get_int(rs, "spec.replicas", 0);
		available += doc_get_int(rs, "status.availableReplicas", 0);
		ready += doc_get_int(rs, "status.readyReplicas", 0);
		status_total += doc_get_int(rs, "status.replicas", 0);
	}
	json_int_t new_spec = doc_get_int(newrs, "spec.replicas", 0);
	json_int_t old_spec = total - new_spec;
	if (recreate) {
		json_int_t old_pods = status_total - doc_get_int(newrs, "status.replicas", 0);
		json_array_foreach(rss, i, rs)
			if (rs != newrs)
				scale_rs(s, d, ns, rs, 0);
		if (old_pods == 0 && old_spec == 0)
			scale_rs(s, d, ns, newrs, want);
	} else {
		/* scale up the new one within maxSurge */
		json_int_t room = want + surge - total;
		if (new_spec < want && room > 0) {
			json_int_t n = new_spec + room < want ? new_spec + room : want;
			scale_rs(s, d, ns, newrs, n);
		} else if (new_spec > want) {
			scale_rs(s, d, ns, newrs, want);
		}
		/* scale old ones down within maxUnavailable */
		json_int_t can_remove = available - (want - unavail);
		json_array_foreach(rss, i, rs) {
			if (rs == newrs)
				continue;
			json_int_t n = doc_get_int(rs, "spec.replicas", 0);
			json_int_t unready = n - doc_get_int(rs, "status.availableReplicas", 0);
			json_int_t drop = unready > 0 ? unready : 0;
			if (can_remove > 0)
				drop += can_remove;
			if (drop > n)
				drop = n;
			if (drop > 0) {
				scale_rs(s, d, ns, rs, n - drop);
				if (can_remove > 0)
					can_remove -= drop - (unready > 0 ? unready : 0);
			}
		}
	}
	/* clean up old ReplicaSets beyond revisionHistoryLimit */
	json_int_t limit = doc_get_int(d, "spec.revisionHistoryLimit", 10);
	json_int_t idle = 0;
	json_array_foreach(rss, i, rs)
		if (rs != newrs && doc_get_int(rs, "spec.replicas", 0) == 0 &&
		    doc_get_int(rs, "status.replicas", 0) == 0)
			idle++;
	json_array_foreach(rss, i, rs) {
		if (idle <= limit)
			break;
		if (rs != newrs && doc_get_int(rs, "spec.replicas", 0) == 0 &&
		    doc_get_int(rs, "status.replicas", 0) == 0) {
			json_t *o = NULL;
			int del;
			objects_delete(s->o, rr, ns, doc_get_str(rs, "metadata.name"), NULL, &o, &del, NULL);
			json_decref(o);
			idle--;
		}
	}

	json_int_t updated = doc_get_int(newrs, "status.replicas", 0);
	json_int_t new_avail = doc_get_int(newrs, "status.availableReplicas", 0);
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	int min_avail = available >= want - unavail;
	int complete = updated == want && status_total == want && new_avail == want &&
		       doc_get_int(newrs, "spec.replicas", 0) == want;
	const char *newname = doc_get_str(newrs, "metadata.name");
	char msg[700];
	const char *reason;
	const char *pstatus = "True";
	if (complete) {
		reason = "NewReplicaSetAvailable";
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", newname);
	} else if (created_new) {
		reason = "NewReplicaSetCreated";
		snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", newname);
	} else {
		reason = "ReplicaSetUpdated";
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", newname);
	}
	/* Once the deadline has passed the rollout stays failed, as in
	 * Kubernetes, until it completes or a new ReplicaSet starts over
	 * (otherwise the condition would flip back and forth every pass). */
	json_int_t deadline = doc_get_int(d, "spec.progressDeadlineSeconds", 600);
	const char *was = condition_reason(d, "Progressing");
	int timed_out = was && !strcmp(was, "ProgressDeadlineExceeded") &&
			doc_get_int(d, "status.observedGeneration", 0) ==
			doc_get_int(d, "metadata.generation", 1);
	if (!complete && !created_new &&
	    (timed_out || condition_age_s(d, "Progressing") > deadline)) {
		reason = "ProgressDeadlineExceeded";
		pstatus = "False";
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", newname);
	}
	json_t *status = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:[{s:s, s:s, s:s, s:s, s:s, s:s},"
		" {s:s, s:s, s:s, s:s, s:s, s:s}]}",
		"observedGeneration", doc_get_int(d, "metadata.generation", 1),
		"replicas", status_total, "updatedReplicas", updated, "readyReplicas", ready,
		"availableReplicas", available, "unavailableReplicas",
		want - available > 0 ? want - available : 0,
		"conditions",
		"type", "Available", "status", min_avail ? "True" : "False",
		"lastUpdateTime", now, "lastTransitionTime", now,
		"reason", min_avail ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
		"message", min_avail ? "Deployment has minimum availability."
				     : "Deployment does not have minimum availability.",
		"type", "Progressing", "status", pstatus, "lastUpdateTime", now,
		"lastTransitionTime", now, "reason", reason, "message", msg);
	static const char *const zero_drop[] = { "readyReplicas", "availableReplicas",
						 "unavailableReplicas", "updatedReplicas", NULL };
	for (size_t k = 0; zero_drop[k]; k++)
		if (doc_get_int(status, zero_drop[k], 0) == 0)
			json_object_del(status, zero_drop[k]);
	struct deploy_status ds = { status };
	objects_mutate(s->o, dr, ns, name, OBJ_STATUS, MANAGER, deploy_status_step, &ds, NULL);
	json_decref(status);
	if (!complete)
		after(s, key, 1000);
	json_decref(rss);
	json_decref(d);
out:
	resource_unref(dr);
	resource_unref(rr);
}

/* --- Job controller -------------------------------------------------------------------- */

static json_t *job_condition(const char *type, const char *reason, const char *msg, const char *now)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", "True",
			 "reason", reason, "message", msg, "lastProbeTime", now,
			 "lastTransitionTime", now);
}

struct job_status {
	json_t *status;
};

static int job_status_step(json_t *job, void *p)
{
	struct job_status *js = p;
	json_t *old = doc_get(job, "status");
	keep_transitions(js->status, old);
	if (old && json_equal(old, js->status))
		return 0;
	json_object_set(job, "status", js->status);
	return 1;
}

static int has_condition(const json_t *obj, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(doc_get(obj, "status.conditions"), i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", type) &&
		    !strcmp(doc_get_str(c, "status") ?: "", "True"))
			return 1;
	return 0;
}

static void reconcile_job(struct sim *s, const char *ns, const char *name)
{
	struct resource *jr = res(s, "batch", "jobs"), *pr = res(s, "", "pods");
	json_t *job = NULL, *pods = NULL;
	if (objects_get(s->o, jr, ns, name, &job, NULL) < 0 ||
	    doc_get(job, "metadata.deletionTimestamp"))
		goto out;
	int finished = has_condition(job, "Complete") || has_condition(job, "Failed");
	pods = list_owned(s, "", "pods", ns, doc_get_str(job, "metadata.uid"));
	json_int_t succeeded = 0, failed = 0, active = 0, ready = 0;
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		const char *phase = doc_get_str(pod, "status.phase") ?: "";
		if (!strcmp(phase, "Succeeded"))
			succeeded++;
		else if (!strcmp(phase, "Failed"))
			failed++;
		else if (!doc_get(pod, "metadata.deletionTimestamp")) {
			active++;
			ready += pod_ready(pod);
		}
	}
	json_int_t completions = doc_get_int(job, "spec.completions", 1);
	json_int_t parallelism = doc_get_int(job, "spec.parallelism", 1);
	json_int_t backoff = doc_get_int(job, "spec.backoffLimit", 6);
	int suspended = json_is_true(doc_get(job, "spec.suspend"));
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	json_t *status = json_object();
	const char *start = doc_get_str(job, "status.startTime");
	json_t *conds = json_array();
	int done = 0;
	if (failed > backoff) {
		json_array_append_new(conds, job_condition("FailureTarget", "BackoffLimitExceeded",
							   "Job has reached the specified backoff limit", now));
		json_array_append_new(conds, job_condition("Failed", "BackoffLimitExceeded",
							   "Job has reached the specified backoff limit", now));
		done = 1;
	} else if (succeeded >= completions) {
		json_array_append_new(conds, job_condition("SuccessCriteriaMet", "CompletionsReached",
							   "Reached expected number of succeeded pods", now));
		json_array_append_new(conds, job_condition("Complete", "CompletionsReached",
							   "Reached expected number of succeeded pods", now));
		done = 1;
	} else if (!suspended && !finished) {
		json_int_t want = parallelism < completions - succeeded ? parallelism
									: completions - succeeded;
		for (json_int_t n = active; n < want; n++) {
			json_t *tmpl = doc_get(job, "spec.template");
			json_t *np = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:O}", "apiVersion", "v1",
					       "kind", "Pod", "metadata", "namespace", ns, "labels",
					       or_empty(doc_get(tmpl, "metadata.labels")),
					       "ownerReferences", owner_ref(job, "batch/v1", "Job"),
					       "spec", doc_get(tmpl, "spec"));
			struct buf gn = BUF_INIT;
			buf_addf(&gn, "%s-", name);
			doc_set_new(np, "metadata.generateName", json_string(gn.data), NULL);
			buf_release(&gn);
			json_t *out = NULL;
			struct kstatus st = KSTATUS_INIT;
			if (objects_create(s->o, pr, ns, np, NULL, &out, &st) == 0) {
				emit(s, job, "Normal", "SuccessfulCreate", "job-controller",
				     "Created pod: %s", doc_get_str(out, "metadata.name"));
				active++;
			}
			kstatus_release(&st);
			json_decref(out);
			json_decref(np);
		}
	}
	if (done && !finished) {
		/* stop what still runs */
		json_array_foreach(pods, i, pod) {
			const char *phase = doc_get_str(pod, "status.phase") ?: "";
			if (strcmp(phase, "Succeeded") && strcmp(phase, "Failed")) {
				json_t *out = NULL;
				int del;
				objects_delete(s->o, pr, ns, doc_get_str(pod, "metadata.name"), NULL, &out,
					       &del, NULL);
				json_decref(out);
				active--;
			}
		}
		emit(s, job, failed > backoff ? "Warning" : "Normal",
		     failed > backoff ? "BackoffLimitExceeded" : "Completed", "job-controller",
		     failed > backoff ? "Job has reached the specified backoff limit"
				      : "Job completed");
	}
	if (finished) {
		json_decref(conds);
		conds = json_deep_copy(doc_get(job, "status.conditions"));
	}
	json_object_set_new(status, "startTime", json_string(start ? start : now));
	if (done || finished) {
		const char *ct = doc_get_str(job, "status.completionTime");
		if (succeeded >= completions)
			json_object_set_new(status, "completionTime", json_string(ct ? ct : now));
	}
	if (active > 0)
		json_object_set_new(status, "active", json_integer(active));
	if (succeeded > 0)
		json_object_set_new(status, "succeeded", json_integer(succeeded));
	if (failed > 0)
		json_object_set_new(status, "failed", json_integer(failed));
	json_object_set_new(status, "ready", json_integer(ready));
	json_object_set_new(status, "terminating", json_integer(0));
	json_object_set_new(status, "uncountedTerminatedPods", json_object());
	if (json_array_size(conds))
		json_object_set_new(status, "conditions", conds);
	else
		json_decref(conds);
	struct job_status js = { status };
	objects_mutate(s->o, jr, ns, name, OBJ_STATUS, MANAGER, job_status_step, &js, NULL);
	json_decref(status);
out:
	json_decref(pods);
	json_decref(job);
	resource_unref(jr);
	resource_unref(pr);
}

/* --- CronJob controller ------------------------------------------------------------------ */

struct cj_status {
	json_t *status;
};

static int cj_status_step(json_t *cj, void *p)
{
	struct cj_status *cs = p;
	if (json_equal(doc_get(cj, "status"), cs->status))
		return 0;
	json_object_set(cj, "status", cs->status);
	return 1;
}

static int str_cmp_created(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(doc_get_str(x, "metadata.creationTimestamp") ?: "",
		      doc_get_str(y, "metadata.creationTimestamp") ?: "");
}

/* Deletes the oldest of `jobs` beyond `keep`. */
static void prune_jobs(struct sim *s, const char *ns, json_t *jobs, json_int_t keep)
{
	size_t n = json_array_size(jobs);
	if ((json_int_t)n <= keep)
		return;
	json_t **v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(jobs, i);
	qsort(v, n, sizeof(*v), str_cmp_created);
	struct resource *jr = res(s, "batch", "jobs");
	struct obj_delete_opts bg = { .propagation = "Background" };
	for (size_t i = 0; i + (size_t)keep < n; i++) {
		json_t *out = NULL;
		int del;
		objects_delete(s->o, jr, ns, doc_get_str(v[i], "metadata.name"), &bg, &out, &del, NULL);
		json_decref(out);
	}
	resource_unref(jr);
	free(v);
}

static void reconcile_cronjob(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *cr = res(s, "batch", "cronjobs"), *jr = res(s, "batch", "jobs");
	json_t *cj = NULL, *jobs = NULL;
	if (objects_get(s->o, cr, ns, name, &cj, NULL) < 0 || doc_get(cj, "metadata.deletionTimestamp"))
		goto out;
	struct cron sched;
	if (cron_parse(&sched, doc_get_str(cj, "spec.schedule"), NULL) < 0)
		goto out;
	jobs = list_owned(s, "batch", "jobs", ns, doc_get_str(cj, "metadata.uid"));
	json_t *active = json_array(), *done_ok = json_array(), *done_failed = json_array();
	const char *last_success = doc_get_str(cj, "status.lastSuccessfulTime");
	size_t i;
	json_t *job;
	json_array_foreach(jobs, i, job) {
		if (has_condition(job, "Complete")) {
			json_array_append(done_ok, job);
			const char *ct = doc_get_str(job, "status.completionTime");
			if (ct && (!last_success || strcmp(ct, last_success) > 0))
				last_success = ct;
		} else if (has_condition(job, "Failed")) {
			json_array_append(done_failed, job);
		} else {
			json_array_append(active, job);
		}
	}
	time_t now = time(NULL), last;
	const char *lst = doc_get_str(cj, "status.lastScheduleTime");
	if (!lst || timefmt_parse(&last, NULL, lst, NULL) < 0)
		timefmt_parse(&last, NULL, doc_get_str(cj, "metadata.creationTimestamp") ?: "", NULL);
	/* the most recent scheduled time that is due, missed ones collapsed */
	time_t due = -1, t = last;
	for (int k = 0; k < 1000; k++) {
		t = cron_next(&sched, t);
		if (t < 0 || t > now)
			break;
		due = t;
	}
	char sched_ts[TIMEFMT_SIZE] = "";
	int suspended = json_is_true(doc_get(cj, "spec.suspend"));
	const char *policy = doc_get_str(cj, "spec.concurrencyPolicy") ?: "Allow";
	if (due >= 0 && !suspended &&
	    !(!strcmp(policy, "Forbid") && json_array_size(active) > 0)) {
		if (!strcmp(policy, "Replace")) {
			json_array_foreach(active, i, job) {
				json_t *o = NULL;
				int del;
				struct obj_delete_opts bg = { .propagation = "Background" };
				objects_delete(s->o, jr, ns, doc_get_str(job, "metadata.name"), &bg, &o,
					       &del, NULL);
				json_decref(o);
			}
			json_array_clear(active);
		}
		timefmt_rfc3339(sched_ts, due);
		char jname[600];
		snprintf(jname, sizeof(jname), "%s-%lld", name, (long long)(due / 60));
		json_t *tmpl = doc_get(cj, "spec.jobTemplate");
		json_t *nj = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:{s:s}, s:o}, s:o}",
				       "apiVersion", "batch/v1", "kind", "Job", "metadata", "name", jname,
				       "namespace", ns, "labels",
				       or_empty(doc_get(tmpl, "metadata.labels")), "annotations",
				       "batch.kubernetes.io/cronjob-scheduled-timestamp", sched_ts,
				       "ownerReferences", owner_ref(cj, "batch/v1", "CronJob"),
				       "spec", or_empty(doc_get(tmpl, "spec")));
		json_t *out = NULL;
		struct kstatus st = KSTATUS_INIT;
		if (objects_create(s->o, jr, ns, nj, NULL, &out, &st) == 0) {
			emit(s, cj, "Normal", "SuccessfulCreate", "cronjob-controller", "Created job %s",
			     jname);
			json_array_append(active, out);
		}
		kstatus_release(&st);
		json_decref(out);
		json_decref(nj);
	}
	prune_jobs(s, ns, done_ok, doc_get_int(cj, "spec.successfulJobsHistoryLimit", 3));
	prune_jobs(s, ns, done_failed, doc_get_int(cj, "spec.failedJobsHistoryLimit", 1));
	json_t *status = json_object();
	if (json_array_size(active)) {
		json_t *refs = json_array();
		json_array_foreach(active, i, job)
			json_array_append_new(refs, json_pack(
				"{s:s, s:s, s:s, s:s, s:s, s:s}", "apiVersion", "batch/v1", "kind", "Job",
				"name", doc_get_str(job, "metadata.name") ?: "", "namespace", ns,
				"uid", doc_get_str(job, "metadata.uid") ?: "", "resourceVersion",
				doc_get_str(job, "metadata.resourceVersion") ?: ""));
		json_object_set_new(status, "active", refs);
	}
	if (sched_ts[0])
		json_object_set_new(status, "lastScheduleTime", json_string(sched_ts));
	else if (lst)
		json_object_set_new(status, "lastScheduleTime", json_string(lst));
	if (last_success)
		json_object_set_new(status, "lastSuccessfulTime", json_string(last_success));
	struct cj_status cs = { status };
	objects_mutate(s->o, cr, ns, name, OBJ_STATUS, MANAGER, cj_status_step, &cs, NULL);
	json_decref(status);
	json_decref(active);
	json_decref(done_ok);
	json_decref(done_failed);
	time_t next = cron_next(&sched, now);
	long long wait = next > now ? (long long)(next - now) * 1000 : 1000;
	after(s, key, wait < 60000 ? wait + 50 : 60000);
out:
	json_decref(jobs);
	json_decref(cj);
	resource_unref(cr);
	resource_unref(jr);
}

/* --- StatefulSet and DaemonSet controllers ------------------------------------------------ */

/* Creates a pod from a workload's template with extra labels; name is fixed
 * (StatefulSet) or generated from prefix (DaemonSet). */
static int create_pod(struct sim *s, const json_t *owner, const char *kind, const char *ns,
		      const char *name, const char *prefix, json_t *labels, const char *node)
{
	json_t *tmpl = doc_get(owner, "spec.template");
	json_t *all = copy_or_empty(doc_get(tmpl, "metadata.labels"));
	json_object_update(all, labels);
	json_t *np = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:o}", "apiVersion", "v1", "kind",
			       "Pod", "metadata", "namespace", ns, "labels", all,
			       "ownerReferences", owner_ref(owner, "apps/v1", kind),
			       "spec", copy_or_empty(doc_get(tmpl, "spec")));
	if (name)
		doc_set_new(np, "metadata.name", json_string(name), NULL);
	else
		doc_set_new(np, "metadata.generateName", json_string(prefix), NULL);
	json_t *spec = json_object_get(np, "spec");
	if (node)
		json_object_set_new(spec, "nodeName", json_string(node));
	if (name && !strcmp(kind, "StatefulSet")) {
		json_object_set_new(spec, "hostname", json_string(name));
		if (doc_get_str(owner, "spec.serviceName"))
			json_object_set(spec, "subdomain", doc_get(owner, "spec.serviceName"));
	}
	struct resource *pr = res(s, "", "pods");
	json_t *out = NULL;
	struct kstatus st = KSTATUS_INIT;
	int rc = objects_create(s->o, pr, ns, np, NULL, &out, &st);
	if (rc == 0)
		emit(s, owner, "Normal", "SuccessfulCreate",
		     !strcmp(kind, "StatefulSet") ? "statefulset-controller" : "daemonset-controller",
		     "create Pod %s in %s %s successful", doc_get_str(out, "metadata.name"),
		     kind, doc_get_str(owner, "metadata.name"));
	kstatus_release(&st);
	json_decref(out);
	json_decref(np);
	resource_unref(pr);
	return rc;
}

static void delete_pod(struct sim *s, const char *ns, const char *name)
{
	struct resource *pr = res(s, "", "pods");
	json_t *out = NULL;
	int del;
	objects_delete(s->o, pr, ns, name, NULL, &out, &del, NULL);
	json_decref(out);
	resource_unref(pr);
}

struct set_status {
	json_t *status;
};

static int set_status_step(json_t *obj, void *p)
{
	struct set_status *ss = p;
	if (json_equal(doc_get(obj, "status"), ss->status))
		return 0;
	json_object_set(obj, "status", ss->status);
	return 1;
}

/* PVCs of a StatefulSet pod from volumeClaimTemplates, Bound at once. */
static void ensure_claims(struct sim *s, const json_t *sts, const char *ns, const char *pod)
{
	struct resource *r = res(s, "", "persistentvolumeclaims");
	size_t i;
	json_t *t;
	json_array_foreach(doc_get(sts, "spec.volumeClaimTemplates"), i, t) {
		char name[600];
		snprintf(name, sizeof(name), "%s-%s", doc_get_str(t, "metadata.name") ?: "data", pod);
		json_t *pvc = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:o, s:{s:s, s:o}}",
					"apiVersion", "v1", "kind", "PersistentVolumeClaim", "metadata",
					"name", name, "namespace", ns, "labels",
					or_empty(doc_get(sts, "spec.selector.matchLabels")),
					"spec", or_empty(doc_get(t, "spec")), "status", "phase",
					"Bound", "capacity",
					or_empty(doc_get(t, "spec.resources.requests")));
		json_t *out = NULL;
		objects_create(s->o, r, ns, pvc, NULL, &out, NULL);
		json_decref(out);
		json_decref(pvc);
	}
	resource_unref(r);
}

static void reconcile_sts(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *r = res(s, "apps", "statefulsets");
	json_t *sts = NULL, *pods = NULL;
	if (objects_get(s->o, r, ns, name, &sts, NULL) < 0 ||
	    doc_get(sts, "metadata.deletionTimestamp"))
		goto out;
	char hash[16], rev[300];
	sim_template_hash(hash, sizeof(hash), doc_get(sts, "spec.template"));
	snprintf(rev, sizeof(rev), "%s-%s", name, hash);
	json_int_t want = doc_get_int(sts, "spec.replicas", 1);
	int parallel = !strcmp(doc_get_str(sts, "spec.podManagementPolicy") ?: "", "Parallel");
	pods = list_owned(s, "", "pods", ns, doc_get_str(sts, "metadata.uid"));
	json_int_t ready = 0, updated = 0, count = 0;
	int blocked = 0;
	for (json_int_t i = 0; i < want; i++) {
		char pname[300];
		snprintf(pname, sizeof(pname), "%s-%lld", name, (long long)i);
		json_t *pod = NULL, *p;
		size_t k;
		json_array_foreach(pods, k, p)
			if (!strcmp(doc_get_str(p, "metadata.name") ?: "", pname))
				pod = p;
		if (!pod) {
			if (blocked)
				break;
			ensure_claims(s, sts, ns, pname);
			char idx[32];
			snprintf(idx, sizeof(idx), "%lld", (long long)i);
			json_t *labels = json_pack("{s:s, s:s, s:s}", "statefulset.kubernetes.io/pod-name",
						   pname, "controller-revision-hash", rev,
						   "apps.kubernetes.io/pod-index", idx);
			create_pod(s, sts, "StatefulSet", ns, pname, NULL, labels, NULL);
			json_decref(labels);
			count++;
			if (!parallel)
				blocked = 1;
			continue;
		}
		count++;
		int r_ok = pod_ready(pod);
		ready += r_ok;
		const char *h = doc_get_str(pod, "metadata.labels[\"controller-revision-hash\"]");
		if (h && !strcmp(h, rev))
			updated++;
		if (!r_ok && !parallel)
			blocked = 1;
	}
	/* scale down from the highest ordinal; roll outdated pods from the top */
	size_t k;
	json_t *p;
	json_array_foreach(pods, k, p) {
		const char *pn = doc_get_str(p, "metadata.name") ?: "";
		const char *dash = strrchr(pn, '-');
		long long ord = dash ? atoll(dash + 1) : 0;
		if (ord >= want && !doc_get(p, "metadata.deletionTimestamp"))
			delete_pod(s, ns, pn);
	}
	json_int_t partition = doc_get_int(sts, "spec.updateStrategy.rollingUpdate.partition", 0);
	int rolling = strcmp(doc_get_str(sts, "spec.updateStrategy.type") ?: "RollingUpdate", "OnDelete");
	if (rolling && !blocked && ready == want) {
		for (json_int_t i = want - 1; i >= partition; i--) {
			char pname[300];
			snprintf(pname, sizeof(pname), "%s-%lld", name, (long long)i);
			json_array_foreach(pods, k, p) {
				const char *h = doc_get_str(p, "metadata.labels[\"controller-revision-hash\"]");
				if (!strcmp(doc_get_str(p, "metadata.name") ?: "", pname) && h &&
				    strcmp(h, rev)) {
					delete_pod(s, ns, pname);
					i = -1;
					break;
				}
			}
		}
	}
	const char *current = doc_get_str(sts, "status.currentRevision");
	json_t *status = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:i}", "observedGeneration",
				   doc_get_int(sts, "metadata.generation", 1), "replicas", count,
				   "readyReplicas", ready, "currentReplicas",
				   updated == want ? updated : count - updated, "updatedReplicas",
				   updated, "currentRevision",
				   updated == want || !current ? rev : current, "updateRevision", rev,
				   "collisionCount", 0);
	json_object_set_new(status, "availableReplicas", json_integer(ready));
	struct set_status ss = { status };
	objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, set_status_step, &ss, NULL);
	json_decref(status);
	if (updated < want || ready < want)
		after(s, key, 500);
out:
	json_decref(pods);
	json_decref(sts);
	resource_unref(r);
}

static void reconcile_ds(struct sim *s, const char *ns, const char *name, const char *key)
{
	struct resource *r = res(s, "apps", "daemonsets");
	json_t *ds = NULL, *pods = NULL;
	if (objects_get(s->o, r, ns, name, &ds, NULL) < 0 ||
	    doc_get(ds, "metadata.deletionTimestamp"))
		goto out;
	char hash[16], gen[300];
	sim_template_hash(hash, sizeof(hash), doc_get(ds, "spec.template"));
	snprintf(gen, sizeof(gen), "%s-", name);
	pods = list_owned(s, "", "pods", ns, doc_get_str(ds, "metadata.uid"));
	json_int_t scheduled = 0, ready = 0, updated = 0;
	int rolled = 0;
	for (int n = 1; n <= s->opts.nodes; n++) {
		char node[64];
		snprintf(node, sizeof(node), "bosun-node-%d", n);
		json_t *pod = NULL, *p;
		size_t k;
		json_array_foreach(pods, k, p)
			if (!strcmp(doc_get_str(p, "spec.nodeName") ?: "", node) &&
			    !doc_get(p, "metadata.deletionTimestamp"))
				pod = p;
		if (!pod) {
			json_t *labels = json_pack("{s:s, s:s}", "controller-revision-hash", hash,
						   "pod-template-generation", "1");
			create_pod(s, ds, "DaemonSet", ns, NULL, gen, labels, node);
			json_decref(labels);
			scheduled++;
			continue;
		}
		scheduled++;
		ready += pod_ready(pod);
		const char *h = doc_get_str(pod, "metadata.labels[\"controller-revision-hash\"]");
		if (h && !strcmp(h, hash)) {
			updated++;
		} else if (!rolled) {
			/* maxUnavailable 1: one outdated pod at a time */
			delete_pod(s, ns, doc_get_str(pod, "metadata.name"));
			rolled = 1;
		}
	}
	json_t *status = json_pack("{s:I, s:i, s:I, s:i, s:I, s:I, s:I, s:I}", "observedGeneration",
				   doc_get_int(ds, "metadata.generation", 1),
				   "desiredNumberScheduled", s->opts.nodes, "currentNumberScheduled",
				   scheduled, "numberMisscheduled", 0, "numberReady", ready,
				   "updatedNumberScheduled", updated, "numberAvailable", ready,
				   "numberUnavailable", (json_int_t)s->opts.nodes - ready);
	struct set_status ss = { status };
	objects_mutate(s->o, r, ns, name, OBJ_STATUS, MANAGER, set_status_step, &ss, NULL);
	json_decref(status);
	if (updated < s->opts.nodes || ready < s->opts.nodes)
		after(s, key, 500);
out:
	json_decref(pods);
	json_decref(ds);
	resource_unref(r);
}

/* --- Endpoints controller ------------------------------------------------------------- */

#define EP_MARK "endpoints.kubernetes.io/last-change-trigger-time"

static int selects(const json_t *selector, const json_t *labels)
{
	const char *k;
	json_t *v;
	if (json_object_size(selector) == 0)
		return 0;
	json_object_foreach((json_t *)selector, k, v) {
		const json_t *have = json_object_get(labels, k);
		if (!have || !json_equal(have, v))
			return 0;
	}
	return 1;
}

/* targetPort as a number: an int, or a named container port of the pod. */
static json_int_t target_port(const json_t *port, const json_t *pod)
{
	const json_t *tp = json_object_get(port, "targetPort");
	if (json_is_integer(tp))
		return json_integer_value(tp);
	if (json_is_string(tp)) {
		size_t i, j;
		json_t *c, *cp;
		json_array_foreach(doc_get(pod, "spec.containers"), i, c)
			json_array_foreach(json_object_get(c, "ports"), j, cp)
				if (!strcmp(doc_get_str(cp, "name") ?: "", json_string_value(tp)))
					return doc_get_int(cp, "containerPort", 0);
	}
	return doc_get_int(port, "port", 0);
}

static json_t *endpoints_for(const json_t *svc, const json_t *pods)
{
	json_t *ready = json_array(), *unready = json_array(), *ports = json_array();
	const json_t *first = NULL;
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		const char *ip = doc_get_str(pod, "status.podIP");
		if (!ip || doc_get(pod, "metadata.deletionTimestamp") ||
		    !selects(doc_get(svc, "spec.selector"), doc_get(pod, "metadata.labels")))
			continue;
		if (!first)
			first = pod;
		json_t *addr = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "ip", ip, "nodeName",
					 doc_get_str(pod, "spec.nodeName") ?: "", "targetRef", "kind",
					 "Pod", "name", doc_get_str(pod, "metadata.name") ?: "",
					 "namespace", doc_get_str(pod, "metadata.namespace") ?: "",
					 "uid", doc_get_str(pod, "metadata.uid") ?: "");
		json_array_append_new(pod_ready(pod) ? ready : unready, addr);
	}
	json_t *p;
	json_array_foreach(doc_get(svc, "spec.ports"), i, p) {
		json_t *ep = json_pack("{s:I, s:s}", "port", target_port(p, first),
				       "protocol", doc_get_str(p, "protocol") ?: "TCP");
		if (doc_get_str(p, "name"))
			json_object_set(ep, "name", doc_get(p, "name"));
		json_array_append_new(ports, ep);
	}
	json_t *subsets = json_array();
	if (json_array_size(ready) || json_array_size(unready)) {
		json_t *sub = json_pack("{s:o}", "ports", ports);
		if (json_array_size(ready))
			json_object_set(sub, "addresses", ready);
		if (json_array_size(unready))
			json_object_set(sub, "notReadyAddresses", unready);
		json_array_append_new(subsets, sub);
	} else {
		json_decref(ports);
	}
	json_decref(ready);
	json_decref(unready);
	return subsets;
}

struct set_subsets {
	json_t *subsets;
};

static int set_subsets(json_t *ep, void *p)
{
	struct set_subsets *ss = p;
	json_t *cur = json_object_get(ep, "subsets");
	int want_none = json_array_size(ss->subsets) == 0;
	if (want_none ? json_array_size(cur) == 0 : cur && json_equal(cur, ss->subsets))
		return 0;
	if (json_array_size(ss->subsets))
		json_object_set(ep, "subsets", ss->subsets);
	else
		json_object_del(ep, "subsets");
	return 1;
}

static void reconcile_endpoints(struct sim *s, const char *ns)
{
	struct resource *er = res(s, "", "endpoints");
	json_t *svcs = list_owned(s, "", "services", ns, NULL);
	json_t *pods = list_owned(s, "", "pods", ns, NULL);
	json_t *eps = list_owned(s, "", "endpoints", ns, NULL);
	size_t i;
	json_t *svc, *ep;
	json_array_foreach(svcs, i, svc) {
		if (json_object_size(doc_get(svc, "spec.selector")) == 0)
			continue;
		const char *name = doc_get_str(svc, "metadata.name");
		json_t *subsets = endpoints_for(svc, pods);
		struct set_subsets ss = { subsets };
		json_t *existing = NULL;
		if (objects_get(s->o, er, ns, name, &existing, NULL) == 0) {
			objects_mutate(s->o, er, ns, name, OBJ_MAIN, "endpoint-controller",
				       set_subsets, &ss, NULL);
		} else {
			char now[TIMEFMT_SIZE];
			timefmt_now(now);
			json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:{s:s}}}", "apiVersion",
						"v1", "kind", "Endpoints", "metadata", "name", name,
						"namespace", ns, "labels",
						or_empty(doc_get(svc, "metadata.labels")),
						"annotations", EP_MARK, now);
			if (json_array_size(subsets))
				json_object_set(obj, "subsets", subsets);
			json_t *out = NULL;
			objects_create(s->o, er, ns, obj, NULL, &out, NULL);
			json_decref(out);
			json_decref(obj);
		}
		json_decref(existing);
		json_decref(subsets);
	}
	/* Endpoints this controller made whose Service is gone */
	json_array_foreach(eps, i, ep) {
		if (!doc_get(ep, "metadata.annotations[\"" EP_MARK "\"]"))
			continue;
		const char *name = doc_get_str(ep, "metadata.name") ?: "";
		int found = 0;
		size_t k;
		json_array_foreach(svcs, k, svc)
			found |= !strcmp(doc_get_str(svc, "metadata.name") ?: "", name) &&
				 json_object_size(doc_get(svc, "spec.selector")) > 0;
		if (!found) {
			json_t *out = NULL;
			int deleted;
			objects_delete(s->o, er, ns, name, NULL, &out, &deleted, NULL);
			json_decref(out);
		}
	}
	json_decref(svcs);
	json_decref(pods);
	json_decref(eps);
	resource_unref(er);
}

/* --- garbage collector ------------------------------------------------------------------ */

static int drop_foreground(json_t *obj, void *p)
{
	(void)p;
	json_t *f = doc_get(obj, "metadata.finalizers");
	size_t i;
	json_t *v;
	json_array_foreach(f, i, v)
		if (!strcmp(json_string_value(v) ?: "", "foregroundDeletion")) {
			json_array_remove(f, i);
			return 1;
		}
	return 0;
}

static int parse_key(const char *key, char *group, char *resource, char *ns, char *name);

/* Deletes the objects owned by uid with the given propagation; returns how
 * many there were. */
static int delete_dependents(struct sim *s, const char *uid, const char *propagation)
{
	size_t n;
	char **keys = owner_dependents(s, uid, &n);
	struct obj_delete_opts opts = { .propagation = propagation };
	for (size_t i = 0; i < n; i++) {
		char group[256], resource[256], ns[256], name[256];
		if (parse_key(keys[i], group, resource, ns, name) == 0) {
			struct resource *r = registry_find(s->reg, group, NULL, resource);
			json_t *out = NULL;
			int deleted;
			if (r && objects_delete(s->o, r, ns[0] ? ns : NULL, name, &opts, &out, &deleted,
						NULL) == BERR_NOTFOUND)
				owner_remove(s, uid, keys[i]);
			json_decref(out);
			resource_unref(r);
		}
		free(keys[i]);
	}
	free(keys);
	return (int)n;
}

/* An object waiting in foreground deletion: delete its dependents, then
 * let it go. */
static void reconcile_foreground(struct sim *s, const char *key, const json_t *obj,
				 struct resource *r)
{
	const char *ns = doc_get_str(obj, "metadata.namespace");
	int left = delete_dependents(s, doc_get_str(obj, "metadata.uid") ?: "", "Foreground");
	if (left == 0)
		objects_mutate(s->o, r, ns, doc_get_str(obj, "metadata.name"), OBJ_MAIN,
			       "garbage-collector", drop_foreground, NULL, NULL);
	else
		after(s, key, 200);
}

/* --- the loop ------------------------------------------------------------------------- */

/* Splits "/group/resource/ns/name" (or "/group/resource/name"). */
static int parse_key(const char *key, char *group, char *resource, char *ns, char *name)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", key);
	char *parts[5];
	int n = 0;
	for (char *p = strtok(buf, "/"); p && n < 5; p = strtok(NULL, "/"))
		parts[n++] = p;
	if (n < 3 || n > 4)
		return -1;
	snprintf(group, 256, "%s", strcmp(parts[0], "core") ? parts[0] : "");
	snprintf(resource, 256, "%s", parts[1]);
	snprintf(ns, 256, "%s", n == 4 ? parts[2] : "");
	snprintf(name, 256, "%s", parts[n - 1]);
	return 0;
}

static void reconcile(struct sim *s, const char *key)
{
	char group[256], resource[256], ns[256], name[256];
	if (!strncmp(key, "/_endpoints/", 12)) {
		reconcile_endpoints(s, key + 12);
		return;
	}
	if (parse_key(key, group, resource, ns, name) < 0)
		return;
	struct resource *r = registry_find(s->reg, group, NULL, resource);
	if (!r)
		return;
	json_t *obj = NULL;
	if (objects_get(s->o, r, ns[0] ? ns : NULL, name, &obj, NULL) == 0) {
		const json_t *fin = doc_get(obj, "metadata.finalizers");
		size_t i;
		json_t *f;
		int foreground = 0;
		json_array_foreach(fin, i, f)
			foreground |= !strcmp(json_string_value(f) ?: "", "foregroundDeletion");
		if (foreground && doc_get(obj, "metadata.deletionTimestamp"))
			reconcile_foreground(s, key, obj, r);
	}
	json_decref(obj);
	resource_unref(r);
	if (!strcmp(group, "") && !strcmp(resource, "pods"))
		reconcile_pod(s, ns, name, key);
	else if (!strcmp(group, "apps") && !strcmp(resource, "replicasets"))
		reconcile_rs(s, ns, name);
	else if (!strcmp(group, "apps") && !strcmp(resource, "deployments"))
		reconcile_deployment(s, ns, name, key);
	else if (!strcmp(group, "batch") && !strcmp(resource, "jobs"))
		reconcile_job(s, ns, name);
	else if (!strcmp(group, "apps") && !strcmp(resource, "statefulsets"))
		reconcile_sts(s, ns, name, key);
	else if (!strcmp(group, "batch") && !strcmp(resource, "cronjobs"))
		reconcile_cronjob(s, ns, name, key);
	else if (!strcmp(group, "apps") && !strcmp(resource, "daemonsets"))
		reconcile_ds(s, ns, name, key);
}

/* What an event wakes: the object and its controller. */
static void on_event(struct sim *s, const struct store_event *ev)
{
	if (!strncmp(ev->key, "/_/", 3))
		return;
	json_t *obj = objects_decode(ev->value, ev->len, ev->rev);
	if (!obj)
		return;
	json_t *prev = ev->prev ? objects_decode(ev->prev, ev->prev_len, ev->rev) : NULL;
	owners_track(s, ev->key, prev, ev->type == STORE_DELETED ? NULL : obj);
	json_decref(prev);
	const char *ns = doc_get_str(obj, "metadata.namespace");
	if (ev->type == STORE_DELETED) {
		const char *uid = doc_get_str(obj, "metadata.uid");
		if (uid && owner_find(s, uid, 0))
			push_str(&s->gone, &s->ngone, &s->capgone, uid);
	} else {
		mark(s, ev->key);
	}
	if (ns && (!strncmp(ev->key, "/core/pods/", 11) || !strncmp(ev->key, "/core/services/", 15))) {
		struct buf k = BUF_INIT;
		buf_addf(&k, "/_endpoints/%s", ns);
		mark(s, k.data);
		buf_release(&k);
	}
	const json_t *ref = controller_of(obj);
	if (ref && ns) {
		const char *kind = doc_get_str(ref, "kind") ?: "";
		if (!strcmp(kind, "ReplicaSet"))
			mark_obj(s, "/apps/replicasets/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "Deployment"))
			mark_obj(s, "/apps/deployments/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "Job"))
			mark_obj(s, "/batch/jobs/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "StatefulSet"))
			mark_obj(s, "/apps/statefulsets/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "CronJob"))
			mark_obj(s, "/batch/cronjobs/", ns, doc_get_str(ref, "name") ?: "");
		else if (!strcmp(kind, "DaemonSet"))
			mark_obj(s, "/apps/daemonsets/", ns, doc_get_str(ref, "name") ?: "");
	}
	json_decref(obj);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void drain(struct sim *s)
{
	long long now = now_ms();
	for (size_t i = 0; i < s->ntimers;) {
		if (s->timers[i].due_ms <= now) {
			mark(s, s->timers[i].key);
			free(s->timers[i].key);
			s->timers[i] = s->timers[--s->ntimers];
		} else {
			i++;
		}
	}
	char **gone = s->gone;
	size_t ngone = s->ngone;
	s->gone = NULL;
	s->ngone = s->capgone = 0;
	for (size_t i = 0; i < ngone; i++) {
		delete_dependents(s, gone[i], "Background");
		free(gone[i]);
	}
	free(gone);
	char **dirty = s->dirty;
	size_t n = s->ndirty;
	s->dirty = NULL;
	s->ndirty = s->capdirty = 0;
	if (n > 1)
		qsort(dirty, n, sizeof(*dirty), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(dirty[i], dirty[i - 1]))
			reconcile(s, dirty[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(dirty[i]);
	free(dirty);
}

struct mark_ctx {
	struct sim *s;
	const char *prefix;
};

static int mark_all(json_t *obj, void *p)
{
	struct mark_ctx *mc = p;
	const char *ns = doc_get_str(obj, "metadata.namespace");
	mark_obj(mc->s, mc->prefix, ns ? ns : "", doc_get_str(obj, "metadata.name") ?: "");
	return 0;
}

static int index_owners(const struct store_kv *kv, void *p)
{
	if (!memmem(kv->value, kv->len, "ownerReferences", 15))
		return 0;
	json_t *obj = objects_decode(kv->value, kv->len, kv->rev);
	owners_track(p, kv->key, NULL, obj);
	json_decref(obj);
	return 0;
}

static void *sim_main(void *arg)
{
	struct sim *s = arg;
	struct store *store = objects_store(s->o);
	struct store_watch *w = NULL;
	store_watch_open(&w, store, "", store_revision(store), NULL);
	ensure_nodes(s);
	store_list(store, "/", NULL, 0, index_owners, s, NULL, NULL);
	/* resume whatever was in flight before a restart */
	static const char *const kinds[][2] = { { "", "pods" }, { "apps", "replicasets" },
						{ "apps", "deployments" }, { "batch", "jobs" },
						{ "apps", "statefulsets" }, { "apps", "daemonsets" },
						{ "batch", "cronjobs" } };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct resource *r = res(s, kinds[i][0], kinds[i][1]);
		char *prefix = objects_prefix(r, NULL);
		struct mark_ctx mc = { s, prefix };
		objects_list(s->o, r, NULL, mark_all, &mc, NULL, NULL);
		free(prefix);
		resource_unref(r);
	}
	long long last_prune = 0;
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (now_ms() - last_prune > 60000) {
			prune_events(s);
			last_prune = now_ms();
		}
		struct store_event *ev = NULL;
		int rc = w ? store_watch_next(w, &ev, TICK_MS) : 0;
		if (rc == 1) {
			on_event(s, ev);
			store_event_unref(ev);
			/* take what else is there before reconciling */
			while (store_watch_next(w, &ev, 0) == 1) {
				on_event(s, ev);
				store_event_unref(ev);
			}
		} else if (rc < 0) {
			store_watch_close(w);
			w = NULL;
			store_watch_open(&w, store, "", store_revision(store), NULL);
		} else if (!w) {
			struct timespec ts = { 0, TICK_MS * 1000000L };
			nanosleep(&ts, NULL);
			store_watch_open(&w, store, "", store_revision(store), NULL);
		}
		drain(s);
	}
	store_watch_close(w);
	return NULL;
}

struct sim *sim_start(struct objects *o, const struct sim_opts *opts)
{
	struct sim *s = xcalloc(1, sizeof(*s));
	s->o = o;
	s->reg = objects_registry(o);
	s->opts = *opts;
	if (s->opts.nodes < 1)
		s->opts.nodes = 1;
	if (pthread_create(&s->thread, NULL, sim_main, s) != 0) {
		free(s);
		return NULL;
	}
	s->running = 1;
	return s;
}

void sim_stop(struct sim *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	store_wake_all(objects_store(s->o));
	if (s->running)
		pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->ndirty; i++)
		free(s->dirty[i]);
	free(s->dirty);
	for (size_t i = 0; i < s->ngone; i++)
		free(s->gone[i]);
	free(s->gone);
	for (size_t i = 0; i < s->ntimers; i++)
		free(s->timers[i].key);
	free(s->timers);
	for (size_t i = 0; i < OWNER_BUCKETS; i++)
		while (s->owners[i]) {
			struct owner *o = s->owners[i];
			s->owners[i] = o->next;
			owner_free(o);
		}
	free(s);
}
