/*
 * api-crud.c — get, list, create, update and delete on resource paths, and
 * the status and scale subresources.
 *
 * Handlers translate the HTTP request (query options, DeleteOptions bodies,
 * Accept for Tables) into calls of the object layer and its answers back
 * into JSON or Status errors. Lists are filtered by label and field
 * selectors here, after the store walk, and carry the store revision they
 * were read at as metadata.resourceVersion; the common ones are made from
 * the stored text (fast_list) and, without a limit, streamed
 * (api-list-stream.c).
 */
#include "api.h"

#include <openssl/evp.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "kinds.h"
#include "log.h"

static void send(struct http_response *resp, int code, json_t *doc)
{
	http_response_json(resp, code, doc);
	json_decref(doc);
}

/* Answers with the text the write stored (obj_write_opts.out_text) when
 * there is one, else prints doc; takes both. */
static void send_written(struct http_response *resp, int code, json_t *doc, struct buf *text)
{
	if (text->len)
		http_response_text(resp, code, "application/json", text->data, text->len);
	else
		http_response_json(resp, code, doc);
	buf_release(text);
	json_decref(doc);
}

static void fail(struct http_response *resp, struct kstatus *st)
{
	api_send_status(resp, st);
}

static int is_dry_run(struct http_request *req)
{
	const char *v = http_request_query(req, "dryRun");
	return v && !strcmp(v, "All");
}

static void write_opts(struct http_request *req, struct obj_write_opts *o, enum obj_sub sub)
{
	memset(o, 0, sizeof(*o));
	o->dry_run = is_dry_run(req);
	o->field_manager = http_request_query(req, "fieldManager");
	if (!o->field_manager) {
		/* the user agent's program name, as the real server does */
		static __thread char agent[64];
		const char *ua = http_request_header(req, "User-Agent");
		size_t n = ua ? strcspn(ua, "/ ") : 0;
		snprintf(agent, sizeof(agent), "%.*s", (int)n, ua ? ua : "");
		o->field_manager = n ? agent : "unknown";
	}
	o->sub = sub;
}

/* Parses selectors from the query; answers 400 itself and returns -1. */
static int selectors(struct http_request *req, struct http_response *resp,
		     struct selector **labels, struct selector **fields)
{
	*labels = *fields = NULL;
	struct berr e = BERR_INIT;
	const char *ls = http_request_query(req, "labelSelector");
	const char *fs = http_request_query(req, "fieldSelector");
	if (ls && ls[0] && selector_parse_labels(labels, ls, &e) < 0) {
		struct kstatus st = KSTATUS_INIT;
		kstatus_bad_request(&st, "unable to parse requirement: %s", e.msg);
		fail(resp, &st);
		return -1;
	}
	if (fs && fs[0] && selector_parse_fields(fields, fs, &e) < 0) {
		selector_free(*labels);
		*labels = NULL;
		struct kstatus st = KSTATUS_INIT;
		kstatus_bad_request(&st, "invalid field selector: %s", e.msg);
		fail(resp, &st);
		return -1;
	}
	return 0;
}

struct collect {
	json_t *items;
	struct selector *labels, *fields;
	size_t limit;                   /* 0: all */
	int more;                       /* stopped at the limit with objects left */
	const struct resource *res;
	char *last_key;                 /* key of the last object looked at */
};

static int collect(json_t *obj, void *p)
{
	struct collect *c = p;
	if (c->limit && json_array_size(c->items) == c->limit) {
		c->more = 1;
		return 1;
	}
	free(c->last_key);
	c->last_key = objects_key(c->res, doc_get_str(obj, "metadata.namespace"),
				  doc_get_str(obj, "metadata.name") ?: "");
	if (c->labels && !selector_match_object(c->labels, obj))
		return 0;
	if (c->fields && !selector_match_object(c->fields, obj))
		return 0;
	json_array_append(c->items, obj);
	return 0;
}

/* Continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>"}, as
 * kube-apiserver's (the page after `start` is read at the latest revision). */
