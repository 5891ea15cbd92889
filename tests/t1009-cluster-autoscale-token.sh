#!/bin/sh
# t1009 — the bundled cluster through kubectl's autoscale and create token:
# autoscaling/v1 HorizontalPodAutoscalers converted to and from the stored
# v2 (both versions read and write the same objects, nothing v1 cannot say
# is lost), hpa Table columns; ServiceAccount tokens that authenticate as
# the account, expire, die with it, and are authorized by RBAC with the
# real server's Forbidden words, plus `kubectl auth can-i/whoami`, the
# admin's impersonation (--as, --as-group) and the default ClusterRoles.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"
start_bosund cluster --pod-start-delay 100ms

# check PY: a Python expression on `o`, the JSON read from stdin.
check() {
	python3 -c "import json,sys; o=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}

# v1 PATH: GET on the autoscaling/v1 API.
v1() {
	kc get --raw "/apis/autoscaling/v1/namespaces/shop/horizontalpodautoscalers$1"
}

test_expect_success 'discovery serves autoscaling v2 (preferred) and v1' '
	kc create ns shop &&
	kc get --raw /apis/autoscaling | check "o[\"preferredVersion\"][\"version\"] == \"v2\" and
[v[\"version\"] for v in o[\"versions\"]] == [\"v2\", \"v1\"]" &&
	kc api-versions | grep -x autoscaling/v1 &&
	kc get --raw /openapi/v3 | check "\"apis/autoscaling/v1\" in o[\"paths\"]" &&
	kc api-resources --api-group=autoscaling | grep -E "^horizontalpodautoscalers +hpa +autoscaling/v2 +true +HorizontalPodAutoscaler"
'

test_expect_success 'kubectl autoscale creates an HPA that reads in both versions' '
	kc -n shop create deployment web --image=nginx:1.25 --replicas=1 &&
	kc -n shop autoscale deployment web --min=2 --max=5 --cpu-percent=80 >"$TEST_TMP/out" &&
	grep -x "horizontalpodautoscaler.autoscaling/web autoscaled" "$TEST_TMP/out" &&
	kc -n shop get hpa web -o json | check "o[\"apiVersion\"] == \"autoscaling/v2\" and
o[\"spec\"][\"minReplicas\"] == 2 and o[\"spec\"][\"maxReplicas\"] == 5 and
o[\"spec\"][\"scaleTargetRef\"] == {\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"name\": \"web\"} and
o[\"spec\"][\"metrics\"] == [{\"type\": \"Resource\", \"resource\": {\"name\": \"cpu\", \"target\": {\"type\": \"Utilization\", \"averageUtilization\": 80}}}]" &&
	v1 /web | check "o[\"apiVersion\"] == \"autoscaling/v1\" and o[\"spec\"][\"targetCPUUtilizationPercentage\"] == 80 and
\"metrics\" not in o[\"spec\"] and o[\"status\"][\"desiredReplicas\"] == 0 and
\"annotations\" not in o[\"metadata\"]" &&
	v1 "" | check "o[\"kind\"] == \"HorizontalPodAutoscalerList\" and o[\"apiVersion\"] == \"autoscaling/v1\" and
o[\"items\"][0][\"spec\"][\"targetCPUUtilizationPercentage\"] == 80"
'

test_expect_success 'kubectl get and describe hpa' '
	kc -n shop get hpa >"$TEST_TMP/get" &&
	head -1 "$TEST_TMP/get" | grep -E "^NAME +REFERENCE +TARGETS +MINPODS +MAXPODS +REPLICAS +AGE$" &&
	grep -E "^web +Deployment/web +cpu: <unknown>/80% +2 +5 +0 +[0-9]+s$" "$TEST_TMP/get" &&
	kc -n shop get hpa web -o yaml | grep -F "averageUtilization: 80" &&
	kc -n shop describe hpa web >"$TEST_TMP/describe" &&
	grep -E "^Reference: +Deployment/web$" "$TEST_TMP/describe" &&
	grep -E "resource cpu on pods +\(as a percentage of request\): +<unknown> / 80%" "$TEST_TMP/describe" &&
	grep -E "^Min replicas: +2$" "$TEST_TMP/describe" &&
	grep -E "^Max replicas: +5$" "$TEST_TMP/describe"
'

test_expect_success 'a v1 manifest applies and patches through the conversion' '
	cat >"$TEST_TMP/api.yaml" <<-EOF &&
	apiVersion: autoscaling/v1
	kind: HorizontalPodAutoscaler
	metadata: {name: api, namespace: shop}
	spec:
	  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
	  maxReplicas: 4
	  targetCPUUtilizationPercentage: 60
	EOF
	kc apply -f "$TEST_TMP/api.yaml" &&
	sed -i "s/60/70/" "$TEST_TMP/api.yaml" &&
	kc apply -f "$TEST_TMP/api.yaml" | grep -x "horizontalpodautoscaler.autoscaling/api configured" &&
	kc -n shop get hpa api -o jsonpath="{.spec.metrics[0].resource.target.averageUtilization}" | grep -x 70 &&
	kc -n shop patch horizontalpodautoscalers.v1.autoscaling api --type=merge \
		-p "{\"spec\":{\"targetCPUUtilizationPercentage\":55}}" &&
	kc -n shop get hpa api | grep -E "^api +Deployment/web +cpu: <unknown>/55% +1 +4 " &&
	expect_fail_with "unknown field \"spec.targetCPU\"" kc -n shop apply --validate=strict -f - <<-EOF
	apiVersion: autoscaling/v1
	kind: HorizontalPodAutoscaler
	metadata: {name: typo, namespace: shop}
	spec:
	  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
	  maxReplicas: 4
	  targetCPU: 60
	EOF
'

test_expect_success 'defaults and checks: min 1, cpu at 80% when no metric is named' '
	kc -n shop autoscale deployment web --name=bare --max=3 &&
	kc -n shop get hpa bare | grep -E "^bare +Deployment/web +cpu: <unknown>/80% +1 +3 +0 " &&
	v1 /bare | check "o[\"spec\"][\"targetCPUUtilizationPercentage\"] == 80 and o[\"spec\"][\"minReplicas\"] == 1" &&
	expect_fail_with "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1" kc create -f - <<-EOF &&
	apiVersion: autoscaling/v1
	kind: HorizontalPodAutoscaler
	metadata: {name: zero, namespace: shop}
	spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 0, maxReplicas: 2}
	EOF
	expect_fail_with "spec.maxReplicas: Invalid value: 2: must be greater than or equal to .minReplicas." kc create -f - <<-EOF
	apiVersion: autoscaling/v1
	kind: HorizontalPodAutoscaler
	metadata: {name: inverted, namespace: shop}
	spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 3, maxReplicas: 2}
	EOF
'

test_expect_success 'a v1 body sent to the v2 path is converted too' '
	cat >"$TEST_TMP/raw.json" <<-EOF &&
	{"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
	 "metadata": {"name": "raw", "namespace": "shop"},
	 "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 2,
	          "targetCPUUtilizationPercentage": 65}}
	EOF
	kc create --raw /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers -f "$TEST_TMP/raw.json" |
		check "o[\"apiVersion\"] == \"autoscaling/v2\" and o[\"spec\"][\"metrics\"][0][\"resource\"][\"target\"][\"averageUtilization\"] == 65" &&
	kc -n shop delete hpa raw
'

test_expect_success 'what v1 cannot say survives a v1 read-modify-write' '
	cat >"$TEST_TMP/multi.yaml" <<-EOF &&
	apiVersion: autoscaling/v2
	kind: HorizontalPodAutoscaler
	metadata: {name: multi, namespace: shop}
	spec:
	  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
	  maxReplicas: 4
	  behavior: {scaleDown: {stabilizationWindowSeconds: 60}}
	  metrics:
	  - type: Resource
	    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
	  - type: Pods
	    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: 1k}}
	  - type: Resource
	    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
	EOF
	kc create -f "$TEST_TMP/multi.yaml" &&
	kc -n shop get hpa multi | grep -E "^multi +Deployment/web +cpu: <unknown>/50%, <unknown>/1k \+ 1 more\.\.\. " &&
	v1 /multi >"$TEST_TMP/m1.json" &&
	check "o[\"spec\"][\"targetCPUUtilizationPercentage\"] == 50 and
json.loads(o[\"metadata\"][\"annotations\"][\"autoscaling.alpha.kubernetes.io/metrics\"]) ==
[{\"type\": \"Pods\", \"pods\": {\"metricName\": \"qps\", \"targetAverageValue\": \"1k\"}},
 {\"type\": \"Resource\", \"resource\": {\"name\": \"memory\", \"targetAverageValue\": \"100Mi\"}}] and
json.loads(o[\"metadata\"][\"annotations\"][\"autoscaling.alpha.kubernetes.io/behavior\"])[\"scaleDown\"][\"stabilizationWindowSeconds\"] == 60" <"$TEST_TMP/m1.json" &&
	python3 -c "import json,sys; o=json.load(open(sys.argv[1])); o[\"spec\"][\"maxReplicas\"] = 6; json.dump(o, open(sys.argv[1], \"w\"))" "$TEST_TMP/m1.json" &&
	kc replace -f "$TEST_TMP/m1.json" &&
	kc -n shop get hpa multi -o json | check "o[\"spec\"][\"maxReplicas\"] == 6 and
o[\"spec\"][\"behavior\"][\"scaleDown\"] == {\"stabilizationWindowSeconds\": 60, \"selectPolicy\": \"Max\",
 \"policies\": [{\"type\": \"Percent\", \"value\": 100, \"periodSeconds\": 15}]} and
o[\"spec\"][\"behavior\"][\"scaleUp\"][\"policies\"][0] == {\"type\": \"Pods\", \"value\": 4, \"periodSeconds\": 15} and
sorted(m[\"type\"] + \":\" + (m.get(\"resource\") or {}).get(\"name\", \"\") for m in o[\"spec\"][\"metrics\"]) ==
[\"Pods:\", \"Resource:cpu\", \"Resource:memory\"] and
not any(k.startswith(\"autoscaling.alpha\") for k in o[\"metadata\"].get(\"annotations\", {}))"
'

test_expect_success 'a v1 watch sees v1 objects; kubectl delete hpa' '
	kc get --raw "/apis/autoscaling/v1/namespaces/shop/horizontalpodautoscalers?watch=1&timeoutSeconds=1" >"$TEST_TMP/watch" &&
	head -1 "$TEST_TMP/watch" | check "o[\"type\"] == \"ADDED\" and o[\"object\"][\"apiVersion\"] == \"autoscaling/v1\" and
\"targetCPUUtilizationPercentage\" in o[\"object\"][\"spec\"]" &&
	kc -n shop delete hpa web api multi bare >"$TEST_TMP/out" &&
	grep -x "horizontalpodautoscaler.autoscaling \"web\" deleted" "$TEST_TMP/out" &&
	test "$(kc -n shop get hpa -o name | wc -l)" = 0
'

# kt TOKEN ARGS...: kubectl as the holder of TOKEN.
kt() {
	t=$1
	shift
	kc --token="$t" "$@"
}

# sign CLAIMS-PY: a token signed with the cluster's key around the claims of
# a real token, changed by the Python statements CLAIMS-PY on `c`.
sign() {
	python3 - "$DATA/sa-signing-key" "$TOKEN" "$1" <<-'PY'
	import base64, hashlib, hmac, json, sys, time
	key = bytes.fromhex(open(sys.argv[1]).read().strip())
	def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
	def unb64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
	h, p, _ = sys.argv[2].split(".")
	c = json.loads(unb64(p))
	exec(sys.argv[3])
	body = h + "." + b64(json.dumps(c).encode())
	print(body + "." + b64(hmac.new(key, body.encode(), hashlib.sha256).digest()))
	PY
}

test_expect_success 'kubectl create token: a signed token for the account' '
	kc -n shop create serviceaccount builder &&
	test "$(stat -c %a "$DATA/sa-signing-key")" = 600 &&
	TOKEN=$(kc -n shop create token builder) &&
	echo "$TOKEN" >"$TEST_TMP/token" &&
	kt "$TOKEN" -n shop auth whoami >"$TEST_TMP/whoami" &&
	grep -E "^Username +system:serviceaccount:shop:builder$" "$TEST_TMP/whoami" &&
	grep -F "system:serviceaccounts:shop" "$TEST_TMP/whoami" &&
	kc -n shop create token builder --duration=2h -o json | check "o[\"kind\"] == \"TokenRequest\" and
o[\"spec\"][\"expirationSeconds\"] == 7200 and o[\"status\"][\"token\"].count(\".\") == 2 and
o[\"status\"][\"expirationTimestamp\"].endswith(\"Z\")" &&
	expect_fail_with "serviceaccounts \"nobody\" not found" kc -n shop create token nobody &&
	expect_fail_with "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes" \
		kc -n shop create token builder --duration=1m
'

TOKEN=$(cat "$TEST_TMP/token" 2>/dev/null)

test_expect_success 'an account token is not admin: RBAC says no with the real words' '
	expect_fail_with "Error from server \(Forbidden\): pods is forbidden: User \"system:serviceaccount:shop:builder\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"" \
		kt "$TOKEN" -n shop get pods &&
	expect_fail_with "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:shop:builder\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"shop\"" \
		kt "$TOKEN" -n shop get deployment web &&
	expect_fail_with "nodes is forbidden: User \"system:serviceaccount:shop:builder\" cannot list resource \"nodes\" in API group \"\" at the cluster scope" \
		kt "$TOKEN" get nodes &&
	test "$(kt "$TOKEN" -n shop auth can-i list pods)" = no
'

test_expect_success 'a RoleBinding allows what its Role says, and no more' '
	kc -n shop create role pod-reader --verb=get,list,watch --resource=pods &&
	kc -n shop create rolebinding builder-reads --role=pod-reader --serviceaccount=shop:builder &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml --token=$TOKEN -n shop get pods" &&
	kt "$TOKEN" -n shop get pods -l app=web -o name | grep "^pod/web-" &&
	test "$(kt "$TOKEN" -n shop auth can-i list pods)" = yes &&
	test "$(kt "$TOKEN" -n shop auth can-i get pods --subresource=log)" = no &&
	expect_fail_with "pods \"x\" is forbidden: User \"system:serviceaccount:shop:builder\" cannot delete resource \"pods\" in API group \"\" in the namespace \"shop\"" \
		kt "$TOKEN" -n shop delete pod x &&
	expect_fail_with "pods is forbidden: .* cannot list resource \"pods\" in API group \"\" in the namespace \"default\"" \
		kt "$TOKEN" -n default get pods &&
	kc -n shop create role logs --verb=get --resource=pods/log,deployments.apps --resource-name=web &&
	kc -n shop create rolebinding builder-logs --role=logs --serviceaccount=shop:builder &&
	test "$(kt "$TOKEN" -n shop auth can-i get pods/web --subresource=log)" = yes &&
	test "$(kt "$TOKEN" -n shop auth can-i get pods/other --subresource=log)" = no &&
	test "$(kt "$TOKEN" -n shop auth can-i get pods --subresource=log)" = no &&
	kt "$TOKEN" -n shop get deployment web -o name | grep -x deployment.apps/web &&
	expect_fail_with "cannot list resource \"deployments\"" kt "$TOKEN" -n shop get deployments
'

test_expect_success 'the admin impersonates users and accounts; an account may not' '
	test "$(kc -n shop auth can-i list pods --as=system:serviceaccount:shop:builder)" = yes &&
	test "$(kc -n shop auth can-i list pods --as=system:serviceaccount:shop:other)" = no &&
	expect_fail_with "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"" \
		kc -n shop get pods --as=jane &&
	kc -n shop create rolebinding jane-reads --role=pod-reader --user=jane &&
	kc -n shop get pods --as=jane -o name | grep "^pod/web-" &&
	kc get nodes --as=root --as-group=system:masters -o name | grep "^node/" &&
	kc auth whoami --as=jane --as-group=devs -o jsonpath="{.status.userInfo.groups}" | grep -F "[\"devs\",\"system:authenticated\"]" &&
	expect_fail_with "users \"jane\" is forbidden: User \"system:serviceaccount:shop:builder\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope" \
		kt "$TOKEN" -n shop get pods --as=jane
'

test_expect_success 'the default ClusterRoles view, edit and admin allow what their names say' '
	kc get clusterrolebinding cluster-admin -o jsonpath="{.roleRef.name}/{.subjects[0].name}" |
		grep -x cluster-admin/system:masters &&
	kc -n shop create rolebinding ann-views --clusterrole=view --user=ann &&
	kc -n shop create rolebinding bo-edits --clusterrole=edit --user=bo &&
	kc -n shop create rolebinding cy-admins --clusterrole=admin --user=cy &&
	can() { kc -n "$1" auth can-i "$2" "$3" --as="$4"; } &&
	test "$(can shop list pods ann)" = yes &&
	test "$(can shop watch deployments.apps ann)" = yes &&
	test "$(can shop get secrets ann)" = no &&
	test "$(can shop create deployments.apps ann)" = no &&
	test "$(can shop get secrets bo)" = yes &&
	test "$(can shop create deployments.apps bo)" = yes &&
	test "$(can shop create roles.rbac.authorization.k8s.io bo)" = no &&
	test "$(can shop create rolebindings.rbac.authorization.k8s.io cy)" = yes &&
	test "$(can default list pods cy)" = no &&
	kc -n shop create configmap from-bo --from-literal=k=v --as=bo &&
	expect_fail_with "configmaps is forbidden: User \"ann\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"shop\"" \
		kc -n shop create configmap from-ann --from-literal=k=v --as=ann
'

test_expect_success 'a ClusterRoleBinding to a group of accounts, with wildcards' '
	kc create clusterrole node-watcher --verb="*" --resource=nodes &&
	kc create clusterrolebinding all-accounts --clusterrole=node-watcher --group=system:serviceaccounts &&
	kt "$TOKEN" get nodes -o name | grep "^node/" &&
	test "$(kt "$TOKEN" auth can-i delete nodes)" = yes &&
	kc delete clusterrolebinding all-accounts &&
	expect_fail_with "nodes is forbidden" kt "$TOKEN" get nodes &&
	test "$(kc auth can-i delete nodes)" = yes
'

test_expect_success 'expired, re-signed, foreign-audience and forged tokens are refused' '
	expired=$(sign "c[\"exp\"] = int(time.time()) - 5; c[\"iat\"] = c[\"nbf\"] = c[\"exp\"] - 700") &&
	expect_fail_with "error: You must be logged in to the server \(Unauthorized\)" kt "$expired" -n shop get pods &&
	fresh=$(sign "pass") &&
	kt "$fresh" -n shop get pods -o name &&
	other=$(sign "c[\"kubernetes.io\"][\"namespace\"] = \"default\"") &&
	expect_fail_with "Unauthorized" kt "$other" -n shop get pods &&
	forged=$(echo "$TOKEN" | python3 -c "import sys; t = sys.stdin.read().strip(); i = len(t) - 10; print(t[:i] + (\"A\" if t[i] != \"A\" else \"B\") + t[i + 1:])") &&
	expect_fail_with "Unauthorized" kt "$forged" -n shop get pods &&
	aud=$(kc -n shop create token builder --audience=vault) &&
	expect_fail_with "Unauthorized" kt "$aud" -n shop get pods
'

test_expect_success 'deleting the account revokes its tokens, even if it comes back' '
	kc -n shop delete serviceaccount builder &&
	expect_fail_with "Unauthorized" kt "$TOKEN" -n shop get pods &&
	kc -n shop create serviceaccount builder &&
	expect_fail_with "Unauthorized" kt "$TOKEN" -n shop get pods &&
	kt "$(kc -n shop create token builder)" -n shop get pods -o name
'

test_expect_success 'the admin token keeps full access' '
	kc -n shop get pods,deployments,roles,rolebindings -o name | grep -c . &&
	test "$(kc auth whoami -o jsonpath={.status.userInfo.username})" = system:admin
'

test_done
