#!/bin/sh
# CronJobs on the bundled cluster: schedules are validated, and a job is
# created at the next minute boundary (so this test takes up to a minute).
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null 2>&1 || test_skip_all "kubectl is not installed"

start_bosund cluster --pod-start-delay 100ms

cat >"$TEST_TMP/cj.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick, namespace: default}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: t, image: "busybox:1"}]
YAML

test_expect_success 'an invalid schedule is refused' '
	sed "s/\"\\* \\* \\* \\* \\*\"/\"61 * * * *\"/; s/name: tick/name: bad/" "$TEST_TMP/cj.yaml" >"$TEST_TMP/bad.yaml" &&
	expect_fail_with "spec.schedule: Invalid value: \"61 \\* \\* \\* \\*\": invalid minute field" kc apply -f "$TEST_TMP/bad.yaml"
'

test_expect_success 'a CronJob creates a Job at its next scheduled minute, which completes' '
	kc apply -f "$TEST_TMP/cj.yaml" &&
	kc get cronjob tick | grep -E "^tick +\* \* \* \* \* +<none> +False" &&
	wait_for 75 sh -c "kubectl --kubeconfig $DATA/kubeconfig.yaml get jobs -o name | grep -q job.batch/tick-" &&
	job=$(kc get jobs -o name | head -1) &&
	kc wait --for=condition=complete "$job" --timeout=30s &&
	kc get cronjob tick -o jsonpath={.status.lastScheduleTime} | grep -q "Z$" &&
	kc get "$job" -o jsonpath={.metadata.ownerReferences[0].kind} | grep -qx CronJob
'

test_done
