#!/bin/sh
# The bundled cluster through the Python Kubernetes client (Debian's
# python3-kubernetes), which reads only the older discovery documents.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
$PY -c "import kubernetes" 2>/dev/null || test_skip_all "python3-kubernetes is not installed"

start_bosund cluster --pod-start-delay 200ms

cat >"$TEST_TMP/flow.py" <<'PY'
import sys, time
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
core, apps = client.CoreV1Api(), client.AppsV1Api()
step = sys.argv[2]

def expect_status(fn, code, reason):
    try:
        fn()
    except ApiException as e:
        assert e.status == code, (e.status, e.body)
        assert reason in e.body, e.body
        return
    raise AssertionError("no error")

if step == "create":
    core.create_namespace({"metadata": {"name": "py"}})
    core.create_namespaced_config_map("py", {"metadata": {"name": "cfg", "labels": {"app": "py"}},
                                             "data": {"k": "v"}})
    apps.create_namespaced_deployment("py", {
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}}})
elif step == "read":
    cms = core.list_namespaced_config_map("py", label_selector="app=py")
    assert [c.metadata.name for c in cms.items] == ["cfg"], cms
    assert cms.metadata.resource_version
    cm = core.read_namespaced_config_map("cfg", "py")
    assert cm.data == {"k": "v"} and cm.metadata.uid
    names = [n.metadata.name for n in core.list_namespace().items]
    assert "py" in names and "default" in names, names
elif step == "rollout":
    deadline = time.time() + 20
    while time.time() < deadline:
        d = apps.read_namespaced_deployment("web", "py")
        if d.status.available_replicas == 2 and d.status.observed_generation == d.metadata.generation:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(d.status)
    pods = core.list_namespaced_pod("py", label_selector="app=web")
    assert len(pods.items) == 2 and all(p.status.phase == "Running" for p in pods.items)
elif step == "patch":
    core.patch_namespaced_config_map("cfg", "py", {"data": {"k": "v2"}})
    assert core.read_namespaced_config_map("cfg", "py").data["k"] == "v2"
    apps.patch_namespaced_deployment_scale("web", "py", {"spec": {"replicas": 3}})
    assert apps.read_namespaced_deployment("web", "py").spec.replicas == 3
elif step == "watch":
    rv = core.list_namespaced_config_map("py").metadata.resource_version
    core.create_namespaced_config_map("py", {"metadata": {"name": "later"}})
    seen = []
    for ev in watch.Watch().stream(core.list_namespaced_config_map, "py",
                                   resource_version=rv, timeout_seconds=2):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["object"].metadata.name == "later":
            break
    assert ("ADDED", "later") in seen, seen
elif step == "errors":
    expect_status(lambda: core.read_namespaced_config_map("nope", "py"), 404, "NotFound")
    expect_status(lambda: core.create_namespaced_config_map("py", {"metadata": {"name": "cfg"}}),
                  409, "AlreadyExists")
    stale = core.read_namespaced_config_map("cfg", "py")
    core.patch_namespaced_config_map("cfg", "py", {"data": {"k": "v3"}})
    expect_status(lambda: core.replace_namespaced_config_map("cfg", "py", stale), 409, "Conflict")
    expect_status(lambda: core.create_namespaced_config_map("py", {"metadata": {"name": "Bad_Name"}}),
                  422, "Invalid")
elif step == "delete":
    apps.delete_namespaced_deployment("web", "py", propagation_policy="Foreground")
    deadline = time.time() + 20
    while time.time() < deadline:
        if not core.list_namespaced_pod("py", label_selector="app=web").items and \
           not apps.list_namespaced_deployment("py").items:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("dependents left")
    core.delete_namespace("py")
    expect_status(lambda: core.read_namespace("py"), 404, "NotFound")
PY

py() { $PY "$TEST_TMP/flow.py" "$DATA/kubeconfig.yaml" "$1"; }

test_expect_success 'create a namespace, a ConfigMap and a Deployment' 'py create'
test_expect_success 'read them back, with label selectors' 'py read'
test_expect_success 'the Deployment becomes available' 'py rollout'
test_expect_success 'patch an object and the scale subresource' 'py patch'
test_expect_success 'watch from a resourceVersion' 'py watch'
test_expect_success 'errors come back as ApiException with real codes' 'py errors'
test_expect_success 'foreground delete and namespace delete' 'py delete'

test_done
