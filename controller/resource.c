/*
 * resource — object identity, cache keys and tracking ids (resource.h).
 *
 * A tracking id names the object it was written on, so an object copied
 * by hand into another namespace (annotations and all) does not count as
 * the app's: tracking_app_of() checks the id against the object first, as
 * Argo CD's annotation tracking does, and only then trusts the label.
 */
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "resource.h"

static int copy_field(char *dst, size_t size, const char *src, const char *field,
		      int required, struct berr *err)
{
	if (!src || !*src) {
		dst[0] = '\0';
		return required ? berr_set(err, BERR_INVALID, "object has no '%s'", field) : 0;
	}
	if (strlen(src) >= size)
		return berr_set(err, BERR_INVALID, "'%s' of object is too long", field);
	strcpy(dst, src);
	return 0;
}

int res_id_from_object(struct res_id *out, const json_t *obj, struct berr *err)
{
	const char *av = doc_get_str(obj, "apiVersion");
	int rc;
	memset(out, 0, sizeof(*out));
	if (!av || !*av)
		return berr_set(err, BERR_INVALID, "object has no 'apiVersion'");
	const char *slash = strchr(av, '/');
	if (slash) {
		if ((size_t)(slash - av) >= sizeof(out->group))
			return berr_set(err, BERR_INVALID, "'apiVersion' of object is too long");
		memcpy(out->group, av, slash - av);
		out->group[slash - av] = '\0';
	}
	if ((rc = copy_field(out->kind, sizeof(out->kind), doc_get_str(obj, "kind"), "kind", 1,
			     err)) < 0
	    || (rc = copy_field(out->name, sizeof(out->name), doc_get_str(obj, "metadata.name"),
				"metadata.name", 1, err)) < 0
	    || (rc = copy_field(out->namespace, sizeof(out->namespace),
				doc_get_str(obj, "metadata.namespace"), "metadata.namespace", 0,
				err)) < 0)
		return rc;
	return 0;
}

void res_key(struct buf *out, const struct res_id *id)
{
	buf_addf(out, "%s/%s/%s/%s", id->group, id->kind, id->namespace, id->name);
}

void tracking_id_format(struct buf *out, const char *app, const struct res_id *id)
{
	buf_addf(out, "%s:%s/%s:%s/%s", app, id->group, id->kind, id->namespace, id->name);
}

/* Copies s[0..n) into dst (size bytes); -1 when it does not fit. */
static int copy_span(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int tracking_id_parse(char *app, size_t app_size, struct res_id *out, const char *s,
		      struct berr *err)
{
	memset(out, 0, sizeof(*out));
	const char *c1 = s ? strchr(s, ':') : NULL;
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *gk = c1 ? c1 + 1 : NULL;
	const char *slash1 = c2 ? memchr(gk, '/', c2 - gk) : NULL;
	const char *nsname = c2 ? c2 + 1 : NULL;
	const char *slash2 = nsname ? strchr(nsname, '/') : NULL;
	if (!s || !c1 || !c2 || !slash1 || !slash2 || c1 == s || slash1 + 1 == c2
	    || !slash2[1] || strchr(slash2 + 1, '/') || strchr(nsname, ':'))
		return berr_set(err, BERR_INVALID, "malformed tracking id '%.200s'", s ? s : "");
	if (copy_span(app, app_size, s, c1 - s) < 0
	    || copy_span(out->group, sizeof(out->group), gk, slash1 - gk) < 0
	    || copy_span(out->kind, sizeof(out->kind), slash1 + 1, c2 - slash1 - 1) < 0
	    || copy_span(out->namespace, sizeof(out->namespace), nsname, slash2 - nsname) < 0
	    || copy_span(out->name, sizeof(out->name), slash2 + 1, strlen(slash2 + 1)) < 0)
		return berr_set(err, BERR_INVALID, "tracking id '%.200s' is too long", s);
	return 0;
}

const char *tracking_app_of(const json_t *obj, char *scratch, size_t scratch_size)
{
	const char *tid = doc_getv(obj, "metadata", "annotations", TRACKING_ANNOTATION, NULL)
				  ? json_string_value(doc_getv(obj, "metadata", "annotations",
							       TRACKING_ANNOTATION, NULL))
				  : NULL;
	if (tid) {
		struct res_id want, have;
		if (tracking_id_parse(scratch, scratch_size, &want, tid, NULL) == 0
		    && res_id_from_object(&have, obj, NULL) == 0
		    && !strcmp(want.group, have.group) && !strcmp(want.kind, have.kind)
		    && !strcmp(want.namespace, have.namespace) && !strcmp(want.name, have.name))
			return scratch;
		return NULL;
	}
	return json_string_value(doc_getv(obj, "metadata", "labels", TRACKING_LABEL, NULL));
}
