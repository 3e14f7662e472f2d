"""`kelos install` / `kelos uninstall` against kelos-apiserver (seed §8.2 install_test.go, issue 7 §2):
the real `kelos` binary as a subprocess, kubectl to check. kelos-apiserver serves apps/v1
Deployments and the rbac.authorization.k8s.io/v1 kinds itself (stored only: no Deployment
controller runs pods), so both talk to it directly.

Run one scenario:
  /usr/bin/python3 cli_install_test.py --binary APISERVER --kelos KELOS --scenario NAME
"""
import argparse
import json
import os
import sys
import traceback

import cli_verbs_test as verbs  # its kelos() and golden(); it also puts tests/conformance on sys.path
from cli_verbs_test import ROOT, check, golden, kelos
from harness import Server, wait_until  # noqa: E402

INSTALL_YAML = os.path.join(ROOT, "deploy", "install.yaml")
CRD_NAMES = ["agentconfigs.kelos.dev", "tasks.kelos.dev", "taskspawners.kelos.dev", "workspaces.kelos.dev"]


def kget(srv, *args, ok=True):
    rc, out, err = srv.kubectl("get", *args, "-o", "json", ok=ok)
    return json.loads(out) if rc == 0 else None


INSTALL_OUT = ("Installing kelos CRDs\nInstalling kelos controller (version: %s)\n"
               "Kelos installed successfully\n")
UNINSTALL_OUT = "Removing kelos controller\nRemoving kelos CRDs\nKelos uninstalled successfully\n"


def deployment(srv):
    return kget(srv, "deployment", "kelos-controller-manager", "-n", "kelos-system", "--show-managed-fields")


def established(crd):
    return any(c["type"] == "Established" and c["status"] == "True" for c in crd["status"].get("conditions", []))


def check_installed(srv):
    ns = kget(srv, "namespace", "kelos-system")
    check(ns["metadata"]["labels"]["app.kubernetes.io/name"] == "kelos", ns)
    for name in CRD_NAMES:
        crd = kget(srv, "crd", name)
        check(established(crd), crd)
    sa = kget(srv, "serviceaccount", "kelos-controller", "-n", "kelos-system")
    check(sa["metadata"]["name"] == "kelos-controller", sa)
    role = kget(srv, "clusterrole", "kelos-controller-role")
    rules = {(tuple(r["apiGroups"]), r2): tuple(r["verbs"]) for r in role["rules"] for r2 in r["resources"]}
    check(rules[(("kelos.dev",), "tasks")] == ("get", "list", "watch", "create", "patch", "delete"), rules)
    check(rules[(("kelos.dev",), "tasks/status")] == ("update",), rules)
    check(rules[(("",), "pods/log")] == ("get",), rules)
    check(not any(g == ("apps",) for g, _ in rules), "no Deployment rights: spawners are actors")
    binding = kget(srv, "clusterrolebinding", "kelos-controller-rolebinding")
    check(binding["subjects"] == [{"kind": "ServiceAccount", "name": "kelos-controller",
                                   "namespace": "kelos-system"}], binding)
    le = kget(srv, "role", "kelos-leader-election-role", "-n", "kelos-system")
    check(le["rules"] == [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                           "verbs": ["get", "create", "update"]}], le)
    kget(srv, "rolebinding", "kelos-leader-election-rolebinding", "-n", "kelos-system")
    d = deployment(srv)
    pod = d["spec"]["template"]["spec"]
    c = pod["containers"][0]
    check(pod["serviceAccountName"] == "kelos-controller" and pod["securityContext"]["runAsNonRoot"] is True, pod)
    check(c["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                   "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}, c)
    check(c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}, c)
    check(c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}, c)
    check({p["name"]: p["containerPort"] for p in c["ports"]} == {"metrics": 8080, "health": 8081}, c)
    check("--leader-elect" in c["args"], c)
    return d


def managers(obj):
    return sorted(m["manager"] for m in obj["metadata"].get("managedFields", []))


