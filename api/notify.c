/*
 * notify — notifications of alerts to generic webhooks and Slack-compatible
 * incoming webhooks, configured in ConfigMap bosun-notifications-cm:
 *
 *     service.webhook.<name>: {url: https://..., headers: {X-Team: web}}
 *     service.slack.<name>:   {url: https://hooks.slack.com/...}
 *     template.<name>:        '{"text": "{{app}} {{trigger}}: {{message}}"}'
 *     subscriptions: |
 *       - triggers: [on-drift, on-sync-failed]
 *         destinations: [webhook.ops, slack.team]
 *         applications: ["web-*"]          # globs; all when absent
 *         template: <name>                 # optional
 *
 * Triggers: on-drift, on-sync-failed, on-sync-succeeded, on-health-degraded,
 * on-deployed, from the alert types the alerts hub sees. A template's
 * {{app}}, {{project}}, {{trigger}}, {{type}}, {{message}}, {{severity}} and
 * {{time}} are replaced by JSON-escaped values (templates are JSON bodies).
 * A generic webhook whose bosun-secret holds
 * `notifications.webhook.<name>.secret` gets an `X-Bosun-Signature:
 * sha256=<HMAC of the body>` header.
 *
 * The alerts hub only queues (it must not block); one worker delivers, with
 * three attempts and growing pauses. Several API replicas see the same
 * Event, so a replica first claims it by writing its occurrence (name,
 * count, last time) in an annotation, with the resourceVersion it read:
 * only the replica whose write succeeds sends, so each occurrence is
 * notified once. The last deliveries are kept for the API.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api-internal.h"
#include "doc.h"
#include "log.h"
#include "timefmt.h"
#include "yaml.h"

#define QUEUE_MAX 1000
#define DELIVERIES_MAX 200
#define ATTEMPTS 3

struct api_notifier {
	struct api *api;
	pthread_t thread;
	int started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	json_t *queue;                  /* [{alert, event: {name, namespace}}] */
	json_t *deliveries;             /* newest last */
	struct http_client *client;
};

static const struct {
	const char *type, *trigger;
} triggers[] = {
	{ "Drift", "on-drift" },
	{ "SyncFailed", "on-sync-failed" },
	{ "SyncSucceeded", "on-sync-succeeded" },
	{ "HealthDegraded", "on-health-degraded" },
	{ "Deployed", "on-deployed" },
};

static const char *trigger_of(const char *type)
{
	for (size_t i = 0; type && i < sizeof(triggers) / sizeof(*triggers); i++)
		if (!strcmp(triggers[i].type, type))
			return triggers[i].trigger;
	return NULL;
}

void api_notify_alert(struct api *api, const json_t *alert, const json_t *event)
{
	struct api_notifier *n = api->notifier;
	if (!n || !trigger_of(api_str(alert, "type")))
		return;
	pthread_mutex_lock(&n->mu);
	if (json_array_size(n->queue) < QUEUE_MAX) {
		json_array_append_new(n->queue, json_pack("{s:O, s:O}", "alert", alert, "event",
							  event));
		pthread_cond_signal(&n->cond);
	} else {
		log_warn("notification queue is full; dropping", "app", api_str(alert, "app"),
			 NULL);
	}
	pthread_mutex_unlock(&n->mu);
}

json_t *api_notify_deliveries(struct api *api)
{
	struct api_notifier *n = api->notifier;
	if (!n)
		return json_array();
	pthread_mutex_lock(&n->mu);
	json_t *out = json_deep_copy(n->deliveries);
	pthread_mutex_unlock(&n->mu);
	return out;
}

/* ------------------------------------------------------------ delivery */

