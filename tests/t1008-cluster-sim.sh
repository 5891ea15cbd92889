#!/bin/sh
# t1008 — the bundled cluster's simulated scheduler, volumes and rollout
# history, driven through the real kubectl: taints and tolerations, cordon,
# resource fit, node affinity with kube-scheduler's FailedScheduling words;
# claims bound to provisioned volumes (StatefulSets' too); ControllerRevisions
# and `kubectl rollout history/undo` for Deployments, StatefulSets and
# DaemonSets.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null || test_skip_all "kubectl not installed"
start_bosund cluster --nodes 3 --pod-start-delay 100ms

# placed NS POD: the pod's phase and node.
placed() {
	kc -n "$1" get pod "$2" -o jsonpath='{.status.phase} {.spec.nodeName}'
}

test_expect_success 'three nodes with capacity' '
	kc create ns sim &&
	test "$(kc get nodes -o name | wc -l)" = 3 &&
	kc get node bosun-node-2 -o json | json_check "o[\"status\"][\"allocatable\"][\"cpu\"] == \"32\" and o[\"status\"][\"capacity\"][\"pods\"] == \"110\""
'

test_expect_success 'a pod nothing can take stays Pending with the scheduler words' '
	kc taint nodes bosun-node-2 bosun-node-3 dedicated=gpu:NoSchedule &&
	cat >"$TEST_TMP/big.yaml" <<-EOF &&
	apiVersion: v1
	kind: Pod
	metadata: {name: big, namespace: sim}
	spec:
	  containers:
	  - {name: c, image: "nginx:1.25", resources: {requests: {cpu: "40", memory: 1Gi}}}
	EOF
	kc apply -f "$TEST_TMP/big.yaml" &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim describe pod big | grep -q FailedScheduling" &&
	kc -n sim describe pod big >"$TEST_TMP/describe" &&
	grep -F "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling." "$TEST_TMP/describe" &&
	kc -n sim get pod big -o json | json_check "o[\"status\"][\"phase\"] == \"Pending\" and \"nodeName\" not in o[\"spec\"] and
[c for c in o[\"status\"][\"conditions\"] if c[\"type\"] == \"PodScheduled\"][0][\"reason\"] == \"Unschedulable\"" &&
	kc -n sim get pod big | grep -E "big +0/1 +Pending"
'

test_expect_success 'a toleration and node affinity place a pod on a tainted node' '
	cat >"$TEST_TMP/gpu.yaml" <<-EOF &&
	apiVersion: v1
	kind: Pod
	metadata: {name: gpu, namespace: sim}
	spec:
	  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
	  affinity:
	    nodeAffinity:
	      requiredDuringSchedulingIgnoredDuringExecution:
	        nodeSelectorTerms:
	        - matchExpressions:
	          - {key: kubernetes.io/hostname, operator: In, values: [bosun-node-3]}
	          - {key: no-such-label, operator: DoesNotExist}
	  containers: [{name: c, image: "nginx:1.25"}]
	EOF
	kc apply -f "$TEST_TMP/gpu.yaml" &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pod gpu -o jsonpath={.status.phase}/{.spec.nodeName})\" = Running/bosun-node-3" &&
	test "$(kc -n sim get pod gpu -o jsonpath={.status.hostIP})" = 10.240.0.3 &&
	kc -n sim describe pod gpu | grep -F "Successfully assigned sim/gpu to bosun-node-3"
'

test_expect_success 'affinity no node matches: Pending, saying so' '
	cat >"$TEST_TMP/nowhere.yaml" <<-EOF &&
	apiVersion: v1
	kind: Pod
	metadata: {name: nowhere, namespace: sim}
	spec:
	  tolerations: [{operator: Exists}]
	  affinity:
	    nodeAffinity:
	      requiredDuringSchedulingIgnoredDuringExecution:
	        nodeSelectorTerms:
	        - matchExpressions: [{key: kubernetes.io/hostname, operator: NotIn, values: [bosun-node-1, bosun-node-2, bosun-node-3]}]
	  containers: [{name: c, image: "nginx:1.25"}]
	EOF
	kc apply -f "$TEST_TMP/nowhere.yaml" &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pod nowhere -o jsonpath={.status.conditions[0].message} | grep -F \"0/3 nodes are available: 3 node(s) didn'"'"'t match Pod'"'"'s node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\""
'

test_expect_success 'a cordoned node takes no pods; uncordon retries the pending one' '
	kc cordon bosun-node-1 &&
	kc get node bosun-node-1 -o jsonpath={.spec.unschedulable} | grep -x true &&
	kc -n sim run small --image=nginx:1.25 &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim describe pod small | grep -F \"1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: gpu}\"" &&
	test "$(placed sim small)" = "Pending " &&
	kc uncordon bosun-node-1 &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pod small -o jsonpath={.status.phase}/{.spec.nodeName})\" = Running/bosun-node-1"
