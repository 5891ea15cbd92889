#!/bin/sh
# Graceful pod deletion as kubectl expects it: `kubectl delete pod` marks the
# pod Terminating (deletionTimestamp, deletionGracePeriodSeconds) and it
# leaves once its simulated containers stopped, at the latest when the
# grace period ends; --grace-period=0 --force deletes at once; a pod that
# never ran goes at once; a restart after SIGKILL finishes what was Terminating.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

# containers take 3 s to start, and so as long to stop
start_bosund cluster --pod-start-delay 3s

pod() {
	cat <<-YAML | kc apply -f - >/dev/null
	apiVersion: v1
	kind: Pod
	metadata: {name: $1, namespace: default}
	spec:
	  terminationGracePeriodSeconds: ${2:-30}
	  containers: [{name: c, image: "nginx:1.27"}]
	YAML
}

running() {
	test "$(kc get pod "$1" -o jsonpath={.status.phase})" = Running
}

gone() {
	kc get pod "$1" >"$TEST_TMP/get.out" 2>&1
	grep -q NotFound "$TEST_TMP/get.out"
}

test_expect_success 'kubectl delete pod: Terminating with the grace period, then gone' '
	pod web 30 && wait_for 20 running web &&
	kc delete pod web --wait=false &&
	kc get pod web -o jsonpath="{.metadata.deletionGracePeriodSeconds} {.metadata.deletionTimestamp}" >"$TEST_TMP/dt" &&
	cat "$TEST_TMP/dt" && grep -Eq "^30 [0-9T:-]+Z$" "$TEST_TMP/dt" &&
	kc get pod web | grep -q Terminating &&
	wait_for 20 gone web
'

test_expect_success 'kubectl delete waits until the pod is gone' '
	pod api 30 && wait_for 20 running api &&
	start=$(date +%s) && kc delete pod api && end=$(date +%s) &&
	gone api && test $((end - start)) -ge 2 && test $((end - start)) -le 15
'

test_expect_success 'a grace period shorter than the containers take to stop ends it' '
	pod quick 30 && wait_for 20 running quick &&
	start=$(date +%s) && kc delete pod quick --grace-period=1 && end=$(date +%s) &&
	gone quick && test $((end - start)) -le 2
'

test_expect_success '--grace-period=0 --force deletes at once' '
	pod forced && wait_for 20 running forced &&
	kc delete pod forced --grace-period=0 --force 2>&1 | grep -q "force deleted" &&
	gone forced
'

test_expect_success 'a pod not yet on a node goes at once' '
	cat <<-YAML | kc apply -f - &&
	apiVersion: v1
	kind: Pod
	metadata: {name: nowhere, namespace: default}
	spec:
	  nodeSelector: {no-such-label: "true"}
	  containers: [{name: c, image: "nginx:1.27"}]
	YAML
	kc delete pod nowhere --wait=false && gone nowhere
'

test_expect_success 'a pod Terminating when the cluster is killed is gone after a restart' '
	pod late 30 && wait_for 20 running late &&
	kc delete pod late --wait=false &&
	stop_bosund KILL && start_bosund cluster --pod-start-delay 10s &&
	kc get pod late -o jsonpath={.metadata.deletionTimestamp} | grep -q Z &&
	wait_for 30 gone late
'

test_done
