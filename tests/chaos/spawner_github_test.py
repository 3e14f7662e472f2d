"""Chaos: TaskSpawners against a failing GitHub stand-in, with kelos-controller killed (-9)
at random moments.

The stand-in (a Python http.server on 127.0.0.1, given to the controller with
--github-api-base-url) serves GET /repos/chaos/<repo>/issues as GitHub does for what
sources/github/ asks: the state filter, pages of 4 items newest first (GitHub's default
order) linked by `Link: rel="next"`, an ETag per page (over its items and whether a next page
exists) and 304 Not Modified for a matching If-None-Match. At random (seeded) it
answers instead:
- 500/502/503;
- 403 with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` 1-3 s ahead (primary limit);
- 429 with `Retry-After: 1|2` (secondary limit);
- rate-limit storms: for a few seconds every request to one repository is refused as above,
  so a discovery runs out of rate-limit retries;
- slow answers (0.3-2.5 s), and connections closed without an answer.
Issues appear and close over time. The test plays kubelet/Job controller (controller_kill's
Kubelet), so Tasks succeed and free their spawner's concurrency slots.

Invariants, checked on Task lists every 50 ms and on the stand-in's request log:
- never more non-terminal Tasks of a spawner than its maxConcurrency;
- never two Tasks for one work item (a Task name, which derives from the item, seen with a
  second uid), and no Task for an item the repository never had;
- the rate-limit reset is honoured: after a rate-limited answer, no request for the same
  repository before the time it named (reset, or Date + Retry-After) minus 0.1 s, unless a
  controller process started since the refused request arrived (a new process cannot know);
- at the end, with the faults off, every open item has its Task and every Task Succeeded.

  /usr/bin/python3 spawner_github_test.py --apiserver BIN --controller BIN [--kills 15] [--seed 1]
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from controller_kill_test import (JOBS, NS, TASKS, Api, Failure, Kubelet, free_port,  # noqa: E402
                                  kill_processes, print_log_tail, report_violations, setup_cluster, start_server)

OWNER = "chaos"
PAGE = 4
TOLERANCE = 0.1  # seconds a request may come before the reset it was told (clock granularity)
SPAWNERS = "/apis/kelos.dev/v1alpha1/namespaces/%s/taskspawners" % NS
LABEL = "kelos.dev/taskspawner"


class GitHub:
    """The failing GitHub stand-in. `faults` off answers every request correctly at once."""

    def __init__(self, repos, rng):
        self.rng, self.lock = rng, threading.Lock()
        self.issues = {r: {} for r in repos}  # repo -> number -> {"title", "state"}
        self.next_number = {r: 1 for r in repos}
        self.ever = {r: set() for r in repos}  # every number the repository ever had
        self.log = []  # dicts: arrival, answered, repo, status, until (rate-limit answers)
        self.storm_until = {r: 0.0 for r in repos}
        self.faults = True
        self.counts = {}
        gh = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def date_time_string(self, timestamp=None):
                return email.utils.formatdate(self.now if timestamp is None else timestamp, usegmt=True)

            def do_GET(self):
                self.now = arrival = time.time()
                url = urllib.parse.urlparse(self.path)
                parts = url.path.strip("/").split("/")
                if len(parts) != 4 or parts[0] != "repos" or parts[1] != OWNER or parts[3] != "issues" \
                        or parts[2] not in gh.issues:
                    return self.answer(404, {"message": "Not Found"})
                repo = parts[2]
                entry = {"arrival": arrival, "repo": repo, "status": 0, "until": None}
                with gh.lock:
                    gh.log.append(entry)
                    fault = gh.pick_fault(repo, arrival)
                gh.count(fault)
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "slow":
                    time.sleep(gh.rng_uniform(0.3, 2.5))
                    self.now = time.time()
                headers = {}
                if fault in ("500", "502", "503"):
                    status, body = int(fault), {"message": "Server Error"}
                elif fault == "primary":
                    reset = int(self.now) + gh.rng_randint(1, 3)
                    status, body = 403, {"message": "API rate limit exceeded for 127.0.0.1."}
                    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
                    entry["until"] = float(reset)
                elif fault == "secondary":
                    wait = gh.rng_randint(1, 2)
                    status, body = 429, {"message": "You have exceeded a secondary rate limit."}
                    headers = {"Retry-After": str(wait), "X-RateLimit-Remaining": "4000",
                               "X-RateLimit-Reset": str(int(self.now) + 3600)}
                    entry["until"] = float(int(self.now) + wait)  # the Date header's second + wait
                else:
                    status, body, headers = gh.page(repo, url.query, self.headers.get("If-None-Match", ""))
                entry["status"] = status
                entry["answered"] = self.now
                self.answer(status, body, headers)

            def answer(self, status, body, headers=None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # dropped connections and clients killed mid-answer are the point

        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def rng_uniform(self, a, b):
        with self.lock:
            return self.rng.uniform(a, b)

    def rng_randint(self, a, b):
        with self.lock:
            return self.rng.randint(a, b)

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def pick_fault(self, repo, now):
        """Under self.lock."""
        if not self.faults:
            return "ok"
        if now < self.storm_until[repo]:
            self.counts["in-storm"] = self.counts.get("in-storm", 0) + 1
            return self.rng.choice(["primary", "secondary"])
        x = self.rng.random()
        for p, fault in ((0.03, "500"), (0.02, "502"), (0.02, "503"), (0.05, "primary"), (0.05, "secondary"),
                         (0.03, "storm"), (0.02, "drop"), (0.10, "slow")):
            if x < p:
                if fault == "storm":
                    self.counts["storms"] = self.counts.get("storms", 0) + 1
                    self.storm_until[repo] = now + self.rng.uniform(5, 10)
                    return "primary"
                return fault
            x -= p
        return "ok"

    def page(self, repo, query, if_none_match):
        q = urllib.parse.parse_qs(query)
        state = q.get("state", ["open"])[0]
        number = int(q.get("page", ["1"])[0])
        with self.lock:
            # GitHub's default order: newest first, so a new issue changes the first page.
            items = [(n, i) for n, i in sorted(self.issues[repo].items(), reverse=True)
                     if state == "all" or i["state"] == state]
        chunk = items[(number - 1) * PAGE:number * PAGE]
        body = [{"id": 10000 + n, "number": n, "title": i["title"], "body": "chaos item %d" % n,
                 "state": i["state"], "comments": 0,
                 "html_url": "https://github.com/%s/%s/issues/%d" % (OWNER, repo, n),
                 "user": {"login": "octocat", "id": 1, "type": "User"}, "labels": [], "assignees": [],
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"} for n, i in chunk]
        more = number * PAGE < len(items)
        etag = '"%s"' % hashlib.sha1((json.dumps(body, sort_keys=True) + str(more)).encode()).hexdigest()
        headers = {"ETag": etag, "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4000",
                   "X-RateLimit-Reset": str(int(time.time()) + 3600)}
        if more:
            next_q = dict((k, v[0]) for k, v in q.items())
            next_q["page"] = str(number + 1)
            headers["Link"] = '<%s/repos/%s/%s/issues?%s>; rel="next"' % (
                self.base_url(), OWNER, repo, urllib.parse.urlencode(sorted(next_q.items())))
        if if_none_match and if_none_match == etag:
            self.count("304")
            return 304, None, headers
        return 200, body, headers

    def open_issue(self, repo):
        with self.lock:
            n = self.next_number[repo]
            self.next_number[repo] += 1
            self.issues[repo][n] = {"title": "chaos issue %d" % n, "state": "open"}
            self.ever[repo].add(n)

    def close_issue(self, repo, rng):
        with self.lock:
            open_numbers = sorted(n for n, i in self.issues[repo].items() if i["state"] == "open")
            if open_numbers:
                self.issues[repo][rng.choice(open_numbers)]["state"] = "closed"

    def open_numbers(self, repo):
        with self.lock:
            return sorted(n for n, i in self.issues[repo].items() if i["state"] == "open")

    def base_url(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def rate_limit_violations(self, starts):
        """Requests for a repository sent before the reset of a rate-limited answer it got,
        when no controller started since that refused request arrived."""
        out, last = [], {}
        with self.lock:
            log = sorted(self.log, key=lambda e: e["arrival"])
        for e in log:
            limited = last.get(e["repo"])
            if limited and e["arrival"] >= limited.get("answered", 0) \
                    and e["arrival"] < limited["until"] - TOLERANCE \
                    and not any(limited["arrival"] <= s <= e["arrival"] for s in starts):
                out.append("request for %s %.2f s before the reset it was told (%.2f s after the refusal)"
                           % (e["repo"], limited["until"] - e["arrival"], e["arrival"] - limited["answered"]))
            if e["until"] is not None:
                last[e["repo"]] = e
        return out

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def spawner_object(name, repo, max_concurrency):
    return {"apiVersion": "kelos.dev/v1alpha1", "kind": "TaskSpawner", "metadata": {"name": name},
            "spec": {"when": {"githubIssues": {"repo": "%s/%s" % (OWNER, repo), "state": "open"}},
                     "taskTemplate": {"type": "claude-code", "workspaceRef": {"name": "ws"},
                                      "credentials": {"type": "api-key", "secretRef": {"name": "creds"}},
                                      "promptTemplate": "Fix #{{.Number}}: {{.Title}}"},
                     "pollInterval": "1s", "maxConcurrency": max_concurrency}}


class Checker(threading.Thread):
    """Lists Tasks every 50 ms: concurrency per spawner, one Task per work item."""

    def __init__(self, api, spawners, gh):
        super().__init__(daemon=True)
        self.api, self.spawners, self.gh = api, spawners, gh  # spawners: name -> (repo, maxConcurrency)
        self.violations, self.snapshots, self.stop_flag = [], 0, threading.Event()
        self.uids = {}
        self.peak = {s: 0 for s in spawners}

    def run(self):
        while not self.stop_flag.is_set():
            try:
                self.check_once()
            except (OSError, Failure):
                pass
            time.sleep(0.05)

    def check_once(self):
        tasks = self.api.ok("GET", TASKS)["items"]
        active = {s: [] for s in self.spawners}
        for t in tasks:
            meta = t["metadata"]
            spawner = meta.get("labels", {}).get(LABEL)
            if spawner not in self.spawners:
                continue
            uids = self.uids.setdefault(meta["name"], set())
            uids.add(meta["uid"])
            if len(uids) > 1:
                self.violations.append("two Tasks for work item %s (uids %s)" % (meta["name"], sorted(uids)))
            repo = self.spawners[spawner][0]
            number = meta["name"][len(spawner) + 1:]
            if not number.isdigit() or int(number) not in self.gh.ever[repo]:
                self.violations.append("Task %s is for no item of %s" % (meta["name"], repo))
            if t.get("status", {}).get("phase", "") not in ("Succeeded", "Failed"):
                active[spawner].append(meta["name"])
        for s, names in active.items():
            self.peak[s] = max(self.peak[s], len(names))
            if len(names) > self.spawners[s][1]:
                self.violations.append("spawner %s has %d active Tasks, maxConcurrency %d: %s"
                                       % (s, len(names), self.spawners[s][1], sorted(names)))
        self.snapshots += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiserver", required=True)
    ap.add_argument("--controller", required=True)
    ap.add_argument("--kills", type=int, default=15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spawners", type=int, default=3)
    ap.add_argument("--initial-items", type=int, default=5, help="open issues per repository at the start")
    ap.add_argument("--settle-timeout", type=float, default=240)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    spawners = {"fix-%d" % i: ("repo-%d" % i, 2 + i % 3) for i in range(args.spawners)}
    gh = GitHub([r for r, _ in spawners.values()], random.Random(args.seed * 7919))
    tmp = tempfile.mkdtemp(prefix="kelos-chaos-spawner-")
    server = controller = None
    started = time.time()
    starts = []
    try:
        server, url, kubeconfig = start_server(args.apiserver, tmp, free_port())
        api = Api(url)
        setup_cluster(api, "https://github.com/%s/repo-0.git" % OWNER)
        for repo, _ in spawners.values():
            for _ in range(args.initial_items):
                gh.open_issue(repo)
        for name, (repo, limit) in sorted(spawners.items()):
            api.ok("POST", SPAWNERS, spawner_object(name, repo, limit))
        checker, kubelet = Checker(api, spawners, gh), Kubelet(api, random.Random(args.seed + 1))
        checker.start()
        kubelet.start()

        log = open(os.path.join(tmp, "controller.log"), "ab")
        cmd = [args.controller, "--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
               "--health-probe-bind-address", "0", "--log-level", "info", "--github-api-base-url", gh.base_url()]
        repos = sorted(r for r, _ in spawners.values())
        kills = opened = closed = 0
        while kills < args.kills:
            starts.append(time.time())
            controller = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            life = rng.uniform(0.5, 5.0)
            end = time.time() + life
            while time.time() < end:
                # Items appear and close while the controller runs.
                x = rng.random()
                if x < 0.35:
                    gh.open_issue(rng.choice(repos))
                    opened += 1
                elif x < 0.5:
                    gh.close_issue(rng.choice(repos), rng)
                    closed += 1
                time.sleep(min(0.4, max(0.0, end - time.time())))
            controller.send_signal(signal.SIGKILL)
            controller.wait()
            kills += 1

        # The faults stop; a last controller must bring every open item to a Succeeded Task.
        gh.faults = False
        starts.append(time.time())
        controller = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + args.settle_timeout
        while True:
            tasks = api.ok("GET", TASKS)["items"]
            names = {t["metadata"]["name"]: t.get("status", {}).get("phase", "") for t in tasks}
            missing = ["%s-%d" % (s, n) for s, (repo, _) in sorted(spawners.items())
                       for n in gh.open_numbers(repo) if "%s-%d" % (s, n) not in names]
            unfinished = sorted(n for n, p in names.items() if p != "Succeeded")
            if not missing and not unfinished:
                break
            if time.time() > deadline:
                raise Failure("after %ss: open items without a Task %s; Tasks not Succeeded %s"
                              % (args.settle_timeout, missing, unfinished))
            time.sleep(0.2)
        checker.stop_flag.set()
        kubelet.stop_flag.set()
        checker.join(5)
        checker.check_once()
        violations = list(checker.violations) + gh.rate_limit_violations(starts)
        jobs = api.ok("GET", JOBS)["items"]
        if len(jobs) != len(names):
            violations.append("%d Jobs for %d Tasks" % (len(jobs), len(names)))
        counts = gh.counts
        limited = counts.get("primary", 0) + counts.get("secondary", 0)
        print("chaos spawner: seed %d, %d controller kills survived, %d spawners (maxConcurrency %s, peak active %s), "
              "%d items (%d opened during the run, %d closed), %d Tasks all Succeeded, %d GitHub requests "
              "(%d 5xx, %d rate-limited of which %d in %d storms, %d slow, %d dropped, %d answered 304), "
              "%d invariant snapshots, %d violations, %.0f s"
              % (args.seed, kills, len(spawners), [m for _, m in sorted(spawners.values())],
                 [checker.peak[s] for s in sorted(spawners)],
                 sum(len(e) for e in gh.ever.values()), opened, closed, len(names), len(gh.log),
                 sum(counts.get(k, 0) for k in ("500", "502", "503")), limited,
                 counts.get("in-storm", 0), counts.get("storms", 0), counts.get("slow", 0), counts.get("drop", 0), counts.get("304", 0),
                 checker.snapshots, len(violations), time.time() - started))
        if not limited or not counts.get("slow") or not counts.get("304"):
            violations.append("the run did not exercise rate limits, slow answers and 304s: %r" % counts)
        return report_violations(violations)
    except Failure as e:
        print("FAIL:", e)
        print_log_tail(os.path.join(tmp, "controller.log"))
        return 1
    finally:
        kill_processes(controller, server)
        gh.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
