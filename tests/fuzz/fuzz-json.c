/*
 * fuzz-json — arbitrary bytes into doc_parse_json.
 *
 * On success the document is canonicalised and digested, and the canonical
 * form must parse back to an equal document with the same canonical bytes.
 * Strings found in the document (the first few) are then used as paths,
 * label selectors and field selectors against the document itself, and an
 * object is also read as a metav1.LabelSelector, so the path and selector
 * parsers get fuzzed input too. Any crash, leak, sanitizer report or
 * broken invariant (abort) is a finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "selector.h"

#define MAX_STRINGS 8

static void collect_strings(const json_t *v, const char **out, size_t *n)
{
	if (*n >= MAX_STRINGS)
		return;
	if (json_is_string(v)) {
		out[(*n)++] = json_string_value(v);
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && *n < MAX_STRINGS; i++)
			collect_strings(json_array_get(v, i), out, n);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e) {
			if (*n >= MAX_STRINGS)
				break;
			out[(*n)++] = k;
			collect_strings(e, out, n);
		}
	}
}

static void use_string(json_t *doc, const char *s)
{
	struct selector *sel;
	json_t *copy;

	(void)doc_get(doc, s);
	(void)doc_get_str(doc, s);
	copy = doc_copy(doc);
	if (json_is_object(copy) || json_is_array(copy)) {
		(void)doc_set_new(copy, s, json_string("x"), NULL);
		(void)doc_del(copy, s, NULL);
	}
	json_decref(copy);

	if (selector_parse_labels(&sel, s, NULL) == 0) {
		struct buf b = BUF_INIT;
		struct selector *again;
		selector_format(&b, sel);
		/* what Go's String() prints parses back to the same selector */
		if (selector_parse_labels(&again, b.data, NULL) < 0)
			abort();
		struct buf b2 = BUF_INIT;
		selector_format(&b2, again);
		if (strcmp(b.data, b2.data))
			abort();
		buf_release(&b2);
		buf_release(&b);
		selector_free(again);
		(void)selector_match_object(sel, doc);
		(void)selector_matches(sel, doc);
		selector_free(sel);
	}
	if (selector_parse_fields(&sel, s, NULL) == 0) {
		(void)selector_match_object(sel, doc);
		(void)selector_matches(sel, doc);
		selector_free(sel);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct doc_limits limits = { .max_bytes = 1 << 20, .max_depth = 64 };
	json_t *doc, *back;
	struct berr err = BERR_INIT;

	if (doc_parse_json(&doc, (const char *)data, size, &limits, "fuzz", &err) < 0) {
		if (err.msg[0] == '\0' || err.code >= 0)
			abort();        /* a failure always explains itself */
		return 0;
	}

	struct buf c1 = BUF_INIT, c2 = BUF_INIT;
	char hex[DOC_DIGEST_HEX_LEN + 1];
	doc_canonical(&c1, doc);
	doc_digest(hex, doc);
	if (doc_parse_json(&back, c1.data, c1.len, NULL, "canonical", &err) < 0)
		abort();
	if (!doc_equal(doc, back) || !doc_equal(back, doc))
		abort();
	doc_canonical(&c2, back);
	if (c1.len != c2.len || memcmp(c1.data, c2.data, c1.len))
		abort();
	buf_release(&c1);
	buf_release(&c2);
	json_decref(back);

	const char *strings[MAX_STRINGS];
	size_t n = 0;
	collect_strings(doc, strings, &n);
	for (size_t i = 0; i < n; i++)
		use_string(doc, strings[i]);

	struct selector *sel;
	if (selector_from_label_selector(&sel, doc, NULL) == 0) {
		(void)selector_match_object(sel, doc);
		selector_free(sel);
	}
	json_decref(doc);
	return 0;
}
