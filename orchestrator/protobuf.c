/*
 * protobuf.c — reads Kubernetes protobuf bodies into JSON, table-driven.
 *
 * The wire format is proto2 as go-to-protobuf writes it: "k8s\0", then a
 * runtime.Unknown {1 TypeMeta{1 apiVersion, 2 kind}, 2 raw, 3
 * contentEncoding, 4 contentType} whose raw bytes are the object. One
 * recursive walker reads any message with the table protobuf-schema.c gives
 * for it; the few apimachinery types with their own JSON form (Time,
 * Quantity, IntOrString) and maps are read by hand.
 *
 * JSON conventions follow Go's encoding of the same object: a zero scalar
 * the writer always sends (an empty string, 0, false) is left out unless the
 * Go field is a pointer, nested messages are always written (an emptyDir
 * of {} means something), bytes become base64. Every length is checked
 * against what is left, varints are at most ten bytes, nesting and the
 * number of values are bounded, so no body can crash or balloon.
 */
#include "base64.h"
#include "protobuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "protobuf-schema.h"

struct pb_ctx {
	struct berr *err;
	size_t nodes;
	char path[256];         /* JSON path of the message being read */
};

struct pb_reader {
	const uint8_t *p, *end;
};

static const char *wire_name(int w)
{
	static const char *const names[] = { "varint", "fixed64", "length-delimited",
					     "start-group", "end-group", "fixed32" };
	return w >= 0 && w <= 5 ? names[w] : "unknown";
}

static int fail(struct pb_ctx *c, int code, const char *what, const char *msg, uint32_t num)
{
	return berr_set(c->err, code, "%s in field %" PRIu32 " of %s at '%s'", what, num, msg,
			c->path[0] ? c->path : ".");
}

