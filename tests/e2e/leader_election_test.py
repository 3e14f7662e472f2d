"""Two kelos-controller processes with --leader-elect against kelos-apiserver: only the
leader creates Jobs; a standby is ready but reports kelos_leader_is_leader 0; a frozen
leader is replaced and, when it wakes, exits non-zero instead of reconciling; SIGTERM
releases the Lease so a new replica takes over at once.

  /usr/bin/python3 leader_election_test.py --binary APISERVER --controller CONTROLLER
"""
import argparse
import json
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
sys.path.insert(0, HERE)
from harness import Failure, Server, check, wait_until  # noqa: E402
from kelos_crds_test import install_crds  # noqa: E402
from controller_kubectl_test import Controller  # noqa: E402

LEASE = "kelos-controller-leader-election"
# Short durations so the test runs in seconds (client-go's rules still hold).
ELECT = ["--leader-elect", "--leader-election-namespace", "default",
         "--leader-election-lease-duration", "3s", "--leader-election-renew-deadline", "2s",
         "--leader-election-retry-period", "500ms"]
RETRY = 0.5
LEASE_DURATION = 3.0


def is_leader(ctl):
    _, text = ctl.get(ctl.metrics_port, "/metrics")
    for line in text.splitlines():
        if line.startswith("kelos_leader_is_leader "):
            return line.split()[1] == "1"
    raise Failure("kelos_leader_is_leader missing from /metrics")


def lease(srv):
    _, out, _ = srv.kubectl("get", "lease", LEASE, "-n", "default", "-o", "json")
    return json.loads(out)["spec"]


def task(name):
    return json.dumps({"apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "metadata": {"name": name},
                       "spec": {"type": "claude-code", "prompt": "hi",
                                "credentials": {"type": "api-key", "secretRef": {"name": "anthropic-api-key"}}}})


def job_exists(srv, name):
    return srv.kubectl("get", "job", name, ok=False)[0] == 0


def start(binary, srv, name):
    os.makedirs(os.path.join(srv.tmp, name), exist_ok=True)
    return Controller(binary, srv.kubeconfig, os.path.join(srv.tmp, name), ELECT)


def run(binary, controller, minor):
    srv = Server(binary, minor=minor).start()
    ctls = []
    try:
        install_crds(srv)
        srv.kubectl("create", "secret", "generic", "anthropic-api-key", "--from-literal=ANTHROPIC_API_KEY=x")
        a = start(controller, srv, "a")
        ctls.append(a)
        a.wait_ready()
        wait_until(lambda: is_leader(a), timeout=10, what="a leads")
        b = start(controller, srv, "b")
        ctls.append(b)
        b.wait_ready()  # a standby is ready
        check(not is_leader(b), "b must be a standby")
        holder = lease(srv)["holderIdentity"]
        check(holder.startswith(os.uname().nodename + "_"), "identity is hostname_suffix: %r" % holder)

        # The leader reconciles.
        srv.kubectl("create", "-f", "-", stdin=task("t1"))
        wait_until(lambda: job_exists(srv, "t1"), timeout=15, what="Job t1 by the leader")

        # Freeze the leader: nobody reconciles until b's lease view expires; then b does.
        a.proc.send_signal(signal.SIGSTOP)
        frozen_at = time.time()
        srv.kubectl("create", "-f", "-", stdin=task("t2"))
        while time.time() - frozen_at < LEASE_DURATION - 2 * RETRY:
            check(not job_exists(srv, "t2"), "a standby created a Job")
            check(not is_leader(b), "b leads while a's lease is still valid")
            time.sleep(0.1)
        wait_until(lambda: is_leader(b), timeout=LEASE_DURATION + 4 * RETRY, what="b takes over")
        took = time.time() - frozen_at
        check(took <= LEASE_DURATION + 3 * RETRY, "takeover took %.1fs" % took)
        wait_until(lambda: job_exists(srv, "t2"), timeout=15, what="Job t2 by the new leader")
        spec = lease(srv)
        check(spec["leaseTransitions"] == 1, "transitions: %r" % spec)

        # The old leader wakes up past its renew deadline: it exits non-zero at once.
        a.proc.send_signal(signal.SIGCONT)
        try:
            rc = a.proc.wait(timeout=5)
        except Exception:
            raise Failure("the woken leader kept running:\n" + a.output())
        check(rc == 1, "exit code %r:\n%s" % (rc, a.output()))
        check("leader election lost" in a.output(), a.output())
        ctls.remove(a)
        a.log.close()

        # SIGTERM on the leader releases the lease; a new replica takes over at once.
        c = start(controller, srv, "c")
        ctls.append(c)
        c.wait_ready()
        check(not is_leader(c), "c must be a standby")
        rc = b.stop()
        released_at = time.time()
        ctls.remove(b)
        check(rc == 0, "b exit code %r:\n%s" % (rc, b.output()))
        check("released the lease" in b.output(), b.output())
        wait_until(lambda: is_leader(c), timeout=5, what="c takes over")
        took = time.time() - released_at
        # c's next attempt comes within 1.5 retry periods (jitter 0.5); metrics polling adds a little.
        check(took < 2 * RETRY + 0.25, "takeover after release took %.2fs" % took)
        srv.kubectl("create", "-f", "-", stdin=task("t3"))
        wait_until(lambda: job_exists(srv, "t3"), timeout=15, what="Job t3 by c")
        check(lease(srv)["leaseTransitions"] == 2, "transitions: %r" % lease(srv))
    finally:
        for c in ctls:
            try:
                c.proc.send_signal(signal.SIGCONT)
                c.stop()
            except Exception:  # noqa: BLE001 - cleanup
                c.proc.kill()
        srv.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--controller", required=True)
    ap.add_argument("--minor", default="32")
    a = ap.parse_args()
    try:
        run(a.binary, a.controller, a.minor)
        print("PASS leader_election")
        return 0
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        print("FAIL leader_election: %s" % e)
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
