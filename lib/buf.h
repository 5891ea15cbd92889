/*
 * buf — the one growable byte buffer of Bosun, after git's strbuf.
 *
 * Invariants: `data` is never NULL and always NUL-terminated at `len`, so a
 * buf can be handed to any function that wants a C string; `len` counts the
 * bytes before that NUL. A buf starts as BUF_INIT (pointing at a shared empty
 * string, no allocation) and owns its memory once it grows. buf_release()
 * frees it and leaves BUF_INIT behind; buf_detach() hands the memory to the
 * caller, who frees it with free().
 *
 * Allocation failure aborts: every part of Bosun treats out-of-memory as
 * fatal, so callers never check for it.
 */
#ifndef BOSUN_BUF_H
#define BOSUN_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;     /* 0 while data points at the shared empty string */
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
/* Returns the malloc'd string (never NULL); the caller frees it. */
char *buf_detach(struct buf *b, size_t *len_out);
void buf_grow(struct buf *b, size_t extra);
void buf_reset(struct buf *b);
void buf_truncate(struct buf *b, size_t len);

void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Reads a whole file into b (appending). Returns 0, or -1 with errno set. */
int buf_read_file(struct buf *b, const char *path, size_t limit);

/* xmalloc family: abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A NULL-terminated string vector: a deep copy (v may be NULL: an empty
 * vector), and its release (NULL is fine). */
char **xstrv_dup(const char *const *v);
void strv_free(char **v);

#endif
