#!/bin/sh
# kubectl's imperative generators against the bundled cluster: they send
# protobuf bodies (create ns/deployment/configmap/secret/service/job/cronjob,
# rbac, pdb, quota, ingress), which the cluster reads into the same objects
# an apply would create. Bad protobuf gets a 400 naming what was wrong, a
# kind the decoder does not know keeps the 415.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

start_bosund cluster --pod-start-delay 100ms

# check CODE: python over the JSON object `o` read from stdin; the last
# statement is an expression that must be true (lines may end in "and").
check() {
	python3 -c '
import ast, base64, json, sys
o = json.load(sys.stdin)
b64 = lambda s: base64.b64decode(s).decode()
tree = ast.parse(sys.argv[1].strip().replace(" and\n", " and "))
last = tree.body.pop()
g = {"o": o, "b64": b64, "json": json}
exec(compile(tree, "check", "exec"), g)
assert eval(compile(ast.Expression(last.value), "check", "eval"), g), json.dumps(o, indent=1)[:3000]' "$1"
}

# post_proto PATH FILE: POSTs FILE as a protobuf body; prints the HTTP code then the body.
post_proto() {
	token=$(sed -n "s/^ *token: //p" "$DATA/kubeconfig.yaml")
	curl -sk -o "$TEST_TMP/resp" -w "%{http_code}\n" -X POST \
		-H "Authorization: Bearer $token" \
		-H "Content-Type: application/vnd.kubernetes.protobuf" \
		-H "Accept: application/json" --data-binary "@$2" \
		"https://127.0.0.1:$CLUSTER_PORT$1"
	cat "$TEST_TMP/resp"
}

CORPUS=$ROOT/tests/fuzz/corpus/protobuf

test_expect_success 'create namespace' '
	kc create ns demo | grep -x "namespace/demo created" &&
	kc get ns demo -o json | check "o[\"metadata\"][\"name\"] == \"demo\" and o[\"status\"][\"phase\"] == \"Active\""
'

test_expect_success 'create deployment with replicas, then rollout status succeeds' '
	kc -n demo create deployment web --image=nginx:1.25 --replicas=3 --port=80 |
		grep -x "deployment.apps/web created" &&
	kc -n demo get deploy web -o json | check "