static char *encode_continue(int64_t rev, const char *key)
{
	json_t *t = json_pack("{s:s, s:I, s:s}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rev,
			      "start", key);
	char *raw = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	size_t n = strlen(raw);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (unsigned char *)raw, (int)n);
	free(raw);
	return out;
}

static char *decode_continue(const char *token, const char *prefix)
{
	size_t n = strlen(token);
	if (n == 0 || n > 8192 || n % 4)
		return NULL;
	unsigned char *raw = xmalloc(n);
	int len = EVP_DecodeBlock(raw, (const unsigned char *)token, (int)n);
	if (len < 0) {
		free(raw);
		return NULL;
	}
	while (len > 0 && raw[len - 1] == '\0')
		len--;
	json_t *t = json_loadb((char *)raw, (size_t)len, 0, NULL);
	free(raw);
	const char *start = doc_get_str(t, "start");
	char *key = start && !strncmp(start, prefix, strlen(prefix)) ? xstrdup(start) : NULL;
	json_decref(t);
	return key;
}

struct raw_list {
	struct buf items;
	size_t n, limit;
	int more;
	char *last_key;
	const struct selector *labels, *fields;
};

#define LIST_HEAD_GAP 1024

int api_list_item_append(struct buf *out, const struct store_kv *kv, int match,
			  const struct selector *labels, const struct selector *fields, int comma)
{
	size_t mark = out->len;
	if (comma)
		buf_addch(out, ',');
	if (match > 0 && !fields && objects_splice(out, kv->value, kv->len, kv->rev) == 0)
		return 1;
	json_t *obj = objects_decode(kv->value, kv->len, kv->rev);
	if (!obj || (labels && !selector_match_object(labels, obj)) ||
	    (fields && !selector_match_object(fields, obj))) {
		json_decref(obj);
		buf_truncate(out, mark);
		return 0;
	}
	char *s = json_dumps(obj, JSON_COMPACT);
	buf_adds(out, s);
	free(s);
	json_decref(obj);
	return 1;
}

static int raw_item(const struct store_kv *kv, void *p)
{
	struct raw_list *l = p;
	int match = objects_stored_match(kv->value, kv->len, l->labels);
	if (!match)
		return 0;
	if (l->limit && l->n == l->limit) {
		l->more = 1;
		return 1;
	}
	if (!api_list_item_append(&l->items, kv, match, l->labels, l->fields, l->n > 0))
		return 0;
	l->n++;
	free(l->last_key);
	l->last_key = xstrdup(kv->key);
	return 0;
}

/*
 * The common list (no Table, a built-in kind) is answered from the stored
 * text: each object gets its resourceVersion spliced in instead of being
 * parsed and printed again, and
 * a label selector is matched against the labels read from that text, so
 * the objects it does not select are never parsed; a field selector parses
 * each object in turn, never all at once. Without a limit it is
 * streamed (above); with one, its head needs the continue token known only
 * at the end, so it is buffered, as is a list converted to another version
 * afterwards. Returns 1 when it answered (an invalid selector included).
 */
