/*
 * sprig — the Sprig v3 template functions, as Helm exposes them, for the
 * Go template engine of repo-server/template.
 *
 * sprig_register() adds every function to a set (before parsing, since an
 * unknown function is a parse error). Helm's own functions (include, tpl,
 * toYaml, required, lookup, ...) are not here: the Helm engine adds them,
 * replacing Sprig's where Helm does (toJson and friends).
 *
 * Behaviour follows Sprig's Go code: loose conversions as spf13/cast does
 * them (`int "12"` is 12, `int "x"` is 0), functions that panic in Go fail
 * the execution with an error, maps iterate in key order. Left out: env and
 * expandenv (Helm removes them), getHostByName (no network while
 * rendering) and DSA private keys.
 */
#ifndef BOSUN_SPRIG_H
#define BOSUN_SPRIG_H

#include "repo-server/template/template.h"

void sprig_register(struct tmpl_set *set);

/* A time.Time value (what `now` returns) at Unix seconds, shown in `zone`
 * ("UTC", "GMT", "Local"; others read as UTC). For callers that put times
 * into template data. */
tv *sprig_time(struct tv_arena *a, int64_t unix_sec, int32_t nsec, const char *zone);

#endif
