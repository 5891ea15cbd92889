/*
 * sim-volumes.c — the PersistentVolume controller and a provisioner of the
 * simulation. A claim without a volumeName gets a volume provisioned for
 * it from its StorageClass (or the class annotated as the default; the
 * cluster starts with one, "standard"): PV pvc-<claim uid> with the
 * claim's requested storage and access modes, the class's reclaim policy,
 * and a claimRef back to the claim; both then report Bound. A claim naming
 * a class that does not exist stays Pending with a ProvisioningFailed
 * event until the class is created. A
 * claim naming a volume is bound to it when the volume is free. When the
 * claim goes, a Delete volume goes with it and a Retain one is Released.
 * An explicit storageClassName "" asks for no provisioning, so such a
 * claim waits for a volume that names it.
 *
 * The scheduler asks sim_claims_bound() before placing a pod: a pod whose
 * claims are missing or not Bound stays Pending, as kube-scheduler's
 * VolumeBinding plugin keeps it.
 */
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "sim-internal.h"

#define PROVISIONER "bosun.io/simulated"
#define DEFAULT_CLASS_ANNOTATION "storageclass.kubernetes.io/is-default-class"

struct class_find {
	const char *want;               /* NULL: the default class */
	json_t *found;
};

static int class_step(json_t *sc, void *p)
{
	struct class_find *f = p;
	const char *name = doc_get_str(sc, "metadata.name") ?: "";
	const char *dflt = json_string_value(
		doc_getv(sc, "metadata", "annotations", DEFAULT_CLASS_ANNOTATION, NULL));
	if (f->want ? !strcmp(name, f->want) : dflt && !strcmp(dflt, "true")) {
		f->found = json_incref(sc);
		return 1;
	}
	return 0;
}

/* The StorageClass named cls, or the default one when cls is NULL; NULL
 * when there is none. New reference. */
static json_t *storage_class(struct sim *s, const char *cls)
{
	struct resource *r = sim_res(s, "storage.k8s.io", "storageclasses");
	struct class_find f = { cls, NULL };
	if (r)
		objects_list(s->o, r, NULL, class_step, &f, NULL, NULL);
	resource_unref(r);
	return f.found;
}

static int set_phase_step(json_t *obj, void *p)
{
	if (!strcmp(doc_get_str(obj, "status.phase") ?: "", p))
		return 0;
	doc_set_new(obj, "status.phase", json_string(p), NULL);
	return 1;
}

/* Writes what the claim must say once bound to pv. */
static int claim_bound_step(json_t *pvc, void *p)
{
	const json_t *pv = p;
	json_t *want = json_deep_copy(pvc);
	json_t *ann = json_pack("{s:s, s:s}", "pv.kubernetes.io/bind-completed", "yes",
				"pv.kubernetes.io/bound-by-controller", "yes");
	if (doc_get_str(pv, "metadata.annotations[\"pv.kubernetes.io/provisioned-by\"]")) {
		json_object_set_new(ann, "volume.beta.kubernetes.io/storage-provisioner", json_string(PROVISIONER));
		json_object_set_new(ann, "volume.kubernetes.io/storage-provisioner", json_string(PROVISIONER));
	}
	json_t *have = doc_get(want, "metadata.annotations");
	if (json_is_object(have))
		json_object_update(have, ann);
	else
		doc_set(want, "metadata.annotations", ann, NULL);
	json_decref(ann);
	doc_set(want, "spec.volumeName", doc_get(pv, "metadata.name"), NULL);
	if (!doc_get(want, "spec.storageClassName") && doc_get(pv, "spec.storageClassName"))
		doc_set(want, "spec.storageClassName", doc_get(pv, "spec.storageClassName"), NULL);
	int changed = !json_equal(want, pvc);
	if (changed)
		json_object_update(pvc, want);
	json_decref(want);
	return changed;
}

static int claim_status_step(json_t *pvc, void *p)
{
	const json_t *pv = p;
	json_t *modes = doc_get(pv, "spec.accessModes");
	json_t *status = json_pack("{s:s, s:o, s:o}", "phase", "Bound", "accessModes",
				   modes ? json_incref(modes) : json_array(), "capacity",
				   sim_or_empty(doc_get(pv, "spec.capacity")));
	struct sim_set_status ss = { status };
	int rc = sim_set_status_step(pvc, &ss);
	json_decref(status);
	return rc;
}

