/*
 * api-errors.c — building metav1.Status errors (see kstatus.h).
 *
 * The wording follows k8s.io/apimachinery/pkg/api/errors so that what
 * kubectl prints is what users know: `configmaps "x" not found`,
 * `Operation cannot be fulfilled on ...: the object has been modified; ...`,
 * `ConfigMap "X" is invalid: metadata.name: Invalid value: ...`.
 */
#include "kstatus.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "registry.h"

void kstatus_release(struct kstatus *st)
{
	if (!st)
		return;
	json_decref(st->causes);
	st->causes = NULL;
}

static int berr_of(int code)
{
	switch (code) {
	case 404: return BERR_NOTFOUND;
	case 409: return BERR_CONFLICT;
	case 400: case 415: case 422: return BERR_INVALID;
	case 401: case 403: return BERR_AUTH;
	case 410: case 413: case 429: return BERR_LIMIT;
	default: return BERR_FAIL;
	}
}

static int vset(struct kstatus *st, int code, const char *reason, const char *fmt,
		va_list ap)
{
	if (!st)
		return berr_of(code);
	st->code = code;
	snprintf(st->reason, sizeof(st->reason), "%s", reason ? reason : "");
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	return berr_of(code);
}

int kstatus_set(struct kstatus *st, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vset(st, code, reason, fmt, ap);
	va_end(ap);
	return rc;
}

void kstatus_details(struct kstatus *st, const char *name, const char *group,
		     const char *kind)
{
	if (!st)
		return;
	if (name)
		snprintf(st->name, sizeof(st->name), "%s", name);
	if (group)
		snprintf(st->group, sizeof(st->group), "%s", group);
	if (kind)
		snprintf(st->kind, sizeof(st->kind), "%s", kind);
}

void kstatus_qualified(char *out, size_t size, const struct resource *r)
{
	if (r->group[0])
		snprintf(out, size, "%s.%s", r->resource, r->group);
	else
		snprintf(out, size, "%s", r->resource);
}

int kstatus_not_found(struct kstatus *st, const struct resource *r, const char *name)
{
	char q[512];
	kstatus_qualified(q, sizeof(q), r);
	kstatus_details(st, name, r->group, r->resource);
	return kstatus_set(st, 404, "NotFound", "%s \"%s\" not found", q, name);
}

int kstatus_exists(struct kstatus *st, const struct resource *r, const char *name)
{
	char q[512];
	kstatus_qualified(q, sizeof(q), r);
	kstatus_details(st, name, r->group, r->resource);
	int rc = kstatus_set(st, 409, "AlreadyExists", "%s \"%s\" already exists", q, name);
	return rc == BERR_CONFLICT ? BERR_EXISTS : rc;
}

int kstatus_conflict(struct kstatus *st, const struct resource *r, const char *name)
{
	char q[512];
	kstatus_qualified(q, sizeof(q), r);
	kstatus_details(st, name, r->group, r->resource);
	return kstatus_set(st, 409, "Conflict",
			   "Operation cannot be fulfilled on %s \"%s\": the object has been "
			   "modified; please apply your changes to the latest version and try again",
			   q, name);
}

int kstatus_bad_request(struct kstatus *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vset(st, 400, "BadRequest", fmt, ap);
	va_end(ap);
	return rc;
}

void kstatus_cause(struct kstatus *st, const char *reason, const char *field,
		   const char *fmt, ...)
{
	if (!st)
		return;
	char msg[BERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!st->causes)
		st->causes = json_array();
	json_array_append_new(st->causes, json_pack("{s:s, s:s, s:s}", "reason", reason,
						    "message", msg, "field", field));
}

int kstatus_invalid(struct kstatus *st, const struct resource *r, const char *name)
{
	if (!st)
		return BERR_INVALID;
	struct buf m = BUF_INIT;
	buf_addf(&m, "%s \"%s\" is invalid: ", r->kind, name ? name : "");
	size_t n = st->causes ? json_array_size(st->causes) : 0;
	if (n > 1)
		buf_adds(&m, "[");
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(st->causes, i);
		buf_addf(&m, "%s%s: %s", i ? ", " : "",
			 json_string_value(json_object_get(c, "field")),
			 json_string_value(json_object_get(c, "message")));
	}
	if (n > 1)
		buf_adds(&m, "]");
	kstatus_details(st, name ? name : "", r->group, r->kind);
	int rc = kstatus_set(st, 422, "Invalid", "%s", m.data);
	buf_release(&m);
	return rc;
}

json_t *kstatus_json(const struct kstatus *st)
{
	json_t *s = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:i}", "kind", "Status",
			      "apiVersion", "v1", "metadata", "status", "Failure",
			      "message", st->message, "code", st->code ? st->code : 500);
	if (st->reason[0])
		json_object_set_new(s, "reason", json_string(st->reason));
	if (st->name[0] || st->kind[0] || st->causes || st->retry_after > 0) {
		json_t *d = json_object();
		if (st->name[0])
			json_object_set_new(d, "name", json_string(st->name));
		if (st->group[0])
			json_object_set_new(d, "group", json_string(st->group));
		if (st->kind[0])
			json_object_set_new(d, "kind", json_string(st->kind));
		if (st->causes)
			json_object_set(d, "causes", st->causes);
		if (st->retry_after > 0)
			json_object_set_new(d, "retryAfterSeconds", json_integer(st->retry_after));
		json_object_set_new(s, "details", d);
	}
	return s;
}

json_t *kstatus_success(const char *name, const struct resource *r, const char *uid)
{
	json_t *d = json_pack("{s:s, s:s}", "name", name, "kind", r->resource);
	if (r->group[0])
		json_object_set_new(d, "group", json_string(r->group));
	if (uid)
		json_object_set_new(d, "uid", json_string(uid));
	return json_pack("{s:s, s:s, s:{}, s:s, s:o}", "kind", "Status", "apiVersion", "v1",
			 "metadata", "status", "Success", "details", d);
}
