/*
 * table.c — aligned tables as argocd prints them (Go's tabwriter with two
 * spaces of padding: each column as wide as its widest cell, the last one
 * unpadded) and the JSON/YAML printers behind `-o json|yaml`. Widths count
 * UTF-8 characters, not bytes, so names with accents still line up.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "yaml.h"

void table_init(struct table *t, int ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void table_addv(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = xrealloc(t->cells, (size_t)t->cap * t->ncols * sizeof(*t->cells));
	}
	for (int i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "";
		/* one line per row: tabs and newlines in a cell would break it */
		char *copy = xstrdup(c);
		for (char *p = copy; *p; p++)
			if (*p == '\n' || *p == '\t' || *p == '\r')
				*p = ' ';
		t->cells[(size_t)t->nrows * t->ncols + i] = copy;
	}
	t->nrows++;
}

void table_add(struct table *t, ...)
{
	const char *cells[32];
	va_list ap;
	va_start(ap, t);
	for (int i = 0; i < t->ncols && i < 32; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	table_addv(t, cells);
}

static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void table_format(const struct table *t, struct buf *out)
{
	size_t *w = xcalloc(t->ncols ? t->ncols : 1, sizeof(*w));
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			size_t cw = width(t->cells[(size_t)r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (int r = 0; r < t->nrows; r++) {
		size_t line_start = out->len;
		for (int c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[(size_t)r * t->ncols + c];
			buf_adds(out, cell);
			if (c + 1 < t->ncols)
				for (size_t k = width(cell); k < w[c] + 2; k++)
					buf_addch(out, ' ');
		}
		/* empty last cells leave padding: trim it as tabwriter does */
		while (out->len > line_start && out->data[out->len - 1] == ' ')
			buf_truncate(out, out->len - 1);
		buf_addch(out, '\n');
	}
	free(w);
}

void table_print(const struct table *t, FILE *f)
{
	struct buf b = BUF_INIT;
	table_format(t, &b);
	fwrite(b.data, 1, b.len, f);
	buf_release(&b);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < (size_t)t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void cli_print_doc(const json_t *doc, enum cli_output fmt)
{
	if (fmt == OUT_YAML) {
		struct buf b = BUF_INIT;
		yaml_write_flags(&b, doc, YAML_WRITE_JSON_NUMBERS);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
		return;
	}
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text) {
		puts(text);
		free(text);
	}
}
