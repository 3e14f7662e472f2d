"""TaskSpawner end to end with real kubectl: kelos-apiserver and kelos-controller as separate
processes, the controller pointed at a fake GitHub API (a small http.server on 127.0.0.1) with
--github-api-base-url, examples 03 (GitHub issues) and 04 (cron) applied unchanged.

Checks: `kubectl get taskspawners` shows the printer columns; the GitHub spawner's Tasks
carry the spawner label and a controller owner reference; `kubectl delete taskspawner`
deletes its Tasks (garbage collection); a TaskSpawner with an invalid cron expression
reports it in its status while the others keep running.

Run one scenario:
  /usr/bin/python3 spawner_kubectl_test.py --binary APISERVER --controller CONTROLLER --scenario NAME
"""
import http.server
import json
import os
import sys
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
sys.path.insert(0, HERE)
from harness import Server, check, wait_until  # noqa: E402
from kelos_crds_test import install_crds, parse_table  # noqa: E402
from controller_kubectl_test import Controller, run_scenario  # noqa: E402
from controller_metrics_test import samples  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples")

# The repository of examples/03's Workspace: two open bugs, a feature, a bug PR, a closed bug.
ISSUES = [
    {"number": 1, "title": "Crash on start", "body": "It crashes {{.Title}}", "labels": ["bug"]},
    {"number": 2, "title": "Wrong colour", "body": "The button is red", "labels": ["bug", "ui"]},
    {"number": 3, "title": "Dark mode", "body": "Please add it", "labels": ["feature"]},
    {"number": 4, "title": "Fix the crash", "body": "Fixes #1", "labels": ["bug"], "pr": True},
    {"number": 5, "title": "Old bug", "body": "Gone", "labels": ["bug"], "state": "closed"},
]