static int fast_list(struct api *api, struct api_path *p, struct http_request *req,
		     struct http_response *resp, size_t limit, const char *after)
{
	if (p->res->crd || api_wants_table(req))
		return 0;
	struct selector *labels = NULL, *fields = NULL;
	if (selectors(req, resp, &labels, &fields) < 0)
		return 1;
	char *prefix = objects_prefix(p->res, p->ns[0] ? p->ns : NULL);
	int64_t rev = 0;
	struct berr e = BERR_INIT;
	int rc = 0;
	if (!limit && !p->view) {
		/* a list served in another version than stored is converted
		 * from the whole answer (api_convert_serve), so it is buffered;
		 * the cursor is opened before anything is answered, so a store
		 * that cannot be read still gets a proper 500 */
		struct store_cursor *cur;
		rc = store_cursor_open(&cur, api->store, prefix, after, STORE_CURSOR_HELD, &rev,
				       &e);
		if (rc == 0) {
			api_list_stream(resp, p->res, cur, rev, labels, fields, prefix);
			return 1;
		}
		if (rc == BERR_LIMIT) {
			rc = 0;         /* held readers all taken: buffer it */
			e = (struct berr)BERR_INIT;
		}
	}
	/* the items are written after a gap the list's head is put into at the
	 * end, right before them: a list can be tens of MB, copied never */
	struct raw_list l = { BUF_INIT, 0, limit, 0, NULL, labels, fields };
	buf_grow(&l.items, LIST_HEAD_GAP);
	memset(l.items.data, ' ', LIST_HEAD_GAP);
	l.items.len = LIST_HEAD_GAP;
	if (rc == 0)
		rc = store_list(api->store, prefix, after, 0, raw_item, &l, &rev, &e);
	free(prefix);
	selector_free(labels);
	selector_free(fields);
	if (rc < 0 && e.code) {
		buf_release(&l.items);
		free(l.last_key);
		struct kstatus st = KSTATUS_INIT;
		kstatus_set(&st, 500, "InternalError", "%s", e.msg);
		fail(resp, &st);
		return 1;
	}
	char av[512];
	resource_api_version(p->res, av, sizeof(av));
	struct buf head = BUF_INIT;
	buf_addf(&head, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%lld\"",
		 p->res->list_kind, av, (long long)rev);
	if (l.more && l.last_key) {
		char *next = encode_continue(rev, l.last_key);
		buf_addf(&head, ",\"continue\":\"%s\"", next);
		free(next);
	}
	buf_adds(&head, "},\"items\":[");
	buf_adds(&l.items, "]}\n");
	resp->status = 200;
	http_response_header(resp, "Content-Type", "application/json");
	buf_release(&resp->body);
	if (head.len <= LIST_HEAD_GAP) {
		memcpy(l.items.data + LIST_HEAD_GAP - head.len, head.data, head.len);
		resp->body = l.items;
		resp->body_skip = LIST_HEAD_GAP - head.len;
	} else {
		/* a continue token of a very long key */
		buf_add(&head, l.items.data + LIST_HEAD_GAP, l.items.len - LIST_HEAD_GAP);
		resp->body = head;
		head = (struct buf)BUF_INIT;
		buf_release(&l.items);
	}
	buf_release(&head);
	free(l.last_key);
	return 1;
}

static void do_list(struct api *api, struct api_path *p, struct http_request *req,
		    struct http_response *resp)
{
	struct collect c = { json_array(), NULL, NULL, 0, 0, p->res, NULL };
	struct kstatus st = KSTATUS_INIT;
	const char *limit = http_request_query(req, "limit");
	const char *cont = http_request_query(req, "continue");
	char *after = NULL;
	if (limit && limit[0])
		c.limit = (size_t)(strtoll(limit, NULL, 10) > 0 ? strtoll(limit, NULL, 10) : 0);
	if (cont && cont[0]) {
		char *prefix = objects_prefix(p->res, p->ns[0] ? p->ns : NULL);
		after = decode_continue(cont, prefix);
		free(prefix);
		if (!after) {
			json_decref(c.items);
			kstatus_bad_request(&st, "continue key is not valid: illegal base64 data or "
					    "a token for another list");
			return fail(resp, &st);
		}
	}
	if (fast_list(api, p, req, resp, c.limit, after)) {
		json_decref(c.items);
		free(after);
		return;
	}
	if (selectors(req, resp, &c.labels, &c.fields) < 0) {
		json_decref(c.items);
		free(after);
		return;
	}
	int64_t rev = 0;
	int rc = objects_list_selected(api->objects, p->res, p->ns[0] ? p->ns : NULL, after,
				       c.labels, collect, &c, &rev, &st);
	free(after);
	selector_free(c.labels);
	selector_free(c.fields);
	if (rc < 0) {
		json_decref(c.items);
		free(c.last_key);
		return fail(resp, &st);
	}
	char rv[32];
	snprintf(rv, sizeof(rv), "%lld", (long long)rev);
	char *next = c.more && c.last_key ? encode_continue(rev, c.last_key) : NULL;
	free(c.last_key);
	if (api_wants_table(req)) {
		const char *io = http_request_query(req, "includeObject");
		size_t n = json_array_size(c.items);
		json_t **objs = xcalloc(n + 1, sizeof(*objs));
		for (size_t i = 0; i < n; i++)
			objs[i] = json_array_get(c.items, i);
		json_t *t = api_table(p->res, objs, n, rv, !io || strcmp(io, "None"));
		free(objs);
		json_decref(c.items);
		if (next)
			json_object_set_new(json_object_get(t, "metadata"), "continue", json_string(next));
		free(next);
		return send(resp, 200, t);
	}
	char av[512];
	resource_api_version(p->res, av, sizeof(av));
	json_t *list = json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", p->res->list_kind,
				 "apiVersion", av, "metadata", "resourceVersion", rv,
				 "items", c.items);
	if (next)
		json_object_set_new(json_object_get(list, "metadata"), "continue", json_string(next));
	free(next);
	send(resp, 200, list);
}