'

test_expect_success 'requests are summed against allocatable; freeing room schedules the pending pod' '
	cat >"$TEST_TMP/fill.yaml" <<-EOF &&
	apiVersion: v1
	kind: Pod
	metadata: {name: fill, namespace: sim}
	spec:
	  containers:
	  - {name: a, image: "nginx:1.25", resources: {requests: {cpu: "20"}}}
	  - {name: b, image: "nginx:1.25", resources: {limits: {cpu: "10"}}}
	---
	apiVersion: v1
	kind: Pod
	metadata: {name: more, namespace: sim}
	spec:
	  containers: [{name: a, image: "nginx:1.25", resources: {requests: {cpu: 2500m}}}]
	EOF
	kc delete pod -n sim big &&
	kc apply -f "$TEST_TMP/fill.yaml" &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim describe pod more | grep -F \"1 Insufficient cpu, 2 node(s) had untolerated taint\"" &&
	kc -n sim delete pod fill --grace-period=0 --force &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pod more -o jsonpath={.status.phase}/{.spec.nodeName})\" = Running/bosun-node-1"
'

test_expect_success 'a NoExecute taint evicts pods that do not tolerate it' '
	kc taint nodes bosun-node-1 maintenance=now:NoExecute &&
	wait_for 10 sh -c "! kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pod small" &&
	kc get events -n sim --field-selector reason=TaintManagerEviction | grep -F "Marking for deletion Pod sim/small" &&
	kc taint nodes bosun-node-1 maintenance- &&
	! kc get node bosun-node-1 -o jsonpath={.spec.taints} | grep -q maintenance
'

test_expect_success 'a DaemonSet runs where its tolerations and nodeSelector allow' '
	cat >"$TEST_TMP/ds.yaml" <<-EOF &&
	apiVersion: apps/v1
	kind: DaemonSet
	metadata: {name: agent, namespace: sim}
	spec:
	  selector: {matchLabels: {app: agent}}
	  template:
	    metadata: {labels: {app: agent}}
	    spec:
	      containers: [{name: a, image: "agent:1"}]
	---
	apiVersion: apps/v1
	kind: DaemonSet
	metadata: {name: gpu-agent, namespace: sim}
	spec:
	  selector: {matchLabels: {app: gpu-agent}}
	  template:
	    metadata: {labels: {app: gpu-agent}}
	    spec:
	      nodeSelector: {kubernetes.io/hostname: bosun-node-2}
	      tolerations: [{key: dedicated, operator: Exists}]
	      containers: [{name: a, image: "agent:1"}]
	EOF
	kc apply -f "$TEST_TMP/ds.yaml" &&
	kc -n sim rollout status ds/agent --timeout=30s &&
	kc -n sim rollout status ds/gpu-agent --timeout=30s &&
	test "$(kc -n sim get pods -l app=agent -o jsonpath={.items[*].spec.nodeName})" = bosun-node-1 &&
	test "$(kc -n sim get pods -l app=gpu-agent -o jsonpath={.items[*].spec.nodeName})" = bosun-node-2 &&
	kc -n sim get ds agent -o jsonpath={.status.desiredNumberScheduled} | grep -x 1 &&
	kc -n sim get pods -l app=agent -o json | json_check "any(t[\"key\"] == \"node.kubernetes.io/unschedulable\" for t in o[\"items\"][0][\"spec\"][\"tolerations\"])" &&
	kc taint nodes bosun-node-3 dedicated- &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get ds agent -o jsonpath={.status.numberReady})\" = 2" &&
	kc cordon bosun-node-3 &&
	kc -n sim get pods -l app=agent -o jsonpath={.items[*].spec.nodeName} | grep -F bosun-node-3 &&
	kc uncordon bosun-node-3
