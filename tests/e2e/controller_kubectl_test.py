"""kelos-controller end to end with real kubectl: the kelos-apiserver and kelos-controller
binaries as separate processes, the example manifests applied unchanged, the test playing
kubelet and the Job controller with `kubectl create` / `kubectl patch --subresource=status`.

Run one scenario:
  /usr/bin/python3 controller_kubectl_test.py --binary APISERVER --controller CONTROLLER --scenario NAME
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
from harness import Failure, Server, check, wait_until  # noqa: E402
from kelos_crds_test import install_crds, parse_table  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Controller:
    def __init__(self, binary, kubeconfig, tmp, extra=()):
        self.metrics_port = free_port()
        self.health_port = free_port()
        self.log_path = os.path.join(tmp, "controller.log")
        self.log = open(self.log_path, "ab")
        args = [binary, "--kubeconfig", kubeconfig,
                "--metrics-bind-address", "127.0.0.1:%d" % self.metrics_port,
                "--health-probe-bind-address", "127.0.0.1:%d" % self.health_port] + list(extra)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, port, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.status, r.read().decode()

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                raise Failure("controller exited early:\n" + self.output())
            try:
                return self.get(self.health_port, "/readyz")[0] == 200
            except OSError:
                return False
        wait_until(ready, timeout=20, what="controller /readyz")

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-6000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise Failure("controller did not stop on SIGTERM")
        self.log.close()
        return self.proc.returncode


def task_phases(srv):
    _, out, _ = srv.kubectl("get", "tasks", "-o", "json")
    return {t["metadata"]["name"]: t.get("status", {}).get("phase", "") for t in json.loads(out)["items"]}


def play_kubelet(srv, job):
    """Creates the Job's pod (as the Job controller would) and marks the Job active."""
    _, out, _ = srv.kubectl("get", "job", job, "-o", "json")
    j = json.loads(out)
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": job + "-abcde", "labels": j["spec"]["template"]["metadata"]["labels"],
                        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": job,
                                             "uid": j["metadata"]["uid"], "controller": True}]},
           "spec": j["spec"]["template"]["spec"]}
    srv.kubectl("create", "-f", "-", stdin=json.dumps(pod))
    srv.kubectl("patch", "job", job, "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"active": 1, "startTime": "2026-01-01T00:00:00Z"}}))


def finish_job(srv, job, ok=True):
    cond = {"type": "Complete" if ok else "Failed", "status": "True",
            "lastTransitionTime": "2026-01-01T00:01:00Z"}
    if not ok:
        cond.update(reason="BackoffLimitExceeded", message="Job has reached the specified backoff limit")
    status = {"active": 0, "succeeded": 1 if ok else 0, "failed": 0 if ok else 1, "conditions": [cond]}
    srv.kubectl("patch", "job", job, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status}))


