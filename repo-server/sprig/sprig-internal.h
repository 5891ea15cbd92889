/*
 * sprig-internal.h — helpers shared by the Sprig function files: argument
 * checks worded as Go's template engine words them, and spf13/cast-style
 * conversions. Not for use outside repo-server/sprig.
 */
#ifndef BOSUN_SPRIG_INTERNAL_H
#define BOSUN_SPRIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "repo-server/sprig/sprig.h"
#include "repo-server/template/gofmt.h"

#define SPRIG_FN(name) \
	static int name(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err)
#define ARENA tmpl_call_arena(call)
/* Deep structures: copies, merges and comparisons stop here. */
#define SPRIG_MAX_DEPTH 1000

struct sprig_entry {
	const char *name;
	tmpl_func fn;
};

/* Each file exports its table, ended by a NULL name. */
extern const struct sprig_entry sprig_strings_funcs[];
extern const struct sprig_entry sprig_lists_funcs[];
extern const struct sprig_entry sprig_math_funcs[];
extern const struct sprig_entry sprig_misc_funcs[];
extern const struct sprig_entry sprig_regex_funcs[];
extern const struct sprig_entry sprig_semver_funcs[];
extern const struct sprig_entry sprig_date_funcs[];
extern const struct sprig_entry sprig_crypto_funcs[];
extern const struct sprig_entry sprig_cert_funcs[];
extern const struct sprig_entry sprig_bcrypt_funcs[];

/* Checks a password against a bcrypt hash ($2a$/$2b$/$2y$). */
bool sprig_bcrypt_verify(const char *pw, size_t pl, const char *hash);

/* "wrong number of args for NAME: want N got M" unless n is in [min, max]
 * (max SIZE_MAX: variadic). */
int sprig_arity(const char *name, size_t n, size_t min, size_t max, struct berr *err);
/* Typed parameters as Go checks them: a string parameter takes only a
 * string ("wrong type for value; expected string; got int"), an int
 * parameter only an int. */
int sprig_str(const tv *v, const char **s, size_t *len, struct berr *err);
int sprig_int(const tv *v, int64_t *i, struct berr *err);
int sprig_bool(const tv *v, bool *b, struct berr *err);
int sprig_map(const tv *v, struct berr *err);

/* Sprig's strval: strings as they are, nil as "", others as fmt's %v. */
void sprig_strval(struct buf *out, const tv *v);
tv *sprig_strval_tv(struct tv_arena *a, tv *v);
/* spf13/cast: ToInt64 and ToFloat64 (0 when not convertible). */
int64_t sprig_to_int64(const tv *v);
double sprig_to_float64(const tv *v);
/* A Go int64 (what Sprig's integer math returns: typeOf says "int64"). */
tv *sprig_int64(struct tv_arena *a, int64_t v);
/* Sprig's empty(): nil, false, 0, "" and empty lists and maps. */
bool sprig_empty(const tv *v);
/* Sprig's strslice: a list's non-nil elements as strings, a scalar as
 * one string, nil as nothing. Returns a []string list. */
tv *sprig_strslice(struct tv_arena *a, tv *v);
tv *sprig_string_list(struct tv_arena *a);
/* Go's encoding/json of a value (sorted keys). indent NULL: compact.
 * Returns 0 or -1 with err set. */
int sprig_json_encode(struct buf *out, const tv *v, bool escape_html, const char *indent,
		      struct berr *err);

#endif