'

test_expect_success 'a claim is bound to a provisioned volume; deleting it deletes the volume' '
	cat >"$TEST_TMP/pvc.yaml" <<-EOF &&
	apiVersion: v1
	kind: PersistentVolumeClaim
	metadata: {name: data, namespace: sim}
	spec:
	  accessModes: [ReadWriteOnce]
	  resources: {requests: {storage: 2Gi}}
	EOF
	kc apply -f "$TEST_TMP/pvc.yaml" &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pvc data -o jsonpath={.status.phase})\" = Bound" &&
	uid=$(kc -n sim get pvc data -o jsonpath={.metadata.uid}) &&
	kc -n sim get pvc data -o json | json_check "o[\"spec\"][\"volumeName\"] == \"pvc-$uid\" and o[\"status\"][\"capacity\"][\"storage\"] == \"2Gi\" and
o[\"status\"][\"accessModes\"] == [\"ReadWriteOnce\"] and o[\"spec\"][\"storageClassName\"] == \"standard\"" &&
	kc get pv "pvc-$uid" -o json | json_check "o[\"status\"][\"phase\"] == \"Bound\" and o[\"spec\"][\"capacity\"][\"storage\"] == \"2Gi\" and
o[\"spec\"][\"persistentVolumeReclaimPolicy\"] == \"Delete\" and o[\"spec\"][\"storageClassName\"] == \"standard\" and
o[\"spec\"][\"claimRef\"][\"name\"] == \"data\" and o[\"spec\"][\"claimRef\"][\"namespace\"] == \"sim\" and o[\"spec\"][\"claimRef\"][\"uid\"] == \"$uid\"" &&
	kc -n sim get pvc data | grep -E "data +Bound +pvc-$uid +2Gi +RWO +standard" &&
	kc get pv | grep -E "pvc-$uid +2Gi +RWO +Delete +Bound +sim/data +standard" &&
	kc -n sim delete pvc data &&
	wait_for 10 sh -c "! kubectl --kubeconfig $DATA/kubeconfig.yaml get pv pvc-$uid"
'

test_expect_success 'a pod whose claim is missing or unbound stays Pending' '
	cat >"$TEST_TMP/uses.yaml" <<-EOF &&
	apiVersion: v1
	kind: Pod
	metadata: {name: uses, namespace: sim}
	spec:
	  containers: [{name: c, image: "nginx:1.25"}]
	  volumes: [{name: v, persistentVolumeClaim: {claimName: manual}}]
	---
	apiVersion: v1
	kind: PersistentVolumeClaim
	metadata: {name: manual, namespace: sim}
	spec:
	  storageClassName: ""
	  accessModes: [ReadWriteOnce]
	  resources: {requests: {storage: 1Gi}}
	EOF
	kc apply -f "$TEST_TMP/uses.yaml" &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim describe pod uses | grep -F \"pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\"" &&
	test "$(placed sim uses)" = "Pending " &&
	kc -n sim get pvc manual -o jsonpath={.status.phase} | grep -x Pending &&
	cat >"$TEST_TMP/pv.yaml" <<-EOF &&
	apiVersion: v1
	kind: PersistentVolume
	metadata: {name: manual-pv}
	spec:
	  capacity: {storage: 1Gi}
	  accessModes: [ReadWriteOnce]
	  persistentVolumeReclaimPolicy: Retain
	  hostPath: {path: /tmp/manual}
	EOF
	kc apply -f "$TEST_TMP/pv.yaml" &&
	kc -n sim patch pvc manual -p "{\"spec\":{\"volumeName\":\"manual-pv\"}}" &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pod uses -o jsonpath={.status.phase})\" = Running" &&
	kc get pv manual-pv -o jsonpath={.status.phase}/{.spec.claimRef.name} | grep -x Bound/manual &&
	kc -n sim delete pod uses --grace-period=0 --force &&
	kc -n sim delete pvc manual &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml get pv manual-pv -o jsonpath={.status.phase})\" = Released"
'

test_expect_success 'a StatefulSet gets claims <template>-<set>-<ordinal>, bound, mounted by its pods' '
	cat >"$TEST_TMP/sts.yaml" <<-EOF &&
	apiVersion: apps/v1
	kind: StatefulSet
	metadata: {name: db, namespace: sim}
	spec:
	  serviceName: db
	  replicas: 2
	  selector: {matchLabels: {app: db}}
	  template:
	    metadata: {labels: {app: db}}
	    spec:
	      containers: [{name: db, image: "postgres:16"}]
	  volumeClaimTemplates:
	  - metadata: {name: data}
	    spec:
	      accessModes: [ReadWriteOnce]
	      resources: {requests: {storage: 1Gi}}
	EOF
	kc apply -f "$TEST_TMP/sts.yaml" &&
	kc -n sim rollout status sts/db --timeout=30s &&
	test "$(kc -n sim get pvc data-db-0 data-db-1 -o jsonpath={.items[*].status.phase})" = "Bound Bound" &&
	kc -n sim get pod db-1 -o json | json_check "{\"name\": \"data\", \"persistentVolumeClaim\": {\"claimName\": \"data-db-1\"}} in o[\"spec\"][\"volumes\"]" &&
	kc get pv "$(kc -n sim get pvc data-db-0 -o jsonpath={.spec.volumeName})" -o jsonpath={.status.phase} | grep -x Bound
'

test_expect_success 'StatefulSet: ControllerRevisions, rollout history and undo' '
	kc -n sim get controllerrevisions -o json | json_check "[(i[\"metadata\"][\"name\"].startswith(\"db-\"), i[\"revision\"], i[\"metadata\"][\"ownerReferences\"][0][\"kind\"],
i[\"data\"][\"spec\"][\"template\"][\"\$patch\"]) for i in o[\"items\"] if i[\"metadata\"][\"ownerReferences\"][0][\"name\"] == \"db\"] == [(True, 1, \"StatefulSet\", \"replace\")]" &&
	rev1=$(kc -n sim get sts db -o jsonpath={.status.updateRevision}) &&
	kc -n sim get controllerrevision "$rev1" &&
	kc -n sim set image sts/db db=postgres:17 &&
	kc -n sim rollout status sts/db --timeout=30s &&
	rev2=$(kc -n sim get sts db -o jsonpath={.status.updateRevision}) &&
	test "$rev1" != "$rev2" &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get sts db -o jsonpath={.status.currentRevision})\" = $rev2" &&
	kc -n sim rollout history sts/db >"$TEST_TMP/hist" &&
	cat "$TEST_TMP/hist" &&
	grep -E "^1 " "$TEST_TMP/hist" && grep -E "^2 " "$TEST_TMP/hist" &&
	kc -n sim rollout history sts/db --revision=1 | grep "Image:.*postgres:16" &&
	kc -n sim rollout undo sts/db | grep "rolled back" &&
	kc -n sim rollout status sts/db --timeout=30s &&
	test "$(kc -n sim get sts db -o jsonpath={.spec.template.spec.containers[0].image})" = postgres:16 &&
	test "$(kc -n sim get sts db -o jsonpath={.status.updateRevision})" = "$rev1" &&
	test "$(kc -n sim get controllerrevision "$rev1" -o jsonpath={.revision})" = 3 &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pods -l app=db -o jsonpath={.items[*].spec.containers[0].image})\" = \"postgres:16 postgres:16\"" &&
	kc -n sim rollout undo sts/db --to-revision=2 &&
	kc -n sim rollout status sts/db --timeout=30s &&
	test "$(kc -n sim get sts db -o jsonpath={.spec.template.spec.containers[0].image})" = postgres:17
