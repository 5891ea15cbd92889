/* Unit tests for orchestrator/protobuf: hand-built protobuf bodies, good
 * and hostile, and real bodies captured from kubectl 1.32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "orchestrator/protobuf.h"

static void put_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_addch(b, (char)(v | 0x80));
		v >>= 7;
	}
	buf_addch(b, (char)v);
}

static void put_tag(struct buf *b, uint32_t num, int wire)
{
	put_varint(b, (uint64_t)num << 3 | (uint64_t)wire);
}

static void put_ld(struct buf *b, uint32_t num, const char *data, size_t len)
{
	put_tag(b, num, 2);
	put_varint(b, len);
	buf_add(b, data, len);
}

static void put_str(struct buf *b, uint32_t num, const char *s)
{
	put_ld(b, num, s, strlen(s));
}

/* Appends field num holding the message built in *m, and releases m. */
static void put_msg(struct buf *b, uint32_t num, struct buf *m)
{
	put_ld(b, num, m->data, m->len);
	buf_release(m);
}

static void put_uint(struct buf *b, uint32_t num, uint64_t v)
{
	put_tag(b, num, 0);
	put_varint(b, v);
}

/* map entry {1 key, 2 value} */
static void put_entry(struct buf *b, uint32_t num, const char *k, const char *v, size_t vlen)
{
	struct buf e = BUF_INIT;
	put_str(&e, 1, k);
	put_ld(&e, 2, v, vlen);
	put_msg(b, num, &e);
}

/* "k8s\0" + Unknown{TypeMeta, raw}; takes raw. */
static void body(struct buf *out, const char *api_version, const char *kind, struct buf *raw)
{
	struct buf tm = BUF_INIT;
	buf_add(out, "k8s\0", 4);
	put_str(&tm, 1, api_version);
	put_str(&tm, 2, kind);
	put_msg(out, 1, &tm);
	put_msg(out, 2, raw);
	put_str(out, 3, "");
	put_str(out, 4, "");
}

static json_t *decode_ok(struct buf *b)
{
	json_t *o = NULL;
	struct berr err = BERR_INIT;
	int rc = protobuf_decode(&o, b->data, b->len, &err);
	if (rc != 0)
		fail_msg("decode failed: %s", err.msg);
	buf_release(b);
	return o;
}

