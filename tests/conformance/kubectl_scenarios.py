"""Conformance scenarios driven by the installed kubectl (spec §9 rows 2-13, 15, 16).

Run one scenario: /usr/bin/python3 kubectl_scenarios.py --binary PATH --scenario NAME
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FIXTURES, Failure, Server, check, golden, main,  # noqa: E402
                     normalize_table, wait_until)

CRD = os.path.join(FIXTURES, "task-crd.yaml")
TASK_A = os.path.join(FIXTURES, "task-a.yaml")
TASK_B = os.path.join(FIXTURES, "task-b.yaml")


def setup_crd(srv):
    _, out, _ = srv.kubectl("apply", "-f", CRD)
    check("customresourcedefinition.apiextensions.k8s.io/tasks.kelos.dev created" in out, out)
    srv.kubectl("wait", "--for=condition=Established", "crd/tasks.kelos.dev", "--timeout=20s")


def get_json(srv, *args):
    _, out, _ = srv.kubectl("get", *args, "-o", "json")
    return json.loads(out)


# (a) CRUD, table columns, -o yaml/jsonpath, patches, label, annotate, delete.
def crud(srv):
    setup_crd(srv)
    _, out, _ = srv.kubectl("get", "crds")
    check("tasks.kelos.dev" in out, out)
    _, out, _ = srv.kubectl("api-resources", "--api-group=kelos.dev")
    check("tasks" in out and "Task" in out and "kelos.dev/v1alpha1" in out, out)
    _, out, _ = srv.kubectl("apply", "-f", TASK_A)
    check(out.strip() == "task.kelos.dev/task-a created", out)
    srv.kubectl("apply", "-f", TASK_B)
    _, out, _ = srv.kubectl("get", "tasks")
    golden("crud_get_tasks.txt", normalize_table(out))
    _, out, _ = srv.kubectl("get", "tasks", "-o", "wide")
    golden("crud_get_tasks_wide.txt", normalize_table(out))
    _, out, _ = srv.kubectl("get", "task", "task-a", "-o", "jsonpath={.spec.type}/{.spec.credentials.secretRef.name}")
    check(out == "claude-code/anthropic", out)
    obj = get_json(srv, "task", "task-a")
    check(obj["metadata"]["generation"] == 1, obj)
    rv1 = int(obj["metadata"]["resourceVersion"])
    _, out, _ = srv.kubectl("get", "task", "task-a", "-o", "yaml")
    check("kind: Task" in out and "prompt: Fix the flaky test" in out, out)

    srv.kubectl("patch", "task", "task-a", "--type=merge", "-p", '{"metadata":{"annotations":{"a":"b"}}}')
    srv.kubectl("patch", "task", "task-a", "--type=json",
                "-p", '[{"op":"add","path":"/metadata/labels/x","value":"y"}]')
    srv.kubectl("patch", "task", "task-a", "--subresource=status", "--type=merge",
                "-p", '{"status":{"phase":"Running","message":"started"}}')
    _, out, _ = srv.kubectl("label", "task", "task-a", "env=prod")
    check("labeled" in out, out)
    _, out, _ = srv.kubectl("annotate", "task", "task-a", "note=hi")
    check("annotated" in out, out)
    obj = get_json(srv, "task", "task-a")
    md = obj["metadata"]
    check(md["generation"] == 1, "metadata/status changes must not bump generation: %r" % md)
    check(int(md["resourceVersion"]) > rv1, md)
    check(md["labels"] == {"app": "demo", "x": "y", "env": "prod"}, md)
    check(md["annotations"].get("a") == "b" and md["annotations"].get("note") == "hi", md)
    check(obj["status"] == {"phase": "Running", "message": "started"}, obj)
    _, out, _ = srv.kubectl("get", "tasks")
    golden("crud_get_tasks_running.txt", normalize_table(out))
    # Status is ignored on the main resource; spec is immutable (CEL rule).
    srv.kubectl("patch", "task", "task-a", "--type=merge", "-p", '{"status":{"phase":"Hacked"}}')
    check(get_json(srv, "task", "task-a")["status"]["phase"] == "Running", "status changed via main resource")
    rc, _, err = srv.kubectl("patch", "task", "task-a", "--type=merge",
                             "-p", '{"spec":{"prompt":"changed"}}', ok=False)
    check(rc != 0 and "Task spec is immutable after creation" in err, err)
    # Schema validation: enum and required.
    bad = open(TASK_A).read().replace("task-a", "task-bad").replace("claude-code", "cobol")
    rc, _, err = srv.kubectl("apply", "-f", "-", stdin=bad, ok=False)
    check(rc != 0 and 'Unsupported value: "cobol"' in err, err)
    # fieldValidation: Strict (kubectl's default) refuses unknown fields, Warn warns and prunes.
    unknown = open(TASK_A).read().replace("task-a", "task-u").replace("  branch: fix-flaky", "  branch: fix-flaky\n  bogus: 1")
    rc, _, err = srv.kubectl("apply", "-f", "-", stdin=unknown, ok=False)
    check(rc != 0 and 'unknown field "spec.bogus"' in err, err)
    _, out, err = srv.kubectl("apply", "--validate=warn", "-f", "-", stdin=unknown)
    check("task-u created" in out and 'unknown field "spec.bogus"' in err, out + err)
    check("bogus" not in get_json(srv, "task", "task-u")["spec"], "unknown field not pruned")
    srv.kubectl("delete", "task", "task-u")
    # Not found and already exists messages as upstream prints them.
    rc, _, err = srv.kubectl("get", "task", "nope", ok=False)
    check(rc != 0 and 'Error from server (NotFound): tasks.kelos.dev "nope" not found' in err, err)
    rc, _, err = srv.kubectl("create", "-f", TASK_A, ok=False)
    check(rc != 0 and "(AlreadyExists)" in err and 'tasks.kelos.dev "task-a" already exists' in err, err)
    # Server-side dry run stores nothing.
    dry = open(TASK_A).read().replace("task-a", "task-dry")
    _, out, _ = srv.kubectl("apply", "--dry-run=server", "-f", "-", stdin=dry)
    check("task-dry created (server dry run)" in out, out)
    rc, _, _ = srv.kubectl("get", "task", "task-dry", ok=False)
    check(rc != 0, "dry run stored the object")
    # A CRD update (new field) is enforced at once: discovery, OpenAPI hash and schema.
    srv.kubectl("patch", "crd", "tasks.kelos.dev", "--type=json", "-p", json.dumps([
        {"op": "add",
         "path": "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/reviewers",
         "value": {"type": "array", "items": {"type": "string"}}}]))
    with_new = open(TASK_A).read().replace("task-a", "task-new").replace(
        "  branch: fix-flaky", "  branch: fix-flaky\n  reviewers: [alice]")
    srv.kubectl("apply", "-f", "-", stdin=with_new)
    check(get_json(srv, "task", "task-new")["spec"]["reviewers"] == ["alice"], "new field pruned")
    srv.kubectl("delete", "task", "task-new")
    _, out, _ = srv.kubectl("delete", "task", "task-a")
    check(out.strip() == 'task.kelos.dev "task-a" deleted', out)
    rc, _, _ = srv.kubectl("get", "task", "task-a", ok=False)
    check(rc != 0, "task-a still there")
    _, out, _ = srv.kubectl("get", "tasks")
    check("task-b" in out and "task-a" not in out, out)


# (b) apply twice unchanged: "unchanged" and no RV bump.
def apply_unchanged(srv):
    setup_crd(srv)
    srv.kubectl("apply", "-f", TASK_A)
    rv1 = get_json(srv, "task", "task-a")["metadata"]["resourceVersion"]
    _, out, _ = srv.kubectl("apply", "-f", TASK_A)
    check(out.strip() == "task.kelos.dev/task-a unchanged", out)
    rv2 = get_json(srv, "task", "task-a")["metadata"]["resourceVersion"]
    check(rv1 == rv2, "RV bumped by a no-op apply: %s -> %s" % (rv1, rv2))
    # A real change through apply is a merge patch on a CR.
    changed = open(TASK_A).read().replace("app: demo", "app: demo2")
    _, out, _ = srv.kubectl("apply", "-f", "-", stdin=changed)
    check(out.strip() == "task.kelos.dev/task-a configured", out)
    check(get_json(srv, "task", "task-a")["metadata"]["labels"]["app"] == "demo2", "label not applied")
    # Deleting the CRD removes the resource and its objects.
    srv.kubectl("delete", "crd", "tasks.kelos.dev")
    _, out, _ = srv.kubectl("api-resources", "--api-group=kelos.dev")
    check("tasks" not in out, out)
    setup_crd(srv)
    _, out, err = srv.kubectl("get", "tasks")
    check("task-a" not in out and "No resources found" in err, out + err)


# (c) get -w / --output-watch-events while another client writes.
def watch(srv):
    setup_crd(srv)
    srv.kubectl("apply", "-f", TASK_A)
    w = srv.kubectl_bg("get", "tasks", "-w", "--output-watch-events", "--request-timeout=0")
    try:
        time.sleep(1.5)
        srv.kubectl("apply", "-f", TASK_B)
        srv.kubectl("patch", "task", "task-b", "--subresource=status", "--type=merge",
                    "-p", '{"status":{"phase":"Succeeded"}}')
        srv.kubectl("delete", "task", "task-b")
        time.sleep(1.5)
    finally:
        w.send_signal(signal.SIGTERM)
        out, err = w.communicate(timeout=10)
    out = out.decode()
    lines = [line.split() for line in out.splitlines() if line.strip()]
    check(lines and lines[0][:4] == ["EVENT", "NAME", "TYPE", "PHASE"], out + err.decode())
    events = [(x[0], x[1]) for x in lines[1:]]
    check(("ADDED", "task-a") in events, out)
    check(("ADDED", "task-b") in events, out)
    check(("MODIFIED", "task-b") in events, out)
    check(("DELETED", "task-b") in events, out)
    check(any(x[0] == "MODIFIED" and x[1] == "task-b" and "Succeeded" in x for x in lines[1:]), out)
    # Deleting the CRD ends open watches of its resource (kubectl get -w then exits).
    w = srv.kubectl_bg("get", "tasks", "-w", "--request-timeout=0")
    time.sleep(1.5)
    srv.kubectl("delete", "crd", "tasks.kelos.dev")
    try:
        w.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        w.kill()
        w.communicate()
        raise Failure("kubectl get -w kept running after its CRD was deleted")


# (c) wait --for=jsonpath / condition / delete.
def wait(srv):
    setup_crd(srv)
    srv.kubectl("apply", "-f", TASK_A)
    w = srv.kubectl_bg("wait", "--for=jsonpath={.status.phase}=Succeeded", "task/task-a", "--timeout=30s")
    time.sleep(1.0)
    srv.kubectl("patch", "task", "task-a", "--subresource=status", "--type=merge",
                "-p", '{"status":{"phase":"Succeeded"}}')
    out, err = w.communicate(timeout=40)
    check(w.returncode == 0 and b"condition met" in out, (out + err).decode())
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j1"},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "main", "image": "busybox"}]}}}}
    srv.kubectl("create", "-f", "-", stdin=json.dumps(job))
    w = srv.kubectl_bg("wait", "--for=condition=Complete", "job/j1", "--timeout=30s")
    time.sleep(1.0)
    srv.kubectl("patch", "job", "j1", "--subresource=status", "--type=merge",
                "-p", '{"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}')
    out, err = w.communicate(timeout=40)
    check(w.returncode == 0 and b"condition met" in out, (out + err).decode())
    w = srv.kubectl_bg("wait", "--for=delete", "task/task-a", "--timeout=30s")
    time.sleep(1.0)
    srv.kubectl("delete", "task", "task-a", "--wait=false")
    out, err = w.communicate(timeout=40)
    check(w.returncode == 0, (out + err).decode())
    # WatchList client (sendInitialEvents + initial-events-end bookmark).
    srv.kubectl("apply", "-f", TASK_B)
    w = srv.kubectl_bg("wait", "--for=jsonpath={.status.phase}=Done", "task/task-b", "--timeout=30s",
                       env={"KUBE_FEATURE_WatchListClient": "true"})
    time.sleep(1.0)
    srv.kubectl("patch", "task", "task-b", "--subresource=status", "--type=merge",
                "-p", '{"status":{"phase":"Done"}}')
    out, err = w.communicate(timeout=40)
    check(w.returncode == 0 and b"condition met" in out, (out + err).decode())


# (c) forced 410 (event log of 1) during wait: kubectl relists and succeeds.
def wait_gone(binary, minor):
    srv = Server(binary, extra=["--event-log-size", "1"], minor=minor).start()
    try:
        setup_crd(srv)
        srv.kubectl("apply", "-f", TASK_A)
        srv.kubectl("apply", "-f", TASK_B)
        w = srv.kubectl_bg("wait", "--for=jsonpath={.status.phase}=Succeeded", "task/task-a",
                           "--timeout=40s")
        time.sleep(1.0)
        # Churn on another object pushes the watch's RV out of the one-event log.
        for i in range(5):
            srv.kubectl("annotate", "task", "task-b", "n=%d" % i, "--overwrite")
        srv.kubectl("patch", "task", "task-a", "--subresource=status", "--type=merge",
                    "-p", '{"status":{"phase":"Succeeded"}}')
        out, err = w.communicate(timeout=50)
        check(w.returncode == 0 and b"condition met" in out, (out + err).decode())
        # A raw watch from an expired RV gets ERROR 410 inside a 200 stream.
        _, out, _ = srv.kubectl("get", "--raw", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks?watch=1&resourceVersion=1&timeoutSeconds=2")
        first = json.loads(out.splitlines()[0])
        check(first["type"] == "ERROR" and first["object"]["code"] == 410, out)
    except Exception:
        print(srv.server_log())
        raise
    finally:
        srv.cleanup()


# (e) secrets and configmaps: create -f (JSON), create secret generic (protobuf on >=1.32).
def secrets(srv):
    _, out, _ = srv.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b", "--from-literal=c=d")
    check(out.strip() == "secret/s1 created", out)
    s = get_json(srv, "secret", "s1")
    check(s["data"] == {"a": "Yg==", "c": "ZA=="} and s["type"] == "Opaque", s)
    manifest = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s2"},
                           "stringData": {"token": "t0p"}})
    srv.kubectl("create", "-f", "-", stdin=manifest)
    s = get_json(srv, "secret", "s2")
    check(s["data"] == {"token": "dDBw"} and "stringData" not in s, s)
    _, out, _ = srv.kubectl("create", "configmap", "cm1", "--from-literal=k=v")
    check(out.strip() == "configmap/cm1 created", out)
    check(get_json(srv, "configmap", "cm1")["data"] == {"k": "v"}, "configmap data")
    _, out, _ = srv.kubectl("create", "namespace", "team-a")
    check(out.strip() == "namespace/team-a created", out)
    _, out, _ = srv.kubectl("create", "serviceaccount", "bot", "-n", "team-a")
    check(out.strip() == "serviceaccount/bot created", out)
    # Client-side apply of a Secret twice: the second is a strategic merge patch.
    srv.kubectl("apply", "-f", "-", stdin=manifest.replace("s2", "s3"))
    changed = manifest.replace("s2", "s3").replace("t0p", "n3w")
    _, out, _ = srv.kubectl("apply", "-f", "-", stdin=changed)
    check(out.strip() == "secret/s3 configured", out)
    check(get_json(srv, "secret", "s3")["data"]["token"] == "bjN3", "secret not updated")
    _, out, _ = srv.kubectl("get", "secrets")
    check("s1" in out and "Opaque" in out, out)
    srv.kubectl("delete", "secret", "s1")


# (f) kubectl minors: apply/get through the dispatcher picking 1.<minor>.
def minor_matrix(srv):
    _, out, _ = srv.kubectl("version")
    check("v1.%s.0-kelos" % srv.minor in out, out)
    setup_crd(srv)
    _, out, _ = srv.kubectl("apply", "-f", TASK_A)
    check("created" in out, out)
    _, out, _ = srv.kubectl("apply", "-f", TASK_A)
    check("unchanged" in out, out)
    _, out, _ = srv.kubectl("get", "tasks")
    golden("minor_get_tasks.txt", normalize_table(out))
    srv.kubectl("apply", "--server-side", "-f", TASK_B)
    _, out, _ = srv.kubectl("get", "task", "task-b", "-o", "jsonpath={.spec.type}")
    check(out == "codex", out)
    w = srv.kubectl_bg("wait", "--for=jsonpath={.status.phase}=Succeeded", "task/task-b", "--timeout=30s")
    time.sleep(1.0)
    srv.kubectl("patch", "task", "task-b", "--subresource=status", "--type=merge",
                "-p", '{"status":{"phase":"Succeeded"}}')
    out, err = w.communicate(timeout=40)
    check(w.returncode == 0 and b"condition met" in out, (out + err).decode())
    if int(srv.minor) >= 32:
        # WatchList client: sendInitialEvents and the initial-events-end bookmark.
        w = srv.kubectl_bg("wait", "--for=jsonpath={.status.phase}=Done", "task/task-b", "--timeout=30s",
                           env={"KUBE_FEATURE_WatchListClient": "true"})
        time.sleep(1.0)
        srv.kubectl("patch", "task", "task-b", "--subresource=status", "--type=merge",
                    "-p", '{"status":{"phase":"Done"}}')
        out, err = w.communicate(timeout=40)
        check(w.returncode == 0 and b"condition met" in out, (out + err).decode())
    # JSON bodies before 1.32, protobuf from 1.32 on.
    _, out, _ = srv.kubectl("create", "secret", "generic", "s", "--from-literal=a=b")
    check(out.strip() == "secret/s created", out)
    check(get_json(srv, "secret", "s")["data"] == {"a": "Yg=="}, "secret data")
    srv.kubectl("delete", "task", "task-a")


# (1) a multi-version CRD with a conversion webhook, short names and categories.
def multi_version(srv):
    crd = os.path.join(FIXTURES, "widget-crd.yaml")
    srv.kubectl("apply", "-f", crd)
    srv.kubectl("wait", "--for=condition=Established", "crd/widgets.example.kelos.dev", "--timeout=20s")
    _, out, _ = srv.kubectl("api-resources", "--api-group=example.kelos.dev")
    check("widgets" in out and "wd" in out and "Widget" in out, out)
    w = {"apiVersion": "example.kelos.dev/v1alpha1", "kind": "Widget", "metadata": {"name": "w1"},
         "spec": {"color": "red"}}
    srv.kubectl("apply", "-f", "-", stdin=json.dumps(w))
    obj = get_json(srv, "wd", "w1")
    check(obj["spec"] == {"color": "red", "size": 3}, "default not applied: %r" % obj)
    _, out, _ = srv.kubectl("get", "--raw", "/apis/example.kelos.dev/v1alpha2/namespaces/default/widgets/w1")
    check(json.loads(out)["apiVersion"] == "example.kelos.dev/v1alpha2", out)
    _, out, _ = srv.kubectl("get", "kelos")
    check("w1" in out, out)
    crd_obj = get_json(srv, "crd", "widgets.example.kelos.dev")
    conds = {c["type"]: c["status"] for c in crd_obj["status"]["conditions"]}
    check(conds.get("Established") == "True" and conds.get("NamesAccepted") == "True", crd_obj["status"])
    check(crd_obj["status"]["storedVersions"] == ["v1alpha1"], crd_obj["status"])


# (h) server-side apply: new, update, conflict, force.
def server_side_apply(srv):
    setup_crd(srv)
    _, out, _ = srv.kubectl("apply", "--server-side", "-f", TASK_A)
    check(out.strip() == "task.kelos.dev/task-a serverside-applied", out)
    rv = get_json(srv, "task", "task-a")["metadata"]["resourceVersion"]
    time.sleep(1.1)  # so that a re-apply would carry a different managedFields time
    _, out, _ = srv.kubectl("apply", "--server-side", "-f", TASK_A)
    check("serverside-applied" in out, out)
    # Re-applying the same manifest is a no-op: no new resourceVersion (upstream since 1.27).
    again = get_json(srv, "task", "task-a")["metadata"]["resourceVersion"]
    check(again == rv, "re-apply bumped resourceVersion %s -> %s" % (rv, again))
    obj = get_json(srv, "task", "task-a", "--show-managed-fields")
    managers = {m["manager"] for m in obj["metadata"].get("managedFields", [])}
    check("kubectl" in managers, obj["metadata"])
    other = open(TASK_A).read().replace("app: demo", "app: other")
    rc, _, err = srv.kubectl("apply", "--server-side", "--field-manager=other", "-f", "-",
                             stdin=other, ok=False)
    check(rc != 0 and "conflict" in err.lower() and ".metadata.labels.app" in err, err)
    _, out, _ = srv.kubectl("apply", "--server-side", "--field-manager=other", "--force-conflicts",
                            "-f", "-", stdin=other)
    check("serverside-applied" in out, out)
    check(get_json(srv, "task", "task-a")["metadata"]["labels"]["app"] == "other", "force lost")
    # Secrets (built-in) too.
    manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
                           "data": {"a": "1"}})
    _, out, _ = srv.kubectl("apply", "--server-side", "-f", "-", stdin=manifest)
    check(out.strip() == "configmap/cfg serverside-applied", out)


BUILTINS = os.path.join(FIXTURES, "builtin-kinds.yaml")
BUILTIN_OBJECTS = ["deployment.apps/web", "clusterrole.rbac.authorization.k8s.io/web-reader",
                   "clusterrolebinding.rbac.authorization.k8s.io/web-reader",
                   "role.rbac.authorization.k8s.io/leases", "rolebinding.rbac.authorization.k8s.io/leases"]


# The apps/v1 and RBAC kinds `kelos install` applies: discovery, create/get/apply/delete,
# tables, strategic merge of Deployment containers, generation and /status.
def builtin_kinds(srv):
    _, out, _ = srv.kubectl("api-resources", "--api-group=apps", "--no-headers")
    check(out.split() == ["deployments", "deploy", "apps/v1", "true", "Deployment"], out)
    _, out, _ = srv.kubectl("api-resources", "--api-group=rbac.authorization.k8s.io", "--no-headers")
    rows = sorted(tuple(line.split()) for line in out.splitlines())
    check(rows == [("clusterrolebindings", "rbac.authorization.k8s.io/v1", "false", "ClusterRoleBinding"),
                   ("clusterroles", "rbac.authorization.k8s.io/v1", "false", "ClusterRole"),
                   ("rolebindings", "rbac.authorization.k8s.io/v1", "true", "RoleBinding"),
                   ("roles", "rbac.authorization.k8s.io/v1", "true", "Role")], out)

    _, out, _ = srv.kubectl("create", "-f", BUILTINS)
    check(out.split() == [o for name in BUILTIN_OBJECTS for o in (name, "created")], out)
    _, out, _ = srv.kubectl("get", "deploy")
    lines = out.splitlines()
    check(lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], out)
    check(lines[1].split()[:4] == ["web", "0/2", "0", "0"], out)
    _, out, _ = srv.kubectl("get", "all", "--no-headers")
    check("deployment.apps/web" in out, out)
    _, out, _ = srv.kubectl("get", "clusterrole", "web-reader", "-o", "yaml")
    check("kind: ClusterRole" in out and "- pods/log" in out, out)
    _, out, _ = srv.kubectl("get", "roles,rolebindings", "-o", "wide")
    check("role.rbac.authorization.k8s.io/leases" in out and "Role/leases" in out and "alice" in out, out)
    d = get_json(srv, "deploy", "web")
    check(d["metadata"]["generation"] == 1 and d["spec"]["strategy"]["type"] == "RollingUpdate", d)

    # A controller would report progress through /status; the table shows it.
    srv.kubectl("patch", "deploy", "web", "--subresource=status", "--type=merge",
                "-p", '{"status":{"replicas":2,"readyReplicas":1,"updatedReplicas":2,"availableReplicas":1}}')
    _, out, _ = srv.kubectl("get", "deploy", "web", "--no-headers")
    check(out.split()[:4] == ["web", "1/2", "2", "1"], out)
    check(get_json(srv, "deploy", "web")["metadata"]["generation"] == 1, "status bumped generation")

    # Strategic merge: containers merge by name.
    srv.kubectl("patch", "deploy", "web", "-p",
                '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:2"}]}}}}')
    d = get_json(srv, "deploy", "web")
    check([(c["name"], c["image"]) for c in d["spec"]["template"]["spec"]["containers"]]
          == [("main", "nginx:2"), ("sidecar", "busybox:1")], d["spec"])
    check(d["metadata"]["generation"] == 2, d["metadata"])

    # Delete and apply (client-side, then changed, then server-side).
    _, out, _ = srv.kubectl("delete", "-f", BUILTINS)
    deleted = ['%s "%s" deleted' % tuple(name.split("/")) for name in BUILTIN_OBJECTS]
    check(out.splitlines() == deleted, out)
    rc, _, err = srv.kubectl("get", "deploy", "web", ok=False)
    check(rc != 0 and 'deployments.apps "web" not found' in err, err)
    _, out, err = srv.kubectl("apply", "-f", BUILTINS)
    check(out.split() == [o for name in BUILTIN_OBJECTS for o in (name, "created")] and not err, out + err)
    changed = open(BUILTINS).read().replace("image: busybox:1", "image: busybox:2").replace(
        "verbs: [get, list, watch]", "verbs: [get, list]")
    _, out, err = srv.kubectl("apply", "-f", "-", stdin=changed)
    check("deployment.apps/web configured" in out and "web-reader configured" in out
          and "rolebinding.rbac.authorization.k8s.io/leases unchanged" in out and not err, out + err)
    d = get_json(srv, "deploy", "web")
    check([(c["name"], c["image"]) for c in d["spec"]["template"]["spec"]["containers"]]
          == [("main", "nginx:1"), ("sidecar", "busybox:2")] and d["metadata"]["generation"] == 2, d)
    check(get_json(srv, "clusterrole", "web-reader")["rules"][0]["verbs"] == ["get", "list"], "rules")
    _, out, err = srv.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=changed)
    check(out.split() == [o for name in BUILTIN_OBJECTS for o in (name, "serverside-applied")], out + err)
    check(get_json(srv, "deploy", "web")["metadata"]["generation"] == 2, "no-op apply bumped generation")
    srv.kubectl("delete", "-f", BUILTINS)

    # Imperative creates (protobuf bodies on kubectl >= 1.32).
    _, out, _ = srv.kubectl("create", "clusterrole", "pod-reader", "--verb=get,list", "--resource=pods")
    check(out.strip() == "clusterrole.rbac.authorization.k8s.io/pod-reader created", out)
    _, out, _ = srv.kubectl("create", "rolebinding", "pod-reader", "--clusterrole=pod-reader",
                            "--serviceaccount=default:default")
    check(out.strip() == "rolebinding.rbac.authorization.k8s.io/pod-reader created", out)
    check(get_json(srv, "clusterrole", "pod-reader")["rules"]
          == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}], "clusterrole rules")
    rb = get_json(srv, "rolebinding", "pod-reader")
    check(rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pod-reader"}
          and rb["subjects"] == [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}], rb)
    srv.kubectl("delete", "rolebinding/pod-reader", "clusterrole/pod-reader")


# (i) label and field selectors, pagination.
def selectors(srv):
    for i, (app, tier) in enumerate([("demo", "web"), ("demo", "db"), ("other", "web"), ("none", "")]):
        labels = {"app": app}
        if tier:
            labels["tier"] = tier
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm%d" % i, "labels": labels}}
        srv.kubectl("create", "-f", "-", stdin=json.dumps(cm))

    def names(*args):
        _, out, _ = srv.kubectl("get", "configmaps", "-o", "name", *args)
        return sorted(line.split("/")[1] for line in out.split() if line.startswith("configmap/cm"))

    check(names("-l", "app=demo") == ["cm0", "cm1"], names("-l", "app=demo"))
    check(names("-l", "app==demo,tier=db") == ["cm1"], "==")
    check(names("-l", "tier!=web") == ["cm1", "cm3"], names("-l", "tier!=web"))
    check(names("-l", "app in (demo,other)") == ["cm0", "cm1", "cm2"], "in")
    check(names("-l", "app notin (demo)") == ["cm2", "cm3"], "notin")
    check(names("-l", "tier") == ["cm0", "cm1", "cm2"], "exists")
    check(names("-l", "!tier") == ["cm3"], "not exists")
    check(names("--field-selector", "metadata.name=cm2") == ["cm2"], "field =")
    check(names("--field-selector", "metadata.name!=cm2") == ["cm0", "cm1", "cm3"], "field !=")
    rc, _, err = srv.kubectl("get", "configmaps", "--field-selector", "foo.bar=baz", ok=False)
    check(rc != 0 and "(BadRequest)" in err and '"foo.bar" is not a known field selector' in err, err)
    check(names("--chunk-size=1") == ["cm0", "cm1", "cm2", "cm3"], "pagination")
    _, out, _ = srv.kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps?limit=2")
    page1 = json.loads(out)
    token = page1["metadata"]["continue"]
    check(len(page1["items"]) == 2 and token, page1["metadata"])
    srv.kubectl("create", "configmap", "cm9")
    _, out, _ = srv.kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps?limit=10&continue=" + token)
    page2 = json.loads(out)
    check(page2["metadata"]["resourceVersion"] == page1["metadata"]["resourceVersion"],
          "list RV must be stable across pages")
    got = [i["metadata"]["name"] for i in page1["items"] + page2["items"]]
    check("cm9" not in got and "cm3" in got, got)


# (j) finalizers and cascading deletion.
def finalizers(srv):
    setup_crd(srv)
    with_finalizer = open(TASK_A).read().replace("  labels:", "  finalizers: [kelos.dev/finalizer]\n  labels:")
    srv.kubectl("apply", "-f", "-", stdin=with_finalizer)
    gen = get_json(srv, "task", "task-a")["metadata"]["generation"]
    _, out, _ = srv.kubectl("delete", "task", "task-a", "--wait=false")
    check('task.kelos.dev "task-a" deleted' in out, out)
    obj = get_json(srv, "task", "task-a")
    check("deletionTimestamp" in obj["metadata"], obj["metadata"])
    check(obj["metadata"]["generation"] == gen + 1, obj["metadata"])
    d = srv.kubectl_bg("delete", "task", "task-a", "--timeout=30s")
    time.sleep(1.0)
    check(d.poll() is None, "delete returned while a finalizer holds the object")
    srv.kubectl("patch", "task", "task-a", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
    out, err = d.communicate(timeout=30)
    check(d.returncode == 0, (out + err).decode())
    rc, _, _ = srv.kubectl("get", "task", "task-a", ok=False)
    check(rc != 0, "task-a survived")

    # Job -> Pod owner references: background, orphan and foreground cascades.
    def job_with_pod(name):
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
               "spec": {"template": {"spec": {"restartPolicy": "Never",
                                               "containers": [{"name": "main", "image": "busybox"}]}}}}
        srv.kubectl("create", "-f", "-", stdin=json.dumps(job))
        j = get_json(srv, "job", name)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name + "-pod", "labels": {"job-name": name},
                            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                                                 "uid": j["metadata"]["uid"], "controller": True,
                                                 "blockOwnerDeletion": True}]},
               "spec": {"containers": [{"name": "main", "image": "busybox"}]}}
        srv.kubectl("create", "-f", "-", stdin=json.dumps(pod))

    def pod_exists(name):
        return srv.kubectl("get", "pod", name, ok=False)[0] == 0

    job_with_pod("bg")
    srv.kubectl("delete", "job", "bg", "--cascade=background")
    wait_until(lambda: not pod_exists("bg-pod"), what="background GC of bg-pod")
    job_with_pod("orph")
    srv.kubectl("delete", "job", "orph", "--cascade=orphan")
    time.sleep(1.0)
    check(pod_exists("orph-pod"), "orphaned pod was deleted")
    _, out, _ = srv.kubectl("get", "pods")
    check(out.split("\n")[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], out)
    check("orph-pod" in out and "0/1" in out, out)
    job_with_pod("fg")
    srv.kubectl("delete", "job", "fg", "--cascade=foreground", "--timeout=30s")
    check(not pod_exists("fg-pod"), "foreground delete left the pod")

    # Namespace deletion removes its contents, then the namespace; creates into it fail.
    srv.kubectl("create", "namespace", "doomed")
    srv.kubectl("create", "configmap", "c1", "-n", "doomed")
    _, out, _ = srv.kubectl("delete", "namespace", "doomed", "--timeout=30s")
    check('namespace "doomed" deleted' in out, out)
    rc, _, err = srv.kubectl("get", "configmap", "c1", "-n", "doomed", ok=False)
    check(rc != 0 and "NotFound" in err, err)
    rc, _, err = srv.kubectl("create", "configmap", "c2", "-n", "doomed", ok=False)
    check(rc != 0 and 'namespaces "doomed" not found' in err, err)


# (l) bad input never crashes the server; errors are Status bodies.
def bad_input(srv):
    import urllib.error
    import urllib.request

    def call(method, path, body=None, ctype="application/json"):
        req = urllib.request.Request(srv.url + path, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    ns = "/api/v1/namespaces/default/configmaps"
    code, body = call("POST", ns, b"{not json")
    check(code == 400 and json.loads(body)["kind"] == "Status", (code, body))
    code, body = call("POST", ns, b"a: [unclosed", "application/yaml")
    check(code == 400, (code, body))
    code, body = call("POST", ns, b"<xml/>", "application/xml")
    st = json.loads(body)
    check(code == 415 and st["reason"] == "UnsupportedMediaType" and
          "the body of the request was in an unknown format" in st["message"], (code, body))
    code, body = call("POST", ns, b"x" * (4 * 1024 * 1024))
    check(code == 413 and "RequestEntityTooLarge" in body, (code, body[:200]))
    code, body = call("POST", ns, json.dumps({"apiVersion": "v1", "kind": "Secret",
                                              "metadata": {"name": "x"}}).encode())
    check(code == 400 and "does not match the expected kind" in body, (code, body))
    code, body = call("GET", "/apis/nope.example/v1/things")
    check(code == 404, (code, body))
    code, body = call("POST", ns, json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                              "metadata": {"name": "Bad_Name"}}).encode())
    check(code == 422 and json.loads(body)["reason"] == "Invalid", (code, body))
    code, body = call("PATCH", ns + "/nothing", b"{}", "application/merge-patch+json")
    check(code == 404, (code, body))
    code, body = call("PATCH", ns + "/nothing", b"{}", "text/plain")
    check(code == 415, (code, body))
    code, body = call("PATCH", "/api/v1/namespaces/default/pods/p/log", b"{}", "application/merge-patch+json")
    check(code == 405 and json.loads(body)["reason"] == "MethodNotAllowed", (code, body))
    code, body = call("POST", "/api/v1/namespaces/missing/configmaps",
                      json.dumps({"metadata": {"name": "a"}}).encode())
    check(code == 404, (code, body))
    bad_crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "wrong.example.com"},
               "spec": {"group": "example.com", "scope": "Namespaced",
                        "names": {"plural": "things", "kind": "Thing"},
                        "versions": [{"name": "v1", "served": True, "storage": True}]}}
    code, body = call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                      json.dumps(bad_crd).encode())
    check(code == 422 and json.loads(body)["reason"] == "Invalid", (code, body))
    # YAML bodies are accepted.
    code, body = call("POST", ns, b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  n: '007'\n",
                      "application/yaml")
    check(code == 201 and json.loads(body)["data"]["n"] == "007", (code, body))
    # The server is still healthy.
    code, body = call("GET", "/healthz", None, None)
    check(code == 200 and body == "ok", (code, body))
    # Trailing slashes and /version/.
    code, body = call("GET", "/version/", None, None)
    check(code == 200 and json.loads(body)["minor"] == srv.minor, body)
    code, body = call("GET", ns + "/", None, None)
    check(code == 200 and json.loads(body)["kind"] == "ConfigMapList", body)


# (k) TLS mode: the kubeconfig carries the CA; kubectl verifies it.
def tls(binary, minor):
    srv = Server(binary, extra=["--tls"], minor=minor).start()
    try:
        check(srv.url.startswith("https://"), srv.url)
        check("certificate-authority-data" in open(srv.kubeconfig).read(), "no CA data")
        setup_crd(srv)
        srv.kubectl("apply", "-f", TASK_A)
        _, out, _ = srv.kubectl("get", "tasks")
        golden("minor_get_tasks.txt", normalize_table(out))
        w = srv.kubectl_bg("wait", "--for=jsonpath={.status.phase}=Succeeded", "task/task-a", "--timeout=30s")
        time.sleep(1.0)
        srv.kubectl("patch", "task", "task-a", "--subresource=status", "--type=merge",
                    "-p", '{"status":{"phase":"Succeeded"}}')
        out, err = w.communicate(timeout=40)
        check(w.returncode == 0, (out + err).decode())
        rc, _, err = srv.kubectl("get", "ns", "--insecure-skip-tls-verify=false",
                                 "--certificate-authority=/etc/ssl/certs/ca-certificates.crt", ok=False)
        check(rc != 0 and "x509" in err, err)
    finally:
        srv.cleanup()


# (15) feature switches: documented degradations, no crash.
def degraded(binary, minor):
    srv = Server(binary, extra=["--no-openapi", "--no-aggregated-discovery", "--no-table"], minor=minor).start()
    try:
        rc, _, err = srv.kubectl("apply", "-f", CRD, ok=False)
        check(rc != 0 and "failed to download openapi" in err, err)
        srv.kubectl("apply", "--validate=false", "-f", CRD)
        srv.kubectl("wait", "--for=condition=Established", "crd/tasks.kelos.dev", "--timeout=20s")
        srv.kubectl("apply", "--validate=false", "-f", TASK_A)
        _, out, _ = srv.kubectl("get", "tasks")
        check(out.split("\n")[0].split() == ["NAME", "AGE"], out)
    finally:
        srv.cleanup()


# Durability: kubectl writes, SIGKILL, restart on the same data dir, everything is back
# and resourceVersions continue upward.
def durability(binary, minor):
    srv = Server(binary, minor=minor).start()
    try:
        setup_crd(srv)
        srv.kubectl("apply", "-f", TASK_A)
        srv.kubectl("create", "configmap", "keep", "--from-literal=k=v")
        srv.kubectl("patch", "task", "task-a", "--subresource=status", "--type=merge",
                    "-p", '{"status":{"phase":"Running"}}')
        before = get_json(srv, "task", "task-a")
        rv_before = int(before["metadata"]["resourceVersion"])
        srv.kill(signal.SIGKILL)
        srv2 = Server(binary, minor=minor, data_dir=srv.data_dir, tmp=srv.tmp)
        srv2.cache = srv.cache + "-2"
        srv2.start()
        srv.proc = srv2.proc
        after = get_json(srv2, "task", "task-a")
        check(after["metadata"]["uid"] == before["metadata"]["uid"], "uid changed")
        check(after["status"] == {"phase": "Running"}, after)
        check(get_json(srv2, "configmap", "keep")["data"] == {"k": "v"}, "configmap lost")
        _, out, _ = srv2.kubectl("get", "tasks")
        check("task-a" in out and "Running" in out, out)
        srv2.kubectl("label", "task", "task-a", "restarted=yes")
        rv_after = int(get_json(srv2, "task", "task-a")["metadata"]["resourceVersion"])
        check(rv_after > rv_before, "RV went backwards: %d -> %d" % (rv_before, rv_after))
        rc = srv2.kill(signal.SIGTERM)
        check(rc == 0, "SIGTERM exit code %r" % rc)
    finally:
        srv.cleanup()


# SIGTERM with open watches: the streams end with their last chunk (kubectl get -w exits
# by itself) and the server exits 0.
def graceful_stop(binary, minor):
    srv = Server(binary, minor=minor).start()
    try:
        watchers = [srv.kubectl_bg("get", "configmaps", "-w", "--request-timeout=0"),
                    srv.kubectl_bg("get", "namespaces", "-w", "--request-timeout=0")]
        time.sleep(1.5)
        check(all(w.poll() is None for w in watchers), "a watcher ended early")
        rc = srv.kill(signal.SIGTERM)
        check(rc == 0, "server exit code %r" % rc)
        for w in watchers:
            try:
                w.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                w.kill()
                w.communicate()
                raise Failure("kubectl get -w did not end when the server stopped")
    finally:
        srv.cleanup()


SCENARIOS = {
    "crud": crud,
    "apply_unchanged": apply_unchanged,
    "watch": watch,
    "wait": wait,
    "wait_gone": wait_gone,
    "secrets": secrets,
    "minor_matrix": minor_matrix,
    "server_side_apply": server_side_apply,
    "builtin_kinds": builtin_kinds,
    "selectors": selectors,
    "finalizers": finalizers,
    "bad_input": bad_input,
    "multi_version": multi_version,
    "tls": tls,
    "degraded": degraded,
    "durability": durability,
    "graceful_stop": graceful_stop,
}

if __name__ == "__main__":
    sys.exit(main(SCENARIOS))