'

test_expect_success 'DaemonSet: rollout history and undo --to-revision' '
	kc -n sim set image ds/agent a=agent:2 &&
	kc -n sim rollout status ds/agent --timeout=30s &&
	kc -n sim rollout history ds/agent | grep -E "^2 " &&
	kc -n sim rollout undo ds/agent --to-revision=1 | grep "rolled back" &&
	kc -n sim rollout status ds/agent --timeout=30s &&
	test "$(kc -n sim get ds agent -o jsonpath={.spec.template.spec.containers[0].image})" = agent:1 &&
	test "$(kc -n sim get pods -l app=agent -o jsonpath={.items[*].spec.containers[0].image})" = "agent:1 agent:1" &&
	kc -n sim get controllerrevisions -l app=agent -o json | json_check "sorted(i[\"revision\"] for i in o[\"items\"]) == [2, 3]"
'

test_expect_success 'Deployment: revision annotations, rollout history and undo' '
	kc -n sim create deployment web --image=nginx:1.25 --replicas=2 &&
	kc -n sim rollout status deploy/web --timeout=30s &&
	kc -n sim get deploy web -o jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision} | grep -x 1 &&
	kc -n sim set image deploy/web nginx=nginx:1.26 &&
	kc -n sim annotate deploy/web kubernetes.io/change-cause="move to 1.26" &&
	kc -n sim rollout status deploy/web --timeout=30s &&
	kc -n sim get deploy web -o jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision} | grep -x 2 &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim rollout history deploy/web | grep -E \"^2 +move to 1.26\"" &&
	kc -n sim rollout undo deploy/web | grep "rolled back" &&
	kc -n sim rollout status deploy/web --timeout=30s &&
	test "$(kc -n sim get deploy web -o jsonpath={.spec.template.spec.containers[0].image})" = nginx:1.25 &&
	kc -n sim get deploy web -o jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision} | grep -x 3 &&
	test "$(kc -n sim get rs -l app=web -o name | wc -l)" = 2 &&
	kc -n sim rollout history deploy/web | grep -E "^3 " &&
	kc -n sim rollout undo deploy/web --to-revision=2 &&
	kc -n sim rollout status deploy/web --timeout=30s &&
	test "$(kc -n sim get deploy web -o jsonpath={.spec.template.spec.containers[0].image})" = nginx:1.26 &&
	kc -n sim rollout history deploy/web | grep -E "^4 +move to 1.26"
