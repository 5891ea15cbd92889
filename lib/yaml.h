/*
 * yaml — YAML text to and from the document model (jansson json_t).
 *
 * The reader resolves scalars the way Kubernetes tooling does
 * (sigs.k8s.io/yaml over go-yaml v2): yes/no/on/off/true/false in their case
 * variants are booleans, 0x/0o/0b ints, .inf/.nan floats, ~ and null are
 * null, quoted scalars stay strings, !!str/!!int/!!float/!!bool/!!null tags
 * are honoured, and mapping keys resolve too then become strings (a key
 * written `on:` is "true"). Anchors, aliases and `<<` merge keys are
 * expanded, with a cap on total expanded nodes against alias bombs.
 * Duplicate keys, nesting deeper than the limit and oversized input are
 * errors. Every error names "<name>:<line>:<column>".
 *
 * The writer prints go-yaml v2 style, as `helm template` and `kubectl -o
 * yaml` do: keys sorted, two-space indent, block sequences not indented
 * under their key, minimal quoting by go-yaml's rules, `|`/`|-` literal
 * blocks for multi-line strings.
 */
/* "yaml.h" is this file; <yaml.h> is libyaml's (lib/ is on the quoted
 * include path only, -iquote). */
#ifndef BOSUN_YAML_H
#define BOSUN_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct yaml_limits {
	size_t max_bytes;       /* input size; default 64 MiB */
	size_t max_depth;       /* nesting; default 255 (256 is refused) */
	size_t max_nodes;       /* nodes of one document after alias expansion,
				 * and nodes copied by aliases in a whole
				 * stream; default 4M */
	int duplicate_keys_last_wins;   /* 1: a repeated key replaces the
					 * earlier value instead of failing,
					 * as sigs.k8s.io/yaml's (non-strict)
					 * Unmarshal and kubectl accept */
};

/* Zero fields take the defaults above (duplicate keys are errors). */
extern const struct yaml_limits yaml_default_limits;

/*
 * Reads every document of a stream into a new json array (one element per
 * document; an empty document, i.e. only comments or `---`, gives json null
 * and is kept so callers can count positions; input with nothing but
 * whitespace gives an empty array). `name` is used in error messages (a file
 * name; NULL reads as "<input>"). Returns 0 and sets *out (caller decrefs),
 * or a negative BERR code with *out NULL: BERR_INVALID for bad YAML and for
 * values JSON cannot hold, BERR_LIMIT for the limits.
 *
 * Details that follow sigs.k8s.io/yaml: ints beyond int64 become json reals
 * (go-yaml's uint64 / big ints, which Go's JSON decoding turns into float64);
 * .inf and .nan values are errors (JSON has no such numbers); !!binary
 * scalars are base64-decoded, bytes that are not UTF-8 becoming U+FFFD; a
 * null key, or an int key beyond int64, is an error; float keys print in
 * float32 shortest form (`1.0:` is "1", `0.1:` is "0.1"). Stricter than
 * sigs.k8s.io/yaml's Unmarshal: duplicate keys are errors, also when they
 * only collide once turned into strings (`1:` and `"1":`), unless the
 * limits say duplicate_keys_last_wins. Merge keys: the
 * explicit keys of a mapping win over merged ones wherever `<<` stands, and
 * among the maps of a `<<: [*a, *b]` list the earlier wins. Aliased
 * subtrees are copies, never shared. A document made almost only of alias
 * expansions is refused ("excessive aliasing", as go-yaml does), so alias
 * bombs fail after little work.
 */
int yaml_read_stream(json_t **out, const char *text, size_t len,
		     const char *name, const struct yaml_limits *limits,
		     struct berr *err);

/* Reads exactly one document (an empty input gives json null). More than one
 * document is an error. */
int yaml_read(json_t **out, const char *text, size_t len, const char *name,
	      struct berr *err);

/*
 * What a scalar written plain (unquoted, untagged) resolves to when read, by
 * go-yaml v2's rules. The writer quotes every string whose kind is not
 * YAML_KIND_STR; templates can use it for the same decision.
 */
enum yaml_kind {
	YAML_KIND_STR,
	YAML_KIND_NULL,
	YAML_KIND_BOOL,
	YAML_KIND_INT,          /* fits int64 */
	YAML_KIND_UINT,         /* int syntax beyond int64 (read as a json real) */
	YAML_KIND_FLOAT,        /* incl. .inf and .nan */
	YAML_KIND_TIMESTAMP,    /* 2001-12-14, 2001-12-14T21:59:43Z, ...: read as string */
};

enum yaml_kind yaml_resolve_kind(const char *s, size_t len);

/* True when go-yaml would quote string `s` so it reads back as a string: it
 * resolves to another kind, or looks like a YAML 1.1 base-60 number (1:30). */
int yaml_string_needs_quotes(const char *s, size_t len);

/*
 * Go's strconv.FormatFloat(f, 'g', -1, bits) for bits 64 or 32: shortest
 * round-trip digits, exponent form when the exponent is < -4 or >= 6
 * ("1e+06", "0.5", "1.5e-07", "100000", "3"); NaN and infinities print as
 * Go does ("NaN", "+Inf", "-Inf"). `out` needs 32 bytes.
 */
void yaml_format_float(char out[32], double f, int bits);

/*
 * Appends `doc` as YAML to `out` (no leading "---"), byte for byte as
 * go-yaml v2's Marshal prints the same Go value. Numbers print as go-yaml
 * prints Go values: json integers as ints, reals by yaml_format_float (1e+06,
 * 0.5, 3). Helm's toYaml and kubectl pass values through Go's JSON first,
 * which turns an integral float into an int: a json real 1000000.0 prints
 * "1e+06" here and "1000000" there; yaml_write_flags() below does the
 * latter. Strings that are not
 * valid UTF-8 are written as base64 `!!binary`, as go-yaml does; a key "<<"
 * is written plain, as go-yaml does, and so reads back as a merge key.
 */
void yaml_write(struct buf *out, const json_t *doc);

/*
 * yaml_write with options. YAML_WRITE_JSON_NUMBERS prints reals as they come
 * out of sigs.k8s.io/yaml's Marshal (helm's toYaml, kubectl -o yaml), which
 * passes values through Go's JSON first: an integral real below 2^64 prints
 * as an integer (1000000.0 is "1000000", -0.0 is "0"), other reals as
 * yaml_write prints them. YAML_WRITE_NO_WRAP never folds long scalars
 * (goyaml.v3's default; v2 folds at 80 columns).
 */
enum { YAML_WRITE_JSON_NUMBERS = 1, YAML_WRITE_NO_WRAP = 2 };
void yaml_write_flags(struct buf *out, const json_t *doc, unsigned flags);

#endif