static int read_varint(struct pb_reader *r, uint64_t *out)
{
	uint64_t v = 0;
	for (int i = 0; i < 10; i++) {
		if (r->p >= r->end)
			return -1;
		uint8_t b = *r->p++;
		if (i == 9 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static int read_len(struct pb_reader *r, const uint8_t **data, size_t *len)
{
	uint64_t n;
	if (read_varint(r, &n) < 0 || n > (uint64_t)(r->end - r->p))
		return -1;
	*data = r->p;
	*len = (size_t)n;
	r->p += n;
	return 0;
}

/* Skips one value of wire type w; -1 when it runs past the end or is a group. */
static int skip_value(struct pb_reader *r, int w)
{
	uint64_t v;
	const uint8_t *d;
	size_t n;
	switch (w) {
	case 0:
		return read_varint(r, &v);
	case 1:
	case 5: {
		size_t want = w == 1 ? 8 : 4;
		if ((size_t)(r->end - r->p) < want)
			return -1;
		r->p += want;
		return 0;
	}
	case 2:
		return read_len(r, &d, &n);
	default:
		return -1;
	}
}

/* Skips an unknown field, or says why it cannot. */
static int skip_field(struct pb_ctx *c, struct pb_reader *r, int w, const char *msg, uint32_t num)
{
	if (w != 0 && w != 1 && w != 2 && w != 5)
		return berr_set(c->err, BERR_INVALID,
				"unsupported wire type %s in field %" PRIu32 " of %s at '%s'",
				wire_name(w), num, msg, c->path[0] ? c->path : ".");
	if (skip_value(r, w) < 0)
		return fail(c, BERR_INVALID, w == 0 ? "malformed varint" : "truncated value", msg,
			    num);
	return 0;
}

/* A JSON string of UTF-8 text; NULL for bytes that are not UTF-8 or hold a
 * NUL, which the JSON side of the API refuses too. */
static json_t *utf8_string(const uint8_t *d, size_t n)
{
	if (memchr(d, 0, n))
		return NULL;
	return json_stringn((const char *)d, n);
}

/* Fields 1 to 3 of a small message (Time, Quantity, IntOrString, a map
 * entry), each a varint (v) or length-delimited bytes (s, slen). */
struct pb_small {
	uint64_t v[4];
	const uint8_t *s[4];
	size_t slen[4];
	int have[4];
};

/* Reads such a message; other fields are skipped. */
static int read_small(struct pb_ctx *c, const uint8_t *d, size_t n, struct pb_small *out,
		      const char *msg)
{
	struct pb_reader r = { d, d + n };
	memset(out, 0, sizeof(*out));
	while (r.p < r.end) {
		uint64_t key;
		if (read_varint(&r, &key) < 0)
			return fail(c, BERR_INVALID, "malformed field key", msg, 0);
		uint32_t num = (uint32_t)(key >> 3);
		int w = (int)(key & 7);
		if (num == 0 || key >> 3 > UINT32_MAX)
			return fail(c, BERR_INVALID, "bad field number", msg, num);
		if (num <= 3 && w == 0) {
			if (read_varint(&r, &out->v[num]) < 0)
				return fail(c, BERR_INVALID, "malformed varint", msg, num);
			out->have[num] = 1;
		} else if (num <= 3 && w == 2) {
			if (read_len(&r, &out->s[num], &out->slen[num]) < 0)
				return fail(c, BERR_INVALID, "truncated value", msg, num);
			out->have[num] = 1;
		} else {
			int rc = skip_field(c, &r, w, msg, num);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int decode_message(struct pb_ctx *c, const struct pb_message *m, const uint8_t *d,
			  size_t n, int depth, json_t *into);

static int check_node(struct pb_ctx *c)
{
	if (++c->nodes > PROTOBUF_MAX_NODES)
		return berr_set(c->err, BERR_LIMIT, "protobuf body has more than %d values",
				PROTOBUF_MAX_NODES);
	return 0;
}

/* Time {1 seconds, 2 nanos} → RFC 3339; the zero time → NULL (omitted). */
static int time_value(struct pb_ctx *c, const uint8_t *d, size_t n, json_t **out)
{
	struct pb_small t;
	int rc = read_small(c, d, n, &t, "Time");
	if (rc < 0)
		return rc;
	*out = NULL;
	int64_t secs = (int64_t)t.v[1];
	if (t.have[1] && !t.s[1] && secs != 0) {
		if (secs < -62135596800LL || secs > 253402300799LL)
			return berr_set(c->err, BERR_INVALID, "time out of range at '%s'", c->path);
		struct tm tm;
		time_t tt = (time_t)secs;
		char s[32];
		gmtime_r(&tt, &tm);
		strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
		*out = json_string(s);
	}
	return 0;
}

/* Quantity {1 string} → the string. */
static int quantity_value(struct pb_ctx *c, const uint8_t *d, size_t n, json_t **out)
{
	struct pb_small q;
	int rc = read_small(c, d, n, &q, "Quantity");
	if (rc < 0)
		return rc;
	*out = utf8_string(q.s[1] ? q.s[1] : (const uint8_t *)"", q.s[1] ? q.slen[1] : 0);
	if (!*out)
		return berr_set(c->err, BERR_INVALID, "quantity is not UTF-8 text at '%s'", c->path);
	return 0;
}

/* IntOrString {1 type, 2 intVal, 3 strVal} → number (type 0) or string. */
static int intorstr_value(struct pb_ctx *c, const uint8_t *d, size_t n, json_t **out)
{
	struct pb_small v;
	int rc = read_small(c, d, n, &v, "IntOrString");
	if (rc < 0)
		return rc;
	if (v.v[1] == 0) {
		*out = json_integer((int32_t)v.v[2]);
		return 0;
	}
	*out = utf8_string(v.s[3] ? v.s[3] : (const uint8_t *)"", v.s[3] ? v.slen[3] : 0);
	if (!*out)
		return berr_set(c->err, BERR_INVALID, "string is not UTF-8 text at '%s'", c->path);
	return 0;
}

/* bytes fields are base64 text in JSON, as protobuf's JSON mapping says. */
static json_t *bytes_value(const uint8_t *d, size_t n)
{
	struct buf b = BUF_INIT;
	b64_encode(&b, d, n);
	json_t *v = json_stringn(b.data ? b.data : "", b.len);
	buf_release(&b);
	return v;
}

/* One map entry {1 key, 2 value} into obj. */
static int map_entry(struct pb_ctx *c, const struct pb_field *f, const uint8_t *d, size_t n,
		     json_t *obj)
{
	struct pb_small e;
	int rc = read_small(c, d, n, &e, f->name);
	if (rc < 0)
		return rc;
	if (e.have[1] && !e.s[1])
		return fail(c, BERR_INVALID, "map key is not a string", f->name, f->num);
	char *key = strndup(e.s[1] ? (const char *)e.s[1] : "", e.s[1] ? e.slen[1] : 0);
	const uint8_t *vd = e.s[2] ? e.s[2] : (const uint8_t *)"";
	size_t vn = e.s[2] ? e.slen[2] : 0;
	json_t *val = NULL;
	if (e.have[2] && !e.s[2])
		rc = fail(c, BERR_INVALID, "map value is not length-delimited", f->name, f->num);
	else if (strlen(key) != (e.s[1] ? e.slen[1] : 0))
		rc = fail(c, BERR_INVALID, "map key holds a NUL byte", f->name, f->num);
	else if (f->kind == PB_MAP_STR)
		val = utf8_string(vd, vn);
	else if (f->kind == PB_MAP_BYTES) {
		val = bytes_value(vd, vn);
	}
	else
		rc = quantity_value(c, vd, vn, &val);
	if (rc == 0 && !val)
		rc = fail(c, BERR_INVALID, "map value is not UTF-8 text", f->name, f->num);
	if (rc == 0 && json_object_set_new(obj, key, val) < 0)
		rc = fail(c, BERR_INVALID, "map key is not UTF-8", f->name, f->num);
	free(key);
	return rc;
}

static const struct pb_field *find_field(const struct pb_message *m, uint32_t num)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].num == num)
			return &m->fields[i];
	return NULL;
}

static int is_varint_kind(int kind)
{
	return kind == PB_INT32 || kind == PB_INT64 || kind == PB_BOOL;
}

static json_t *varint_json(const struct pb_field *f, uint64_t v)
{
	if (f->kind == PB_BOOL)
		return json_boolean(v != 0);
	if (f->kind == PB_INT32)
		return json_integer((int32_t)v);
	return json_integer((json_int_t)(int64_t)v);
}

/* Stores one decoded value of field f: appended when repeated, else set
 * (the last one wins, as in protobuf). Steals val. */
static void store(json_t *into, const struct pb_field *f, json_t *val)
{
	if (!(f->flags & PB_REPEATED)) {
		json_object_set_new(into, f->name, val);
		return;
	}
	json_t *arr = json_object_get(into, f->name);
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(into, f->name, arr);
	}
	json_array_append_new(arr, val);
}

/* A zero scalar of a non-pointer Go field is what the writer always sends:
 * leave it out, as Go's JSON (omitempty) would. */
static int omit_zero(const struct pb_field *f, json_t *val)
{
	if (f->flags & (PB_KEEPZERO | PB_REPEATED))
		return 0;
	return (json_is_string(val) && json_string_length(val) == 0) ||
	       (json_is_integer(val) && json_integer_value(val) == 0) || json_is_false(val);
}

/* Appends ".name" to the path while a nested message is read. */
static size_t path_push(struct pb_ctx *c, const char *name)
{
	size_t old = strlen(c->path);
	if (name[0])
		snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", name);
	return old;
}

static int decode_field(struct pb_ctx *c, const struct pb_message *m, const struct pb_field *f,
			struct pb_reader *r, int w, int depth, json_t *into)
{
	const uint8_t *d;
	size_t n;
	json_t *val = NULL;
	int rc = 0;

	if (is_varint_kind(f->kind)) {
		if (w == 2 && (f->flags & PB_REPEATED)) {       /* packed */
			if (read_len(r, &d, &n) < 0)
				return fail(c, BERR_INVALID, "truncated value", m->name, f->num);
			struct pb_reader pr = { d, d + n };
			while (pr.p < pr.end) {
				uint64_t v;
				if (read_varint(&pr, &v) < 0)
					return fail(c, BERR_INVALID, "malformed varint", m->name,
						    f->num);
				if ((rc = check_node(c)) < 0)
					return rc;
				store(into, f, varint_json(f, v));
			}
			return 0;
		}
		if (w != 0)
			goto wrong_wire;
		uint64_t v;
		if (read_varint(r, &v) < 0)
			return fail(c, BERR_INVALID, "malformed varint", m->name, f->num);
		val = varint_json(f, v);
		goto done;
	}
	if (w != 2)
		goto wrong_wire;
	if (read_len(r, &d, &n) < 0)
		return fail(c, BERR_INVALID, "truncated value", m->name, f->num);

	size_t mark = path_push(c, f->name);
	switch (f->kind) {
	case PB_STRING:
		if (!(val = utf8_string(d, n)))
			rc = fail(c, BERR_INVALID, "string is not UTF-8 text", m->name, f->num);
		break;
	case PB_BYTES: {
		val = bytes_value(d, n);
		break;
	}
	case PB_MSG: {
		json_t *old = json_object_get(into, f->name);
		if (!(f->flags & PB_REPEATED) && json_is_object(old)) {
			rc = decode_message(c, f->msg, d, n, depth + 1, old);    /* merge */
			c->path[mark] = '\0';
			return rc;
		}
		val = json_object();
		rc = decode_message(c, f->msg, d, n, depth + 1, val);
		break;
	}
	case PB_INLINE:
		rc = decode_message(c, f->msg, d, n, depth + 1, into);
		c->path[mark] = '\0';
		return rc;
	case PB_MAP_STR:
	case PB_MAP_BYTES:
	case PB_MAP_QTY: {
		json_t *obj = json_object_get(into, f->name);
		if (!json_is_object(obj)) {
			obj = json_object();
			json_object_set_new(into, f->name, obj);
		}
		rc = map_entry(c, f, d, n, obj);
		c->path[mark] = '\0';
		return rc;
	}
	case PB_QUANTITY:
		rc = quantity_value(c, d, n, &val);
		break;
	case PB_INTORSTR:
		rc = intorstr_value(c, d, n, &val);
		break;
	case PB_TIME:
		rc = time_value(c, d, n, &val);
		if (rc == 0 && !val) {
			c->path[mark] = '\0';
			return 0;
		}
		break;
	}
	c->path[mark] = '\0';
	if (rc < 0) {
		json_decref(val);
		return rc;
	}
done:
	if (omit_zero(f, val)) {
		json_decref(val);
		json_object_del(into, f->name);
		return 0;
	}
	store(into, f, val);
	return 0;

wrong_wire:
	return berr_set(c->err, BERR_INVALID,
			"field %" PRIu32 " (%s) of %s at '%s' has wire type %s", f->num, f->name,
			m->name, c->path[0] ? c->path : ".", wire_name(w));
}

static int decode_message(struct pb_ctx *c, const struct pb_message *m, const uint8_t *d,
			  size_t n, int depth, json_t *into)
{
	if (depth > PROTOBUF_MAX_DEPTH)
		return berr_set(c->err, BERR_LIMIT, "protobuf body nests deeper than %d at '%s'",
				PROTOBUF_MAX_DEPTH, c->path);
	struct pb_reader r = { d, d + n };
	while (r.p < r.end) {
		uint64_t key;
		if (read_varint(&r, &key) < 0)
			return fail(c, BERR_INVALID, "malformed field key", m->name, 0);
		uint32_t num = (uint32_t)(key >> 3);
		int w = (int)(key & 7);
		if (num == 0 || key >> 3 > UINT32_MAX)
			return fail(c, BERR_INVALID, "bad field number", m->name, num);
		int rc = check_node(c);
		if (rc < 0)
			return rc;
		const struct pb_field *f = find_field(m, num);
		if (!f) {
			if ((rc = skip_field(c, &r, w, m->name, num)) < 0)
				return rc;
			continue;
		}
		if ((rc = decode_field(c, m, f, &r, w, depth, into)) < 0)
			return rc;
	}
	return 0;
}

static const struct pb_field type_meta_fields[] = {
	{ 1, "apiVersion", PB_STRING, 0, NULL },
	{ 2, "kind", PB_STRING, 0, NULL },
};
static const struct pb_message type_meta = { "TypeMeta", type_meta_fields, 2 };
static const struct pb_field unknown_fields[] = {
	{ 1, "typeMeta", PB_MSG, 0, &type_meta },
	{ 3, "contentEncoding", PB_STRING, 0, NULL },
	{ 4, "contentType", PB_STRING, 0, NULL },
};
/* raw (field 2) is left out: unknown_raw() finds it in place */
static const struct pb_message unknown_msg = { "Unknown", unknown_fields, 3 };

/* Finds field 2 (raw) of the runtime.Unknown without base64-ing it. */
static int unknown_raw(struct pb_ctx *c, const uint8_t *d, size_t n, const uint8_t **raw,
		       size_t *rawlen)
{
	struct pb_reader r = { d, d + n };
	*raw = NULL;
	*rawlen = 0;
	while (r.p < r.end) {
		uint64_t key;
		if (read_varint(&r, &key) < 0)
			return fail(c, BERR_INVALID, "malformed field key", "Unknown", 0);
		if ((key >> 3) == 2 && (key & 7) == 2) {
			if (read_len(&r, raw, rawlen) < 0)
				return fail(c, BERR_INVALID, "truncated value", "Unknown", 2);
		} else {
			int rc = skip_field(c, &r, (int)(key & 7), "Unknown", (uint32_t)(key >> 3));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int protobuf_decode(json_t **out, const void *body, size_t len, struct berr *err)
{
	const uint8_t *d = body;
	struct pb_ctx c = { .err = err };
	json_t *env = NULL, *obj = NULL;
	const uint8_t *raw;
	size_t rawlen;
	int rc;

	*out = NULL;
	if (len > PROTOBUF_MAX_BYTES)
		return berr_set(err, BERR_LIMIT, "protobuf body is larger than %u bytes",
				PROTOBUF_MAX_BYTES);
	if (len < 4 || memcmp(d, "k8s\0", 4) != 0)
		return berr_set(err, BERR_INVALID,
				"protobuf body does not start with the magic \"k8s\\0\"");
	env = json_object();
	if ((rc = decode_message(&c, &unknown_msg, d + 4, len - 4, 0, env)) < 0 ||
	    (rc = unknown_raw(&c, d + 4, len - 4, &raw, &rawlen)) < 0) {
		berr_prefix(err, "protobuf body");
		goto out;
	}
	const char *enc = json_string_value(json_object_get(env, "contentEncoding"));
	if (enc && enc[0]) {
		rc = berr_set(err, BERR_UNSUPPORTED, "protobuf content encoding '%s' is not read",
			      enc);
		goto out;
	}
	json_t *tm = json_object_get(env, "typeMeta");
	const char *api_version = json_string_value(json_object_get(tm, "apiVersion"));
	const char *kind = json_string_value(json_object_get(tm, "kind"));
	if (!api_version || !kind) {
		rc = berr_set(err, BERR_INVALID, "protobuf body has no apiVersion and kind");
		goto out;
	}
	const struct pb_root *root = pb_schema_root(api_version, kind);
	if (!root) {
		rc = berr_set(err, BERR_UNSUPPORTED, "protobuf body of kind '%s' (%s) is not read",
			      kind, api_version);
		goto out;
	}
	obj = json_object();
	json_object_set_new(obj, "apiVersion", json_string(api_version));
	json_object_set_new(obj, "kind", json_string(kind));
	if ((rc = decode_message(&c, root->msg, raw ? raw : d, rawlen, 0, obj)) < 0) {
		berr_prefix(err, "protobuf body of %s", kind);
		goto out;
	}
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	json_decref(env);
	json_decref(obj);
	return rc;
}
