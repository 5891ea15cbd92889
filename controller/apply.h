/*
 * apply — client-side apply of one object with the last-applied annotation
 * (see apply.c). Used by the sync engine.
 */
#ifndef BOSUN_CTRL_APPLY_H
#define BOSUN_CTRL_APPLY_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

struct kube_client;

struct apply_options {
	int dry_run;
	int replace;            /* Replace=true: PUT the whole object */
	int probably_missing;   /* the live cache lacks it: try a create first,
	                           falling back to get + patch when it exists */
	char *message;          /* filled with "created", "configured", ... */
	size_t message_size;
};

/* Applies config; *out is the object the server returned (new reference).
 * opts may be NULL. */
int apply_object(struct kube_client *kc, json_t **out, const json_t *config,
		 const struct apply_options *opts, struct berr *err);

/* The three-way JSON merge patch kubectl sends for kinds without a
 * strategic schema: current → modified, but deleting only keys `original`
 * (the last apply) had. *out is new. */
int apply_three_way_merge(json_t **out, const json_t *original, const json_t *modified,
			  const json_t *current, struct berr *err);

#endif