static int claim_ref_step(json_t *pv, void *p)
{
	const json_t *pvc = p;
	if (doc_get(pv, "spec.claimRef"))
		return 0;
	doc_set_new(pv, "spec.claimRef", json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind",
		    "PersistentVolumeClaim", "apiVersion", "v1", "namespace",
		    doc_get_str(pvc, "metadata.namespace") ?: "", "name",
		    doc_get_str(pvc, "metadata.name") ?: "", "uid",
		    doc_get_str(pvc, "metadata.uid") ?: ""), NULL);
	return 1;
}

/* A new volume for the claim, as the provisioner of class sc makes one. */
static json_t *provision(const json_t *pvc, const json_t *sc)
{
	char name[300];
	snprintf(name, sizeof(name), "pvc-%s", doc_get_str(pvc, "metadata.uid") ?: "");
	json_t *storage = doc_get(pvc, "spec.resources.requests.storage");
	json_t *modes = doc_get(pvc, "spec.accessModes");
	json_t *pv = json_pack(
		"{s:s, s:s, s:{s:s, s:{s:s}},"
		" s:{s:{s:o}, s:o, s:s, s:s, s:s, s:{s:s, s:s}}}",
		"apiVersion", "v1", "kind", "PersistentVolume", "metadata", "name", name,
		"annotations", "pv.kubernetes.io/provisioned-by", PROVISIONER, "spec", "capacity", "storage",
		storage ? json_incref(storage) : json_string("1Gi"), "accessModes",
		modes ? json_incref(modes) : json_pack("[s]", "ReadWriteOnce"),
		"persistentVolumeReclaimPolicy", doc_get_str(sc, "reclaimPolicy") ?: "Delete",
		"storageClassName", doc_get_str(sc, "metadata.name") ?: "", "volumeMode",
		doc_get_str(pvc, "spec.volumeMode") ?: "Filesystem", "hostPath", "path",
		"/var/lib/bosun/volumes/", "type", "DirectoryOrCreate");
	json_t *path = json_sprintf("/var/lib/bosun/volumes/%s", name);
	doc_set_new(pv, "spec.hostPath.path", path, NULL);
	json_t *ref = json_deep_copy(pvc);
	claim_ref_step(pv, ref);
	json_decref(ref);
	return pv;
}

void sim_reconcile_pvc(struct sim *s, const char *ns, const char *name)
{
	struct resource *cr = sim_res(s, "", "persistentvolumeclaims");
	struct resource *vr = sim_res(s, "", "persistentvolumes");
	json_t *pvc = NULL, *pv = NULL;
	if (objects_get(s->o, cr, ns, name, &pvc, NULL) < 0 || doc_get(pvc, "metadata.deletionTimestamp"))
		goto out;
	const char *vol = doc_get_str(pvc, "spec.volumeName");
	const char *cls = doc_get_str(pvc, "spec.storageClassName");
	if (!vol && cls && !*cls) {
		objects_mutate(s->o, cr, ns, name, OBJ_STATUS, MANAGER, set_phase_step, "Pending", NULL);
		goto out;
	}
	json_t *sc = vol ? NULL : storage_class(s, cls);
	if (!vol && !sc) {
		/* no default class: the claim waits, as on a real cluster */
		if (cls)
			sim_emit(s, pvc, "Warning", "ProvisioningFailed", "persistentvolume-controller",
				 "storageclass.storage.k8s.io \"%s\" not found", cls);
		objects_mutate(s->o, cr, ns, name, OBJ_STATUS, MANAGER, set_phase_step, "Pending", NULL);
		goto out;
	}
	if (!vol) {
		json_t *want = provision(pvc, sc);
		json_decref(sc);
		if (objects_create(s->o, vr, NULL, want, NULL, &pv, NULL) < 0)
			objects_get(s->o, vr, NULL, doc_get_str(want, "metadata.name"), &pv, NULL);
		else
			sim_emit(s, pvc, "Normal", "ProvisioningSucceeded", PROVISIONER,
				 "Successfully provisioned volume %s", doc_get_str(pv, "metadata.name"));
		json_decref(want);
	} else if (objects_get(s->o, vr, NULL, vol, &pv, NULL) == 0) {
		const char *uid = doc_get_str(pv, "spec.claimRef.uid");
		if (uid && strcmp(uid, doc_get_str(pvc, "metadata.uid") ?: "")) {
			json_decref(pv);
			pv = NULL;
		} else {
			objects_mutate(s->o, vr, NULL, vol, OBJ_MAIN, MANAGER, claim_ref_step, pvc, NULL);
		}
	}
	if (!pv) {
		objects_mutate(s->o, cr, ns, name, OBJ_STATUS, MANAGER, set_phase_step, "Pending", NULL);
		goto out;
	}
	objects_mutate(s->o, cr, ns, name, OBJ_MAIN, MANAGER, claim_bound_step, pv, NULL);
	objects_mutate(s->o, cr, ns, name, OBJ_STATUS, MANAGER, claim_status_step, pv, NULL);
	objects_mutate(s->o, vr, NULL, doc_get_str(pv, "metadata.name"), OBJ_STATUS, MANAGER,
		       set_phase_step, "Bound", NULL);
out:
	json_decref(pv);
	json_decref(pvc);
	resource_unref(cr);
	resource_unref(vr);
}

