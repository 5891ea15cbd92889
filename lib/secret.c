/*
 * secret.c — Secret values masked in place (secret.h).
 *
 * The pairwise masking keeps, per key of a map, the list of distinct values
 * seen so far across both objects; a value's mask length says which of them
 * it is. The last-applied annotation is parsed, its data and stringData
 * masked pairwise the same way (one annotation against the other) and
 * written back; one level only, since kubectl never nests the annotation:
 * an annotation found inside one is replaced whole.
 */
#include "secret.h"

#include <stdlib.h>
#include <string.h>

/* The longest mask written: the 255th distinct value of one key. */
#define MASK_MAX 1024

static int is_secret(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	return json_is_object(obj) && kind && !strcmp(kind, "Secret");
}

static json_t *mask_string(size_t idx)
{
	char mask[MASK_MAX];
	size_t n = idx < (MASK_MAX - 9) / 4 ? 8 + 4 * idx : MASK_MAX - 1;
	memset(mask, '+', n);
	mask[n] = '\0';
	return json_string(mask);
}

/* Masks one map field of a and b (either NULL) pairwise. A field that is
 * there but not a map cannot be compared key by key: it is masked whole. */
static void mask_field(json_t *a, json_t *b, const char *field)
{
	json_t *objs[2] = { a, b }, *keys = json_object();
	const char *k;
	json_t *v;

	for (int i = 0; i < 2; i++) {
		json_t *map = json_object_get(objs[i], field);
		if (map && !json_is_object(map))
			json_object_set_new(objs[i], field, json_string(SECRET_MASK));
		json_object_foreach(json_object_get(objs[i], field), k, v)
			json_object_set_new(keys, k, json_true());
	}
	json_object_foreach(keys, k, v) {
		json_t *seen = json_array();
		for (int i = 0; i < 2; i++) {
			json_t *map = json_object_get(objs[i], field), *val;
			size_t idx;
			if (!json_is_object(map) || !(val = json_object_get(map, k)))
				continue;
			for (idx = 0; idx < json_array_size(seen); idx++)
				if (json_equal(json_array_get(seen, idx), val))
					break;
			if (idx == json_array_size(seen))
				json_array_append(seen, val);
			json_object_set_new(map, k, mask_string(idx));
		}
		json_decref(seen);
	}
	json_decref(keys);
}

static void mask_last_applied(json_t *a, json_t *b, int nested)
{
	json_t *objs[2] = { a, b }, *anns[2] = { NULL, NULL }, *conf[2] = { NULL, NULL };
	int any = 0;

	for (int i = 0; i < 2; i++) {
		json_t *ann = json_object_get(json_object_get(objs[i], "metadata"), "annotations");
		json_t *text = json_object_get(ann, SECRET_LAST_APPLIED);
		if (!text)
			continue;
		anns[i] = ann;
		if (!nested && json_is_string(text))
			conf[i] = json_loads(json_string_value(text), 0, NULL);
		if (!json_is_object(conf[i])) {
			json_decref(conf[i]);
			conf[i] = NULL;
			json_object_set_new(ann, SECRET_LAST_APPLIED, json_string(SECRET_MASK));
		} else {
			any = 1;
		}
	}
	if (!any)
		return;
	/* whatever kind it claims: it came from a Secret */
	mask_field(conf[0], conf[1], "data");
	mask_field(conf[0], conf[1], "stringData");
	mask_last_applied(conf[0], conf[1], 1);
	for (int i = 0; i < 2; i++) {
		if (!conf[i])
			continue;
		char *text = json_dumps(conf[i], JSON_COMPACT);
		json_object_set_new(anns[i], SECRET_LAST_APPLIED, json_string(text ? text : SECRET_MASK));
		free(text);
		json_decref(conf[i]);
	}
}

void secret_mask_pair(json_t *a, json_t *b)
{
	json_t *sa = is_secret(a) ? a : NULL, *sb = is_secret(b) ? b : NULL;

	if (!sa && !sb)
		return;
	mask_field(sa, sb, "data");
	mask_field(sa, sb, "stringData");
	mask_last_applied(sa, sb, 0);
}

void secret_mask(json_t *obj)
{
	secret_mask_pair(obj, NULL);
}

json_t *secret_repo_credentials(const json_t *data)
{
	static const char *const keys[] = { "username", "password", "sshPrivateKey",
					    "sshPassphrase", "sshKnownHosts", "tlsCA",
					    "tlsClientCertData", "tlsClientCertKey" };
	json_t *out = json_object(), *v;
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (json_is_string(v = json_object_get(data, keys[i])))
			json_object_set(out, keys[i], v);
	v = json_object_get(data, "insecure");
	json_object_set_new(out, "insecure",
			    json_boolean(json_is_string(v) && !strcmp(json_string_value(v), "true")));
	return out;
}
