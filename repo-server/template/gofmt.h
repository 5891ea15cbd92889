/*
 * gofmt — Go's fmt package over template values: Sprint, Sprintln, Sprintf
 * with Go's verbs, flags and error forms (%!d(string=x), %!d(MISSING),
 * %!(EXTRA ...)), and strconv's shortest float formatting. Templates print
 * through it, and so do Sprig functions that call fmt in Go.
 *
 * `limit` caps how much a single call may append: a map that contains
 * itself would otherwise print forever. Output stops (cut short) once the
 * buffer has grown by more than limit bytes; 0 means 64 MiB.
 */
#ifndef BOSUN_TEMPLATE_GOFMT_H
#define BOSUN_TEMPLATE_GOFMT_H

#include "repo-server/template/value.h"

void gofmt_sprint(struct buf *out, tv **args, size_t n, size_t limit);
void gofmt_sprintln(struct buf *out, tv **args, size_t n, size_t limit);
void gofmt_sprintf(struct buf *out, const char *fmt, size_t flen, tv **args,
		   size_t n, size_t limit);
/* %v of one value (nil prints "<nil>"). */
void gofmt_value(struct buf *out, const tv *v, size_t limit);
/* strconv.FormatFloat(f, 'g', -1, 64): 3.5, 1e+06, 1.234567e+06. */
void gofmt_float(struct buf *out, double f);
/* Shortest digits laid out as strconv's 'e', 'f' or 'g' with precision -1. */
void gofmt_float_shortest(struct buf *out, double f, char fmt);
/* strconv.Quote (ascii_only: QuoteToASCII). */
void gofmt_quote(struct buf *out, const char *s, size_t len, bool ascii_only);
/* Decodes one UTF-8 rune at s (len > 0); invalid bytes give 0xFFFD, width 1. */
int gofmt_utf8_decode(const char *s, size_t len, uint32_t *r);
void gofmt_utf8_encode(struct buf *out, uint32_t r);
/* unicode.IsPrint, closely enough for quoting and escaping. */
bool gofmt_is_print(uint32_t r);

#endif