static void record(struct api_notifier *n, const json_t *alert, const char *trigger,
		   const char *dest, long status, int attempts, const char *error)
{
	char now[TIMEFMT_SIZE];
	timefmt_now(now);
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:b}", "time", now, "trigger",
			      trigger, "app", api_str(alert, "app") ? api_str(alert, "app") : "",
			      "destination", dest, "status", (json_int_t)status, "attempts",
			      attempts, "delivered", status >= 200 && status < 300);
	if (error)
		json_object_set_new(d, "error", json_string(error));
	json_object_set(d, "alertId", json_object_get(alert, "id"));
	pthread_mutex_lock(&n->mu);
	if (json_array_size(n->deliveries) >= DELIVERIES_MAX)
		json_array_remove(n->deliveries, 0);
	json_array_append_new(n->deliveries, d);
	pthread_mutex_unlock(&n->mu);
}

static void json_escape_into(struct buf *out, const char *s)
{
	json_t *str = json_string(s ? s : "");
	char *t = json_dumps(str, JSON_ENCODE_ANY);
	json_decref(str);
	if (t)
		buf_add(out, t + 1, strlen(t) - 2);     /* without the quotes */
	free(t);
}

/* Expands {{name}} with JSON-escaped alert fields. */
static void render(struct buf *out, const char *tpl, const json_t *alert, const char *trigger,
		   const char *project)
{
	const char *p = tpl;
	while (*p) {
		const char *open = strstr(p, "{{");
		const char *close = open ? strstr(open, "}}") : NULL;
		if (!open || !close) {
			buf_adds(out, p);
			return;
		}
		buf_add(out, p, (size_t)(open - p));
		char key[32];
		size_t len = (size_t)(close - open - 2);
		const char *k = open + 2;
		while (len && *k == ' ')
			k++, len--;
		while (len && k[len - 1] == ' ')
			len--;
		if (*k == '.')
			k++, len = len ? len - 1 : 0;
		snprintf(key, sizeof(key), "%.*s", (int)(len < sizeof(key) ? len : sizeof(key) - 1),
			 k);
		if (!strcmp(key, "trigger"))
			json_escape_into(out, trigger);
		else if (!strcmp(key, "project"))
			json_escape_into(out, project);
		else if (!strcmp(key, "app") || !strcmp(key, "type") || !strcmp(key, "message") ||
			 !strcmp(key, "severity") || !strcmp(key, "time") || !strcmp(key, "id"))
			json_escape_into(out, api_str(alert, key));
		else
			buf_add(out, open, (size_t)(close + 2 - open));
		p = close + 2;
	}
}

static int url_ok(const char *url)
{
	return url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) &&
	       strlen(url) < 2048 && !strpbrk(url, " \r\n\t");
}

/* Sends body to url with retries; returns the last status (0: transport). */
static long send_with_retries(struct api_notifier *n, const char *url, const json_t *headers,
			      const char *secret, const char *body, int *attempts,
			      struct berr *err)
{
	const char *hdrs[40];
	size_t nh = 0;
	char *owned[40];
	size_t nowned = 0;
	hdrs[nh++] = "Content-Type: application/json";
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)headers, k, v) {
		if (nh >= 36 || !json_is_string(v) || strpbrk(k, ":\r\n") ||
		    strpbrk(json_string_value(v), "\r\n"))
			continue;
		struct buf h = BUF_INIT;
		buf_addf(&h, "%s: %s", k, json_string_value(v));
		owned[nowned++] = buf_detach(&h, NULL);
		hdrs[nh++] = owned[nowned - 1];
	}
	if (secret) {
		unsigned char mac[32];
		unsigned int ml = sizeof(mac);
		HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body,
		     strlen(body), mac, &ml);
		struct buf h = BUF_INIT;
		buf_adds(&h, "X-Bosun-Signature: sha256=");
		for (int i = 0; i < 32; i++)
			buf_addf(&h, "%02x", mac[i]);
		owned[nowned++] = buf_detach(&h, NULL);
		hdrs[nh++] = owned[nowned - 1];
	}
	hdrs[nh] = NULL;
	long status = 0;
	for (*attempts = 1; *attempts <= ATTEMPTS; (*attempts)++) {
		struct http_client_request rq = { .method = "POST", .path = url, .headers = hdrs,
						  .body = body, .body_len = strlen(body),
						  .timeout_ms = 10000 };
		struct http_client_response rs = HTTP_CLIENT_RESPONSE_INIT;
		berr_clear(err);
		int rc = http_client_do(n->client, &rs, &rq, err);
		status = rc < 0 ? 0 : rs.status;
		if (rc == 0 && status >= 300)
			berr_set(err, BERR_FAIL, "destination answered %ld", status);
		http_client_response_release(&rs);
		/* success, or a client error that a retry will not fix */
		if ((status >= 200 && status < 300) || (status >= 400 && status < 500 && status != 429))
			break;
		if (*attempts == ATTEMPTS)
			break;
		for (int i = 0; i < 10 * (1 << *attempts) && !__atomic_load_n(&n->stop, __ATOMIC_ACQUIRE); i++)
			usleep(50000);  /* 1 s, then 2 s */
	}
	if (*attempts > ATTEMPTS)
		*attempts = ATTEMPTS;
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	return status;
}

