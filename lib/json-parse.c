/*
 * json-parse.c — JSON text to json_t with limits (doc_parse_json in doc.h).
 *
 * jansson does the parsing; this file puts a guard in front of it. Size is
 * checked first, then one linear scan over the bytes tracks strings (with
 * their escapes) and counts open brackets outside them, refusing raw NUL
 * bytes and nesting over the limit before the recursive parser is entered.
 * The scan counts lines and columns as jansson does (a column is a UTF-8
 * character, both start at 1), so every message, ours or jansson's, reads
 * "<name>:<line>:<column>: <what>".
 *
 * jansson runs with JSON_REJECT_DUPLICATES and JSON_DECODE_ANY, without
 * JSON_ALLOW_NUL, JSON_DISABLE_EOF_CHECK or JSON_DECODE_INT_AS_REAL: a
 * duplicate key, trailing garbage, and "\u0000" in a string are errors, and
 * integral numbers become json integers.
 */
#include "doc.h"

#include <stdlib.h>

const struct doc_limits doc_default_limits = {
	.max_bytes = 64u << 20,
	.max_depth = 255,
};

static int prescan(const char *text, size_t len, size_t max_depth,
		   const char *name, struct berr *err)
{
	size_t line = 1, col = 0, depth = 0;
	int in_string = 0, escaped = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			line++;
			col = 0;
		} else if ((c & 0xC0) != 0x80) {
			col++;
		}
		if (c == '\0')
			return berr_set(err, BERR_INVALID, "%s:%zu:%zu: NUL byte in input",
					name, line, col);
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return berr_set(err, BERR_LIMIT,
						"%s:%zu:%zu: nesting deeper than %zu",
						name, line, col, max_depth);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int doc_parse_json(json_t **out, const char *text, size_t len,
		   const struct doc_limits *limits, const char *name,
		   struct berr *err)
{
	size_t max_bytes = doc_default_limits.max_bytes;
	size_t max_depth = doc_default_limits.max_depth;
	if (limits && limits->max_bytes)
		max_bytes = limits->max_bytes;
	if (limits && limits->max_depth)
		max_depth = limits->max_depth;
	if (!name)
		name = "input";
	if (!text)
		text = "";
	*out = NULL;

	if (len > max_bytes)
		return berr_set(err, BERR_LIMIT, "%s: document is %zu bytes, over the limit of %zu",
				name, len, max_bytes);
	int r = prescan(text, len, max_depth, name, err);
	if (r < 0)
		return r;

	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!doc) {
		if (json_error_code(&je) == json_error_out_of_memory)
			abort();
		if (je.line < 0)
			return berr_set(err, BERR_INVALID, "%s: %s", name, je.text);
		return berr_set(err, BERR_INVALID, "%s:%d:%d: %s", name, je.line,
				je.column, je.text);
	}
	*out = doc;
	return 0;
}
