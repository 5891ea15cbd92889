/*
 * selector — Kubernetes label selectors and field selectors.
 *
 * Label selectors follow k8s.io/apimachinery/pkg/labels: requirements
 * joined by ',' (all must hold), each one of
 *
 *     key=value  key==value  key!=value       exact match (a missing label
 *                                             matches != but never =)
 *     key in (a,b)  key notin (a,b)           set match ("()" is the set {""})
 *     key  !key                               exists, does not exist
 *     key>5  key<5                            integer comparison
 *
 * with spaces, tabs and newlines allowed between tokens; "in" and "notin"
 * are keywords only where an operator is expected. Keys are qualified names
 * ([prefix/]name: name up to 63 characters of [A-Za-z0-9_.-] starting and
 * ending alphanumeric, prefix a DNS-1123 subdomain up to 253), values are
 * empty or up to 63 such characters. The empty string selects everything.
 * Requirements are kept sorted by key and value sets sorted without
 * duplicates, as Go keeps them, so selector_format prints what Go's
 * String() prints.
 *
 * A selector can also be built from a metav1.LabelSelector object (the
 * `selector` of a Deployment, `spec.selector` of a ReplicaSet, ...):
 * matchLabels become '=' requirements, matchExpressions take the operators
 * In, NotIn, Exists and DoesNotExist. A JSON null or NULL selector selects
 * nothing and an empty object everything, as LabelSelectorAsSelector does.
 *
 * Field selectors follow k8s.io/apimachinery/pkg/fields: terms
 * `field=value`, `field==value` or `field!=value` joined by ','; in a value
 * '\,' '\=' and '\\' escape those characters. Nothing else is trimmed or
 * validated (a field selector names arbitrary object paths). A field is
 * read from an object by its dotted path (metadata.name,
 * involvedObject.kind); a missing field or null reads as "", and other
 * scalars are compared as Go prints them (true, 3, 1.5); an object or array
 * equals no value.
 *
 * Ownership: a struct selector owns every string in it; selector_free
 * releases it all. The parse functions return a new selector in *out that
 * the caller frees; on failure *out is NULL.
 */
#ifndef BOSUN_SELECTOR_H
#define BOSUN_SELECTOR_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Longest selector text accepted (BERR_LIMIT beyond). */
#define SELECTOR_MAX_LEN 65536

enum selector_kind {
	SELECTOR_LABELS,
	SELECTOR_FIELDS,
};

enum selector_op {
	SELECTOR_EQUALS,          /* =  (field selectors: = and ==) */
	SELECTOR_DOUBLE_EQUALS,   /* == */
	SELECTOR_NOT_EQUALS,      /* != */
	SELECTOR_IN,
	SELECTOR_NOT_IN,
	SELECTOR_EXISTS,
	SELECTOR_DOES_NOT_EXIST,
	SELECTOR_GT,
	SELECTOR_LT,
};

struct selector_req {
	char *key;              /* label key, or dotted field path */
	enum selector_op op;
	char **values;          /* sorted, no duplicates; none for (DOES_NOT_)EXIST */
	size_t nvalues;
	long long number;       /* the value of GT and LT */
};

struct selector {
	enum selector_kind kind;
	int nothing;            /* selects nothing (from a null LabelSelector) */
	struct selector_req *reqs;      /* sorted by key */
	size_t nreqs;
};

/* Parses a label selector string. BERR_INVALID names the column. */
int selector_parse_labels(struct selector **out, const char *text,
			  struct berr *err);

/* Builds a label selector from a metav1.LabelSelector (NULL or null:
 * nothing). BERR_INVALID names the field (matchExpressions[1].operator). */
int selector_from_label_selector(struct selector **out, const json_t *ls,
				 struct berr *err);

/* Parses a field selector string. */
int selector_parse_fields(struct selector **out, const char *text,
			  struct berr *err);

/*
 * 1 when `set` satisfies every requirement, else 0. `set` is a flat object:
 * the labels (key to string; a value that is not a string counts as absent)
 * for a label selector, or field path to value for a field selector
 * ("metadata.name": "web"). NULL is the empty set.
 */
int selector_matches(const struct selector *sel, const json_t *set);

/* Matches a whole object: its metadata.labels for a label selector, the
 * fields at each requirement's dotted path for a field selector. */
int selector_match_object(const struct selector *sel, const json_t *obj);

/* 1 when the selector selects everything (no requirements). */
int selector_is_everything(const struct selector *sel);

/* Appends the selector as Go's String() prints it ("app=web,tier in (a,b)");
 * a selector of nothing prints as "". */
void selector_format(struct buf *out, const struct selector *sel);

/* Frees the selector and everything in it; NULL is fine. */
void selector_free(struct selector *sel);

#endif
