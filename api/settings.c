/*
 * settings — Bosun's configuration objects in the control-plane cluster
 * (bosun-cm, bosun-secret, bosun-rbac-cm) as one immutable snapshot.
 * Every authenticated request needs the signing key, the account and the
 * policy; reading three objects per request would triple each request's
 * cost, so a snapshot lives for at most a second (or until this replica
 * writes one of them) and is shared by reference count.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "api/api-internal.h"
#include "log.h"

#define SETTINGS_TTL_S 1

static void settings_free(struct api_settings *st)
{
	json_decref(st->cm);
	json_decref(st->secret);
	json_decref(st->project_tokens);
	rbac_policy_free(st->policy);
	free(st->policy_error);
	if (st->key.len)
		memset(st->key.data, 0, st->key.len);
	buf_release(&st->key);
	free(st);
}

void api_settings_put(struct api_settings *st)
{
	if (st && __atomic_sub_fetch(&st->refs, 1, __ATOMIC_ACQ_REL) == 0)
		settings_free(st);
}

void api_settings_invalidate(struct api *api)
{
	pthread_mutex_lock(&api->mu);
	api->settings_dirty = 1;
	pthread_mutex_unlock(&api->mu);
}

const char *api_cm_value(const struct api_settings *st, const char *key)
{
	return json_string_value(json_object_get(st->cm, key));
}

const char *api_secret_value(const struct api_settings *st, const char *key)
{
	return json_string_value(json_object_get(st->secret, key));
}

/* data of a ConfigMap or Secret as {key: string}; Secret values decoded.
 * Values that are not text (NUL bytes) are left out. */
json_t *api_decode_data(const json_t *obj, int secret)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(obj, "data"), k, v) {
		if (!json_is_string(v))
			continue;
		if (!secret) {
			json_object_set(out, k, v);
			continue;
		}
		struct buf b = BUF_INIT;
		if (b64_decode(&b, json_string_value(v), json_string_length(v), NULL) == 0 &&
		    strlen(b.data) == b.len)
			json_object_set_new(out, k, json_string(b.data));
		buf_release(&b);
	}
	if (secret) /* stringData is write-only in Kubernetes, but be lenient */
		json_object_foreach(json_object_get(obj, "stringData"), k, v)
			if (json_is_string(v))
				json_object_set(out, k, v);
	return out;
}

static int read_data(struct api *api, const char *kind, const char *name, json_t **out,
		     struct berr *err)
{
	struct kube_ref ref = api_ref(api, kind, name);
	json_t *obj = NULL;
	int rc = kube_client_get(api->kc, &obj, &ref, err);
	if (rc == BERR_NOTFOUND) {
		*out = json_object();
		return 0;
	}
	if (rc < 0)
		return rc;
	*out = api_decode_data(obj, !strcmp(kind, "Secret"));
	json_decref(obj);
	return 0;
}

static int load(struct api *api, struct api_settings **out, struct berr *err)
{
	struct api_settings *st = xcalloc(1, sizeof(*st));
	st->refs = 1;
	st->key = (struct buf)BUF_INIT;
	json_t *rbac = NULL;
	int rc = read_data(api, "ConfigMap", "bosun-cm", &st->cm, err);
	if (!rc)
		rc = read_data(api, "Secret", "bosun-secret", &st->secret, err);
	if (!rc)
		rc = read_data(api, "ConfigMap", "bosun-rbac-cm", &rbac, err);
	if (rc < 0) {
		json_decref(rbac);
		settings_free(st);
		return rc;
	}
	const char *key = api_secret_value(st, "server.secretkey");
	if (key)
		buf_adds(&st->key, key);
	struct berr perr = BERR_INIT;
	const char *csv = json_string_value(json_object_get(rbac, "policy.csv"));
	const char *dflt = json_string_value(json_object_get(rbac, "policy.default"));
	/* the roles of every AppProject join the policy (project-roles.c) */
	struct buf policy = BUF_INIT;
	buf_adds(&policy, csv ? csv : "");
	buf_adds(&policy, "\n");
	st->project_tokens = json_object();
	struct kube_ref pref = api_ref(api, "AppProject", NULL);
	json_t *projects = NULL;
	if (kube_client_list(api->kc, &projects, &pref, NULL, NULL) == 0)
		api_project_roles_policy(json_object_get(projects, "items"), &policy,
					 st->project_tokens);
	json_decref(projects);
	json_t *digested = json_pack("{s:O?, s:s, s:O}", "rbac", rbac, "policy", policy.data,
				     "tokens", st->project_tokens);
	doc_digest(st->policy_digest, digested);
	json_decref(digested);
	csv = policy.data;
	if (rbac_policy_parse(&st->policy, csv, dflt, &perr) < 0) {
		/* a broken policy must not lock everyone out: built-ins only */
		st->policy_error = xstrdup(perr.msg);
		log_warn("ignoring bosun-rbac-cm", "error", perr.msg, NULL);
		rbac_policy_parse(&st->policy, NULL, NULL, NULL);
	}
	buf_release(&policy);
	json_decref(rbac);
	st->loaded = time(NULL);
	*out = st;
	return 0;
}

int api_settings_get(struct api *api, struct api_settings **out, struct berr *err)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&api->mu);
	struct api_settings *st = api->settings;
	if (st && !api->settings_dirty && now - st->loaded < SETTINGS_TTL_S) {
		__atomic_add_fetch(&st->refs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&api->mu);
		*out = st;
		return 0;
	}
	api->settings_dirty = 0;
	pthread_mutex_unlock(&api->mu);

	int rc = load(api, &st, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&api->mu);
	struct api_settings *old = api->settings;
	api->settings = st;
	__atomic_add_fetch(&st->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&api->mu);
	api_settings_put(old);
	*out = st;
	return 0;
}

#define EDIT_RETRIES 5

int api_edit_data(struct api *api, const char *kind, const char *name, api_edit_fn edit,
		  void *arg, struct berr *err)
{
	int secret = !strcmp(kind, "Secret");
	struct kube_ref ref = api_ref(api, kind, name);
	int rc = 0;
	for (int attempt = 0; attempt < EDIT_RETRIES; attempt++) {
		json_t *obj = NULL;
		rc = kube_client_get(api->kc, &obj, &ref, err);
		int create = rc == BERR_NOTFOUND;
		if (rc < 0 && !create)
			return rc;
		if (create)
			obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}}", "apiVersion", "v1",
					"kind", kind, "metadata", "name", name, "namespace",
					api->ns, "labels", "app.kubernetes.io/part-of", "bosun");
		json_t *data = api_decode_data(obj, secret);
		rc = edit(data, arg, err);
		if (rc < 0) {
			json_decref(data);
			json_decref(obj);
			return rc;
		}
		json_t *enc = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(data, k, v) {
			if (!secret) {
				json_object_set(enc, k, v);
				continue;
			}
			struct buf b = BUF_INIT;
			b64_encode(&b, json_string_value(v), json_string_length(v));
			json_object_set_new(enc, k, json_string(b.data));
			buf_release(&b);
		}
		json_decref(data);
		json_object_set_new(obj, "data", enc);
		json_object_del(obj, "stringData");
		json_t *res = NULL;
		rc = create ? kube_client_create(api->kc, &res, obj, NULL, err)
			    : kube_client_update(api->kc, &res, obj, NULL, err);
		json_decref(obj);
		json_decref(res);
		if (rc != BERR_CONFLICT && rc != BERR_EXISTS)
			break;
	}
	api_settings_invalidate(api);
	return rc;
}
