/*
 * kstatus — Kubernetes `Status` errors of the bundled cluster.
 *
 * Every failing request answers a metav1.Status with the reason, code and
 * message the real API server would give, because kubectl prints the
 * message as it is and clients branch on the reason (NotFound,
 * AlreadyExists, Conflict, Invalid with details.causes, ...). Object-layer
 * functions fill a `struct kstatus` and return a negative BERR code; the
 * HTTP layer turns it into the response.
 *
 * A kstatus owns `causes` (a json array or NULL): release it with
 * kstatus_release(). KSTATUS_INIT is the empty value.
 */
#ifndef BOSUN_ORCH_KSTATUS_H
#define BOSUN_ORCH_KSTATUS_H

#include <jansson.h>

#include "err.h"

struct resource;

struct kstatus {
	int code;               /* HTTP status; 0 when unset */
	char reason[32];        /* "NotFound", ...; "" for none */
	char message[BERR_MSG_MAX];
	char name[256];         /* details.name */
	char group[256];        /* details.group */
	char kind[128];         /* details.kind */
	json_t *causes;         /* details.causes, owned */
	int retry_after;        /* details.retryAfterSeconds when > 0 */
};

#define KSTATUS_INIT { 0, "", "", "", "", "", NULL, 0 }

void kstatus_release(struct kstatus *st);

/* Sets code, reason and message; returns the BERR code matching the HTTP
 * status (404 → BERR_NOTFOUND, 409 → BERR_CONFLICT or BERR_EXISTS, 422 and
 * 400 → BERR_INVALID, 401/403 → BERR_AUTH, 410 → BERR_LIMIT, else BERR_FAIL). */
int kstatus_set(struct kstatus *st, int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Sets the details names (any may be NULL). */
void kstatus_details(struct kstatus *st, const char *name, const char *group,
		     const char *kind);

/* The common errors, with the real server's wording. `r` gives the
 * qualified resource ("deployments.apps") and the details. */
int kstatus_not_found(struct kstatus *st, const struct resource *r, const char *name);
int kstatus_exists(struct kstatus *st, const struct resource *r, const char *name);
int kstatus_conflict(struct kstatus *st, const struct resource *r, const char *name);
int kstatus_bad_request(struct kstatus *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Adds one Invalid cause (reason FieldValueInvalid, FieldValueRequired, ...). */
void kstatus_cause(struct kstatus *st, const char *reason, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Finishes an Invalid (422) error from the causes added so far:
 * `<Kind> "<name>" is invalid: <field>: <message>, ...`. */
int kstatus_invalid(struct kstatus *st, const struct resource *r, const char *name);

/* A new metav1.Status object for st (caller decrefs). */
json_t *kstatus_json(const struct kstatus *st);
/* A Status with status "Success" (delete answers), new reference. */
json_t *kstatus_success(const char *name, const struct resource *r, const char *uid);

/* "configmaps" or "deployments.apps". */
void kstatus_qualified(char *out, size_t size, const struct resource *r);

#endif
