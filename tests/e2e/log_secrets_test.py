"""No secret ever appears in the logs of kelos-apiserver and kelos-controller (docs/operations.md,
"Logs"): both binaries run at --log-level trace, in text or in JSON, while distinctive secret
values are in use, and neither process's stdout/stderr may contain any of them, raw or base64.

What runs, so that the paths that touch secrets and the error paths that quote remote
answers all log something:
  - Secrets: an agent API key (sk-ant-SECRET-...), an OAuth token, a GITHUB_TOKEN, GitHub App
    credentials (appID, installationID, a freshly generated RSA private key PEM);
  - Workspaces using the token Secret and the App Secrets; Tasks using them: the controller
    reads the Secrets, builds Jobs with secretKeyRef env, exchanges the App credentials at a
    GitHub stand-in (HTTP on 127.0.0.1, --github-api-base-url) for short-lived installation
    tokens and refreshes them; one Task is driven to Succeeded through its Job's status;
  - App exchanges the stand-in refuses: 401 and 500 whose bodies echo the Authorization
    header (the App JWT);
  - TaskSpawners with a GitHub source: one that discovers an issue (token and App), and ones
    whose repositories answer 401, 403 and 500 with bodies echoing the Authorization header;
  - malformed requests to the API server carrying secrets in their bodies: broken JSON and
    YAML Secret POSTs, a broken merge patch, a Secret PUT with a stale resourceVersion (409).

Then both processes stop and their whole output is searched for every secret value, its
base64 form, each line of the private key's base64 body, every JWT and installation token
the stand-in saw or issued, and the kubeconfig's bearer token. The search is first run
against the Secrets as `kubectl get -o json` prints them, where the values must be found
(so a broken search cannot pass). The logs must also show the paths above (Job created,
discovery failures, the refused exchange, the API server's 400/409 lines), so an empty or
quiet log cannot pass either. Task, TaskSpawner and Event texts are searched too.

  /usr/bin/python3 log_secrets_test.py --binary APISERVER --controller CONTROLLER --scenario text|json
"""
import base64
import http.server
import json
import os
import re
import secrets as rnd
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
sys.path.insert(0, HERE)
from harness import Failure, Server, check, wait_until  # noqa: E402
from kelos_crds_test import install_crds  # noqa: E402
from controller_kubectl_test import Controller, finish_job, play_kubelet, run_scenario, task_phases  # noqa: E402

INST_TASK = "4242"      # the Task controller's exchange: 201 with a token that expires soon
INST_SPAWNER = "4252"   # the TaskSpawner credentials actor's exchange: 201
INST_DENIED = "4343"    # 401, body echoes the Authorization header
INST_BROKEN = "4444"    # 500, body (not JSON) echoes the Authorization header
TOKEN_LIFETIME_S = 60   # inside the refresh margin: the Task's refresher runs again after 30 s


def b64(s):
    return base64.b64encode(s.encode()).decode()


class Values:
    """The distinctive secret values of one run."""

    def __init__(self):
        tag = rnd.token_hex(8)
        self.api_key = "sk-ant-SECRET-" + tag + rnd.token_hex(8)
        self.oauth = "sk-ant-oat01-SECRET-" + rnd.token_hex(12)
        self.github_token = "ghp_SECRET" + rnd.token_hex(14)
        self.app_id = str(100000 + rnd.randbelow(800000))
        self.private_key = generate_rsa_key()


def generate_rsa_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