def scenario_examples(binary, controller, minor):
    srv = Server(binary, minor=minor).start()
    ctl = None
    try:
        install_crds(srv)
        ctl = Controller(controller, srv.kubeconfig, srv.tmp)
        ctl.wait_ready()
        srv.kubectl("apply", "-f", os.path.join(EXAMPLES, "01-simple-task"))
        srv.kubectl("apply", "-f", os.path.join(EXAMPLES, "07-task-pipeline"))

        wait_until(lambda: srv.kubectl("get", "job", "hello-world", ok=False)[0] == 0, what="Job hello-world")
        wait_until(lambda: srv.kubectl("get", "job", "scaffold", ok=False)[0] == 0, what="Job scaffold")
        wait_until(lambda: task_phases(srv) == {"hello-world": "Pending", "scaffold": "Pending",
                                                "write-tests": "Waiting", "open-pr": "Waiting"},
                   what="initial phases")
        _, out, _ = srv.kubectl("get", "tasks")
        names, rows = parse_table(out)
        check(names == ["NAME", "TYPE", "PHASE", "AGE"], "columns: %r" % names)
        by_name = {r["NAME"]: r for r in rows}
        check(by_name["hello-world"]["TYPE"] == "claude-code", out)
        check(by_name["write-tests"]["PHASE"] == "Waiting", out)
        _, out, _ = srv.kubectl("get", "tasks", "-o", "wide")
        names, rows = parse_table(out)
        check(names == ["NAME", "TYPE", "PHASE", "BRANCH", "DEPENDS ON", "AGE"], "wide columns: %r" % names)
        check({r["NAME"]: r["BRANCH"] for r in rows}["open-pr"] == "feature/auth", out)
        _, msg, _ = srv.kubectl("get", "task", "write-tests", "-o", "jsonpath={.status.message}")
        check(msg == 'Waiting for dependency "scaffold"', "write-tests message: %r" % msg)

        # hello-world: Pending -> Running -> Succeeded.
        play_kubelet(srv, "hello-world")
        wait_until(lambda: task_phases(srv)["hello-world"] == "Running", what="hello-world Running")
        finish_job(srv, "hello-world")
        wait_until(lambda: task_phases(srv)["hello-world"] == "Succeeded", what="hello-world Succeeded")

        # The pipeline advances stage by stage on the shared branch.
        for stage, nxt in (("scaffold", "write-tests"), ("write-tests", "open-pr")):
            play_kubelet(srv, stage)
            finish_job(srv, stage)
            wait_until(lambda: task_phases(srv)[stage] == "Succeeded", what=stage + " Succeeded")
            wait_until(lambda: srv.kubectl("get", "job", nxt, ok=False)[0] == 0, what="Job " + nxt)
        play_kubelet(srv, "open-pr")
        finish_job(srv, "open-pr", ok=False)
        wait_until(lambda: task_phases(srv)["open-pr"] == "Failed", what="open-pr Failed")

        _, out, _ = srv.kubectl("get", "events", "--field-selector", "involvedObject.name=hello-world",
                                "-o", "json")
        reasons = [e["reason"] for e in json.loads(out)["items"]]
        for r in ("TaskCreated", "TaskRunning", "TaskSucceeded"):
            check(r in reasons, "events of hello-world: %r" % reasons)
        _, out, _ = srv.kubectl("get", "events", "--field-selector", "involvedObject.name=open-pr", "-o", "json")
        check("TaskFailed" in [e["reason"] for e in json.loads(out)["items"]], out)

        status, metrics = ctl.get(ctl.metrics_port, "/metrics")
        check(status == 200, "metrics status %d" % status)
        check('kelos_task_created_total{namespace="default",type="claude-code"} 4' in metrics, metrics)
        check('kelos_task_completed_total{namespace="default",phase="Succeeded",type="claude-code"} 3' in metrics,
              metrics)
        check('kelos_task_completed_total{namespace="default",phase="Failed",type="claude-code"} 1' in metrics,
              metrics)

        # Deleting a Task removes its Job through the finalizer.
        srv.kubectl("delete", "task", "hello-world", "--wait=true", "--timeout=20s")
        wait_until(lambda: srv.kubectl("get", "job", "hello-world", ok=False)[0] != 0
                   or "deletionTimestamp" in srv.kubectl("get", "job", "hello-world", "-o", "json")[1],
                   what="Job of the deleted Task gone")
        rc = ctl.stop()
        ctl = None
        check(rc == 0, "controller exit code %r" % rc)
    except Exception:
        if ctl:
            print("--- controller log ---\n" + ctl.output())
        raise
    finally:
        if ctl:
            ctl.stop()
        srv.cleanup()


def scenario_bad_config(binary, controller, minor):
    tmp = tempfile.mkdtemp(prefix="kelos-ctl-")
    broken = os.path.join(tmp, "broken")
    with open(broken, "w") as f:
        f.write("apiVersion: v1\nclusters: [ this is not: a kubeconfig\n")
    p = subprocess.run([controller, "--kubeconfig", broken], capture_output=True, timeout=30)
    check(p.returncode == 1, "broken kubeconfig: exit %d" % p.returncode)
    out = (p.stdout + p.stderr).decode()
    check("no usable cluster configuration" in out and broken in out, out)

    dead = os.path.join(tmp, "dead")
    with open(dead, "w") as f:
        f.write("apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                "clusters: [{name: k, cluster: {server: 'http://127.0.0.1:%d'}}]\n"
                "users: [{name: u, user: {token: secret-token-value}}]\n"
                "contexts: [{name: c, context: {cluster: k, user: u}}]\n" % free_port())
    p = subprocess.run([controller, "--kubeconfig", dead], capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode()
    check(p.returncode == 1 and "is not reachable" in out, "dead server: exit %d: %s" % (p.returncode, out))
    check("secret-token-value" not in out, "the token was logged: " + out)

    p = subprocess.run([controller, "--claude-code-image-pull-policy", "Sometimes"], capture_output=True, timeout=10)
    out = (p.stdout + p.stderr).decode()
    check(p.returncode == 2 and "--claude-code-image-pull-policy" in out, out)


SCENARIOS = {"examples": scenario_examples, "bad_config": scenario_bad_config}


def run_scenario(scenarios):
    """Command-line runner shared by the e2e scripts that start kelos-apiserver and
    kelos-controller: `--binary APISERVER --controller CONTROLLER --scenario NAME`."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--controller", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--minor", default="32")
    a = ap.parse_args()
    try:
        scenarios[a.scenario](a.binary, a.controller, a.minor)
        print("PASS %s" % a.scenario)
        return 0
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        print("FAIL %s: %s" % (a.scenario, e))
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(run_scenario(SCENARIOS))
