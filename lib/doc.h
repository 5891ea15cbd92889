/*
 * doc — helpers on the document model (jansson json_t) that every part uses
 * on Kubernetes objects: addressing fields by path, comparing, copying,
 * canonical serialisation and digests, and parsing JSON bodies safely.
 *
 * Paths. A string path is a chain of object keys separated by '.', array
 * indexes in brackets, and bracketed quoted keys for keys that hold a '.'
 * or a '[':
 *
 *     spec.template.spec.containers
 *     spec.containers[0].image
 *     metadata.annotations["app.kubernetes.io/name"]
 *     [2].name                      (root is an array)
 *
 * Quoted keys take "..." or '...', with \" \' and \\ as escapes. The empty
 * path "" is the root itself. The varargs form takes each key as its own
 * argument, ended by NULL, so a key is never split:
 *
 *     doc_getv(obj, "metadata", "annotations", "app.kubernetes.io/name", NULL)
 *
 * and a key of decimal digits indexes an array when the node it is applied
 * to is an array.
 *
 * Ownership. Getters return borrowed references (valid while the root holds
 * them; never decref them). doc_set borrows `value` (it takes its own
 * reference), doc_set_new steals it, even on failure, as jansson's *_new
 * functions do. doc_copy and doc_parse_json return new references that the
 * caller decrefs.
 *
 * Numbers. jansson, and so Bosun, decodes a JSON number written without a
 * fraction or exponent as an integer (json_integer, 64 bits) and any other
 * as a real; integers outside the int64 range are refused by the parser.
 * doc_equal, doc_canonical and doc_digest treat an integer and a real of
 * the same value as the same number (1 == 1.0), as Kubernetes does when it
 * compares decoded objects.
 */
#ifndef BOSUN_DOC_H
#define BOSUN_DOC_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* ---- paths ------------------------------------------------------------- */

/*
 * Looks up `path` under `root`. Returns 0 with *out set (borrowed), or
 * BERR_NOTFOUND when a key or index is absent or a step walks into a scalar,
 * or BERR_INVALID when the path itself is malformed (message names the
 * column). *out is NULL on failure.
 */
int doc_lookup(json_t **out, const json_t *root, const char *path,
	       struct berr *err);

/* Like doc_lookup but returns the node or NULL; a malformed path gives NULL. */
json_t *doc_get(const json_t *root, const char *path);
/* Keys as separate arguments, ended by NULL (see above). */
json_t *doc_getv(const json_t *root, ...) __attribute__((sentinel));

/* The string at `path`, or NULL when absent or not a string. Borrowed. */
const char *doc_get_str(const json_t *root, const char *path);
/* The integer at `path`, or `dflt` when absent or not a json integer (a real
 * with an integral value, such as 3.0, counts as that integer). */
json_int_t doc_get_int(const json_t *root, const char *path, json_int_t dflt);
/* The boolean at `path`, or `dflt` when absent or not a boolean. */
int doc_get_bool(const json_t *root, const char *path, int dflt);

/*
 * Sets `path` under `root` to `value`, creating missing intermediate
 * objects (a json null on the way is replaced by an object too). An index
 * must name an existing element, except the last step, where the index equal
 * to the array size appends. Returns 0, or BERR_INVALID when the path is
 * malformed or empty, when a step walks into a scalar or an array is
 * addressed by key (the message names the path prefix and its type), or an
 * index is out of range.
 */
int doc_set(json_t *root, const char *path, json_t *value, struct berr *err);
int doc_set_new(json_t *root, const char *path, json_t *value,
		struct berr *err);
/* Varargs form: the keys after `err`, ended by NULL. Steals `value`. */
int doc_setv_new(json_t *root, json_t *value, struct berr *err, ...)
	__attribute__((sentinel));

/* Removes the field or element at `path`. Returns 0, BERR_NOTFOUND when it
 * is not there, or BERR_INVALID when the path is malformed or empty. */
int doc_del(json_t *root, const char *path, struct berr *err);
int doc_delv(json_t *root, struct berr *err, ...) __attribute__((sentinel));

/* ---- values ------------------------------------------------------------ */

/*
 * Deep equality: objects by key set (order ignored), arrays element by
 * element, numbers by value whatever their type (1 == 1.0; an integer never
 * equals a real that is not exactly it), strings by bytes. NULL equals only
 * NULL.
 */
int doc_equal(const json_t *a, const json_t *b);

/* A deep copy (new reference, caller decrefs); NULL gives NULL. Aborts on
 * out-of-memory like the xmalloc family. */
json_t *doc_copy(const json_t *doc);

/*
 * Appends the canonical JSON form of `doc` to `out`: compact, object keys
 * sorted bytewise, strings as UTF-8 with only '"', '\\' and control
 * characters escaped (\b \f \n \r \t, else \u00XX), integers in decimal,
 * reals with an integral value in the int64 range written as integers (so
 * 1.0 and 1 read the same), other reals in the shortest form that reads back
 * to the same double ("0.1", "1e+300"). Equal documents (doc_equal) give equal
 * bytes. A NULL doc is written as "null".
 */
void doc_canonical(struct buf *out, const json_t *doc);

#define DOC_DIGEST_HEX_LEN 64
/* Lowercase hex SHA-256 of the canonical form, NUL-terminated in `out`. */
void doc_digest(char out[DOC_DIGEST_HEX_LEN + 1], const json_t *doc);

/*
 * Appends a scalar the way Go's fmt "%v" prints it: strings as they are,
 * true/false, integers in decimal, reals in strconv 'g' shortest form
 * (1.5, 1e+06, 1.5e-05), null (or a NULL pointer) as "". Returns 0, or -1
 * (and appends nothing) for an object or array.
 */
int doc_scalar_string(struct buf *out, const json_t *v);

/* "object", "array", "string", "number", "boolean" or "null". */
const char *doc_type_name(const json_t *v);

/* ---- parsing ----------------------------------------------------------- */

struct doc_limits {
	size_t max_bytes;       /* input size; default 64 MiB */
	size_t max_depth;       /* nesting of [ and {; default 255 (256 is refused) */
};

/* Zero fields (or a NULL limits pointer) take the defaults above. */
extern const struct doc_limits doc_default_limits;

/*
 * Parses one JSON value (any type) from `text` of `len` bytes. Refused with
 * a message "<name>:<line>:<column>: <what>": syntax errors, duplicate
 * object keys, anything but whitespace after the value, NUL bytes (raw or
 * as \u0000), integers beyond int64, and nesting deeper than the limit,
 * which is checked by a scan of the bytes before jansson sees them so deep
 * input never reaches a recursive parser. Input over max_bytes is refused
 * with BERR_LIMIT before it is read, deep nesting gives BERR_LIMIT, all else
 * BERR_INVALID. Returns 0 with *out a new reference (caller decrefs), or a
 * negative code with *out NULL. `name` is a file name or "request body".
 */
int doc_parse_json(json_t **out, const char *text, size_t len,
		   const struct doc_limits *limits, const char *name,
		   struct berr *err);

#endif
