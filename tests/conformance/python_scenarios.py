"""Conformance scenarios driven by Debian's python3-kubernetes (spec §6, §9 row 14).

Must run with /usr/bin/python3 (the only interpreter that imports python3-kubernetes).
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FIXTURES, check, main  # noqa: E402

from kubernetes import client, config, dynamic, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402


def api(srv):
    return config.new_client_from_config(config_file=srv.kubeconfig)


def install_crd(srv):
    srv.kubectl("apply", "-f", os.path.join(FIXTURES, "task-crd.yaml"))
    srv.kubectl("wait", "--for=condition=Established", "crd/tasks.kelos.dev", "--timeout=20s")


def task(name, prompt="do it"):
    return {"apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "metadata": {"name": name},
            "spec": {"type": "codex", "prompt": prompt,
                     "credentials": {"type": "api-key", "secretRef": {"name": "s"}}}}


def crud(srv):
    c = api(srv)
    v = client.VersionApi(c).get_code()
    check(v.minor == srv.minor, v)
    core = client.CoreV1Api(c)
    s = core.create_namespaced_secret("default", client.V1Secret(
        metadata=client.V1ObjectMeta(name="py", labels={"a": "b"}), string_data={"k": "v"}))
    check(s.data == {"k": "dg=="}, s.data)
    got = core.list_namespaced_secret("default", label_selector="a in (b,c)")
    check([i.metadata.name for i in got.items] == ["py"], got.items)
    p = core.patch_namespaced_secret("py", "default", {"metadata": {"labels": {"c": "d"}}})
    check(p.metadata.labels == {"a": "b", "c": "d"}, p.metadata.labels)
    core.delete_namespaced_secret("py", "default")
    try:
        core.read_namespaced_secret("py", "default")
        check(False, "secret still readable")
    except ApiException as e:
        check(e.status == 404, e)
    install_crd(srv)
    co = client.CustomObjectsApi(c)
    t = co.create_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", task("t1"))
    check(t["metadata"]["generation"] == 1, t)
    t = co.patch_namespaced_custom_object_status("kelos.dev", "v1alpha1", "default", "tasks", "t1",
                                                 {"status": {"phase": "Running"}})
    check(t["status"]["phase"] == "Running" and t["metadata"]["generation"] == 1, t)
    t = co.patch_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "t1",
                                          {"metadata": {"labels": {"x": "y"}}})
    check(t["metadata"]["labels"] == {"x": "y"}, t)
    co.create_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", task("t2"))
    co.create_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", task("t3"))
    names, token, rvs = [], None, set()
    for _ in range(5):
        kw = {"limit": 1}
        if token:
            kw["_continue"] = token
        page = co.list_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", **kw)
        names += [i["metadata"]["name"] for i in page["items"]]
        rvs.add(page["metadata"]["resourceVersion"])
        token = page["metadata"].get("continue")
        if not token:
            break
    check(names == ["t1", "t2", "t3"] and len(rvs) == 1, (names, rvs))
    try:
        core.list_namespaced_config_map("default", field_selector="spec.nope=1")
        check(False, "unknown field selector accepted")
    except ApiException as e:
        check(e.status == 400, e)
    co.delete_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "t1")


def conflict(srv):
    install_crd(srv)
    co = client.CustomObjectsApi(api(srv))
    t = co.create_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", task("t1"))
    stale = dict(t)
    co.patch_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "t1",
                                      {"metadata": {"labels": {"bump": "1"}}})
    try:
        co.replace_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "t1", stale)
        check(False, "stale PUT succeeded")
    except ApiException as e:
        check(e.status == 409 and "Conflict" in e.body and "the object has been modified" in e.body, e.body)
    fresh = co.get_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "t1")
    fresh["metadata"]["labels"]["ok"] = "yes"
    out = co.replace_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "t1", fresh)
    check(out["metadata"]["labels"]["ok"] == "yes", out)


def watch_bookmarks(srv):
    install_crd(srv)
    co = client.CustomObjectsApi(api(srv))
    co.create_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", task("w1"))
    rv = co.list_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks")["metadata"]["resourceVersion"]

    def writer():
        time.sleep(0.5)
        co.patch_namespaced_custom_object_status("kelos.dev", "v1alpha1", "default", "tasks", "w1",
                                                 {"status": {"phase": "Running"}})
        co.delete_namespaced_custom_object("kelos.dev", "v1alpha1", "default", "tasks", "w1")

    th = threading.Thread(target=writer)
    th.start()
    events = []
    w = watch.Watch()
    for ev in w.stream(co.list_namespaced_custom_object, "kelos.dev", "v1alpha1", "default", "tasks",
                       resource_version=rv, timeout_seconds=4, allow_watch_bookmarks=True):
        events.append((ev["type"], ev["object"]["metadata"].get("resourceVersion")))
    th.join()
    types = [e[0] for e in events]
    check("ADDED" not in types, "watch from an exact RV must not replay: %r" % events)
    check(types.count("MODIFIED") == 1 and types.count("DELETED") == 1, events)
    check("BOOKMARK" in types, "no bookmark in %r" % events)
    rvs = [int(e[1]) for e in events]
    check(rvs == sorted(rvs), "RVs out of order: %r" % events)
    # Label-selector watch: moving labels in and out gives ADDED / DELETED.
    core = client.CoreV1Api(api(srv))
    core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="sel")))
    rv = core.list_namespaced_config_map("default").metadata.resource_version

    def mover():
        time.sleep(0.5)
        core.patch_namespaced_config_map("sel", "default", {"metadata": {"labels": {"sel": "yes"}}})
        core.patch_namespaced_config_map("sel", "default", {"metadata": {"labels": {"sel": None}}})

    th = threading.Thread(target=mover)
    th.start()
    seen = []
    for ev in watch.Watch().stream(core.list_namespaced_config_map, "default", label_selector="sel=yes",
                                   resource_version=rv, timeout_seconds=3):
        seen.append(ev["type"])
    th.join()
    check(seen == ["ADDED", "DELETED"], seen)


def lease(srv):
    c1, c2 = client.CoordinationV1Api(api(srv)), client.CoordinationV1Api(api(srv))
    name = "kelos-controller-leader-election"
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)
    body = client.V1Lease(metadata=client.V1ObjectMeta(name=name),
                          spec=client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15,
                                                  acquire_time=now, renew_time=now, lease_transitions=0))
    created = c1.create_namespaced_lease("default", body)
    check(created.spec.holder_identity == "a", created)
    # Both read; a renews; b's takeover with the stale RV must fail with 409.
    la = c1.read_namespaced_lease(name, "default")
    lb = c2.read_namespaced_lease(name, "default")
    la.spec.renew_time = datetime.now(timezone.utc)
    c1.replace_namespaced_lease(name, "default", la)
    lb.spec.holder_identity = "b"
    lb.spec.lease_transitions = 1
    try:
        c2.replace_namespaced_lease(name, "default", lb)
        check(False, "stale lease takeover succeeded")
    except ApiException as e:
        check(e.status == 409, e)
    lb = c2.read_namespaced_lease(name, "default")
    check(lb.spec.holder_identity == "a", lb)
    lb.spec.holder_identity = "b"
    lb.spec.lease_transitions = 1
    out = c2.replace_namespaced_lease(name, "default", lb)
    check(out.spec.holder_identity == "b" and out.spec.lease_transitions == 1, out)
    raw = c2.api_client.call_api("/apis/coordination.k8s.io/v1/namespaces/default/leases/" + name, "GET",
                                 response_type="object", _return_http_data_only=True)
    renew = raw["spec"]["renewTime"]
    check(len(renew.split(".")[1]) == 7 and renew.endswith("Z"), "MicroTime must keep 6 digits: " + renew)


def job(srv):
    b = client.BatchV1Api(api(srv))
    j = client.V1Job(metadata=client.V1ObjectMeta(generate_name="task-"),
                     spec=client.V1JobSpec(template=client.V1PodTemplateSpec(
                         spec=client.V1PodSpec(restart_policy="Never",
                                               containers=[client.V1Container(name="main", image="busybox")]))))
    out = b.create_namespaced_job("default", j)
    name = out.metadata.name
    check(name.startswith("task-") and len(name) == 10, name)
    out2 = b.create_namespaced_job("default", j)
    check(out2.metadata.name != name, "generateName collision")
    st = b.patch_namespaced_job_status(name, "default", {"status": {"active": 1}})
    check(st.status.active == 1, st.status)
    names = {x.metadata.name for x in b.list_namespaced_job("default").items}
    check({name, out2.metadata.name} <= names, names)


def dynamic_discovery(srv):
    install_crd(srv)
    dc = dynamic.DynamicClient(api(srv))
    tasks = dc.resources.get(api_version="kelos.dev/v1alpha1", kind="Task")
    check(tasks.namespaced and tasks.name == "tasks", tasks)
    tasks.create(body=task("dyn"), namespace="default")
    got = tasks.get(name="dyn", namespace="default")
    check(got.spec.type == "codex", got)
    pods = dc.resources.get(api_version="v1", kind="Pod")
    check(pods.name == "pods", pods)
    lst = tasks.get(namespace="default")
    check([i.metadata.name for i in lst.items] == ["dyn"], lst)


def tls(binary, minor):
    from harness import Server
    srv = Server(binary, extra=["--tls"], minor=minor).start()
    try:
        check(srv.url.startswith("https://"), srv.url)
        core = client.CoreV1Api(api(srv))
        core.create_namespaced_config_map("default", client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="over-tls"), data={"k": "v"}))
        check(core.read_namespaced_config_map("over-tls", "default").data == {"k": "v"}, "read back")
        events = [ev["type"] for ev in watch.Watch().stream(core.list_namespaced_config_map, "default",
                                                            timeout_seconds=1)]
        check(events == ["ADDED"], events)
    finally:
        srv.cleanup()


SCENARIOS = {
    "crud": crud,
    "conflict": conflict,
    "watch": watch_bookmarks,
    "lease": lease,
    "job": job,
    "dynamic": dynamic_discovery,
    "tls": tls,
}

if __name__ == "__main__":
    sys.exit(main(SCENARIOS))