/* --- scale ------------------------------------------------------------------------- */

static const char *scale_path(const struct resource *r, const char *key, const char *dflt)
{
	const char *v = r->scale ? doc_get_str(r->scale, key) : NULL;
	if (v && v[0] == '.')
		v++;
	return v ? v : dflt;
}

json_t *api_scale_of(const struct resource *r, const json_t *obj)
{
	json_t *m = json_object_get(obj, "metadata");
	json_t *meta = json_object();
	static const char *const keep[] = { "name", "namespace", "uid", "resourceVersion",
					    "creationTimestamp", NULL };
	for (size_t i = 0; keep[i]; i++)
		if (json_object_get(m, keep[i]))
			json_object_set(meta, keep[i], json_object_get(m, keep[i]));
	json_int_t spec = doc_get_int(obj, scale_path(r, "specReplicasPath", "spec.replicas"), 0);
	json_int_t status = doc_get_int(obj, scale_path(r, "statusReplicasPath", "status.replicas"), 0);
	json_t *scale = json_pack("{s:s, s:s, s:o, s:{s:I}, s:{s:I}}", "kind", "Scale",
				  "apiVersion", "autoscaling/v1", "metadata", meta, "spec",
				  "replicas", spec, "status", "replicas", status);
	struct selector *sel = NULL;
	const char *lsp = r->scale ? scale_path(r, "labelSelectorPath", NULL) : NULL;
	if (lsp) {
		const char *s = doc_get_str(obj, lsp);
		if (s)
			json_object_set_new(json_object_get(scale, "status"), "selector", json_string(s));
	} else if (selector_from_label_selector(&sel, doc_get(obj, "spec.selector"), NULL) == 0) {
		struct buf b = BUF_INIT;
		selector_format(&b, sel);
		json_object_set_new(json_object_get(scale, "status"), "selector", json_string(b.data));
		buf_release(&b);
		selector_free(sel);
	}
	return scale;
}

struct set_replicas {
	const char *path;
	json_int_t n;
};

static int set_replicas(json_t *obj, void *p)
{
	struct set_replicas *s = p;
	if (doc_get_int(obj, s->path, -1) == s->n && doc_get(obj, s->path))
		return 0;
	return doc_set_new(obj, s->path, json_integer(s->n), NULL) == 0 ? 1 : -1;
}

void api_scale_write(struct api *api, struct api_path *p, const json_t *scale,
		     const char *manager, struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	json_t *rep = doc_get(scale, "spec.replicas");
	if (!json_is_integer(rep) || json_integer_value(rep) < 0) {
		kstatus_cause(&st, "FieldValueInvalid", "spec.replicas",
			      "Invalid value: must be greater than or equal to 0");
		kstatus_details(&st, p->name, "autoscaling", "Scale");
		kstatus_set(&st, 422, "Invalid", "Scale.autoscaling \"%s\" is invalid: spec.replicas: "
			    "Invalid value: must be greater than or equal to 0", p->name);
		return fail(resp, &st);
	}
	struct set_replicas sr = { scale_path(p->res, "specReplicasPath", "spec.replicas"),
				   json_integer_value(rep) };
	if (objects_mutate(api->objects, p->res, p->ns, p->name, OBJ_MAIN, manager,
			   set_replicas, &sr, &st) < 0)
		return fail(resp, &st);
	json_t *obj;
	if (objects_get(api->objects, p->res, p->ns, p->name, &obj, &st) < 0)
		return fail(resp, &st);
	send(resp, 200, api_scale_of(p->res, obj));
	json_decref(obj);
}