/* Claims the Event for this replica: 1 claimed, 0 another replica has it. */
static int claim(struct api *api, const json_t *ev_ref)
{
	const char *name = api_str(ev_ref, "name");
	struct kube_ref ref = { .api_version = "v1", .kind = "Event", .namespace = api->ns,
				.name = name };
	json_t *ev = NULL, *res = NULL;
	if (!name || kube_client_get(api->kc, &ev, &ref, NULL) < 0)
		return 0;
	const char *key = api_str(ev_ref, "key");
	const char *done = json_string_value(doc_getv(ev, "metadata", "annotations",
						      "bosun.io/notified", NULL));
	int ok = 0;
	/* the update carries the resourceVersion read: of two replicas, one wins */
	if (key && (!done || strcmp(done, key))) {
		doc_setv_new(ev, json_string(key), NULL, "metadata", "annotations",
			     "bosun.io/notified", NULL);
		ok = kube_client_update(api->kc, &res, ev, NULL, NULL) == 0;
	}
	json_decref(ev);
	json_decref(res);
	return ok;
}

static json_t *read_config(struct api *api)
{
	struct kube_ref ref = api_ref(api, "ConfigMap", "bosun-notifications-cm");
	json_t *cm = NULL;
	if (kube_client_get(api->kc, &cm, &ref, NULL) < 0)
		return NULL;
	json_t *data = api_decode_data(cm, 0);
	json_decref(cm);
	return data;
}

static json_t *yaml_value(const json_t *data, const char *key)
{
	const char *text = api_str(data, key);
	json_t *v = NULL;
	struct berr err = BERR_INIT;
	if (text && yaml_read(&v, text, strlen(text), key, &err) < 0)
		log_warn("ignoring a malformed notification setting", "key", key, "error", err.msg,
			 NULL);
	return v;
}

static int glob_list_matches(const json_t *list, const char *s)
{
	if (!json_is_array(list))
		return 1;
	size_t i;
	json_t *g;
	json_array_foreach(list, i, g)
		if (json_is_string(g) && rbac_glob(json_string_value(g), s ? s : ""))
			return 1;
	return 0;
}

