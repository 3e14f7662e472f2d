"""Chaos: two kelos-controller replicas with --leader-elect, and the leader (whichever replica
holds the Lease) killed with SIGKILL again and again while Tasks flow; each killed leader is
replaced by a fresh replica that starts as a standby.

The same Task/Job invariants as controller_kill_test.py are checked every 50 ms by its
checker (never two active Tasks on one branch, never a Job before its dependencies
succeeded, every Job owned by its Task, never two Jobs for one Task: a Job name seen with a
second uid), plus, for leader election:
- never a Job created by a standby: both replicas run the whole time, so a standby that
  reconciled would race the leader for the same Task (a second Job, a wrong owner, or a
  Task reset) and the checks above catch it; and no replica's log shows its Task
  controller starting ("caches synced") before it acquired the lease;
- the Lease's leaseTransitions count the takeovers; after the last kill every Task
  Succeeded with exactly one Job.

Seeded (task shapes, bursts, how long each leader lives); the exact kill moments vary.

  /usr/bin/python3 leader_kill_test.py --apiserver BIN --controller BIN [--kills 25] [--seed 1]
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from controller_kill_test import (JOBS, NS, TASKS, Api, Checker, Failure, Kubelet,  # noqa: E402
                                  build_tasks, final_checks, free_port, report_violations, setup_cluster, start_server,
                                  task_object, wait_all_succeeded)

LEASE_NAME = "kelos-controller-leader-election"
LEASE = "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s" % (NS, LEASE_NAME)
# Short durations so a takeover after a kill takes about 2.5 s (client-go's rules still hold:
# lease > renew deadline > 1.2 x retry period).
ELECT = ["--leader-elect", "--leader-election-namespace", NS,
         "--leader-election-lease-duration", "2s", "--leader-election-renew-deadline", "1500ms",
         "--leader-election-retry-period", "250ms"]
IDENTITY = re.compile(r"(\S+) competing for the lease")


class Replica:
    """One kelos-controller process with its own log; its election identity comes from the log."""

    def __init__(self, binary, kubeconfig, tmp, n):
        self.n = n
        self.log_path = os.path.join(tmp, "controller-%d.log" % n)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
             "--health-probe-bind-address", "0", "--log-level", "info"] + ELECT,
            stdout=self.log, stderr=subprocess.STDOUT)
        self.identity = None

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def read_identity(self):
        if self.identity is None:
            m = IDENTITY.search(self.text())
            if m:
                self.identity = m.group(1)
        return self.identity

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()


def lease_holder(api):
    status, lease = api.call("GET", LEASE)
    if status != 200:
        return "", 0
    spec = lease.get("spec", {})
    return spec.get("holderIdentity", ""), spec.get("leaseTransitions", 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiserver", required=True)
    ap.add_argument("--controller", required=True)
    ap.add_argument("--kills", type=int, default=25, help="kills of the leader")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chains", type=int, default=6)
    ap.add_argument("--chain-length", type=int, default=5)
    ap.add_argument("--branch-groups", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=6)
    ap.add_argument("--takeover-timeout", type=float, default=60,
                    help="bound on waiting for a replica to hold the Lease (not an assertion on speed)")
    ap.add_argument("--settle-timeout", type=float, default=240)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="kelos-chaos-leader-")
    server = None
    replicas, dead = [], []
    started = time.time()
    try:
        server, url, kubeconfig = start_server(args.apiserver, tmp, free_port())
        api = Api(url)
        setup_cluster(api)
        tasks = build_tasks(rng, args.chains, args.chain_length, args.branch_groups, args.group_size)
        checker, kubelet = Checker(api, tasks), Kubelet(api, random.Random(args.seed + 1))
        checker.start()
        kubelet.start()

        count = [0]

        def spawn():
            count[0] += 1
            r = Replica(args.controller, kubeconfig, tmp, count[0])
            replicas.append(r)
            return r

        def leader():
            """The live replica named by the Lease, waiting (bounded) until there is one.
            Replicas that exited by themselves (a lost lease under load) are replaced."""
            deadline = time.time() + args.takeover_timeout
            while True:
                for r in list(replicas):
                    if r.proc.poll() is not None:
                        replicas.remove(r)
                        r.kill()
                        dead.append(r)
                        self_exits[0] += 1
                        spawn()
                holder, transitions = lease_holder(api)
                for r in replicas:
                    if holder and r.read_identity() == holder:
                        return r, transitions
                if time.time() > deadline:
                    raise Failure("no live replica holds the Lease after %ss (holder %r)" % (args.takeover_timeout, holder))
                time.sleep(0.05)

        self_exits = [0]
        spawn()
        spawn()
        pending = list(tasks)
        kills = 0
        takeover_times = []
        first_transitions = None
        while kills < args.kills:
            t0 = time.time()
            current, transitions = leader()
            if first_transitions is None:
                first_transitions = transitions
            if kills:
                takeover_times.append(time.time() - t0)
            # Tasks keep arriving while this leader reconciles, in small bursts.
            for _ in range(min(len(pending), rng.randint(0, 4))):
                api.ok("POST", TASKS, task_object(pending.pop()))
            time.sleep(rng.uniform(0.05, 1.5))
            replicas.remove(current)
            current.kill()
            dead.append(current)
            kills += 1
            spawn()  # the replacement starts as a standby: the other replica takes over
        for t in pending:
            api.ok("POST", TASKS, task_object(t))
        final_leader, _ = leader()

        def replace_exited():
            for r in list(replicas):
                if r.proc.poll() is not None:  # lost the lease under load: replace it
                    replicas.remove(r)
                    r.kill()
                    dead.append(r)
                    self_exits[0] += 1
                    spawn()

        wait_all_succeeded(api, len(tasks), args.settle_timeout, replace_exited)
        jobs = final_checks(api, checker, kubelet, tasks)
        _, transitions = lease_holder(api)
        takeovers = transitions - (first_transitions or 0)
        logs = "".join(r.text() for r in dead + replicas)
        for r in dead + replicas:
            # A standby never starts the Task controller: it reconciles only once it leads.
            text = r.text()
            synced, won = text.find("task controller: caches synced"), text.find("acquired the lease")
            if synced >= 0 and (won < 0 or synced < won):
                checker.violations.append("replica %d reconciled Tasks before it acquired the lease" % r.n)
        relists = logs.count("relisting ")
        acquired = logs.count("acquired the lease")
        print("chaos leader: seed %d, %d leader kills survived, %d takeovers (leaseTransitions), %d leaderships "
              "acquired, %d replicas started, %d replica exits on a lost lease, takeover after a kill %.1f-%.1f s "
              "(median %.1f), %d Tasks (%d with dependencies, %d on shared branches) all Succeeded, %d Jobs, "
              "%d invariant snapshots, %d violations, %d relists, %.0f s"
              % (args.seed, kills, takeovers, acquired, count[0], self_exits[0],
                 min(takeover_times or [0]), max(takeover_times or [0]),
                 sorted(takeover_times or [0])[len(takeover_times or [0]) // 2],
                 len(tasks), sum(1 for t in tasks if t["deps"]), sum(1 for t in tasks if t.get("branch")),
                 len(jobs), checker.snapshots, len(checker.violations), relists, time.time() - started))
        if takeovers < kills:
            raise Failure("the Lease changed hands %d times for %d kills of its holder" % (takeovers, kills))
        if final_leader.proc.poll() is not None:
            raise Failure("the last leader exited")
        return report_violations(checker.violations)
    except Failure as e:
        print("FAIL:", e)
        for r in (dead + replicas)[-3:]:
            try:
                print("--- replica %d ---\n%s" % (r.n, r.text()[-3000:]))
            except OSError:
                pass
        return 1
    finally:
        for r in replicas:
            r.kill()
        if server and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