static void put_scale(struct api *api, struct api_path *p, struct http_request *req,
		      struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	json_t *body;
	if (api_read_body(req, &body, &st) < 0)
		return fail(resp, &st);
	struct obj_write_opts o;
	write_opts(req, &o, OBJ_MAIN);
	api_scale_write(api, p, body, o.field_manager, resp);
	json_decref(body);
}

/* --- verbs ------------------------------------------------------------------------- */

static int sub_ok(struct api_path *p, struct http_response *resp)
{
	if (!p->sub[0])
		return 1;
	if ((!strcmp(p->sub, "status") && (p->res->subresources & KIND_SUB_STATUS)) ||
	    (!strcmp(p->sub, "scale") && (p->res->subresources & KIND_SUB_SCALE)))
		return 1;
	if (!strcmp(p->sub, "eviction") && (p->res->subresources & KIND_SUB_EVICTION))
		return 1;
	if (!strcmp(p->res->resource, "pods") && !p->res->group[0]) {
		/* the containers are simulated: nothing to read, run or reach */
		static const char *const none[][2] = {
			{ "log", "no logs" }, { "exec", "cannot exec" }, { "attach", "cannot attach" },
			{ "portforward", "cannot forward ports" },
		};
		for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
			if (!strcmp(p->sub, none[i][0])) {
				struct kstatus st = KSTATUS_INIT;
				kstatus_bad_request(&st, "%s: pod \"%s\" runs a simulated container",
						    none[i][1], p->name);
				fail(resp, &st);
				return 0;
			}
	}
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 404, "NotFound", "the server could not find the requested resource");
	fail(resp, &st);
	return 0;
}

static void do_get(struct api *api, struct api_path *p, struct http_request *req,
		   struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	json_t *obj;
	if (objects_get(api->objects, p->res, p->ns, p->name, &obj, &st) < 0)
		return fail(resp, &st);
	if (!strcmp(p->sub, "scale")) {
		send(resp, 200, api_scale_of(p->res, obj));
		json_decref(obj);
		return;
	}
	if (api_wants_table(req)) {
		const char *io = http_request_query(req, "includeObject");
		json_t *t = api_table(p->res, &obj, 1, doc_get_str(obj, "metadata.resourceVersion"),
				      !io || strcmp(io, "None"));
		json_decref(obj);
		return send(resp, 200, t);
	}
	send(resp, 200, obj);
}

/* Reads the object of a create or update and applies its fieldValidation. */
static int read_checked(struct api *api, struct api_path *p, struct http_request *req,
			struct http_response *resp, json_t **body, struct kstatus *st)
{
	enum schema_validation mode;
	*body = NULL;
	if (api_convert_foreign(api, p, req, resp, st) < 0)
		return -1;
	if (p->body) {
		*body = json_incref(p->body);
		return 0;
	}
	if (api_field_validation(req, &mode, st) < 0)
		return -1;
	json_t *problems = json_array();
	int rc = api_read_object(req, problems, body, st);
	if (rc == 0)
		rc = api_check_fields(p->res, *body, mode, problems, 0, resp, st);
	json_decref(problems);
	if (rc < 0) {
		json_decref(*body);
		*body = NULL;
	}
	return rc;
}

static void do_create(struct api *api, struct api_path *p, struct http_request *req,
		      struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	json_t *body, *out;
	if (read_checked(api, p, req, resp, &body, &st) < 0)
		return fail(resp, &st);
	struct obj_write_opts o;
	struct buf text = BUF_INIT;
	write_opts(req, &o, OBJ_MAIN);
	o.out_text = &text;
	int rc = objects_create(api->objects, p->res, p->ns[0] ? p->ns : NULL, body, &o, &out, &st);
	json_decref(body);
	if (rc < 0) {
		buf_release(&text);
		return fail(resp, &st);
	}
	send_written(resp, 201, out, &text);
}

