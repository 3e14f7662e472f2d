"""Chaos: kill -9 kelos-controller at random moments while Tasks with shared branches and
dependency chains flow through it, and check the controller's invariants the whole time.

The kelos-apiserver and kelos-controller binaries run as processes; this script plays the
kubelet/Job controller over plain HTTP (a Job is marked active, then succeeded, after random
delays) and an invariant checker lists Tasks and Jobs every 50 ms (each list is one
consistent snapshot at one resourceVersion). Seeded and reproducible in its choices; the
timing of the kills is what varies.

Invariants (issue 8 §2):
- never two Pending/Running Tasks on one (workspace, branch);
- never a Job for a Task whose dependencies have not all Succeeded;
- never two Jobs for one Task (a Job's controller owner is its Task's uid);
- every Task eventually reaches Succeeded, and every Task gets exactly one Job.

With --cut-streams N the controller talks to the API server through a TCP proxy on
127.0.0.1 (CutProxy) that, at N seeded moments during the bursts, cuts the connections open
at that moment, both directions, mid-stream (RST or FIN), while the server stays up: watch
streams end inside or between events and resume from their last resourceVersion, which a
small replay window (--event-log-size 16) has often dropped, so the live server answers 410
and the controller relists. The test counts the relists by cause (the controller's
`relisting <spec> (relist n: <cause>)` lines).

  /usr/bin/python3 controller_kill_test.py --apiserver BIN --controller BIN [--kills 50] [--seed 1]
      [--server-restarts K] [--cut-streams N] [--event-log-size 16]
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NS = "chaos"
TASKS = "/apis/kelos.dev/v1alpha1/namespaces/%s/tasks" % NS
JOBS = "/apis/batch/v1/namespaces/%s/jobs" % NS


class Failure(Exception):
    pass


class Api:
    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None, content_type="application/json"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", "Bearer chaos")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def ok(self, method, path, body=None, content_type="application/json"):
        status, out = self.call(method, path, body, content_type)
        if status >= 300:
            raise Failure("%s %s -> %d %s" % (method, path, status, out))
        return out


def yaml_docs(path):
    import yaml  # python3-yaml comes with python3-kubernetes
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, tmp, port, extra=()):
    kubeconfig = os.path.join(tmp, "kubeconfig")
    if os.path.exists(kubeconfig):
        os.unlink(kubeconfig)
    log = open(os.path.join(tmp, "server.log"), "ab")
    proc = subprocess.Popen([binary, "--port", str(port), "--data-dir", os.path.join(tmp, "data"),
                             "--kubeconfig-out", kubeconfig, "--no-fsync"] + list(extra),
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while not os.path.exists(kubeconfig):
        if time.time() > deadline or proc.poll() is not None:
            raise Failure("kelos-apiserver did not start")
        time.sleep(0.05)
    with open(kubeconfig) as f:
        url = [l.split("server:")[1].strip() for l in f if "server:" in l][0]
    return proc, url, kubeconfig


class CutProxy(threading.Thread):
    """A TCP proxy on 127.0.0.1 in front of the API server (127.0.0.1:`upstream_port`) that
    can cut every connection open at a given moment, in both directions, at whatever byte is
    in flight. Bounded: at most MAX_CONNECTIONS at once (more are refused), two pump threads
    per connection, everything ends with stop()."""

    MAX_CONNECTIONS = 256

    def __init__(self, upstream_port):
        super().__init__(daemon=True)
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = {}  # id -> [client, upstream, pumps still running]
        self.cut_ids = set()  # connections being cut: no half-close passed on
        self.next_id = 0
        self.pumps = []
        self.stop_flag = threading.Event()
        self.accepted = self.refused = self.cuts = self.cut_connections = 0

    def run(self):
        while not self.stop_flag.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            client.settimeout(None)
            with self.lock:
                full = len(self.conns) >= self.MAX_CONNECTIONS
            try:
                if full:
                    raise OSError("too many connections")
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                self.refused += 1
                client.close()
                continue
            with self.lock:
                cid, self.next_id = self.next_id, self.next_id + 1
                self.conns[cid] = [client, upstream, 2]
                self.accepted += 1
                self.pumps = [t for t in self.pumps if t.is_alive()]
                for src, dst in ((client, upstream), (upstream, client)):
                    t = threading.Thread(target=self.pump, args=(cid, src, dst), daemon=True)
                    self.pumps.append(t)
                    t.start()

    def pump(self, cid, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    with self.lock:
                        was_cut = cid in self.cut_ids
                    if not was_cut:
                        dst.shutdown(socket.SHUT_WR)  # pass the half-close on
                    break
                dst.sendall(data)
        except OSError:
            for sock in (src, dst):  # one side failed: end the other direction too
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        with self.lock:
            entry = self.conns.get(cid)
            if entry is None:
                return
            entry[2] -= 1
            if entry[2] > 0:
                return
            del self.conns[cid]
            self.cut_ids.discard(cid)
        for sock in entry[:2]:  # the last pump closes (never another thread: no fd reuse race)
            sock.close()

    def cut(self, rng):
        """Cuts every open connection: RST (linger 0) or FIN, chosen by `rng` per cut."""
        reset = rng.random() < 0.5
        with self.lock:
            entries = list(self.conns.values())
            self.cut_ids.update(self.conns)
        for client, upstream, _ in entries:
            for sock in (client, upstream):
                try:
                    if reset:  # close() by the last pump then sends RST
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
                except OSError:
                    pass
        self.cuts += 1
        self.cut_connections += len(entries)
        return len(entries)

    def stop(self):
        self.stop_flag.set()
        self.join(5)
        self.listener.close()
        with self.lock:
            entries = list(self.conns.values())
            pumps = list(self.pumps)
        for client, upstream, _ in entries:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for t in pumps:
            t.join(5)


def proxied_kubeconfig(kubeconfig, tmp, proxy_port):
    """A copy of `kubeconfig` whose server is the proxy."""
    path = os.path.join(tmp, "kubeconfig-proxy")
    with open(kubeconfig) as f:
        lines = f.readlines()
    with open(path, "w") as f:
        for l in lines:
            if "server:" in l:
                l = l.split("server:")[0] + "server: http://127.0.0.1:%d\n" % proxy_port
            f.write(l)
    return path


# The API server's message when it closes a watch whose queue is full (api_error::watch_overflow).
OVERFLOW_MESSAGE = " queued for a client that read too slowly"


def relist_causes(text):
    """Counts the controller's `relisting` log lines by cause (410 Gone, a failed list, other)
    and returns the counts and the first line of each cause."""
    out = {"410 Gone": 0, "the list failed": 0, "other": 0}
    examples = {}  # cause -> its first line
    for line in text.splitlines():
        if "relisting " not in line:
            continue
        key = next((k for k in out if k != "other" and ": " + k + ": " in line), "other")
        out[key] += 1
        examples.setdefault(key, line.strip())
    return out, examples


def setup_cluster(api, repo="https://github.com/example/repo.git"):
    """The kelos CRDs, namespace NS, Secret "creds" and Workspace "ws" (on `repo`)."""
    for name in sorted(os.listdir(os.path.join(ROOT, "deploy", "crds"))):
        for doc in yaml_docs(os.path.join(ROOT, "deploy", "crds", name)):
            api.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc)
    deadline = time.time() + 20
    while api.call("GET", TASKS.replace(NS, "default"))[0] != 200:
        if time.time() > deadline:
            raise Failure("Task CRD not served")
        time.sleep(0.1)
    api.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    api.ok("POST", "/api/v1/namespaces/%s/secrets" % NS,
           {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
            "stringData": {"ANTHROPIC_API_KEY": "x"}})
    api.ok("POST", "/apis/kelos.dev/v1alpha1/namespaces/%s/workspaces" % NS,
           {"apiVersion": "kelos.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "ws"},
            "spec": {"repo": repo}})


def build_tasks(rng, n_chains, chain_len, n_branch_groups, group_size):
    """Dependency chains (a Job only after the previous Task succeeded) and groups of Tasks on
    one branch (one at a time); some Tasks are both."""
    tasks = []
    for c in range(n_chains):
        for i in range(chain_len):
            t = {"name": "chain%d-step%d" % (c, i), "deps": ["chain%d-step%d" % (c, i - 1)] if i else []}
            if rng.random() < 0.3:
                t["branch"] = "chain-%d" % c
            tasks.append(t)
    for g in range(n_branch_groups):
        for i in range(group_size):
            tasks.append({"name": "branch%d-t%d" % (g, i), "deps": [], "branch": "feature-%d" % g})
    rng.shuffle(tasks)
    return tasks


def task_object(t):
    spec = {"type": "claude-code", "prompt": "chaos " + t["name"], "workspaceRef": {"name": "ws"},
            "credentials": {"type": "api-key", "secretRef": {"name": "creds"}}}
    if t["deps"]:
        spec["dependsOn"] = t["deps"]
    if t.get("branch"):
        spec["branch"] = t["branch"]
    return {"apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "metadata": {"name": t["name"]}, "spec": spec}


class Checker(threading.Thread):
    """Lists Tasks and Jobs continuously and records every invariant violation."""

    def __init__(self, api, tasks):
        super().__init__(daemon=True)
        self.api, self.tasks = api, {t["name"]: t for t in tasks}
        self.violations, self.snapshots, self.stop_flag = [], 0, threading.Event()
        self.job_uids = {}  # Job name -> every uid seen: two means a second Job for one Task

    def run(self):
        while not self.stop_flag.is_set():
            try:
                self.check_once()
            except (OSError, Failure):
                pass  # the server is fine; a transient error just skips one snapshot
            time.sleep(0.05)

    def check_once(self):
        # Jobs first, Tasks second: a Job in the first list was created before the second
        # list, so its dependencies (which never leave Succeeded) must show Succeeded there.
        jobs = self.api.ok("GET", JOBS)["items"]
        tasks = self.api.ok("GET", TASKS)["items"]
        phase = {t["metadata"]["name"]: t.get("status", {}).get("phase", "") for t in tasks}
        uid = {t["metadata"]["name"]: t["metadata"]["uid"] for t in tasks}
        holders = {}
        for name, p in phase.items():
            branch = self.tasks.get(name, {}).get("branch")
            if branch and p in ("Pending", "Running"):
                holders.setdefault(branch, []).append(name)
        for branch, names in holders.items():
            if len(names) > 1:
                self.violations.append("two active Tasks on branch %s: %s" % (branch, names))
        # Every Job must belong to its Task and come after all its dependencies succeeded.
        for job in jobs:
            name = job["metadata"]["name"]
            uids = self.job_uids.setdefault(name, set())
            uids.add(job["metadata"]["uid"])
            if len(uids) > 1:
                self.violations.append("two Jobs for Task %s (uids %s)" % (name, sorted(uids)))
            owners = [o for o in job["metadata"].get("ownerReferences", []) if o.get("controller")]
            if name in uid and (len(owners) != 1 or owners[0]["uid"] != uid[name]):
                self.violations.append("Job %s is not owned by Task %s (%s)" % (name, name, owners))
            for dep in self.tasks.get(name, {}).get("deps", []):
                if phase.get(dep) != "Succeeded":
                    self.violations.append("Job %s exists while dependency %s is %r" % (name, dep, phase.get(dep)))
        self.snapshots += 1


class Kubelet(threading.Thread):
    """Plays kubelet and Job controller: a new Job becomes active, then succeeds."""

    def __init__(self, api, rng):
        super().__init__(daemon=True)
        self.api, self.rng, self.stop_flag = api, rng, threading.Event()
        self.seen = {}

    def run(self):
        while not self.stop_flag.is_set():
            try:
                for job in self.api.ok("GET", JOBS)["items"]:
                    self.advance(job)
            except (OSError, Failure):
                pass
            time.sleep(0.05)

    def advance(self, job):
        name, st = job["metadata"]["name"], job.get("status", {})
        now = time.time()
        first = self.seen.setdefault(name, now)
        if st.get("succeeded"):
            return
        path = JOBS + "/" + name + "/status"
        if not st.get("active") and now - first > self.rng.uniform(0.05, 0.4):
            self.api.call("PATCH", path, {"status": {"active": 1, "startTime": "2026-01-01T00:00:00Z"}},
                          "application/merge-patch+json")
        elif st.get("active") and now - first > self.rng.uniform(0.3, 1.2):
            self.api.call("PATCH", path, {"status": {"active": 0, "succeeded": 1, "conditions": [
                {"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:01:00Z"}]}},
                "application/merge-patch+json")


def wait_all_succeeded(api, count, timeout, on_tick=None):
    """Waits until `count` Tasks exist and all Succeeded; fails on a Failed Task or at `timeout`.
    `on_tick` runs between polls (e.g. to replace a replica that exited)."""
    deadline = time.time() + timeout
    while True:
        items = api.ok("GET", TASKS)["items"]
        phases = {t["metadata"]["name"]: t.get("status", {}).get("phase", "") for t in items}
        if len(items) == count and all(p == "Succeeded" for p in phases.values()):
            return
        if time.time() > deadline:
            stuck = {n: p for n, p in phases.items() if p != "Succeeded"}
            raise Failure("not every Task succeeded within %ss: %s" % (timeout, stuck))
        if any(p == "Failed" for p in phases.values()):
            raise Failure("a Task failed: %s" % {n: p for n, p in phases.items() if p == "Failed"})
        if on_tick:
            on_tick()
        time.sleep(0.2)


def final_checks(api, checker, kubelet, tasks):
    """Stops the checker and the kubelet, takes a last snapshot and requires exactly one Job per Task."""
    checker.stop_flag.set()
    kubelet.stop_flag.set()
    checker.join(5)
    checker.check_once()
    jobs = api.ok("GET", JOBS)["items"]
    if sorted(j["metadata"]["name"] for j in jobs) != sorted(t["name"] for t in tasks):
        raise Failure("expected exactly one Job per Task")
    return jobs


def kill_processes(*procs):
    """SIGKILLs and reaps every process still running (None entries are skipped)."""
    for p in procs:
        if p and p.poll() is None:
            p.kill()
            p.wait()


def report_violations(violations):
    """Prints up to 20 distinct violations; returns the exit code (1 when there are any)."""
    for v in sorted(set(violations))[:20]:
        print("VIOLATION:", v)
    return 1 if violations else 0


def print_log_tail(path, size=4000):
    try:
        with open(path, "rb") as f:
            print(f.read().decode(errors="replace")[-size:])
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiserver", required=True)
    ap.add_argument("--controller", required=True)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chains", type=int, default=6)
    ap.add_argument("--chain-length", type=int, default=5)
    ap.add_argument("--branch-groups", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=6)
    ap.add_argument("--settle-timeout", type=float, default=240)
    ap.add_argument("--server-restarts", type=int, default=0,
                    help="also kill -9 and restart the API server (same port and data dir) this many "
                         "times during the kills: watch streams are cut mid-flight and relisted")
    ap.add_argument("--cut-streams", type=int, default=0,
                    help="put a TCP proxy between controller and API server and cut every open "
                         "connection (watch streams mid-flight) at this many random moments")
    ap.add_argument("--event-log-size", type=int, default=0,
                    help="the API server's watch replay window; a small one forces 410 Gone and relists")
    ap.add_argument("--watch-queue-size", type=int, default=0,
                    help="the API server's queue per watcher; a tiny one closes the controller's "
                         "watches for falling behind (410 Gone), which the test then requires")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="kelos-chaos-")
    server = controller = proxy = None
    started = time.time()
    try:
        port = free_port()
        server_args = ["--event-log-size", str(args.event_log_size)] if args.event_log_size else []
        if args.watch_queue_size:
            server_args += ["--watch-queue-size", str(args.watch_queue_size)]
        server, url, kubeconfig = start_server(args.apiserver, tmp, port, server_args)
        api = Api(url)
        setup_cluster(api)
        tasks = build_tasks(rng, args.chains, args.chain_length, args.branch_groups, args.group_size)
        checker, kubelet = Checker(api, tasks), Kubelet(api, rng)
        checker.start()
        kubelet.start()

        controller_kubeconfig = kubeconfig
        cuts_in = {}  # kill iteration -> number of cuts during it
        if args.cut_streams:
            proxy = CutProxy(port)
            proxy.start()
            controller_kubeconfig = proxied_kubeconfig(kubeconfig, tmp, proxy.port)
            for _ in range(args.cut_streams):
                k = rng.randrange(args.kills)
                cuts_in[k] = cuts_in.get(k, 0) + 1
        log = open(os.path.join(tmp, "controller.log"), "ab")
        cmd = [args.controller, "--kubeconfig", controller_kubeconfig, "--metrics-bind-address", "0",
               "--health-probe-bind-address", "0", "--log-level", "info"]
        pending = list(tasks)
        kills = 0
        restarts = 0
        restart_at = sorted(rng.sample(range(1, args.kills), min(args.server_restarts, args.kills - 1)))
        while kills < args.kills:
            controller = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            # Tasks keep arriving during the kills, in small bursts.
            for _ in range(min(len(pending), rng.randint(0, 4))):
                api.ok("POST", TASKS, task_object(pending.pop()))
            time.sleep(rng.uniform(0.05, 1.0))
            for _ in range(cuts_in.get(kills, 0)):
                # Cut the controller's connections while it streams watches and writes; the
                # server stays up and Tasks and Jobs keep changing, so the watches resume
                # into a replay window that may have moved past them (410, relist).
                time.sleep(rng.uniform(0.2, 1.2))
                proxy.cut(rng)
            if cuts_in.get(kills):
                time.sleep(rng.uniform(0.5, 2.0))
            if restart_at and kills == restart_at[0]:
                # The API server dies under the running controller, whose watches and requests
                # must recover against the restarted server (same port, same data).
                restart_at.pop(0)
                server.send_signal(signal.SIGKILL)
                server.wait()
                time.sleep(rng.uniform(0.0, 0.5))
                server, _, _ = start_server(args.apiserver, tmp, port, server_args)
                restarts += 1
                time.sleep(rng.uniform(0.5, 2.0))
            controller.send_signal(signal.SIGKILL)
            controller.wait()
            kills += 1
        for t in pending:
            api.ok("POST", TASKS, task_object(t))
        controller = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

        wait_all_succeeded(api, len(tasks), args.settle_timeout)
        jobs = final_checks(api, checker, kubelet, tasks)
        print("chaos: seed %d, %d API server restarts, %d kills survived, %d Tasks (%d with dependencies, %d on shared branches) "
              "all Succeeded, %d Jobs, %d invariant snapshots, %d violations, %.0f s"
              % (args.seed, restarts, kills, len(tasks), sum(1 for t in tasks if t["deps"]),
                 sum(1 for t in tasks if t.get("branch")), len(jobs), checker.snapshots,
                 len(checker.violations), time.time() - started))
        log.flush()
        with open(os.path.join(tmp, "controller.log"), "rb") as f:
            text = f.read().decode(errors="replace")
        causes, examples = relist_causes(text)
        print("chaos: the controllers relisted %d times (%s)"
              % (sum(causes.values()), ", ".join("%d %s" % (n, k) for k, n in causes.items())))
        for line in examples.values():
            print("chaos: e.g.", line[-300:])
        if args.watch_queue_size:
            overflows = text.count(OVERFLOW_MESSAGE)
            print("chaos: %d relists followed a watch closed for falling behind" % overflows)
            if overflows == 0:
                raise Failure("no watch queue overflowed (--watch-queue-size %d)" % args.watch_queue_size)
        if proxy:
            print("chaos: %d cuts through the proxy cut %d open connections (%d accepted, %d refused)"
                  % (proxy.cuts, proxy.cut_connections, proxy.accepted, proxy.refused))
            if proxy.cut_connections == 0:
                raise Failure("no cut found an open connection")
            if not restarts and causes["410 Gone"] == 0:
                raise Failure("streams were cut but no watch got 410 Gone from the live server")
        return report_violations(checker.violations)
    except Failure as e:
        print("FAIL:", e)
        print_log_tail(os.path.join(tmp, "controller.log"))
        return 1
    finally:
        kill_processes(controller, server)
        if proxy:
            proxy.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
