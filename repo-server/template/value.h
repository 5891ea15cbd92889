/*
 * value — what a Go template sees: nil, bool, int (Go int, 64 bits),
 * float64, string, list ([]interface {}), map (map[string]interface {}) and
 * opaque values that some functions return (time values, semver versions,
 * the caller's objects with methods).
 *
 * Every value lives in an arena (struct tv_arena) and dies with it: one
 * execution allocates its values in one arena and frees them all at the end.
 * So values are shared freely, never counted, and a map that holds itself
 * (`set $d "me" $d`) leaks nothing. Lists and maps are mutable in place
 * (Sprig's `set` changes a map every holder sees, as Go maps do); strings
 * and scalars never change once made. nil, true and false are static
 * singletons that belong to no arena.
 *
 * Maps keep their entries sorted by key: Go templates iterate maps in key
 * order, and printing a map prints it sorted, so order is paid once on
 * insertion instead of on every walk.
 */
#ifndef BOSUN_TEMPLATE_VALUE_H
#define BOSUN_TEMPLATE_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

enum tv_kind {
	TV_NIL,
	TV_BOOL,
	TV_INT,
	TV_FLOAT,
	TV_STRING,
	TV_LIST,
	TV_MAP,
	TV_OPAQUE,
};

typedef struct tv tv;
struct tv_arena;
struct tmpl_call;

/*
 * An opaque value's behaviour. `go_type` is what %T and typeOf print
 * ("time.Time"), `kind` what kindOf prints ("struct"). `format` prints the
 * value as fmt's %v does (Go's String() method). `json` gives the value
 * as encoding/json would marshal it (NULL: the String() text as a JSON
 * string); the caller decrefs. `field` answers `.Name`
 * and method calls `.Name arg...`: it returns 0 with *out set, or
 * BERR_NOTFOUND when the value has no such field or method (other negative
 * codes with err set are errors of the method). `free` releases `p` when
 * the arena dies; it may be NULL.
 */
struct tv_type {
	const char *go_type;
	const char *kind;
	void (*format)(struct buf *out, const void *p);
	json_t *(*json)(const void *p);
	int (*field)(struct tmpl_call *call, tv **out, void *p, const char *name,
		     tv **args, size_t nargs, struct berr *err);
	void (*free)(void *p);
	/* Opaque values of a Go map or slice type with methods (Helm's
	 * .Files is a map[string][]byte): the plain map or list that `range`
	 * iterates, made in arena a; NULL when range cannot iterate it. */
	tv *(*range_value)(struct tv_arena *a, const void *p);
};

struct tv_entry {
	char *key;
	size_t klen;
	tv *val;
};

struct tv {
	enum tv_kind kind;
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			char *s;        /* NUL-terminated; may hold NULs too */
			size_t len;
		} str;
		struct {
			tv **items;
			size_t len, cap;
			const char *go_type;    /* NULL: "[]interface {}" */
		} list;
		struct {
			struct tv_entry *e;
			size_t len, cap;
			const char *go_type;    /* NULL: "map[string]interface {}" */
		} map;
		struct {
			const struct tv_type *type;
			void *p;
		} op;
	} u;
	const char *int_type;   /* TV_INT: Go type when not "int" ("int64") */
	tv *arena_next;
};

/* Arenas. tv_arena_bytes() tells roughly how much memory the arena holds,
 * so executors can bound it. */
struct tv_arena *tv_arena_new(void);
void tv_arena_free(struct tv_arena *a);
size_t tv_arena_bytes(const struct tv_arena *a);

/* Singletons and scalars. Returned values belong to the arena.
 * tv_missing() is Go's invalid reflect.Value: what a missing map key or
 * nil data gives. It behaves as nil everywhere except that a field chain
 * through it stays silent ("<no value>") where one through a real nil
 * fails with "nil pointer evaluating interface {}.x", as in Go. */
tv *tv_nil(void);
tv *tv_missing(void);
bool tv_is_missing(const tv *v);
tv *tv_bool(bool b);
tv *tv_int(struct tv_arena *a, int64_t i);
tv *tv_float(struct tv_arena *a, double f);
tv *tv_str(struct tv_arena *a, const char *s);
tv *tv_strn(struct tv_arena *a, const char *s, size_t len);
/* Takes the buffer's memory (b is left empty). */
tv *tv_str_buf(struct tv_arena *a, struct buf *b);
tv *tv_opaque(struct tv_arena *a, const struct tv_type *type, void *p);

/* Lists. */
tv *tv_list(struct tv_arena *a, size_t hint);
void tv_list_push(struct tv_arena *a, tv *list, tv *v);

/* Maps: string keys, sorted. get returns NULL when the key is missing. */
tv *tv_map(struct tv_arena *a);
tv *tv_map_get(const tv *map, const char *key);
tv *tv_map_getn(const tv *map, const char *key, size_t klen);
void tv_map_set(struct tv_arena *a, tv *map, const char *key, tv *v);
void tv_map_setn(struct tv_arena *a, tv *map, const char *key, size_t klen, tv *v);
bool tv_map_del(tv *map, const char *key);

/* JSON: integers become ints, reals float64, objects maps, arrays lists.
 * tv_to_json fails (NULL, err set) on opaque values it cannot express and
 * on nesting deeper than max_depth (a map that holds itself). */
tv *tv_from_json(struct tv_arena *a, const json_t *j);
/* As encoding/json decodes into interface{}: every number a float64.
 * This is what Helm's values look like (YAML read through JSON), so
 * `eq .Values.replicas 1` fails there as it does in Helm. */
tv *tv_from_json_float(struct tv_arena *a, const json_t *j);
json_t *tv_to_json(const tv *v, size_t max_depth, struct berr *err);

/* Go's view of a value: %T ("int", "[]interface {}", "<nil>") and
 * reflect.Kind ("int", "slice", "map", "invalid"). */
const char *tv_type_name(const tv *v);
const char *tv_kind_name(const tv *v);
/* Go template truth: false, 0, nil, empty string/list/map are false. */
bool tv_truth(const tv *v);
/* Sprig's deep copy (opaque values are shared); depth-limited: NULL when
 * deeper than max_depth. */
tv *tv_deep_copy(struct tv_arena *a, const tv *v, size_t max_depth);
/* reflect.DeepEqual over template values. */
bool tv_deep_equal(const tv *x, const tv *y, size_t max_depth);

#endif