static void do_update(struct api *api, struct api_path *p, struct http_request *req,
		      struct http_response *resp)
{
	if (!strcmp(p->sub, "scale"))
		return put_scale(api, p, req, resp);
	struct kstatus st = KSTATUS_INIT;
	json_t *body, *out;
	if (read_checked(api, p, req, resp, &body, &st) < 0)
		return fail(resp, &st);
	struct obj_write_opts o;
	struct buf text = BUF_INIT;
	write_opts(req, &o, !strcmp(p->sub, "status") ? OBJ_STATUS : OBJ_MAIN);
	o.out_text = &text;
	int rc = objects_update(api->objects, p->res, p->ns, p->name, body, &o, &out, &st);
	json_decref(body);
	if (rc < 0) {
		buf_release(&text);
		return fail(resp, &st);
	}
	send_written(resp, 200, out, &text);
}

/* DeleteOptions from the body (if any) and the query. */
void api_delete_options(struct http_request *req, const json_t *opts, struct obj_delete_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->propagation = http_request_query(req, "propagationPolicy");
	o->dry_run = is_dry_run(req);
	o->graceful = 1;
	o->grace_period = -1;
	const char *gp = http_request_query(req, "gracePeriodSeconds");
	if (gp && gp[0])
		o->grace_period = strtoll(gp, NULL, 10);
	if (opts) {
		json_t *g = doc_get(opts, "gracePeriodSeconds");
		if (json_is_integer(g))
			o->grace_period = json_integer_value(g);
		const char *pp = doc_get_str(opts, "propagationPolicy");
		if (pp)
			o->propagation = pp;
		json_t *od = doc_get(opts, "orphanDependents");
		if (!pp && json_is_boolean(od))
			o->propagation = json_is_true(od) ? "Orphan" : "Background";
		o->precondition_uid = doc_get_str(opts, "preconditions.uid");
		o->precondition_rv = doc_get_str(opts, "preconditions.resourceVersion");
		json_t *dr = doc_get(opts, "dryRun");
		if (json_is_array(dr) && json_array_size(dr) &&
		    !strcmp(json_string_value(json_array_get(dr, 0)) ?: "", "All"))
			o->dry_run = 1;
	}
	const char *od = http_request_query(req, "orphanDependents");
	if (!o->propagation && od)
		o->propagation = api_truthy(od) ? "Orphan" : "Background";
}

/* DeleteOptions from the body (JSON, YAML or protobuf) and the query. */
static int delete_opts(struct http_request *req, struct obj_delete_opts *o, json_t **body,
		       struct kstatus *st)
{
	*body = NULL;
	if (req->body_len > 0 && api_read_body(req, body, st) < 0)
		return -1;
	api_delete_options(req, *body, o);
	return 0;
}

static void do_delete(struct api *api, struct api_path *p, struct http_request *req,
		      struct http_response *resp)
{
	struct kstatus st = KSTATUS_INIT;
	struct obj_delete_opts o;
	json_t *body, *out;
	if (delete_opts(req, &o, &body, &st) < 0)
		return fail(resp, &st);
	int deleted;
	int rc = objects_delete(api->objects, p->res, p->ns, p->name, &o, &out, &deleted, &st);
	if (rc < 0) {
		json_decref(body);
		return fail(resp, &st);
	}
	if (deleted) {
		send(resp, 200, kstatus_success(p->name, p->res, doc_get_str(out, "metadata.uid")));
		json_decref(out);
	} else {
		send(resp, 200, out);
	}
	json_decref(body);
}

struct names {
	char **v;
	size_t n, cap;
	struct selector *labels, *fields;
};