class FakeGitHub:
    """GET /repos/your-org/your-repo/issues with the state and labels filters, GitHub-shaped
    issue objects, one page; everything else 404. Records each request's path and
    Authorization header."""

    def __init__(self):
        self.requests = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                fake.requests.append((self.path, self.headers.get("Authorization", "")))
                if url.path != "/repos/your-org/your-repo/issues":
                    return self.answer(404, {"message": "Not Found"})
                q = urllib.parse.parse_qs(url.query)
                state = q.get("state", ["open"])[0]
                want = [l for l in q.get("labels", [""])[0].split(",") if l]
                out = []
                for i in ISSUES:
                    if state != "all" and i.get("state", "open") != state:
                        continue
                    if any(l not in i["labels"] for l in want):
                        continue
                    out.append(fake.issue_json(i))
                self.answer(200, out)

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-RateLimit-Limit", "5000")
                self.send_header("X-RateLimit-Remaining", "4999")
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def issue_json(i):
        n = i["number"]
        o = {"id": 1000 + n, "number": n, "title": i["title"], "body": i["body"],
             "state": i.get("state", "open"), "comments": 0,
             "html_url": "https://github.com/your-org/your-repo/issues/%d" % n,
             "user": {"login": "octocat", "id": 1, "type": "User"},
             "labels": [{"id": k, "name": l, "color": "d73a4a"} for k, l in enumerate(i["labels"])],
             "assignees": [], "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"}
        if i.get("pr"):
            o["pull_request"] = {"url": "https://api.github.com/repos/your-org/your-repo/pulls/%d" % n}
        return o

    def base_url(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def items(srv, kind, selector=None):
    args = ["get", kind, "-o", "json"] + (["-l", selector] if selector else [])
    _, out, _ = srv.kubectl(*args)
    return json.loads(out)["items"]


def spawner_rows(srv):
    _, out, _ = srv.kubectl("get", "taskspawners")
    names, rows = parse_table(out)
    return names, {r["NAME"]: r for r in rows}, out


INVALID_CRON = """apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata:
  name: broken-cron
spec:
  when:
    cron:
      schedule: "every monday"
  taskTemplate:
    type: claude-code
    credentials:
      type: api-key
      secretRef:
        name: anthropic-api-key
"""


def scenario_examples(binary, controller, minor):
    srv = Server(binary, minor=minor).start()
    gh = FakeGitHub()
    ctl = None
    try:
        install_crds(srv)
        ctl = Controller(controller, srv.kubeconfig, srv.tmp, extra=["--github-api-base-url", gh.base_url()])
        ctl.wait_ready()
        srv.kubectl("apply", "-f", os.path.join(EXAMPLES, "03-taskspawner-github-issues"))
        srv.kubectl("apply", "-f", os.path.join(EXAMPLES, "04-taskspawner-cron"))

        # The open bug issues become Tasks (not the feature, the PR or the closed bug).
        wait_until(lambda: sorted(t["metadata"]["name"] for t in items(srv, "tasks")) == ["fix-bugs-1", "fix-bugs-2"],
                   timeout=30, what="Tasks fix-bugs-1 and fix-bugs-2")
        _, spawner, _ = srv.kubectl("get", "taskspawner", "fix-bugs", "-o", "json")
        uid = json.loads(spawner)["metadata"]["uid"]
        for t in items(srv, "tasks", "kelos.dev/taskspawner=fix-bugs"):
            name = t["metadata"]["name"]
            refs = t["metadata"].get("ownerReferences", [])
            check(len(refs) == 1 and refs[0]["kind"] == "TaskSpawner" and refs[0]["name"] == "fix-bugs"
                  and refs[0]["uid"] == uid and refs[0].get("controller") is True,
                  "%s ownerReferences: %r" % (name, refs))
            check(t["spec"]["workspaceRef"]["name"] == "my-workspace", "%s spec: %r" % (name, t["spec"]))
            check(t["spec"]["credentials"]["secretRef"]["name"] == "claude-credentials", json.dumps(t["spec"]))
            check(t["spec"].get("ttlSecondsAfterFinished") == 3600, json.dumps(t["spec"]))
        prompt = json.loads(srv.kubectl("get", "task", "fix-bugs-1", "-o", "json")[1])["spec"]["prompt"]
        check("Issue #1: Crash on start" in prompt and "It crashes {{.Title}}" in prompt, "prompt: %r" % prompt)
        check(gh.requests and all(auth == "Bearer ghp_replace-me" for _, auth in gh.requests),
              "GitHub requests: %r" % [(p, a[:7]) for p, a in gh.requests])
        check(all("/comments" not in p for p, _ in gh.requests), "comments asked for: %r" % gh.requests)

        # The printer columns.
        def columns_settled():
            _, rows, _ = spawner_rows(srv)
            return (rows.get("fix-bugs", {}).get("TASKS") == "2"
                    and rows.get("weekly-dependency-update", {}).get("PHASE") == "Running")
        wait_until(columns_settled, timeout=30, what="TaskSpawner status columns")
        names, rows, out = spawner_rows(srv)
        check(names == ["NAME", "WORKSPACE", "SUSPEND", "PHASE", "ACTIVE", "DISCOVERED", "TASKS", "AGE"],
              "columns: %r" % names)
        fix = rows["fix-bugs"]
        check(fix["WORKSPACE"] == "my-workspace" and fix["PHASE"] == "Running" and fix["ACTIVE"] == "2"
              and fix["DISCOVERED"] == "2" and fix["TASKS"] == "2", out)
        cron = rows["weekly-dependency-update"]
        check(cron["WORKSPACE"] == "my-workspace" and cron["PHASE"] == "Running" and cron["TASKS"] in ("", "0"), out)
        _, out, _ = srv.kubectl("get", "ts")
        check("fix-bugs" in out, "short name ts: " + out)

        # An invalid cron expression: reported in the status, the other spawners unaffected.
        srv.kubectl("apply", "-f", "-", stdin=INVALID_CRON)
        wait_until(lambda: spawner_rows(srv)[1].get("broken-cron", {}).get("PHASE") == "Failed",
                   timeout=20, what="broken-cron Failed")
        _, status, _ = srv.kubectl("get", "taskspawner", "broken-cron", "-o", "jsonpath={.status}")
        status = json.loads(status)
        check("spec.when.cron.schedule" in status.get("message", "") and "every monday" in status["message"],
              "broken-cron status: %r" % status)
        ready = [c for c in status.get("conditions", []) if c["type"] == "SourceReady"]
        check(ready and ready[0]["status"] == "False" and ready[0]["reason"] == "InvalidSpec",
              "broken-cron conditions: %r" % status.get("conditions"))
        check(spawner_rows(srv)[1]["fix-bugs"]["PHASE"] == "Running", "fix-bugs after broken-cron")

        # GitHub metrics on /metrics: answers by status, the remaining budget per spawner.
        rate_series = 'kelos_github_rate_limit_remaining{spawner="default/fix-bugs"}'

        def metrics():
            status, text = ctl.get(ctl.metrics_port, "/metrics")
            check(status == 200, "metrics status %d" % status)
            return text, samples(text)
        text, s = metrics()
        check(s.get(rate_series) == 4999, text)
        check(s.get('kelos_github_requests_total{status="200"}', 0) >= 1, text)

        # Deleting the spawner deletes its Tasks (owner references, garbage collection)
        # and its rate-limit series.
        srv.kubectl("delete", "taskspawner", "fix-bugs", "--wait=true", "--timeout=20s")
        wait_until(lambda: not items(srv, "tasks", "kelos.dev/taskspawner=fix-bugs"), timeout=30,
                   what="the Tasks of the deleted TaskSpawner gone")
        wait_until(lambda: rate_series not in metrics()[1], timeout=10,
                   what="the deleted spawner's rate-limit series gone")
        check("weekly-dependency-update" in spawner_rows(srv)[1], "the cron spawner survived")
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
        gh.stop()
        srv.cleanup()


SCENARIOS = {"examples": scenario_examples}


if __name__ == "__main__":
    sys.exit(run_scenario(SCENARIOS))
