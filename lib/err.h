/*
 * err — the one error type of Bosun.
 *
 * A function that can fail returns int (0 on success, a negative BERR_* code
 * on failure) and fills a `struct berr *` supplied by its caller with a
 * human-readable message. Messages follow git's guidelines: what went wrong
 * first, no capital, no full stop, the subject in quotes, and they name the
 * file:line:column, field or object involved ("'deploy.yaml:3:7': mapping
 * values are not allowed here"). The caller owns the struct; it holds no heap
 * memory, so it never needs freeing. `err` may be NULL when the caller does
 * not want the message.
 *
 *     if (yaml_read(&doc, text, len, "values.yaml", &err) < 0)
 *             return berr_prefix(&err, "chart 'web'");
 */
#ifndef BOSUN_ERR_H
#define BOSUN_ERR_H

enum berr_code {
	BERR_OK = 0,
	BERR_FAIL = -1,         /* generic failure */
	BERR_INVALID = -2,      /* malformed or invalid input */
	BERR_NOTFOUND = -3,
	BERR_EXISTS = -4,
	BERR_CONFLICT = -5,
	BERR_LIMIT = -6,        /* a size, depth, count or time limit was hit */
	BERR_IO = -7,           /* the OS or network said no */
	BERR_AUTH = -8,         /* unauthenticated or forbidden */
	BERR_UNSUPPORTED = -9,
};

#define BERR_MSG_MAX 1024

struct berr {
	int code;
	char msg[BERR_MSG_MAX];
};

#define BERR_INIT { 0, "" }

/* Sets the message and code; returns code so `return berr_set(...)` reads well. */
int berr_set(struct berr *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends "<context>: " to the message; returns the code already set. */
int berr_prefix(struct berr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void berr_clear(struct berr *e);
/* Short name of a code ("invalid", "not found", ...). */
const char *berr_code_name(int code);

#endif