static void expect_error(struct buf *b, int code, const char *msg_part)
{
	json_t *o = (json_t *)1;
	struct berr err = BERR_INIT;
	int rc = protobuf_decode(&o, b->data, b->len, &err);
	buf_release(b);
	assert_null(o);
	assert_int_equal(rc, code);
	if (!strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

static void expect_json(json_t *o, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	assert_non_null(w);
	if (!json_equal(o, w)) {
		char *got = json_dumps(o, JSON_SORT_KEYS);
		fail_msg("got %s\nwant %s", got, want);
	}
	json_decref(w);
	json_decref(o);
}

static void test_configmap_maps_and_bytes(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, meta = BUF_INIT, b = BUF_INIT;
	put_str(&meta, 1, "c1");
	put_str(&meta, 2, "");                  /* zero scalars are left out */
	put_uint(&meta, 7, 0);
	put_entry(&meta, 11, "app", "web", 3);
	put_msg(&raw, 1, &meta);
	put_entry(&raw, 2, "a", "b", 1);
	put_entry(&raw, 2, "empty", "", 0);     /* an empty map value stays */
	put_entry(&raw, 3, "bin", "\0\1\2\xff", 4);
	put_uint(&raw, 4, 0);                   /* immutable is a pointer: false kept */
	body(&b, "v1", "ConfigMap", &raw);
	expect_json(decode_ok(&b),
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c1\","
		    "\"labels\":{\"app\":\"web\"}},\"data\":{\"a\":\"b\",\"empty\":\"\"},"
		    "\"binaryData\":{\"bin\":\"AAEC/w==\"},\"immutable\":false}");
}

static void test_special_types(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, meta = BUF_INIT, t = BUF_INIT, zero = BUF_INIT;
	struct buf spec = BUF_INIT, b = BUF_INIT;
	put_str(&meta, 1, "web");
	put_uint(&t, 1, 1700000000);
	put_uint(&t, 2, 5);
	put_msg(&meta, 8, &t);                  /* Time → RFC 3339 */
	put_msg(&meta, 9, &zero);               /* the zero Time is left out */
	put_msg(&raw, 1, &meta);
	put_uint(&spec, 1, 0);                  /* replicas 0 is kept */
	struct buf strat = BUF_INIT, ru = BUF_INIT, ios1 = BUF_INIT, ios2 = BUF_INIT;
	put_uint(&ios1, 1, 0);
	put_uint(&ios1, 2, (uint64_t)(int64_t)-1); /* a negative int32, ten bytes */
	put_uint(&ios2, 1, 1);
	put_str(&ios2, 3, "25%");
	put_msg(&ru, 1, &ios1);
	put_msg(&ru, 2, &ios2);
	put_str(&strat, 1, "RollingUpdate");
	put_msg(&strat, 2, &ru);
	put_msg(&spec, 4, &strat);
	struct buf tmpl = BUF_INIT, pod = BUF_INIT, c = BUF_INIT, res = BUF_INIT, q = BUF_INIT;
	put_str(&q, 1, "500m");
	struct buf e = BUF_INIT;
	put_str(&e, 1, "cpu");
	put_msg(&e, 2, &q);
	put_msg(&res, 1, &e);
	put_str(&c, 1, "app");
	put_str(&c, 3, "sh");                   /* repeated strings */
	put_str(&c, 3, "-c");
	put_msg(&c, 8, &res);
	put_msg(&pod, 2, &c);
	put_msg(&tmpl, 2, &pod);
	put_msg(&spec, 3, &tmpl);
	put_msg(&raw, 2, &spec);
	body(&b, "apps/v1", "Deployment", &raw);
	expect_json(decode_ok(&b),
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		    "\"web\",\"creationTimestamp\":\"2023-11-14T22:13:20Z\"},\"spec\":{\"replicas\":0,"
		    "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":-1,"
		    "\"maxSurge\":\"25%\"}},\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\","
		    "\"command\":[\"sh\",\"-c\"],\"resources\":{\"limits\":{\"cpu\":\"500m\"}}}]}}}}");
}

static void test_unknown_fields_skipped_and_inline(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, meta = BUF_INIT, b = BUF_INIT;
	put_str(&meta, 1, "s");
	put_uint(&meta, 99, 12345);             /* unknown varint */
	put_tag(&meta, 98, 1);                  /* unknown fixed64 */
	buf_add(&meta, "12345678", 8);
	put_tag(&meta, 97, 5);                  /* unknown fixed32 */
	buf_add(&meta, "1234", 4);
	put_str(&meta, 96, "ignored");          /* unknown length-delimited */
	put_msg(&raw, 1, &meta);
	put_str(&raw, 3, "Opaque");
	put_str(&raw, 1000, "a field from the future");
	body(&b, "v1", "Secret", &raw);
	expect_json(decode_ok(&b), "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
				   "\"metadata\":{\"name\":\"s\"},\"type\":\"Opaque\"}");

	/* SecretKeySelector embeds LocalObjectReference: its name is inlined */
	struct buf raw2 = BUF_INIT, spec = BUF_INIT, c = BUF_INIT, env = BUF_INIT, src = BUF_INIT;
	struct buf sel = BUF_INIT, lor = BUF_INIT, b2 = BUF_INIT;
	put_str(&lor, 1, "creds");
	put_msg(&sel, 1, &lor);
	put_str(&sel, 2, "password");
	put_msg(&src, 4, &sel);
	put_str(&env, 1, "PW");
	put_msg(&env, 3, &src);
	put_str(&c, 1, "app");
	put_msg(&c, 7, &env);
	put_msg(&spec, 2, &c);
	put_msg(&raw2, 2, &spec);
	body(&b2, "v1", "Pod", &raw2);
	expect_json(decode_ok(&b2),
		    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":"
		    "\"app\",\"env\":[{\"name\":\"PW\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"
		    "\"creds\",\"key\":\"password\"}}}]}]}}");
}

static void test_malformed_varint(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, b = BUF_INIT;
	put_tag(&raw, 4, 0);
	buf_add(&raw, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);  /* 11 bytes */
	body(&b, "v1", "ConfigMap", &raw);
	expect_error(&b, BERR_INVALID, "malformed varint in field 4 of ConfigMap");

	struct buf raw2 = BUF_INIT, b2 = BUF_INIT;
	put_tag(&raw2, 4, 0);
	buf_add(&raw2, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);  /* > 64 bits */
	body(&b2, "v1", "ConfigMap", &raw2);
	expect_error(&b2, BERR_INVALID, "malformed varint");

	struct buf raw3 = BUF_INIT, b3 = BUF_INIT;
	buf_add(&raw3, "\x80", 1);              /* a key that never ends */
	body(&b3, "v1", "ConfigMap", &raw3);
	expect_error(&b3, BERR_INVALID, "malformed field key");
}

static void test_truncated_length(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, b = BUF_INIT;
	put_tag(&raw, 1, 2);
	put_varint(&raw, 100);                  /* claims 100 bytes, has 2 */
	buf_add(&raw, "\x0a\x00", 2);
	body(&b, "v1", "Namespace", &raw);
	expect_error(&b, BERR_INVALID, "protobuf body of Namespace: truncated value in field 1 of Namespace");

	struct buf b2 = BUF_INIT;
	buf_add(&b2, "k8s\0", 4);
	put_tag(&b2, 2, 2);
	put_varint(&b2, UINT64_MAX / 2);        /* a huge length */
	expect_error(&b2, BERR_INVALID, "truncated value in field 2 of Unknown");

	struct buf b3 = BUF_INIT;
	buf_add(&b3, "k8s", 3);
	expect_error(&b3, BERR_INVALID, "magic");
}

static void test_wire_types(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, b = BUF_INIT, meta = BUF_INIT;
	put_uint(&meta, 1, 7);                  /* name as a varint */
	put_msg(&raw, 1, &meta);
	body(&b, "v1", "ConfigMap", &raw);
	expect_error(&b, BERR_INVALID, "field 1 (name) of ObjectMeta at 'metadata' has wire type varint");

	struct buf raw2 = BUF_INIT, b2 = BUF_INIT;
	put_tag(&raw2, 50, 3);                  /* a group */
	body(&b2, "v1", "ConfigMap", &raw2);
	expect_error(&b2, BERR_INVALID, "unsupported wire type start-group in field 50");

	struct buf raw3 = BUF_INIT, b3 = BUF_INIT;
	put_tag(&raw3, 0, 0);                   /* field number 0 */
	put_varint(&raw3, 1);
	body(&b3, "v1", "ConfigMap", &raw3);
	expect_error(&b3, BERR_INVALID, "bad field number");

	struct buf raw4 = BUF_INIT, b4 = BUF_INIT;
	put_entry(&raw4, 2, "k", "\xc3\x28", 2); /* not UTF-8 */
	body(&b4, "v1", "ConfigMap", &raw4);
	expect_error(&b4, BERR_INVALID, "not UTF-8");
}

static void test_deep_nesting(void **state)
{
	(void)state;
	/* 5,000 nested messages inside an unknown field: skipped whole, no recursion */
	struct buf inner = BUF_INIT;
	for (int i = 0; i < 5000; i++) {
		struct buf outer = BUF_INIT;
		put_msg(&outer, 1, &inner);
		inner = outer;
	}
	struct buf raw = BUF_INIT, b = BUF_INIT;
	put_msg(&raw, 77, &inner);
	put_entry(&raw, 2, "k", "v", 1);
	body(&b, "v1", "ConfigMap", &raw);
	expect_json(decode_ok(&b), "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}");

	/* the same nesting where the schema expects messages: the walk follows
	 * the schema (spec.selector.matchExpressions) and stops at its string */
	struct buf raw2 = BUF_INIT, b2 = BUF_INIT, deep = BUF_INIT;
	for (int i = 0; i < 5000; i++) {
		struct buf outer = BUF_INIT;
		put_msg(&outer, 2, &deep);
		deep = outer;
	}
	put_msg(&raw2, 2, &deep);
	body(&b2, "apps/v1", "Deployment", &raw2);
	expect_error(&b2, BERR_INVALID, "not UTF-8 text in field 2 of LabelSelectorRequirement at "
				       "'spec.selector.matchExpressions.operator'");
}

static void test_limits_and_unknown_kinds(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, b = BUF_INIT, spec = BUF_INIT;
	for (int i = 0; i < PROTOBUF_MAX_NODES + 1; i++)
		put_str(&spec, 1, "");
	put_msg(&raw, 2, &spec);
	body(&b, "v1", "Namespace", &raw);
	expect_error(&b, BERR_LIMIT, "more than");

	struct buf big = BUF_INIT;
	buf_add(&big, "k8s\0", 4);
	char *zeros = calloc(1, PROTOBUF_MAX_BYTES);
	buf_add(&big, zeros, PROTOBUF_MAX_BYTES);
	free(zeros);
	expect_error(&big, BERR_LIMIT, "larger than");

	struct buf raw2 = BUF_INIT, b2 = BUF_INIT;
	put_str(&raw2, 1, "x");
	body(&b2, "v1", "LimitRange", &raw2);
	expect_error(&b2, BERR_UNSUPPORTED, "kind 'LimitRange' (v1) is not read");

	struct buf b3 = BUF_INIT, tm = BUF_INIT;
	buf_add(&b3, "k8s\0", 4);
	put_str(&tm, 1, "v1");
	put_str(&tm, 2, "ConfigMap");
	put_msg(&b3, 1, &tm);
	put_str(&b3, 2, "\x1f\x8b");
	put_str(&b3, 3, "gzip");
	expect_error(&b3, BERR_UNSUPPORTED, "content encoding 'gzip'");

	struct buf b4 = BUF_INIT;
	buf_add(&b4, "k8s\0", 4);
	expect_error(&b4, BERR_INVALID, "no apiVersion and kind");
}

static void test_hpa_v2(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, spec = BUF_INIT, ref = BUF_INIT, metric = BUF_INIT;
	struct buf res = BUF_INIT, target = BUF_INIT, b = BUF_INIT;
	put_str(&ref, 1, "Deployment");
	put_str(&ref, 2, "web");
	put_str(&ref, 3, "apps/v1");
	put_msg(&spec, 1, &ref);
	put_uint(&spec, 2, 2);
	put_uint(&spec, 3, 5);
	put_str(&target, 1, "Utilization");
	put_uint(&target, 4, 80);
	put_str(&res, 1, "cpu");
	put_msg(&res, 2, &target);
	put_str(&metric, 1, "Resource");
	put_msg(&metric, 4, &res);
	put_msg(&spec, 4, &metric);
	put_msg(&raw, 2, &spec);
	body(&b, "autoscaling/v2", "HorizontalPodAutoscaler", &raw);
	expect_json(decode_ok(&b),
		    "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"spec\":"
		    "{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\",\"apiVersion\":"
		    "\"apps/v1\"},\"minReplicas\":2,\"maxReplicas\":5,\"metrics\":[{\"type\":\"Resource\","
		    "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
		    "\"averageUtilization\":80}}}]}}");
}

/* Bodies kubectl 1.32 sent (tests/fuzz/corpus/protobuf). */
static json_t *decode_file(const char *name)
{
	char path[512];
	const char *file = __FILE__;
	const char *slash = strrchr(file, '/');
	snprintf(path, sizeof(path), "%.*s/../fuzz/corpus/protobuf/%s",
		 slash ? (int)(slash - file) : 1, slash ? file : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open '%s'", path);
	static char data[1 << 16];
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	struct buf b = BUF_INIT;
	buf_add(&b, data, n);
	return decode_ok(&b);
}

static void test_captured_bodies(void **state)
{
	(void)state;
	expect_json(decode_file("v1_namespaces.bin"),
		    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"demo\"},"
		    "\"spec\":{}}");
	expect_json(decode_file("apps_v1_deployments.bin"),
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
		    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
		    "{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":"
		    "{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.25\",\"ports\":[{\"containerPort\":"
		    "80}],\"resources\":{}}]}},\"strategy\":{}}}");
	expect_json(decode_file("v1_secrets.bin"),
		    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s1\"},\"data\":"
		    "{\"password\":\"aHVudGVyMg==\"}}");
	expect_json(decode_file("policy_v1_poddisruptionbudgets.bin"),
		    "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":"
		    "\"pdb1\"},\"spec\":{\"minAvailable\":\"50%\",\"selector\":{\"matchLabels\":{\"app\":"
		    "\"web\"}}}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configmap_maps_and_bytes),
		cmocka_unit_test(test_special_types),
		cmocka_unit_test(test_unknown_fields_skipped_and_inline),
		cmocka_unit_test(test_malformed_varint),
		cmocka_unit_test(test_truncated_length),
		cmocka_unit_test(test_wire_types),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_limits_and_unknown_kinds),
		cmocka_unit_test(test_hpa_v2),
		cmocka_unit_test(test_captured_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