def scenario_install(srv):
    _, out, _ = kelos(srv, "install")
    check(out == INSTALL_OUT % "latest", out)
    d = check_installed(srv)
    c = d["spec"]["template"]["spec"]["containers"][0]
    check(c["image"] == "ghcr.io/kelos-dev/kelos-controller:latest", c)
    check(managers(d) == ["kelos"], d["metadata"].get("managedFields"))
    check(d["metadata"]["managedFields"][0]["operation"] == "Apply", d["metadata"]["managedFields"])
    # Idempotent: the same answer, the same object (kelos-apiserver refreshes the
    # managedFields time of a no-op apply, so resourceVersion is not compared).
    _, out, _ = kelos(srv, "install")
    check(out == INSTALL_OUT % "latest", out)
    d2 = deployment(srv)
    check(d2["spec"] == d["spec"] and d2["metadata"]["generation"] == 1 and managers(d2) == ["kelos"],
          "a second install changed the Deployment:\n%s" % json.dumps(d2, indent=1))
    # --version pins every image tag of the controller manifest, never the CRDs.
    _, out, _ = kelos(srv, "install", "--version", "v0.9.1", "--image-pull-policy", "IfNotPresent")
    check(out == INSTALL_OUT % "v0.9.1", out)
    c = deployment(srv)["spec"]["template"]["spec"]["containers"][0]
    check(c["image"] == "ghcr.io/kelos-dev/kelos-controller:v0.9.1" and c["imagePullPolicy"] == "IfNotPresent", c)
    check("--codex-image=ghcr.io/kelos-dev/codex:v0.9.1" in c["args"], c["args"])
    check("--codex-image-pull-policy=IfNotPresent" in c["args"], c["args"])
    check(not any(a.endswith(":latest") for a in c["args"]), c["args"])
    # Bad flags fail before touching the cluster.
    rc, _, err = kelos(srv, "install", "--image-pull-policy", "Sometimes", ok=False)
    check(rc == 1 and 'invalid --image-pull-policy "Sometimes"' in err, err)
    rc, _, err = kelos(srv, "install", "--bogus", ok=False)
    check(rc == 2 and "--bogus" in err, err)


def scenario_uninstall(srv):
    kelos(srv, "install")
    srv.kubectl("apply", "-f", "-", stdin="""apiVersion: kelos.dev/v1alpha1
kind: Task
metadata: {name: t1, namespace: default}
spec: {type: claude-code, prompt: hi, credentials: {type: api-key, secretRef: {name: s}}}
""")
    srv.kubectl("create", "namespace", "team")
    srv.kubectl("apply", "-f", "-", stdin="""apiVersion: kelos.dev/v1alpha1
kind: Task
metadata: {name: t2, namespace: team, finalizers: [kelos.dev/finalizer]}
spec: {type: claude-code, prompt: hi, credentials: {type: api-key, secretRef: {name: s}}}
""")
    # Refuses while Tasks exist, and leaves everything in place.
    rc, out, err = kelos(srv, "uninstall", ok=False)
    check(rc == 1 and "2 tasks" in err and "still exist" in err and "--force" in err, err)
    check(deployment(srv) is not None and kget(srv, "crd", "tasks.kelos.dev") is not None, "uninstall removed things")
    # Deleting one (no finalizer) still leaves the other.
    srv.kubectl("delete", "task", "t1")
    rc, _, err = kelos(srv, "uninstall", ok=False)
    check(rc == 1 and "1 task (e.g. team/t2)" in err, err)
    # --force deletes it; with no controller to release its finalizer, kelos removes it
    # after --timeout, so the CRD is not left Terminating.
    _, out, _ = kelos(srv, "uninstall", "--force", "--timeout", "2s")
    check(out.startswith("Deleting 1 task (e.g. team/t2)\nRemoving the finalizers of 1 task") and
          out.endswith(UNINSTALL_OUT), out)
    check(kget(srv, "deployment", "kelos-controller-manager", "-n", "kelos-system", ok=False) is None, "deployment")
    check(kget(srv, "clusterrole", "kelos-controller-role", ok=False) is None, "clusterrole")
    wait_until(lambda: all(kget(srv, "crd", n, ok=False) is None for n in CRD_NAMES), what="CRDs gone")
    # Idempotent.
    _, out, _ = kelos(srv, "uninstall")
    check(out == UNINSTALL_OUT, out)
    # Install again after an uninstall, then uninstall with nothing left behind.
    kelos(srv, "install")
    check_installed(srv)
    _, out, _ = kelos(srv, "uninstall")
    check(out == UNINSTALL_OUT, out)