static void deliver(struct api_notifier *n, const json_t *item)
{
	struct api *api = n->api;
	const json_t *alert = json_object_get(item, "alert");
	const char *trigger = trigger_of(api_str(alert, "type"));
	json_t *data = read_config(api);
	json_t *subs = data ? yaml_value(data, "subscriptions") : NULL;
	int claimed = -1;
	size_t i;
	json_t *sub;
	json_array_foreach(subs, i, sub) {
		if (!glob_list_matches(json_object_get(sub, "triggers"), trigger) ||
		    !json_is_array(json_object_get(sub, "triggers")) ||
		    !glob_list_matches(json_object_get(sub, "applications"), api_str(alert, "app")))
			continue;
		if (claimed < 0)
			claimed = claim(api, json_object_get(item, "event"));
		if (!claimed)
			break;
		size_t j;
		json_t *dest;
		json_array_foreach(json_object_get(sub, "destinations"), j, dest) {
			const char *d = json_string_value(dest);
			if (!d || (strncmp(d, "webhook.", 8) && strncmp(d, "slack.", 6)) ||
			    strlen(d) > 200)
				continue;
			int slack = !strncmp(d, "slack.", 6);
			char key[256];
			snprintf(key, sizeof(key), "service.%s", d);
			json_t *svc = yaml_value(data, key);
			const char *url = api_str(svc, "url");
			if (!url_ok(url)) {
				record(n, alert, trigger, d, 0, 0, "no valid url configured");
				json_decref(svc);
				continue;
			}
			const char *tname = api_str(sub, "template");
			const char *tpl = NULL;
			if (tname) {
				snprintf(key, sizeof(key), "template.%s", tname);
				tpl = api_str(data, key);
			}
			if (!tpl)
				tpl = slack ? "{\"text\": \"[bosun] {{trigger}} {{app}}: {{message}}\"}"
					    : "{\"trigger\": \"{{trigger}}\", \"app\": \"{{app}}\", "
					      "\"type\": \"{{type}}\", \"severity\": \"{{severity}}\", "
					      "\"message\": \"{{message}}\", \"time\": \"{{time}}\", "
					      "\"id\": \"{{id}}\"}";
			struct buf body = BUF_INIT;
			render(&body, tpl, alert, trigger, "");
			struct api_settings *st = NULL;
			const char *secret = NULL;
			if (!slack && api_settings_get(api, &st, NULL) == 0) {
				snprintf(key, sizeof(key), "notifications.%s.secret", d);
				secret = api_secret_value(st, key);
			}
			int attempts = 0;
			struct berr err = BERR_INIT;
			long status = send_with_retries(n, url, json_object_get(svc, "headers"),
							secret, body.data, &attempts, &err);
			api_settings_put(st);
			record(n, alert, trigger, d, status, attempts,
			       status >= 200 && status < 300 ? NULL : err.msg);
			if (!(status >= 200 && status < 300))
				log_warn("notification failed", "destination", d, "app",
					 api_str(alert, "app"), "error", err.msg, NULL);
			buf_release(&body);
			json_decref(svc);
		}
	}
	json_decref(subs);
	json_decref(data);
}

static void *notifier_main(void *arg)
{
	struct api_notifier *n = arg;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		if (json_array_size(n->queue) == 0) {
			pthread_cond_wait(&n->cond, &n->mu);
			continue;
		}
		json_t *item = json_incref(json_array_get(n->queue, 0));
		json_array_remove(n->queue, 0);
		pthread_mutex_unlock(&n->mu);
		deliver(n, item);
		json_decref(item);
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

int api_notifier_start(struct api *api, struct berr *err)
{
	struct api_notifier *n = xcalloc(1, sizeof(*n));
	n->api = api;
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cond, NULL);
	n->queue = json_array();
	n->deliveries = json_array();
	struct http_client_options ho = { .base_url = "http://127.0.0.1", .timeout_ms = 10000,
					  .connect_timeout_ms = 5000,
					  .max_response_bytes = 1 << 20 };
	int rc = http_client_new(&n->client, &ho, err);
	if (rc == 0 && pthread_create(&n->thread, NULL, notifier_main, n) == 0)
		n->started = 1;
	else if (rc == 0)
		rc = berr_set(err, BERR_FAIL, "cannot start the notification thread");
	api->notifier = n;
	return rc;
}

void api_notifier_stop(struct api *api)
{
	struct api_notifier *n = api->notifier;
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	__atomic_store_n(&n->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->mu);
	if (n->started)
		pthread_join(n->thread, NULL);
	http_client_free(n->client);
	json_decref(n->queue);
	json_decref(n->deliveries);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->mu);
	free(n);
	api->notifier = NULL;
}
