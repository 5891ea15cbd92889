/*
 * drift — alerts when the live state walks away from git on its own.
 *
 * An app that was Synced at revision R and is now OutOfSync while git still
 * says R has drifted: someone changed or deleted a live object. That raises
 * one alert — a Warning Event with reason `Drift` on the Application, and a
 * `DriftDetected` condition that stays while the drift lasts — naming each
 * drifted resource, each changed field with its git and live value (Secret
 * values come masked from the diff), and who changed it and when, from the
 * live object's managedFields. When the app is back in sync (self-heal, a
 * manual sync) or git moves on, a Normal `DriftResolved` event closes it.
 *
 * The reconciler's memory holds the revision the app was last Synced at
 * and whether an alert is up; after a restart both are read back from the
 * status (sync status and revision, the DriftDetected condition), so a
 * restart neither repeats an alert nor forgets one.
 */
#include <stdio.h>
#include <string.h>

#include "ctrl.h"
#include "doc.h"
#include "log.h"

#define DRIFT_MESSAGE_MAX 4096

static const json_t *drift_condition(const json_t *app)
{
	json_t *conds = doc_get(app, "status.conditions"), *c;
	size_t i;
	json_array_foreach(conds, i, c)
		if (!strcmp(doc_get_str(c, "type") ?: "", "DriftDetected"))
			return c;
	return NULL;
}

static void add_value(struct buf *b, const json_t *v)
{
	if (!v || json_is_null(v)) {
		buf_adds(b, "<none>");
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (strlen(s) > 120)
		buf_addf(b, "%.117s...", s);
	else
		buf_adds(b, s);
	free(s);
}

static void describe(struct buf *b, const struct compare_result *r)
{
	json_t *d, *p;
	size_t i, j, n = 0;
	json_array_foreach(r->resources, i, d)
		if (!strcmp(doc_get_str(d, "status") ?: "", "OutOfSync"))
			n++;
	buf_addf(b, "drift from git at %.12s: %zu resource%s changed live", r->revision, n,
		 n == 1 ? "" : "s");
	/* deleted objects */
	json_array_foreach(r->resources, i, d) {
		const char *h = doc_get_str(d, "health.status");
		if (h && !strcmp(h, "Missing") && b->len < DRIFT_MESSAGE_MAX)
			buf_addf(b, "; %s %s%s%s deleted", doc_get_str(d, "kind"),
				 doc_get_str(d, "namespace") ?: "",
				 doc_get_str(d, "namespace") ? "/" : "", doc_get_str(d, "name"));
		else if (doc_get_bool(d, "requiresPruning", 0) && b->len < DRIFT_MESSAGE_MAX)
			buf_addf(b, "; %s %s%s%s added", doc_get_str(d, "kind"),
				 doc_get_str(d, "namespace") ?: "",
				 doc_get_str(d, "namespace") ? "/" : "", doc_get_str(d, "name"));
	}
	json_array_foreach(r->drifted, i, d) {
		if (b->len >= DRIFT_MESSAGE_MAX)
			break;
		buf_addf(b, "; %s %s%s%s", doc_get_str(d, "kind"),
			 doc_get_str(d, "namespace") ?: "", doc_get_str(d, "namespace") ? "/" : "",
			 doc_get_str(d, "name"));
		if (doc_get_str(d, "manager"))
			buf_addf(b, " (changed by %s%s%s%s)", doc_get_str(d, "manager"),
				 doc_get_str(d, "time") ? " at " : "", doc_get_str(d, "time") ?: "",
				 "");
		buf_adds(b, ":");
		json_array_foreach(json_object_get(d, "diffs"), j, p) {
			if (b->len >= DRIFT_MESSAGE_MAX)
				break;
			buf_addf(b, " %s%s git ", j ? "," : "", doc_get_str(p, "path"));
			add_value(b, json_object_get(p, "git"));
			buf_adds(b, " live ");
			add_value(b, json_object_get(p, "live"));
		}
	}
	if (b->len > DRIFT_MESSAGE_MAX) {
		buf_truncate(b, DRIFT_MESSAGE_MAX);
		buf_adds(b, "...");
	}
}

void drift_check(struct controller *c, const json_t *app, const struct compare_result *r,
		 json_t *conditions)
{
	const char *name = doc_get_str(app, "metadata.name");
	json_t *mem = appmem_get(c, name);
	const json_t *cond = drift_condition(app);
	const char *synced_rev;
	int active;

	if (!json_object_get(mem, "driftKnown")) {
		/* first pass since start: read back what the status says */
		const char *st = doc_get_str(app, "status.sync.status");
		const char *rev = doc_get_str(app, "status.sync.revision");
		if (st && !strcmp(st, "Synced") && rev)
			appmem_set(c, name, "syncedRevision", json_string(rev));
		else if (cond && doc_get_str(cond, "revision"))
			appmem_set(c, name, "syncedRevision",
				   json_string(doc_get_str(cond, "revision")));
		appmem_set(c, name, "drift", json_boolean(cond != NULL));
		appmem_set(c, name, "driftKnown", json_true());
		json_decref(mem);
		mem = appmem_get(c, name);
	}
	synced_rev = doc_get_str(mem, "syncedRevision");
	active = doc_get_bool(mem, "drift", 0);

	if (!strcmp(r->sync_status, "Synced")) {
		if (active) {
			ctrl_event(c, app, "Normal", "DriftResolved",
				   "the application is back in sync with git");
			log_info("drift resolved", "app", name, NULL);
			appmem_set(c, name, "drift", json_false());
		}
		appmem_set(c, name, "syncedRevision", json_string(r->revision));
	} else if (!strcmp(r->sync_status, "OutOfSync")) {
		int same_rev = synced_rev && !strcmp(synced_rev, r->revision);
		const char *phase = doc_get_str(app, "status.operationState.phase");
		int syncing = json_object_get(app, "operation")
			      || (phase && !strcmp(phase, "Running"));
		if (same_rev && !active && !syncing) {
			struct buf msg = BUF_INIT;
			char now[32];
			describe(&msg, r);
			ctrl_event(c, app, "Warning", "Drift", msg.data);
			log_warn("drift detected", "app", name, "detail", msg.data, NULL);
			ctrl_now(now);
			json_array_append_new(conditions,
					      json_pack("{s:s, s:s, s:s, s:s}", "type", "DriftDetected",
							"message", msg.data, "lastTransitionTime", now,
							"revision", r->revision));
			appmem_set(c, name, "drift", json_true());
			c->m.drift_alerts++;
			buf_release(&msg);
		} else if (same_rev && active && cond) {
			json_array_append_new(conditions, doc_copy(cond));
		} else if (!same_rev && active) {
			ctrl_event(c, app, "Normal", "DriftResolved",
				   "git changed: the drift is superseded by a new revision");
			appmem_set(c, name, "drift", json_false());
		}
	}
	json_decref(mem);
}