static int collect_name(json_t *obj, void *p)
{
	struct names *c = p;
	if ((c->labels && !selector_match_object(c->labels, obj)) ||
	    (c->fields && !selector_match_object(c->fields, obj)))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	const char *ns = doc_get_str(obj, "metadata.namespace");
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/%s", ns ? ns : "", doc_get_str(obj, "metadata.name"));
	c->v[c->n++] = buf_detach(&b, NULL);
	return 0;
}

static void do_delete_collection(struct api *api, struct api_path *p, struct http_request *req,
				 struct http_response *resp)
{
	struct names c = { 0 };
	if (selectors(req, resp, &c.labels, &c.fields) < 0)
		return;
	struct kstatus st = KSTATUS_INIT;
	struct obj_delete_opts o;
	json_t *body;
	if (delete_opts(req, &o, &body, &st) < 0) {
		selector_free(c.labels);
		selector_free(c.fields);
		return fail(resp, &st);
	}
	int64_t rev;
	objects_list(api->objects, p->res, p->ns[0] ? p->ns : NULL, collect_name, &c, &rev, NULL);
	json_t *items = json_array();
	for (size_t i = 0; i < c.n; i++) {
		char *slash = strchr(c.v[i], '/');
		*slash = '\0';
		json_t *out;
		int deleted;
		if (objects_delete(api->objects, p->res, c.v[i], slash + 1, &o, &out, &deleted,
				   NULL) == 0) {
			json_array_append(items, out);
			json_decref(out);
		}
		free(c.v[i]);
	}
	free(c.v);
	selector_free(c.labels);
	selector_free(c.fields);
	json_decref(body);
	char av[512], rv[32];
	resource_api_version(p->res, av, sizeof(av));
	snprintf(rv, sizeof(rv), "%lld", (long long)store_revision(api->store));
	send(resp, 200, json_pack("{s:s, s:s, s:{s:s}, s:o}", "kind", p->res->list_kind,
				  "apiVersion", av, "metadata", "resourceVersion", rv,
				  "items", items));
}

static void method_not_allowed(struct http_response *resp, const char *method)
{
	struct kstatus st = KSTATUS_INIT;
	kstatus_set(&st, 405, "MethodNotAllowed", "the server does not allow this method on the "
		    "requested resource (%s)", method);
	fail(resp, &st);
}

void api_crud(struct api *api, struct api_path *p, struct http_request *req,
	      struct http_response *resp)
{
	const char *m = req->method;
	if (!sub_ok(p, resp))
		return;
	if (!p->name[0]) {
		if (!strcmp(m, "GET")) {
			if (api_truthy(http_request_query(req, "watch"))) {
				struct selector *labels, *fields;
				if (selectors(req, resp, &labels, &fields) < 0)
					return;
				return api_watch(api, p, req, resp, labels, fields);
			}
			return do_list(api, p, req, resp);
		}
		if (!strcmp(m, "POST"))
			return do_create(api, p, req, resp);
		if (!strcmp(m, "DELETE"))
			return do_delete_collection(api, p, req, resp);
		return method_not_allowed(resp, m);
	}
	if (!strcmp(p->sub, "eviction"))
		return !strcmp(m, "POST") ? api_evict(api, p, req, resp) : method_not_allowed(resp, m);
	if (!strcmp(m, "GET")) {
		if (api_truthy(http_request_query(req, "watch"))) {
			/* watch of one object: a field selector on its name */
			struct selector *labels, *fields = NULL;
			if (selectors(req, resp, &labels, &fields) < 0)
				return;
			selector_free(fields);
			struct buf fs = BUF_INIT;
			buf_addf(&fs, "metadata.name=%s", p->name);
			selector_parse_fields(&fields, fs.data, NULL);
			buf_release(&fs);
			p->name[0] = '\0';
			return api_watch(api, p, req, resp, labels, fields);
		}
		return do_get(api, p, req, resp);
	}
	if (!strcmp(m, "PUT"))
		return do_update(api, p, req, resp);
	if (!strcmp(m, "DELETE") && !p->sub[0])
		return do_delete(api, p, req, resp);
	method_not_allowed(resp, m);
}
