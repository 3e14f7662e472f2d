"""Bounded graceful shutdown of the real kelos-controller against kelos-apiserver
(docs/operations.md, "Shutdown").

Scenarios:
  clean  - SIGTERM while the API server answers: the leader releases its Lease and the
           process exits 0 (text logs).
  hung   - SIGSTOP the API server, then SIGTERM the leader: the Lease release cannot finish;
           the controller still exits, with code 1, well before the release's own 10 s
           renew deadline, and logs one line naming what it abandoned. Logs are JSON here
           and every line must be one JSON object with ts, level and msg.

  /usr/bin/python3 graceful_shutdown_test.py --binary APISERVER --controller CONTROLLER [--scenario NAME]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
sys.path.insert(0, HERE)
from harness import Failure, Server, check, wait_until  # noqa: E402
from kelos_crds_test import install_crds  # noqa: E402
from controller_kubectl_test import Controller  # noqa: E402

# Default lease timings (renew deadline 10 s), so that a release stuck on a frozen API
# server would hold the process 10 s without the shutdown bound.
ELECT = ["--leader-elect", "--leader-election-namespace", "default", "--leader-election-retry-period", "500ms"]
BOUND_S = 2


def is_leader(ctl):
    _, text = ctl.get(ctl.metrics_port, "/metrics")
    return any(l.startswith("kelos_leader_is_leader ") and l.split()[1] == "1" for l in text.splitlines())


def start(srv, controller, name, extra):
    os.makedirs(os.path.join(srv.tmp, name), exist_ok=True)
    ctl = Controller(controller, srv.kubeconfig, os.path.join(srv.tmp, name), ELECT + extra)
    ctl.wait_ready()
    wait_until(lambda: is_leader(ctl), timeout=20, what="the controller leads")
    return ctl


def full_output(ctl):
    with open(ctl.log_path, "rb") as f:
        return f.read().decode(errors="replace")


def scenario_clean(binary, controller, minor):
    srv = Server(binary, minor=minor).start()
    ctl = None
    try:
        install_crds(srv)
        ctl = start(srv, controller, "clean", ["--graceful-shutdown-timeout", "20s"])
        rc = ctl.stop()
        out = full_output(ctl)
        check(rc == 0, "exit code %r on a clean stop:\n%s" % (rc, out[-4000:]))
        check("released the lease" in out, out[-4000:])
        check("abandoned" not in out, out[-4000:])
        check("bound 20000 ms" in out, "the shutdown line names its bound:\n" + out[-4000:])
        ctl = None
    finally:
        if ctl is not None and ctl.proc.poll() is None:
            ctl.proc.kill()
        srv.cleanup()


def scenario_hung(binary, controller, minor):
    srv = Server(binary, minor=minor).start()
    ctl = None
    stopped = False
    try:
        install_crds(srv)
        ctl = start(srv, controller, "hung",
                    ["--graceful-shutdown-timeout", "%ds" % BOUND_S, "--log-format", "json"])
        srv.proc.send_signal(signal.SIGSTOP)
        stopped = True
        t0 = time.time()
        ctl.proc.send_signal(signal.SIGTERM)
        try:
            # Generous against load, but below the 10 s the release alone would take.
            rc = ctl.proc.wait(timeout=BOUND_S + 6)
        except subprocess.TimeoutExpired:
            ctl.proc.kill()
            raise Failure("the controller did not exit within its bound:\n" + full_output(ctl)[-4000:])
        took = time.time() - t0
        out = full_output(ctl)
        check(rc == 1, "exit code %r when the bound was hit:\n%s" % (rc, out[-4000:]))
        records = []
        for line in out.splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                raise Failure("not a JSON log line: %r" % line)
        for r in records:
            check({"ts", "level", "msg"} <= set(r), "fields missing: %r" % r)
            check(r["ts"].endswith("Z") and len(r["ts"]) == 24, "ts must be RFC 3339 UTC with ms: %r" % r)
        abandoned = [r for r in records if "abandoned" in r["msg"]]
        check(len(abandoned) >= 1, "no line names what was abandoned:\n" + out[-4000:])
        check("releasing the Lease default/kelos-controller-leader-election" in abandoned[0]["msg"], abandoned[0]["msg"])
        check(any(r.get("actor") == "leader election" and r.get("object") == "default/kelos-controller-leader-election"
                  for r in records), "leader election lines carry actor and object:\n" + out[-4000:])
        print("hung API server: exit %d after %.1f s (bound %d s)" % (rc, took, BOUND_S))
        for r in records[-6:]:
            print("  " + json.dumps(r))
        ctl.log.close()
        ctl = None
    finally:
        if stopped:
            srv.proc.send_signal(signal.SIGCONT)
        if ctl is not None and ctl.proc.poll() is None:
            ctl.proc.kill()
        srv.cleanup()


SCENARIOS = {"clean": scenario_clean, "hung": scenario_hung}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--controller", required=True)
    ap.add_argument("--minor", default="32")
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    a = ap.parse_args()
    failed = 0
    for name in a.scenario or sorted(SCENARIOS):
        try:
            SCENARIOS[name](a.binary, a.controller, a.minor)
            print("PASS graceful_shutdown.%s" % name)
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            failed += 1
            print("FAIL graceful_shutdown.%s: %s" % (name, e))
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
