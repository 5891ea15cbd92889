/*
 * api-patch.c — PATCH in its four content types, on objects and their
 * status subresource.
 *
 * merge-patch+json (RFC 7386), json-patch+json (RFC 6902) and
 * strategic-merge-patch+json (built-in kinds only: a custom resource gets
 * 415, as from the real server) come from lib/patch. The patched object is
 * written with the revision it was read at, so a concurrent writer makes
 * the patch read again and re-apply rather than overwrite; a patch that
 * changes nothing writes nothing. The object read for the patch is the one
 * the write checks against (objects_update_from), not read a second time.
 *
 * apply-patch+yaml (server-side apply, YAML or JSON) creates the object when it is
 * missing and otherwise merges the applied configuration into it the way a
 * strategic merge patch would (a merge patch for custom resources),
 * recording the field manager with operation Apply. Field ownership and
 * its 409 conflicts are not tracked.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "fields.h"
#include "kinds.h"
#include "patch.h"
#include "yaml.h"

#define RETRIES 8

enum patch_type { PATCH_MERGE, PATCH_JSON, PATCH_STRATEGIC, PATCH_APPLY };

static int patch_type(const char *ct, enum patch_type *out)
{
	if (!ct)
		return -1;
	if (!strncmp(ct, "application/merge-patch+json", 28))
		*out = PATCH_MERGE;
	else if (!strncmp(ct, "application/json-patch+json", 27))
		*out = PATCH_JSON;
	else if (!strncmp(ct, "application/strategic-merge-patch+json", 38))
		*out = PATCH_STRATEGIC;
	else if (!strncmp(ct, "application/apply-patch+yaml", 28))
		*out = PATCH_APPLY;
	else
		return -1;
	return 0;
}

static int apply_one(enum patch_type t, const struct resource *r, const json_t *cur,
		     const json_t *patch, json_t **out, struct kstatus *st)
{
	struct berr e = BERR_INIT;
	int rc;
	switch (t) {
	case PATCH_MERGE:
		rc = merge_patch_apply(out, cur, patch, &e);
		break;
	case PATCH_JSON:
		rc = json_patch_apply(out, cur, patch, &e);
		break;
	case PATCH_STRATEGIC:
	case PATCH_APPLY: {
		const struct smp_schema *schema = NULL;
		char av[512];
		resource_api_version(r, av, sizeof(av));
		if (r->crd) {
			if (t == PATCH_STRATEGIC)
				return kstatus_set(st, 415, "UnsupportedMediaType",
						   "the body of the request was in an unknown format - "
						   "accepted media types include: "
						   "application/json-patch+json, "
						   "application/merge-patch+json, application/apply-patch+yaml");
			rc = merge_patch_apply(out, cur, patch, &e);
			break;
		}
		if (smp_schema_builtin(&schema, av, r->kind, &e) < 0) {
			rc = merge_patch_apply(out, cur, patch, &e);
			break;
		}
		rc = smp_apply(out, cur, patch, schema, &e);
		break;
	}
	default:
		rc = BERR_INVALID;
	}
	if (rc < 0) {
		if (rc == BERR_UNSUPPORTED)
			return kstatus_set(st, 415, "UnsupportedMediaType", "%s", e.msg);
		if (t == PATCH_JSON && (rc == BERR_NOTFOUND || rc == BERR_INVALID))
			return kstatus_set(st, 422, "Invalid", "%s", e.msg);
		return kstatus_bad_request(st, "%s", e.msg);
	}
	return 0;
}

/*
 * Server-side apply conflicts: fields of the applied configuration that
 * another manager owns with a different value. Fills st with the 409 the
 * real server gives and returns 1, or returns 0.
 */
static int apply_conflicts(const struct resource *r, const json_t *cur, const json_t *applied,
			   const char *manager, struct kstatus *st)
{
	json_t *mine = fields_of(r, applied);
	struct buf msg = BUF_INIT;
	int total = 0;
	size_t i;
	json_t *e;
	json_array_foreach(doc_get(cur, "metadata.managedFields"), i, e) {
		const char *who = doc_get_str(e, "manager") ?: "";
		if (!strcmp(who, manager))
			continue;
		struct buf paths = BUF_INIT;
		int n = fields_common(mine, doc_get(e, "fieldsV1"), applied, cur, &paths);
		if (n) {
			char with[600];
			snprintf(with, sizeof(with), "conflict%s with \"%s\" using %s", n > 1 ? "s" : "",
				 who, doc_get_str(e, "apiVersion") ?: "");
			for (char *path = strtok(paths.data, ","); path; path = strtok(NULL, ",")) {
				kstatus_cause(st, "FieldManagerConflict", path, "%s", with);
				if (n > 1)
					buf_addf(&msg, "\n- %s", path);
			}
			if (n == 1)
				buf_addf(&msg, "%s: %s", with, json_string_value(json_object_get(
						json_array_get(st->causes, json_array_size(st->causes) - 1),
						"field")));
			else {
				struct buf b = BUF_INIT;
				buf_addf(&b, "%s:%s", with, msg.data);
				buf_reset(&msg);
				buf_add(&msg, b.data, b.len);
				buf_release(&b);
			}
			total += n;
		}
		buf_release(&paths);
	}
	json_decref(mine);
	if (!total) {
		buf_release(&msg);
		return 0;
	}
	kstatus_details(st, doc_get_str(cur, "metadata.name"), r->group, r->resource);
	kstatus_set(st, 409, "Conflict", "Apply failed with %d conflict%s: %s", total,
		    total > 1 ? "s" : "", msg.data);
	buf_release(&msg);
	return 1;
}