void sim_reconcile_pv(struct sim *s, const char *name)
{
	struct resource *cr = sim_res(s, "", "persistentvolumeclaims");
	struct resource *vr = sim_res(s, "", "persistentvolumes");
	json_t *pv = NULL, *pvc = NULL;
	if (objects_get(s->o, vr, NULL, name, &pv, NULL) < 0 || doc_get(pv, "metadata.deletionTimestamp"))
		goto out;
	const char *ns = doc_get_str(pv, "spec.claimRef.namespace");
	const char *claim = doc_get_str(pv, "spec.claimRef.name");
	const char *uid = doc_get_str(pv, "spec.claimRef.uid");
	const char *phase = "Available";
	if (claim) {
		int there = objects_get(s->o, cr, ns, claim, &pvc, NULL) == 0 &&
			    (!uid || !strcmp(uid, doc_get_str(pvc, "metadata.uid") ?: ""));
		/* a claimRef without uid reserves the volume for a claim to come */
		phase = there ? "Bound" : uid ? "Released" : "Available";
		if (!there && uid && !strcmp(doc_get_str(pv, "spec.persistentVolumeReclaimPolicy") ?: "",
				      "Delete")) {
			json_t *gone = NULL;
			int deleted;
			objects_delete(s->o, vr, NULL, name, NULL, &gone, &deleted, NULL);
			json_decref(gone);
			goto out;
		}
	}
	objects_mutate(s->o, vr, NULL, name, OBJ_STATUS, MANAGER, set_phase_step, (void *)phase, NULL);
out:
	json_decref(pvc);
	json_decref(pv);
	resource_unref(cr);
	resource_unref(vr);
}

int sim_claims_bound(struct sim *s, const json_t *pod, char *why, size_t size)
{
	struct resource *r = sim_res(s, "", "persistentvolumeclaims");
	const char *ns = doc_get_str(pod, "metadata.namespace");
	int ok = 1;
	size_t i;
	json_t *v;
	json_array_foreach(doc_get(pod, "spec.volumes"), i, v) {
		const char *claim = doc_get_str(v, "persistentVolumeClaim.claimName");
		json_t *pvc = NULL;
		if (!claim)
			continue;
		if (objects_get(s->o, r, ns, claim, &pvc, NULL) < 0) {
			snprintf(why, size, "persistentvolumeclaim \"%s\" not found", claim);
			ok = 0;
		} else if (doc_get(pvc, "metadata.deletionTimestamp")) {
			snprintf(why, size, "persistentvolumeclaim \"%s\" is being deleted", claim);
			ok = 0;
		} else if (strcmp(doc_get_str(pvc, "status.phase") ?: "", "Bound")) {
			snprintf(why, size, "pod has unbound immediate PersistentVolumeClaims");
			ok = 0;
		}
		json_decref(pvc);
		if (!ok)
			break;
	}
	resource_unref(r);
	return ok;
}