'

test_expect_success 'storage classes: the default one, a named one provisions with its reclaim policy, a missing one waits' '
	kc get sc | grep -E "^standard \(default\) +bosun.io/simulated +Delete +Immediate" &&
	cat >"$TEST_TMP/fast.yaml" <<-YAML &&
	apiVersion: v1
	kind: PersistentVolumeClaim
	metadata: {name: fast-claim, namespace: sim}
	spec:
	  storageClassName: fast
	  accessModes: [ReadWriteOnce]
	  resources: {requests: {storage: 2Gi}}
	YAML
	kc apply -f "$TEST_TMP/fast.yaml" &&
	wait_for 10 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim describe pvc fast-claim | grep -q \"ProvisioningFailed.*storageclass.storage.k8s.io \\\"fast\\\" not found\"" &&
	test "$(kc -n sim get pvc fast-claim -o jsonpath={.status.phase})" = Pending &&
	printf "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: example.com/fast\nreclaimPolicy: Retain\n" |
		kc apply -f - &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get pvc fast-claim -o jsonpath={.status.phase})\" = Bound" &&
	pv=$(kc -n sim get pvc fast-claim -o jsonpath={.spec.volumeName}) &&
	test "$(kc get pv "$pv" -o jsonpath={.spec.persistentVolumeReclaimPolicy}/{.spec.storageClassName})" = Retain/fast &&
	kc -n sim delete pvc fast-claim &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml get pv $pv -o jsonpath={.status.phase})\" = Released" &&
	! printf "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: bad}\n" | kc apply -f - 2>"$TEST_TMP/bad-sc.err" &&
	grep -q "provisioner: Required value" "$TEST_TMP/bad-sc.err"