static void server_side_apply_create(struct api *api, struct api_path *p, json_t *body,
				     struct http_request *req, struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	const char *manager = http_request_query(req, "fieldManager");
	if (!manager || !manager[0]) {
		kstatus_cause(&st, "FieldValueRequired", "fieldManager",
			      "Required value: is required for apply patch");
		kstatus_invalid(&st, p->res, p->name);
		return api_send_status(resp, &st);
	}
	const char *bname = doc_get_str(body, "metadata.name");
	if (bname && strcmp(bname, p->name)) {
		kstatus_bad_request(&st, "the name of the object (%s) does not match the name on the "
				    "URL (%s)", bname, p->name);
		return api_send_status(resp, &st);
	}
	if (!bname)
		doc_set_new(body, "metadata.name", json_string(p->name), NULL);
	struct obj_write_opts o = { .field_manager = manager, .apply = 1, .applied = body };
	const char *dr = http_request_query(req, "dryRun");
	o.dry_run = dr && !strcmp(dr, "All");
	json_t *out;
	if (objects_create(api->objects, p->res, p->ns[0] ? p->ns : NULL, body, &o, &out, &st) < 0)
		return api_send_status(resp, &st);
	http_response_json(resp, 201, out);
	json_decref(out);
}

/* PATCH on /scale: patch the Scale view, then write its replicas. */
static void patch_scale(struct api *api, struct api_path *p, struct http_request *req,
			struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	enum patch_type t;
	json_t *patch = NULL, *obj = NULL, *next = NULL;
	struct berr e = BERR_INIT;
	if (patch_type(http_request_header(req, "Content-Type"), &t) < 0) {
		kstatus_set(&st, 415, "UnsupportedMediaType",
			    "the body of the request was in an unknown format");
		return api_send_status(resp, &st);
	}
	if (doc_parse_json(&patch, req->body, req->body_len, NULL, "patch", &e) < 0) {
		kstatus_bad_request(&st, "%s", e.msg);
		return api_send_status(resp, &st);
	}
	if (objects_get(api->objects, p->res, p->ns, p->name, &obj, &st) < 0) {
		json_decref(patch);
		return api_send_status(resp, &st);
	}
	json_t *scale = api_scale_of(p->res, obj);
	json_decref(obj);
	int rc = t == PATCH_JSON ? json_patch_apply(&next, scale, patch, &e)
				 : merge_patch_apply(&next, scale, patch, &e);
	json_decref(scale);
	json_decref(patch);
	if (rc < 0) {
		kstatus_bad_request(&st, "%s", e.msg);
		return api_send_status(resp, &st);
	}
	const char *manager = http_request_query(req, "fieldManager");
	api_scale_write(api, p, next, manager ? manager : "kubectl", resp);
	json_decref(next);
}

static void patch_object(struct api *api, struct api_path *p, struct http_request *req,
			 struct http_response *resp, enum patch_type t, json_t *patch,
			 enum schema_validation mode, json_t *problems);

void api_patch(struct api *api, struct api_path *p, struct http_request *req,
	       struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	if (!strcmp(p->sub, "scale") && (p->res->subresources & KIND_SUB_SCALE) && p->name[0])
		return patch_scale(api, p, req, resp);
	if (!p->name[0] || (p->sub[0] && strcmp(p->sub, "status"))) {
		kstatus_set(&st, 405, "MethodNotAllowed",
			    "the server does not allow this method on the requested resource");
		return api_send_status(resp, &st);
	}
	if (!strcmp(p->sub, "status") && !(p->res->subresources & KIND_SUB_STATUS)) {
		kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
		return api_send_status(resp, &st);
	}
	enum patch_type t;
	if (patch_type(http_request_header(req, "Content-Type"), &t) < 0) {
		kstatus_set(&st, 415, "UnsupportedMediaType",
			    "the body of the request was in an unknown format - accepted media types "
			    "include: application/json-patch+json, application/merge-patch+json, "
			    "application/apply-patch+yaml, application/strategic-merge-patch+json");
		return api_send_status(resp, &st);
	}
	json_t *patch = NULL;
	struct berr e = BERR_INIT;
	enum schema_validation mode;
	if (api_field_validation(req, &mode, &st) < 0)
		return api_send_status(resp, &st);
	int bad = req->body_len == 0;
	json_t *problems = json_array();
	if (!bad && t == PATCH_APPLY) {
		bad = api_parse_object(req->body, req->body_len, 1, problems, &patch, &st) < 0;
	} else if (!bad) {
		/* a JSON patch is an array: only merge patches are objects to check */
		bad = t == PATCH_JSON
			? doc_parse_json(&patch, req->body, req->body_len, NULL, "patch", &e) < 0
			: api_parse_object(req->body, req->body_len, 0, problems, &patch, &st) < 0;
		if (bad && t == PATCH_JSON)
			kstatus_bad_request(&st, "%s", e.msg);
	} else {
		kstatus_bad_request(&st, "empty patch");
	}
	if (bad) {
		json_decref(problems);
		return api_send_status(resp, &st);
	}
	patch_object(api, p, req, resp, t, patch, mode, problems);
	json_decref(problems);
}

