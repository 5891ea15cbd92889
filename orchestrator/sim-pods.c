/*
 * sim-pods.c — nodes and the kubelet of the simulation.
 *
 * Nodes are registered once at start (the scheduler, sim-scheduler.c,
 * binds pods to them). The kubelet moves a bound pod through
 * ContainerCreating → Running → Ready after the start delay, simulating
 * image pull failures and crash loops on request, and records the Events
 * `kubectl describe` shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "doc.h"
#include "sim-internal.h"
#include "timefmt.h"

void sim_ensure_nodes(struct sim *s)
{
	struct resource *r = sim_res(s, "", "nodes");
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
void sim_keep_transitions(json_t *status, const json_t *old)
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
	long long elapsed = sim_now_ms() - (long long)started * 1000;
	int up = elapsed >= s->opts.pod_start_delay_ms;

	json_t *status = json_object();
	json_object_set_new(status, "startTime", json_string(start ? start : now));
	json_object_set_new(status, "qosClass", json_string("BestEffort"));
	const char *host = sim_node_ip(s, doc_get_str(pod, "spec.nodeName"));
	json_object_set_new(status, "hostIP", json_string(host));
	json_object_set_new(status, "hostIPs", json_pack("[{s:s}]", "ip", host));
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
	const json_t *ctl = sim_controller_of(pod);
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
		sim_keep_transitions(status, old);
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
	sim_keep_transitions(status, old);
	if (old && json_equal(old, status)) {
		json_decref(status);
		return 0;
	}
	json_object_set_new(pod, "status", status);
	return 1;
}

void sim_reconcile_pod(struct sim *s, const json_t *obj, const char *key)
{
	if (!obj)
		return;
	const char *ns = doc_get_str(obj, "metadata.namespace") ?: "";
	const char *name = doc_get_str(obj, "metadata.name") ?: "";
	json_t *pod = doc_get_str(obj, "spec.nodeName") ? json_incref((json_t *)obj)
							 : sim_schedule_pod(s, obj, key);
	if (!pod)
		return;
	struct resource *r = sim_res(s, "", "pods");
	struct pod_step ps = { s, 0, json_array() };
	json_t *written = NULL;
	if (objects_mutate_from(s->o, r, ns, name, pod, OBJ_STATUS, MANAGER, pod_status_step, &ps,
				&written, NULL) == 0 && written) {
		size_t i;
		json_t *e;
		json_array_foreach(ps.events, i, e)
			sim_emit(s, written, json_string_value(json_array_get(e, 0)),
			     json_string_value(json_array_get(e, 1)), "kubelet", "%s",
			     json_string_value(json_array_get(e, 2)));
	}
	json_decref(written);
	json_decref(pod);
	json_decref(ps.events);
	if (ps.wait_ms > 0)
		sim_after(s, key, ps.wait_ms);
	resource_unref(r);
}

/* Creates a pod from a workload's template with extra labels; name is fixed
 * (StatefulSet) or generated from prefix (DaemonSet). */
int sim_create_pod(struct sim *s, const json_t *owner, const char *kind, const char *ns,
		      const char *name, const char *prefix, json_t *labels, const char *node)
{
	json_t *tmpl = doc_get(owner, "spec.template");
	json_t *all = sim_copy_or_empty(doc_get(tmpl, "metadata.labels"));
	json_object_update(all, labels);
	json_t *np = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:o}", "apiVersion", "v1", "kind",
			       "Pod", "metadata", "namespace", ns, "labels", all,
			       "ownerReferences", sim_owner_ref(owner, "apps/v1", kind),
			       "spec", sim_copy_or_empty(doc_get(tmpl, "spec")));
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
	struct resource *pr = sim_res(s, "", "pods");
	json_t *out = NULL;
	struct kstatus st = KSTATUS_INIT;
	int rc = objects_create(s->o, pr, ns, np, NULL, &out, &st);
	if (rc == 0)
		sim_track(s, pr, out);
	if (rc == 0)
		sim_emit(s, owner, "Normal", "SuccessfulCreate",
		     !strcmp(kind, "StatefulSet") ? "statefulset-controller" : "daemonset-controller",
		     "create Pod %s in %s %s successful", doc_get_str(out, "metadata.name"),
		     kind, doc_get_str(owner, "metadata.name"));
	kstatus_release(&st);
	json_decref(out);
	json_decref(np);
	resource_unref(pr);
	return rc;
}

void sim_delete_pod(struct sim *s, const char *ns, const char *name)
{
	struct resource *pr = sim_res(s, "", "pods");
	json_t *out = NULL;
	int del;
	objects_delete(s->o, pr, ns, name, NULL, &out, &del, NULL);
	json_decref(out);
	resource_unref(pr);
}