'

test_expect_success 'priority and ingress classes are served; kubectl create priorityclass works' '
	kc get pc system-node-critical -o jsonpath={.value} | grep -x 2000001000 &&
	kc create priorityclass batch-low --value=-10 --description="batch work" --preemption-policy=Never &&
	test "$(kc get pc batch-low -o jsonpath={.value}/{.preemptionPolicy}/{.description})" = "-10/Never/batch work" &&
	kc get pc batch-low | grep -E "^batch-low +-10 +false" &&
	printf "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n" |
		kc apply -f - &&
	kc get ingressclass nginx | grep -E "^nginx +k8s.io/ingress-nginx +<none>"
'

test_expect_success 'a paused Deployment scales but does not roll out until resumed' '
	kc -n sim create deployment paused --image=nginx:1.25 --replicas=2 &&
	kc -n sim rollout status deploy/paused --timeout=30s &&
	kc -n sim rollout pause deploy/paused &&
	kc -n sim set image deploy/paused nginx=nginx:1.27 &&
	kc -n sim scale deploy/paused --replicas=3 &&
	wait_for 10 sh -c "test \"\$(kubectl --kubeconfig $DATA/kubeconfig.yaml -n sim get deploy paused -o jsonpath={.status.availableReplicas})\" = 3" &&
	test "$(kc -n sim get rs -l app=paused -o name | wc -l)" = 1 &&
	kc -n sim get deploy paused -o jsonpath="{.status.conditions[?(@.type==\"Progressing\")].reason}" | grep -x DeploymentPaused &&
	kc -n sim get deploy paused | grep -E "^paused +3/3 +0 +3 " &&
	kc -n sim rollout resume deploy/paused &&
	kc -n sim rollout status deploy/paused --timeout=30s &&
	test "$(kc -n sim get deploy paused -o jsonpath={.spec.template.spec.containers[0].image}/{.status.updatedReplicas})" = nginx:1.27/3
'

test_expect_success 'exec, attach and port-forward say the containers are simulated' '
	! kc -n sim exec deploy/paused -- ls 2>"$TEST_TMP/exec.err" &&
	grep -F "cannot exec: pod" "$TEST_TMP/exec.err" && grep -F "runs a simulated container" "$TEST_TMP/exec.err" &&
	! kc -n sim port-forward deploy/paused 18080:80 2>"$TEST_TMP/pf.err" &&
	grep -F "cannot forward ports" "$TEST_TMP/pf.err"
'

test_expect_success 'a restart keeps placement, claims and history' '
	stop_bosund &&
	start_bosund cluster --nodes 3 --pod-start-delay 100ms &&
	kc -n sim rollout status sts/db --timeout=30s &&
	test "$(kc -n sim get pvc data-db-0 -o jsonpath={.status.phase})" = Bound &&
	kc -n sim rollout history deploy/web | grep -E "^4 " &&
	test "$(placed sim gpu)" = "Running bosun-node-3"
'

test_done