/* Applies a parsed patch (stolen) to the object, retrying on conflicts. */
static void patch_object(struct api *api, struct api_path *p, struct http_request *req,
			 struct http_response *resp, enum patch_type t, json_t *patch,
			 enum schema_validation mode, json_t *problems)
{
	struct kstatus st = KSTATUS_INIT;
	struct obj_write_opts o = { .sub = !strcmp(p->sub, "status") ? OBJ_STATUS : OBJ_MAIN,
				    .apply = t == PATCH_APPLY, .applied = t == PATCH_APPLY ? patch : NULL };
	o.field_manager = http_request_query(req, "fieldManager");
	const char *dr = http_request_query(req, "dryRun");
	o.dry_run = dr && !strcmp(dr, "All");
	if (!o.field_manager)
		o.field_manager = t == PATCH_APPLY ? NULL : "kubectl-patch";
	/* the patch speaks the version the client named (api-convert.c) */
	const struct resource *view = p->view ? p->view : p->res;
	for (int i = 0; i < RETRIES; i++) {
		json_t *cur, *next = NULL, *out = NULL;
		st = (struct kstatus)KSTATUS_INIT;
		if (objects_get(api->objects, p->res, p->ns, p->name, &cur, &st) < 0) {
			if (t == PATCH_APPLY && st.code == 404 && !p->sub[0]) {
				kstatus_release(&st);
				if (api_check_fields(view, patch, mode, problems, 1, resp, &st) < 0) {
					api_send_status(resp, &st);
				} else {
					json_t *body = api_convert_in(p, patch);
					server_side_apply_create(api, p, body, req, resp);
					json_decref(body);
				}
				json_decref(patch);
				return;
			}
			json_decref(patch);
			return api_send_status(resp, &st);
		}
		if (t == PATCH_APPLY && !o.field_manager) {
			json_decref(cur);
			json_decref(patch);
			kstatus_cause(&st, "FieldValueRequired", "fieldManager",
				      "Required value: is required for apply patch");
			kstatus_invalid(&st, p->res, p->name);
			return api_send_status(resp, &st);
		}
		json_t *shown = api_convert_out(p, cur);
		if (t == PATCH_APPLY && !api_truthy(http_request_query(req, "force")) &&
		    apply_conflicts(view, shown, patch, o.field_manager, &st)) {
			json_decref(shown);
			json_decref(cur);
			json_decref(patch);
			return api_send_status(resp, &st);
		}
		int rc = apply_one(t, view, shown, patch, &next, &st);
		json_decref(shown);
		if (rc < 0) {
			json_decref(cur);
			json_decref(patch);
			return api_send_status(resp, &st);
		}
		/* warnings once, however many times a conflict makes this retry */
		if (api_check_fields(view, next, i && mode == SCHEMA_WARN ? SCHEMA_IGNORE : mode,
				     problems, t == PATCH_APPLY, resp, &st) < 0) {
			json_decref(cur);
			json_decref(next);
			json_decref(patch);
			return api_send_status(resp, &st);
		}
		if (t == PATCH_APPLY)
			schema_prune(view, patch, NULL);
		if (p->view) {
			json_t *stored = api_convert_in(p, next);
			json_decref(next);
			next = stored;
		}
		/* the patched object must keep its revision precondition */
		json_t *m = json_object_get(next, "metadata");
		if (!json_is_object(m)) {
			m = json_object();
			json_object_set_new(next, "metadata", m);
		}
		json_object_set(m, "resourceVersion", doc_get(cur, "metadata.resourceVersion"));
		struct buf text = BUF_INIT;
		o.out_text = &text;
		rc = objects_update_from(api->objects, p->res, p->ns, p->name, cur, next, &o, &out,
					 &st);
		json_decref(cur);
		json_decref(next);
		if (rc == BERR_CONFLICT && st.code == 409 && !strcmp(st.reason, "Conflict") &&
		    i + 1 < RETRIES) {
			buf_release(&text);
			kstatus_release(&st);
			continue;
		}
		json_decref(patch);
		if (rc < 0) {
			buf_release(&text);
			return api_send_status(resp, &st);
		}
		if (text.len) {
			/* the text just stored, resourceVersion spliced in */
			http_response_text(resp, 200, "application/json", text.data, text.len);
			buf_release(&text);
		} else {
			http_response_json(resp, 200, out);
		}
		json_decref(out);
		return;
	}
	json_decref(patch);
}
