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
#ifndef BOSUN_YAML_H
#define BOSUN_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct yaml_limits {
	size_t max_bytes;       /* input size; default 64 MiB */
	size_t max_depth;       /* nesting; default 255 (256 is refused) */
	size_t max_nodes;       /* nodes after alias expansion; default 4M */
};

/* Zero fields take the defaults above. */
extern const struct yaml_limits yaml_default_limits;

/*
 * Reads every document of a stream into a new json array (one element per
 * document; an empty document, i.e. only comments or `---`, gives json null
 * and is kept so callers can count positions). `name` is used in error
 * messages (a file name). Returns 0 and sets *out (caller decrefs), or a
 * negative BERR code with *out NULL.
 */
int yaml_read_stream(json_t **out, const char *text, size_t len,
		     const char *name, const struct yaml_limits *limits,
		     struct berr *err);

/* Reads exactly one document (an empty input gives json null). More than one
 * document is an error. */
int yaml_read(json_t **out, const char *text, size_t len, const char *name,
	      struct berr *err);

/*
 * Appends `doc` as YAML to `out` (no leading "---"). Numbers print as go-yaml
 * prints Go values: json integers as ints, reals in Go's strconv 'g'-like
 * shortest form (1e+06, 0.5, 3).
 */
void yaml_write(struct buf *out, const json_t *doc);

#endif