def scenario_dryrun(srv):
    _, out, _ = kelos(srv, "install", "--dry-run")
    with open(INSTALL_YAML) as f:
        check(out == f.read(), "--dry-run prints deploy/install.yaml unchanged")
    _, pinned, _ = kelos(srv, "install", "--dry-run", "--version", "v1.0.0", "--image-pull-policy", "Always")
    golden("install-dry-run.yaml", pinned)
    # Nothing was created.
    check(kget(srv, "crd", "tasks.kelos.dev", ok=False) is None, "dry-run created CRDs")
    # The printed manifests apply cleanly with kubectl (client-side apply, then server-side).
    _, out, err = srv.kubectl("apply", "-f", "-", stdin=pinned)
    check("Warning" not in err, err)
    for created in ("deployment.apps/kelos-controller-manager",
                    "customresourcedefinition.apiextensions.k8s.io/tasks.kelos.dev",
                    "clusterrole.rbac.authorization.k8s.io/kelos-controller-role",
                    "clusterrolebinding.rbac.authorization.k8s.io/kelos-controller-rolebinding",
                    "role.rbac.authorization.k8s.io/kelos-leader-election-role",
                    "rolebinding.rbac.authorization.k8s.io/kelos-leader-election-rolebinding"):
        check(created + " created" in out, out)
    # Applied again unchanged (a strategic merge patch computed by kubectl for the built-ins).
    _, out, err = srv.kubectl("apply", "-f", "-", stdin=pinned)
    check("deployment.apps/kelos-controller-manager unchanged" in out and "Warning" not in err, out + err)
    check(" configured" not in out, out)
    check(deployment(srv)["metadata"]["generation"] == 1, "a no-op apply bumped the generation")
    _, out, err = srv.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=pinned)
    check("deployment.apps/kelos-controller-manager serverside-applied" in out and "Warning" not in err, out + err)
    check("clusterrole.rbac.authorization.k8s.io/kelos-controller-role serverside-applied" in out, out)
    srv.kubectl("wait", "--for=condition=Established", *["crd/" + n for n in CRD_NAMES], "--timeout=20s")
    d = deployment(srv)
    check(d["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/kelos-dev/kelos-controller:v1.0.0", d)
    check(d["spec"]["replicas"] == 1 and d["spec"]["strategy"]["type"] == "RollingUpdate", d["spec"])
    # kubectl's table for Deployments (no controller: nothing ready), and roles read back as YAML.
    _, out, _ = srv.kubectl("get", "deploy", "-n", "kelos-system")
    lines = out.splitlines()
    check(lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], out)
    check(lines[1].split()[:4] == ["kelos-controller-manager", "0/1", "0", "0"], out)
    _, out, _ = srv.kubectl("get", "clusterrole", "kelos-controller-role", "-o", "yaml")
    check("kind: ClusterRole" in out and "apiVersion: rbac.authorization.k8s.io/v1" in out
          and "- tasks/status" in out, out)
    _, out, _ = srv.kubectl("get", "rolebinding", "-n", "kelos-system", "-o", "wide")
    check(out.splitlines()[0].split()[:3] == ["NAME", "ROLE", "AGE"]
          and "Role/kelos-leader-election-role" in out and "kelos-system/kelos-controller" in out, out)
    # kelos install takes over what kubectl applied.
    _, out, _ = kelos(srv, "install")
    check(out == INSTALL_OUT % "latest", out)
    check_installed(srv)


SCENARIOS = {"install": scenario_install, "uninstall": scenario_uninstall, "dryrun": scenario_dryrun}


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--binary", "--kelos", "--scenario"):
        ap.add_argument(flag, required=True)
    a = ap.parse_args()
    verbs.KELOS = a.kelos
    srv = Server(a.binary).start()
    try:
        SCENARIOS[a.scenario](srv)
        print("PASS %s" % a.scenario)
        return 0
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        print("FAIL %s: %s\n%s\n%s" % (a.scenario, e, traceback.format_exc(), srv.server_log()))
        return 1
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
