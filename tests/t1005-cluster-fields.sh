#!/bin/sh
# fieldValidation on the bundled cluster: a manifest with a misspelt field
# fails as against a real cluster (kubectl asks for Strict), Warn answers
# with Warning headers and drops the field, Ignore drops it silently;
# duplicate fields, server-side apply and CRD schemas alike.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
command -v curl >/dev/null 2>&1 || test_skip_all "curl is not installed"

start_bosund cluster --pod-start-delay 100ms
TOKEN=$(sed -n 's/^ *token: *//p' "$DATA/kubeconfig.yaml" | head -1)

# post PATH QUERY BODY: POSTs JSON, headers and body to $TEST_TMP/out
post() {
	curl -sk -D "$TEST_TMP/headers" -o "$TEST_TMP/out" -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$CLUSTER_PORT$1?$2" --data-binary "$3"
}

cat >"$TEST_TMP/typo.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        portss: [{containerPort: 80}]
  foo: bar
YAML

test_expect_success 'kubectl apply of a misspelt field fails with strict decoding error' '
	expect_fail_with "strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers\[0\].portss\"" \
		kc apply -f "$TEST_TMP/typo.yaml" &&
	! kc get deploy web
'

test_expect_success 'kubectl create -f refuses it too' '
	expect_fail_with "BadRequest.*unknown field \"spec.foo\"" kc create -f "$TEST_TMP/typo.yaml"
'

test_expect_success '--validate=warn creates it, warns and drops the unknown fields' '
	kc apply --validate=warn -f "$TEST_TMP/typo.yaml" >"$TEST_TMP/warn.out" 2>&1 &&
	grep "Warning: unknown field \"spec.foo\"" "$TEST_TMP/warn.out" &&
	grep "Warning: unknown field \"spec.template.spec.containers\[0\].portss\"" "$TEST_TMP/warn.out" &&
	kc get deploy web -o jsonpath={.spec} >"$TEST_TMP/web.json" &&
	grep -q nginx "$TEST_TMP/web.json" &&
	! grep -q portss "$TEST_TMP/web.json" && ! grep -q "\"foo\"" "$TEST_TMP/web.json"
'

test_expect_success 'a patch by kubectl apply to the existing object is checked as well' '
	expect_fail_with "error when patching.*strict decoding error: .*unknown field \"spec.foo\"" \
		kc apply -f "$TEST_TMP/typo.yaml"
'

test_expect_success 'server-side apply names the undeclared field' '
	expect_fail_with "\.spec\.foo: field not declared in schema" \
		kc apply --server-side -f "$TEST_TMP/typo.yaml"
'

test_expect_success 'a valid manifest with fields newer than 1.22 is accepted' '
	cat >"$TEST_TMP/job.yaml" <<-YAML &&
	apiVersion: batch/v1
	kind: Job
	metadata: {name: j, namespace: default}
	spec:
	  podFailurePolicy:
	    rules: [{action: FailJob, onExitCodes: {operator: In, values: [42]}}]
	  podReplacementPolicy: Failed
	  backoffLimitPerIndex: 1
	  completionMode: Indexed
	  completions: 1
	  template:
	    spec:
	      restartPolicy: Never
	      os: {name: linux}
	      schedulingGates: []
	      containers:
	      - name: c
	        image: busybox:1
	        restartPolicy: Always
	        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
	        startupProbe: {grpc: {port: 8080}}
	YAML
	kc apply -f "$TEST_TMP/job.yaml"
'

test_expect_success 'Warn is the default without fieldValidation; Ignore says nothing' '
	code=$(post /api/v1/namespaces/default/configmaps "" \
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"},\"dat\":{}}") &&
	test "$code" = 201 &&
	grep -i "^Warning: 299 - \"unknown field \\\\\"dat\\\\\"\"" "$TEST_TMP/headers" &&
	! grep -q "\"dat\"" "$TEST_TMP/out" &&
	code=$(post /api/v1/namespaces/default/configmaps fieldValidation=Ignore \
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\"},\"dat\":{}}") &&
	test "$code" = 201 && ! grep -qi "^Warning" "$TEST_TMP/headers"
'

test_expect_success 'duplicate fields: Strict refuses, Warn keeps the last' '
	body="{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"1\"},\"data\":{\"k\":\"2\"}}" &&
	code=$(post /api/v1/namespaces/default/configmaps fieldValidation=Strict "$body") &&
	test "$code" = 400 &&
	grep -F "strict decoding error: duplicate field \\\"data\\\"" "$TEST_TMP/out" &&
	code=$(post /api/v1/namespaces/default/configmaps fieldValidation=Warn "$body") &&
	test "$code" = 201 && grep -i "^Warning: 299 - \"duplicate field" "$TEST_TMP/headers" &&
	test "$(kc get cm c -o jsonpath={.data.k})" = 2
'

test_expect_success 'an unknown fieldValidation value is a BadRequest' '
	code=$(post /api/v1/namespaces/default/configmaps fieldValidation=Loose \
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"d\"}}") &&
	test "$code" = 400 && grep -q "must be one of Ignore, Warn or Strict" "$TEST_TMP/out"
'

cat >"$TEST_TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, description: How big the widget is.}
              labels: {type: object, additionalProperties: {type: string}}
              parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
              free: {type: object, x-kubernetes-preserve-unknown-fields: true}
YAML
cat >"$TEST_TMP/widget.yaml" <<'YAML'
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default, labels: {a: b}}
spec:
  size: 3
  labels: {any: key}
  parts: [{name: x, nam: y}]
  free: {anything: {goes: here}}
  sise: 4
YAML

test_expect_success 'custom resources are checked against their openAPIV3Schema' '
	kc apply -f "$TEST_TMP/crd.yaml" &&
	expect_fail_with "strict decoding error: unknown field \"spec.parts\[0\].nam\", unknown field \"spec.sise\"" \
		kc apply -f "$TEST_TMP/widget.yaml" &&
	sed "/sise/d; s/, nam: y//" "$TEST_TMP/widget.yaml" >"$TEST_TMP/widget-ok.yaml" &&
	kc apply -f "$TEST_TMP/widget-ok.yaml" &&
	test "$(kc get widget w1 -o jsonpath={.spec.free.anything.goes})" = here &&
	test "$(kc get widget w1 -o jsonpath={.metadata.labels.a})" = b
'

test_expect_success 'kubectl explain reads a CRD schema from OpenAPI v3' '
	kc explain widget.spec >"$TEST_TMP/explain" &&
	grep -E "^KIND: +Widget" "$TEST_TMP/explain" &&
	grep -E "^  size\s+<integer>" "$TEST_TMP/explain" &&
	grep -F "How big the widget is." "$TEST_TMP/explain" &&
	grep -E "^  parts\s+<\[\]Object>" "$TEST_TMP/explain"
'

test_done
