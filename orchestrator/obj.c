/*
 * obj.c — dotted-path access to objects (see obj.h). Keys with dots in them
 * (annotation names) are reached with json_object_get on the parent.
 */
#include "obj.h"

#include <string.h>

json_t *obj_get(const json_t *obj, const char *path)
{
	const json_t *cur = obj;
	const char *p = path;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!json_is_object(cur))
			return NULL;
		cur = json_object_getn(cur, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return (json_t *)cur;
}

const char *obj_str(const json_t *obj, const char *path)
{
	const json_t *v = obj_get(obj, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *obj_meta(const json_t *obj, const char *field)
{
	const json_t *v = json_object_get(json_object_get(obj, "metadata"), field);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *obj_metadata(json_t *obj)
{
	json_t *m = json_object_get(obj, "metadata");
	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(obj, "metadata", m);
	}
	return m;
}