class GitHubStandIn:
    """Plays api.github.com: App token exchanges per installation (see INST_*) and issue lists
    per repository (acme/widgets answers one issue; acme/denied 401, acme/forbidden 403,
    acme/broken 500, each body echoing the request's Authorization header). Records every
    Authorization header it received and every token it issued."""

    def __init__(self):
        self.lock = threading.Lock()
        self.authorizations = set()
        self.issued = []
        self.exchanges = {}
        self.issue_requests = {}
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def auth(self):
                a = self.headers.get("Authorization", "")
                with fake.lock:
                    fake.authorizations.add(a)
                return a

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0") or "0")
                if length:
                    self.rfile.read(length)
                a = self.auth()
                m = re.fullmatch(r"/app/installations/(\d+)/access_tokens", urllib.parse.urlparse(self.path).path)
                if not m:
                    return self.answer(404, {"message": "Not Found"})
                inst = m.group(1)
                with fake.lock:
                    fake.exchanges[inst] = fake.exchanges.get(inst, 0) + 1
                if inst == INST_DENIED:
                    return self.answer(401, {"message": "A JSON web token could not be decoded: " + a,
                                             "documentation_url": "https://docs.github.com/rest"})
                if inst == INST_BROKEN:
                    return self.answer_text(500, "upstream exploded while checking Authorization: " + a)
                token = "ghs_SECRET" + rnd.token_hex(16)
                with fake.lock:
                    fake.issued.append(token)
                expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + TOKEN_LIFETIME_S))
                self.answer(201, {"token": token, "expires_at": expires,
                                  "permissions": {"issues": "read", "contents": "write"}})

            def do_GET(self):
                a = self.auth()
                url = urllib.parse.urlparse(self.path)
                m = re.fullmatch(r"/repos/acme/([a-z]+)/issues", url.path)
                if not m:
                    return self.answer(404, {"message": "Not Found"})
                repo = m.group(1)
                with fake.lock:
                    fake.issue_requests[repo] = fake.issue_requests.get(repo, 0) + 1
                if repo == "denied":
                    return self.answer(401, {"message": "Bad credentials (" + a + ")"})
                if repo == "forbidden":
                    return self.answer(403, {"message": "Resource not accessible with " + a})
                if repo == "broken":
                    return self.answer_text(500, "internal error; request had Authorization: " + a)
                self.answer(200, [{
                    "id": 7001, "number": 1, "title": "Crash on start", "body": "It crashes", "state": "open",
                    "comments": 0, "html_url": "https://github.com/acme/widgets/issues/1",
                    "user": {"login": "octocat", "id": 1, "type": "User"},
                    "labels": [{"id": 1, "name": "bug", "color": "d73a4a"}], "assignees": [],
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"}])

            def answer(self, status, body):
                self.answer_bytes(status, json.dumps(body).encode(), "application/json; charset=utf-8")

            def answer_text(self, status, text):
                self.answer_bytes(status, text.encode(), "text/plain")

            def answer_bytes(self, status, data, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-RateLimit-Limit", "5000")
                self.send_header("X-RateLimit-Remaining", "4999")
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def base_url(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def count(self, table, key):
        with self.lock:
            return getattr(self, table).get(key, 0)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def manifests(v):
    def secret(name, data):
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
                "stringData": data}

    def app_secret(name, inst):
        return secret(name, {"appID": v.app_id, "installationID": inst, "privateKey": v.private_key})

    def workspace(name, secret_name):
        return {"apiVersion": "kelos.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": name},
                "spec": {"repo": "https://github.com/acme/widgets.git", "ref": "main",
                         "secretRef": {"name": secret_name}}}

    def task(name, cred_type, cred_secret, ws):
        return {"apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "metadata": {"name": name},
                "spec": {"type": "claude-code", "prompt": "Fix the crash",
                         "credentials": {"type": cred_type, "secretRef": {"name": cred_secret}},
                         "workspaceRef": {"name": ws}}}

    def spawner(name, ws, repo):
        return {"apiVersion": "kelos.dev/v1alpha1", "kind": "TaskSpawner", "metadata": {"name": name},
                "spec": {"when": {"githubIssues": {"repo": "acme/" + repo, "labels": ["bug"], "state": "open"}},
                         "pollInterval": "2s", "maxConcurrency": 1,
                         "taskTemplate": {"type": "claude-code",
                                          "credentials": {"type": "oauth", "secretRef": {"name": "oauth"}},
                                          "workspaceRef": {"name": ws},
                                          "promptTemplate": "Fix #{{.Number}}: {{.Title}}"}}}

    objs = [
        secret("anthropic-key", {"ANTHROPIC_API_KEY": v.api_key}),
        secret("oauth", {"CLAUDE_CODE_OAUTH_TOKEN": v.oauth}),
        secret("gh-token", {"GITHUB_TOKEN": v.github_token}),
        app_secret("gh-app", INST_TASK),
        app_secret("gh-app-spawner", INST_SPAWNER),
        app_secret("gh-app-denied", INST_DENIED),
        app_secret("gh-app-broken", INST_BROKEN),
        workspace("ws-token", "gh-token"),
        workspace("ws-app", "gh-app"),
        workspace("ws-app-spawner", "gh-app-spawner"),
        workspace("ws-app-denied", "gh-app-denied"),
        workspace("ws-app-broken", "gh-app-broken"),
        task("t-key", "api-key", "anthropic-key", "ws-token"),
        task("t-app", "oauth", "oauth", "ws-app"),
        task("t-app-denied", "api-key", "anthropic-key", "ws-app-denied"),
        task("t-app-broken", "api-key", "anthropic-key", "ws-app-broken"),
        spawner("sp-token", "ws-token", "widgets"),
        spawner("sp-app", "ws-app-spawner", "widgets"),
        spawner("sp-denied", "ws-token", "denied"),
        spawner("sp-forbidden", "ws-token", "forbidden"),
        spawner("sp-broken", "ws-token", "broken"),
    ]
    # YAML documents (JSON is YAML); the leading comment keeps kubectl from sniffing one JSON stream.
    return "# log_secrets_test\n" + "\n---\n".join(json.dumps(o) for o in objs) + "\n"


def kube_token(srv):
    with open(srv.kubeconfig) as f:
        m = re.search(r"^\s*token: (\S+)", f.read(), re.M)
    check(m, "the API server's kubeconfig has no token")
    return m.group(1)


def raw(srv, token, method, path, body, content_type="application/json"):
    """One request to the API server; returns (status, body text)."""
    req = urllib.request.Request(srv.url + path, data=body.encode(), method=method,
                                 headers={"Content-Type": content_type, "Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def malformed_requests(srv, token, v):
    """Requests the API server refuses, each carrying a secret in its body."""
    base = "/api/v1/namespaces/default/secrets"
    cases = [
        ("POST", base, '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"broken"},"stringData":'
                       '{"ANTHROPIC_API_KEY":"%s"' % v.api_key, "application/json", 400),
        ("POST", base, '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"broken"},'
                       '"stringData":{"K":%s}}' % v.oauth, "application/json", 400),
        ("POST", base, "apiVersion: v1\nkind: Secret\nmetadata: {name: broken\nstringData: {K: '%s'\n" % v.github_token,
         "application/yaml", 400),
        ("PATCH", base + "/gh-token", '{"stringData":{"GITHUB_TOKEN":"%s"' % v.github_token,
         "application/merge-patch+json", 400),
        ("POST", base, json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "Not_A_Name"},
                                   "data": {"K": b64(v.api_key)}}), "application/json", 422),
    ]
    for method, path, body, ctype, want in cases:
        status, text = raw(srv, token, method, path, body, ctype)
        check(status == want, "%s %s (%s): HTTP %d, want %d: %s" % (method, path, ctype, status, want, text[:300]))
    # A PUT with a stale resourceVersion: 409 Conflict.
    _, out, _ = srv.kubectl("get", "secret", "anthropic-key", "-o", "json")
    obj = json.loads(out)
    obj["metadata"]["resourceVersion"] = "1"
    obj["data"]["ANTHROPIC_API_KEY"] = b64(v.api_key + "-rotated")
    status, text = raw(srv, token, "PUT", base + "/anthropic-key", json.dumps(obj))
    check(status == 409, "stale PUT: HTTP %d: %s" % (status, text[:300]))


def needles(v, gh, kube_tok):
    """(what, text) pairs that must not appear in any log."""
    out = []
    for name, value in (("api key", v.api_key), ("oauth token", v.oauth), ("GITHUB_TOKEN", v.github_token),
                        ("rotated api key", v.api_key + "-rotated"), ("private key", v.private_key)):
        out += [(name, value), (name + " (base64)", b64(value))]
    body = [l for l in v.private_key.splitlines() if l and not l.startswith("-----")]
    out += [("private key line %d" % i, l) for i, l in enumerate(body) if len(l) >= 40]
    for t in gh.issued:
        out += [("installation token", t), ("installation token (base64)", b64(t))]
    for a in gh.authorizations:
        cred = a.split(" ", 1)[-1]
        if len(cred) < 16:
            continue
        out.append(("Authorization credential " + cred[:8] + "...", cred))
        if cred.count(".") == 2:  # a JWT: its signature alone is distinctive too
            out.append(("JWT signature", cred.rsplit(".", 1)[1]))
    out.append(("kubeconfig token", kube_tok))
    return out


def leaks(text, needles_):
    return sorted({what for what, n in needles_ if n and n in text})


def read(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def run(binary, controller, minor, fmt):
    level = ["--log-level", "trace", "--log-format", fmt]
    srv = Server(binary, extra=level, minor=minor).start()
    gh = GitHubStandIn()
    ctl = None
    v = Values()
    try:
        install_crds(srv)
        ctl = Controller(controller, srv.kubeconfig, srv.tmp, extra=level + ["--github-api-base-url", gh.base_url()])
        ctl.wait_ready()
        srv.kubectl("apply", "-f", "-", stdin=manifests(v))
        kube_tok = kube_token(srv)
        malformed_requests(srv, kube_tok, v)

        # The API-key Task: a Job whose env takes the key from the Secret, run to Succeeded.
        wait_until(lambda: srv.kubectl("get", "job", "t-key", ok=False)[0] == 0, timeout=30, what="Job t-key")
        job = json.loads(srv.kubectl("get", "job", "t-key", "-o", "json")[1])
        env = [e for c in job["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])]
        refs = {e["name"]: (e["valueFrom"]["secretKeyRef"].get("name"), e["valueFrom"]["secretKeyRef"].get("key"))
                for e in env if "secretKeyRef" in e.get("valueFrom", {})}
        check(refs.get("ANTHROPIC_API_KEY") == ("anthropic-key", "ANTHROPIC_API_KEY")
              and refs.get("GITHUB_TOKEN") == ("gh-token", "GITHUB_TOKEN"), "Job t-key env: %r" % env)
        check(v.api_key not in json.dumps(job) and v.github_token not in json.dumps(job), "a value in the Job")
        play_kubelet(srv, "t-key")
        wait_until(lambda: task_phases(srv)["t-key"] == "Running", what="t-key Running")
        finish_job(srv, "t-key")
        wait_until(lambda: task_phases(srv)["t-key"] == "Succeeded", what="t-key Succeeded")

        # The App Task: an installation token in t-app-github-token, refreshed once.
        wait_until(lambda: srv.kubectl("get", "job", "t-app", ok=False)[0] == 0, timeout=30, what="Job t-app")
        secret = json.loads(srv.kubectl("get", "secret", "t-app-github-token", "-o", "json")[1])
        check(base64.b64decode(secret["data"]["GITHUB_TOKEN"]).decode() in gh.issued, "t-app-github-token: %r" % secret)
        wait_until(lambda: gh.count("exchanges", INST_TASK) >= 2, timeout=120, interval=0.5,
                   what="the Task's token refreshed (exchanges %r)" % gh.exchanges)

        # Refused exchanges: Failed on 401, Waiting (retrying) on 500.
        wait_until(lambda: task_phases(srv).get("t-app-denied") == "Failed", timeout=30, what="t-app-denied Failed")
        wait_until(lambda: gh.count("exchanges", INST_BROKEN) >= 1 and "retrying" in srv.kubectl(
            "get", "task", "t-app-broken", "-o", "jsonpath={.status.message}")[1], timeout=30,
            what="t-app-broken retrying")

        # The spawners: discoveries through the token and the App, failures on 401/403/500.
        for name in ("sp-token-1", "sp-app-1"):
            wait_until(lambda: srv.kubectl("get", "task", name, ok=False)[0] == 0, timeout=30, what="Task " + name)

        def spawner_failed(name, code):
            msg = srv.kubectl("get", "taskspawner", name, "-o", "jsonpath={.status.message}")[1]
            return ("status %d" % code) in msg and msg
        for name, code in (("sp-denied", 401), ("sp-forbidden", 403), ("sp-broken", 500)):
            wait_until(lambda: spawner_failed(name, code), timeout=60, interval=0.5, what=name + " failed")
        check(gh.count("issue_requests", "broken") >= 4, "sp-broken was not retried: %r" % gh.issue_requests)

        # Every text a reader of Tasks, TaskSpawners and Events sees.
        _, visible, _ = srv.kubectl("get", "tasks,taskspawners,events", "-o", "json")
        _, secrets_json, _ = srv.kubectl("get", "secrets", "-o", "json")

        rc = ctl.stop()
        check(rc == 0, "controller exit code %r" % rc)
        srv.kill()
        logs = {"kelos-controller": read(ctl.log_path), "kelos-apiserver": read(srv.log_path)}
        ctl = None

        found = needles(v, gh, kube_tok)
        check(any(w.startswith("JWT") for w, _ in found) and gh.issued, "no JWT or token seen: %r" % gh.authorizations)
        # The search must find what is there: the Secrets hold every value's base64.
        control = leaks(secrets_json, [(w, n) for w, n in found if w.endswith("(base64)")
                                                   and not w.startswith(("installation", "rotated"))])
        check(control == sorted(["api key (base64)", "oauth token (base64)", "GITHUB_TOKEN (base64)",
                                 "private key (base64)"]), "positive control: %r" % control)

        for proc, text in logs.items():
            bad = leaks(text, found)
            if bad:
                lines = [l for l in text.splitlines() if any(n in l for w, n in found if w in bad)]
                raise Failure("%s logged secrets (%s) at trace/%s:\n%s" % (proc, ", ".join(bad), fmt,
                                                                          "\n".join(lines[:10])[:4000]))
        bad = leaks(visible, found)
        check(not bad, "Task/TaskSpawner/Event texts hold secrets: %r" % bad)

        # The logs are not empty and show the paths above.
        ctl_log, api_log = logs["kelos-controller"], logs["kelos-apiserver"]
        debug = '"level":"debug"' if fmt == "json" else "[debug]"
        for what, needle in (("debug lines", debug),
                             ("a discovered issue", "created Task sp-token-1"),
                             ("a refused exchange", "GitHub returned HTTP 401"),
                             ("a failed exchange", "GitHub returned HTTP 500"),
                             ("a failed discovery", "discovery failed"),
                             ("the refresher", "refreshed GitHub token Secret t-app-github-token"),
                             ("the Job of t-key", "created Job t-key"),
                             ("t-key's end", "Succeeded after ")):
            check(needle in ctl_log, "controller log lacks %s (%r):\n%s" % (what, needle, ctl_log[-3000:]))
        for what, needle in (("debug lines", debug), ("a refused POST", "POST /api/v1/namespaces/default/secrets -> 400"),
                             ("a refused PUT", "PUT /api/v1/namespaces/default/secrets/anthropic-key -> 409")):
            check(needle in api_log, "API server log lacks %s (%r):\n%s" % (what, needle, api_log[-3000:]))
        if fmt == "json":
            for proc, text in logs.items():
                for line in text.splitlines():
                    try:
                        json.loads(line)
                    except ValueError:
                        raise Failure("%s: not a JSON log line: %r" % (proc, line[:300]))
        print("%s: %d controller and %d API server log lines, %d needles, none found" % (
            fmt, ctl_log.count("\n"), api_log.count("\n"), len(found)))
    except Exception:
        if ctl:
            print("--- controller log ---\n" + ctl.output())
        print("--- API server log ---\n" + srv.server_log())
        raise
    finally:
        if ctl and ctl.proc.poll() is None:
            ctl.proc.kill()
        gh.stop()
        srv.cleanup()


SCENARIOS = {"text": lambda b, c, m: run(b, c, m, "text"), "json": lambda b, c, m: run(b, c, m, "json")}


if __name__ == "__main__":
    sys.exit(run_scenario(SCENARIOS))