o[\"spec\"][\"replicas\"] == 3 and o[\"metadata\"][\"labels\"] == {\"app\": \"web\"} and
o[\"spec\"][\"selector\"][\"matchLabels\"] == {\"app\": \"web\"} and
o[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"image\"] == \"nginx:1.25\" and
o[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"ports\"] == [{\"containerPort\": 80, \"protocol\": \"TCP\"}] and
o[\"spec\"][\"strategy\"][\"type\"] == \"RollingUpdate\"" &&
	kc -n demo rollout status deploy/web --timeout=30s
'

test_expect_success 'create deployment --replicas 0 keeps the zero' '
	kc -n demo create deployment idle --image=nginx --replicas 0 &&
	test "$(kc -n demo get deploy idle -o jsonpath={.spec.replicas})" = 0
'

test_expect_success 'create configmap from literals' '
	kc -n demo create configmap c1 --from-literal=a=b --from-literal=greeting="hello world" |
		grep -x "configmap/c1 created" &&
	kc -n demo get cm c1 -o json | check "o[\"data\"] == {\"a\": \"b\", \"greeting\": \"hello world\"}"
'

test_expect_success 'create secret generic: data arrives base64 and decodes' '
	kc -n demo create secret generic s1 --from-literal=password=hunter2 --from-literal=user=ünïcode &&
	kc -n demo get secret s1 -o json | check "
b64(o[\"data\"][\"password\"]) == \"hunter2\" and b64(o[\"data\"][\"user\"]) == \"ünïcode\" and o[\"type\"] == \"Opaque\""
'

test_expect_success 'create secret tls' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/tls.key" -out "$TEST_TMP/tls.crt" \
		-days 1 -subj /CN=demo.example 2>/dev/null &&
	kc -n demo create secret tls t1 --cert="$TEST_TMP/tls.crt" --key="$TEST_TMP/tls.key" &&
	kc -n demo get secret t1 -o json | check "
o[\"type\"] == \"kubernetes.io/tls\" and b64(o[\"data\"][\"tls.crt\"]) == open(\"$TEST_TMP/tls.crt\").read() and
b64(o[\"data\"][\"tls.key\"]) == open(\"$TEST_TMP/tls.key\").read()"
'

test_expect_success 'create secret docker-registry' '
	kc -n demo create secret docker-registry d1 --docker-server=registry.example \
		--docker-username=u --docker-password=p &&
	kc -n demo get secret d1 -o json | check "
o[\"type\"] == \"kubernetes.io/dockerconfigjson\" and
json.loads(b64(o[\"data\"][\".dockerconfigjson\"]))[\"auths\"][\"registry.example\"][\"username\"] == \"u\""
'

test_expect_success 'create serviceaccount' '
	kc -n demo create serviceaccount robot | grep -x "serviceaccount/robot created" &&
	kc -n demo get sa robot -o json | check "o[\"metadata\"][\"namespace\"] == \"demo\""
'

test_expect_success 'create service clusterip and nodeport' '
	kc -n demo create service clusterip web --tcp=80:8080 &&
	kc -n demo get svc web -o json | check "
o[\"spec\"][\"type\"] == \"ClusterIP\" and o[\"spec\"][\"selector\"] == {\"app\": \"web\"} and
o[\"spec\"][\"ports\"][0][\"port\"] == 80 and o[\"spec\"][\"ports\"][0][\"targetPort\"] == 8080 and
o[\"spec\"][\"clusterIP\"].startswith(\"10.\")" &&
	kc -n demo create service nodeport np --tcp=80:http --node-port=30080 &&
	kc -n demo get svc np -o json | check "
o[\"spec\"][\"type\"] == \"NodePort\" and o[\"spec\"][\"ports\"][0][\"nodePort\"] == 30080 and
o[\"spec\"][\"ports\"][0][\"targetPort\"] == \"http\""
'

test_expect_success 'create service loadbalancer and externalname' '
	kc -n demo create service loadbalancer lb --tcp=443:8443 &&
	test "$(kc -n demo get svc lb -o jsonpath={.spec.type}/{.spec.ports[0].targetPort})" = LoadBalancer/8443 &&
	kc -n demo create service externalname db --external-name=db.example.com &&
	test "$(kc -n demo get svc db -o jsonpath={.spec.type}/{.spec.externalName})" = ExternalName/db.example.com
'

test_expect_success 'expose a deployment' '
	kc -n demo expose deployment web --port=8080 --target-port=80 --name=web-exposed &&
	kc -n demo get svc web-exposed -o json | check "
o[\"spec\"][\"selector\"] == {\"app\": \"web\"} and o[\"spec\"][\"ports\"][0][\"port\"] == 8080 and
o[\"spec\"][\"ports\"][0][\"targetPort\"] == 80"
'

test_expect_success 'create job and cronjob' '
	kc -n demo create job once --image=busybox -- echo hi &&
	kc -n demo get job once -o json | check "
o[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"command\"] == [\"echo\", \"hi\"] and
o[\"spec\"][\"template\"][\"spec\"][\"restartPolicy\"] == \"Never\"" &&
	kc -n demo create cronjob tick --image=busybox --schedule="*/5 * * * *" -- date &&
	kc -n demo get cronjob tick -o json | check "
o[\"spec\"][\"schedule\"] == \"*/5 * * * *\" and
o[\"spec\"][\"jobTemplate\"][\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"command\"] == [\"date\"]"
'

cat >"$TEST_TMP/rich-cronjob.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: rich, namespace: demo}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    metadata: {labels: {team: data}}
    spec:
      backoffLimit: 0
      activeDeadlineSeconds: 600
      template:
        metadata: {labels: {team: data}, annotations: {note: nightly}}
        spec:
          restartPolicy: OnFailure
          serviceAccountName: robot
          nodeSelector: {disk: ssd}
          tolerations: [{key: dedicated, operator: Equal, value: batch, effect: NoSchedule, tolerationSeconds: 0}]
          imagePullSecrets: [{name: d1}]
          securityContext: {runAsUser: 1000, runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [1, 2]}
          volumes:
          - {name: scratch, emptyDir: {}}
          - {name: cfg, configMap: {name: c1, defaultMode: 420, items: [{key: a, path: a.txt}]}}
          - {name: sec, secret: {secretName: s1, optional: false}}
          - {name: host, hostPath: {path: /tmp, type: Directory}}
          - {name: data, persistentVolumeClaim: {claimName: data, readOnly: true}}
          - {name: nfs, nfs: {server: nfs.example, path: /export, readOnly: true}}
          - {name: csi, csi: {driver: csi.example, readOnly: true, volumeAttributes: {a: b}, nodePublishSecretRef: {name: s1}}}
          - name: proj
            projected:
              defaultMode: 256
              sources:
              - secret: {name: s1, items: [{key: password, path: pw, mode: 256}]}
              - configMap: {name: c1, optional: true}
              - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
              - serviceAccountToken: {audience: vault, expirationSeconds: 3600, path: token}
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]
              preferredDuringSchedulingIgnoredDuringExecution:
              - {weight: 10, preference: {matchFields: [{key: metadata.name, operator: NotIn, values: [n1]}]}}
            podAntiAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 50
                podAffinityTerm:
                  topologyKey: kubernetes.io/hostname
                  labelSelector: {matchExpressions: [{key: team, operator: Exists}]}
                  namespaces: [demo]
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
              - {topologyKey: zone, labelSelector: {matchLabels: {team: data}}}
          topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {team: data}}, minDomains: 2}
          dnsConfig: {nameservers: [1.1.1.1], searches: [svc.example], options: [{name: ndots, value: "2"}, {name: edns0}]}
          readinessGates: [{conditionType: example.com/ready}]
          hostAliases: [{ip: 10.0.0.9, hostnames: [db.local]}]
          hostname: rich
          subdomain: jobs
          initContainers:
          - {name: init, image: "busybox:1", command: [sh, -c, "true"]}
          containers:
          - name: main
            image: "busybox:1.36"
            args: [--verbose, "--level=2"]
            workingDir: /work
            env:
            - {name: PLAIN, value: "1"}
            - {name: FROM_CM, valueFrom: {configMapKeyRef: {name: c1, key: a}}}
            - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: s1, key: password, optional: true}}}
            - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
            envFrom: [{prefix: CM_, configMapRef: {name: c1}}, {secretRef: {name: s1}}]
            ports: [{name: http, containerPort: 8080, protocol: UDP}]
            resources:
              limits: {cpu: 500m, memory: 128Mi}
              requests: {cpu: 100m, memory: 64Mi}
            volumeMounts:
            - {name: scratch, mountPath: /scratch}
            - {name: cfg, mountPath: /cfg, readOnly: true, subPath: a.txt}
            livenessProbe: {httpGet: {path: /healthz, port: http, httpHeaders: [{name: X, value: "y"}]}, initialDelaySeconds: 5, periodSeconds: 7}
            readinessProbe: {tcpSocket: {port: 8080}, failureThreshold: 2}
            startupProbe: {exec: {command: [cat, /ready]}}
            lifecycle: {preStop: {exec: {command: [sleep, "1"]}}}
            securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}, seccompProfile: {type: RuntimeDefault}}
YAML

test_expect_success 'create job --from=cronjob copies the whole pod template' '
	kc apply -f "$TEST_TMP/rich-cronjob.yaml" &&
	kc -n demo create job rich-now --from=cronjob/rich | grep -x "job.batch/rich-now created" &&
	kc -n demo get cronjob rich -o json >"$TEST_TMP/cj.json" &&
	kc -n demo get job rich-now -o json | check "
cj = json.load(open(\"$TEST_TMP/cj.json\"))
want, got = cj[\"spec\"][\"jobTemplate\"][\"spec\"][\"template\"], o[\"spec\"][\"template\"]
got[\"metadata\"][\"labels\"].pop(\"batch.kubernetes.io/controller-uid\", None)
got[\"metadata\"][\"labels\"].pop(\"controller-uid\", None)
got[\"metadata\"][\"labels\"].pop(\"batch.kubernetes.io/job-name\", None)
got[\"metadata\"][\"labels\"].pop(\"job-name\", None)
dump = lambda v: json.dumps(v, indent=1, sort_keys=True).splitlines()
import difflib
print(\"\\n\".join(difflib.unified_diff(dump(want[\"spec\"]), dump(got[\"spec\"]), \"cronjob\", \"job\", lineterm=\"\")))
want[\"spec\"] == got[\"spec\"] and
want[\"metadata\"][\"annotations\"] == got[\"metadata\"][\"annotations\"] and
o[\"spec\"][\"backoffLimit\"] == 0 and o[\"spec\"][\"activeDeadlineSeconds\"] == 600 and
o[\"metadata\"][\"ownerReferences\"][0][\"kind\"] == \"CronJob\" and
o[\"metadata\"][\"annotations\"][\"cronjob.kubernetes.io/instantiate\"] == \"manual\""
'

test_expect_success 'create role and rolebinding' '
	kc -n demo create role reader --verb=get,list --resource=pods,deployments.apps --resource-name=web &&
	kc -n demo get role reader -o json | check "
o[\"rules\"] == [{\"verbs\": [\"get\", \"list\"], \"apiGroups\": [\"\"], \"resources\": [\"pods\"], \"resourceNames\": [\"web\"]},
                 {\"verbs\": [\"get\", \"list\"], \"apiGroups\": [\"apps\"], \"resources\": [\"deployments\"], \"resourceNames\": [\"web\"]}]" &&
	kc -n demo create rolebinding readers --role=reader --user=alice --group=devs --serviceaccount=demo:robot &&
	kc -n demo get rolebinding readers -o json | check "
o[\"roleRef\"] == {\"apiGroup\": \"rbac.authorization.k8s.io\", \"kind\": \"Role\", \"name\": \"reader\"} and
{\"kind\": \"ServiceAccount\", \"name\": \"robot\", \"namespace\": \"demo\"} in o[\"subjects\"] and
{\"kind\": \"User\", \"apiGroup\": \"rbac.authorization.k8s.io\", \"name\": \"alice\"} in o[\"subjects\"] and
len(o[\"subjects\"]) == 3"
'

test_expect_success 'create clusterrole and clusterrolebinding' '
	kc create clusterrole node-reader --verb=get --resource=nodes --non-resource-url=/healthz &&
	kc get clusterrole node-reader -o json | check "
{\"verbs\": [\"get\"], \"nonResourceURLs\": [\"/healthz\"]} in o[\"rules\"] and len(o[\"rules\"]) == 2" &&
	kc create clusterrolebinding node-readers --clusterrole=node-reader --user=bob &&
	test "$(kc get clusterrolebinding node-readers -o jsonpath={.roleRef.kind}/{.subjects[0].name})" = ClusterRole/bob
'

test_expect_success 'create poddisruptionbudget and quota' '
	kc -n demo create pdb web-pdb --selector=app=web --min-available=50% &&
	kc -n demo get pdb web-pdb -o json | check "
o[\"spec\"][\"minAvailable\"] == \"50%\" and o[\"spec\"][\"selector\"][\"matchLabels\"] == {\"app\": \"web\"}" &&
	kc -n demo create pdb web-pdb2 --selector=app=web --max-unavailable=1 &&
	test "$(kc -n demo get pdb web-pdb2 -o jsonpath={.spec.maxUnavailable})" = 1 &&
	kc -n demo create quota q1 --hard=cpu=1,memory=1Gi,pods=10 --scopes=BestEffort &&
	kc -n demo get quota q1 -o json | check "
o[\"spec\"][\"hard\"] == {\"cpu\": \"1\", \"memory\": \"1Gi\", \"pods\": \"10\"} and o[\"spec\"][\"scopes\"] == [\"BestEffort\"]"
'

test_expect_success 'create ingress with rules, tls and a default backend' '
	kc -n demo create ingress web --class=nginx --rule="web.example/api*=web:80,tls=web-cert" &&
	kc -n demo get ingress web -o json | check "
s = o[\"spec\"]
s[\"ingressClassName\"] == \"nginx\" and s[\"tls\"] == [{\"hosts\": [\"web.example\"], \"secretName\": \"web-cert\"}] and
s[\"rules\"][0][\"host\"] == \"web.example\" and
s[\"rules\"][0][\"http\"][\"paths\"][0] == {\"path\": \"/api\", \"pathType\": \"Prefix\",
  \"backend\": {\"service\": {\"name\": \"web\", \"port\": {\"number\": 80}}}}" &&
	kc -n demo create ingress fallback --default-backend=web:http &&
	test "$(kc -n demo get ingress fallback -o jsonpath={.spec.defaultBackend.service.port.name})" = http
'

test_expect_success '--dry-run=server answers the object and stores nothing' '
	kc -n demo create configmap dry --from-literal=k=v --dry-run=server -o json |
		check "o[\"data\"] == {\"k\": \"v\"} and o[\"metadata\"][\"uid\"]" &&
	kc -n demo create deployment dry --image=nginx --dry-run=server | grep "server dry run" &&
	expect_fail_with "NotFound" kc -n demo get cm dry &&
	expect_fail_with "NotFound" kc -n demo get deploy dry
'

test_expect_success 'an existing name is AlreadyExists, as with JSON' '
	expect_fail_with "configmaps \"c1\" already exists" \
		kc -n demo create configmap c1 --from-literal=a=b
'

# proto_body APIVERSION KIND RAW-PYTHON-BYTES: a protobuf body around raw object bytes.
proto_body() {
	python3 -c "
import sys
def ld(n, b): return bytes([n << 3 | 2, len(b)]) + b
tm = ld(1, sys.argv[1].encode()) + ld(2, sys.argv[2].encode())
sys.stdout.buffer.write(b\"k8s\\0\" + ld(1, tm) + ld(2, eval(sys.argv[3])))" "$@"
}

test_expect_success 'a malformed protobuf body is a 400 naming what was wrong' '
	head -c 30 "$CORPUS/v1_configmaps.bin" >"$TEST_TMP/trunc.bin" &&
	post_proto /api/v1/namespaces/demo/configmaps "$TEST_TMP/trunc.bin" >"$TEST_TMP/out" &&
	head -1 "$TEST_TMP/out" | grep -x 400 &&
	grep "\"reason\": *\"BadRequest\"" "$TEST_TMP/out" &&
	grep "protobuf body: truncated value in field 2 of Unknown" "$TEST_TMP/out" &&
	proto_body v1 ConfigMap "b\"\\x0a\\x10\\x0a\\x02c1\"" >"$TEST_TMP/short.bin" &&
	post_proto /api/v1/namespaces/demo/configmaps "$TEST_TMP/short.bin" >"$TEST_TMP/out" &&
	head -1 "$TEST_TMP/out" | grep -x 400 &&
	grep "protobuf body of ConfigMap: truncated value in field 1 of ConfigMap" "$TEST_TMP/out" &&
	printf "k8x\0" >"$TEST_TMP/magic.bin" &&
	post_proto /api/v1/namespaces/demo/configmaps "$TEST_TMP/magic.bin" | grep "magic"
'

test_expect_success 'a kind the decoder does not know keeps the 415' '
	proto_body v1 LimitRange "b\"\\x0a\\x04\\x0a\\x02lr\"" >"$TEST_TMP/lr.bin" &&
	post_proto /api/v1/namespaces/demo/limitranges "$TEST_TMP/lr.bin" >"$TEST_TMP/out" &&
	head -1 "$TEST_TMP/out" | grep -x 415 &&
	grep "UnsupportedMediaType" "$TEST_TMP/out" &&
	grep "LimitRange" "$TEST_TMP/out"
'

test_done
