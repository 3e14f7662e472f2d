"""Local mode end to end: the real `kelos up` (API server, Job controller, local node in
bubblewrap, Kelos controller in one process), real kubectl, real git repositories, the
built-in demo agent. Each scenario runs in its own temporary HOME.

Run one scenario:
  /usr/bin/python3 local_mode_test.py --kelos KELOS --scenario NAME
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

DEMO_IMAGE = "ghcr.io/kelos-dev/kelos-demo-agent:latest"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def wait_until(fn, timeout, what, interval=0.2):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        time.sleep(interval)
    raise Failure("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def process_gone(pid):
    """True when pid has exited (a zombie whose parent is not us counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class Local:
    """One `kelos up` home: HOME, KUBECONFIG, state directory, helpers for kubectl and git."""

    def __init__(self, kelos, tmp):
        self.kelos = kelos
        self.tmp = tmp
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home)
        self.state = os.path.join(self.home, ".kelos", "local")
        self.user_kubeconfig = os.path.join(self.home, ".kube", "config")
        self.repos = os.path.join(self.state, "repos")

    def env(self):
        env = dict(os.environ)
        env["HOME"] = self.home
        env["KUBECONFIG"] = self.user_kubeconfig
        env.pop("KELOS_HOME", None)
        env["KUBECACHEDIR"] = os.path.join(self.tmp, "kube-cache")
        return env

    def run(self, *args, timeout=180, ok=True, stdin=None):
        p = subprocess.run(list(args), capture_output=True, timeout=timeout, env=self.env(),
                           input=stdin.encode() if stdin else None)
        out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        if ok and p.returncode != 0:
            raise Failure("%s failed (%d):\nstdout: %s\nstderr: %s%s" %
                          (" ".join(args), p.returncode, out, err, self.log_tail()))
        return p.returncode, out, err

    def up(self, *extra, ok=True):
        return self.run(self.kelos, "up", "--detach", *extra, ok=ok)

    def down(self):
        return self.run(self.kelos, "down", "--timeout", "40")

    def kubectl(self, *args, ok=True, stdin=None):
        return self.run("kubectl", *args, ok=ok, stdin=stdin, timeout=60)

    def apply(self, *objects):
        self.kubectl("apply", "-f", "-", stdin="\n".join(json.dumps(o) for o in objects))

    def log_tail(self):
        path = os.path.join(self.state, "kelos.log")
        if not os.path.exists(path):
            return ""
        with open(path, "rb") as f:
            return "\n--- kelos.log (tail) ---\n" + f.read().decode(errors="replace")[-6000:]

    def pid(self):
        with open(os.path.join(self.state, "kelos.pid")) as f:
            return int(f.read().strip())

    def task(self, name):
        _, out, _ = self.kubectl("get", "task", name, "-o", "json")
        return json.loads(out)

    def wait_phase(self, name, phases, timeout=120):
        def done():
            status = self.task(name).get("status", {})
            return status if status.get("phase") in phases else None
        return wait_until(done, timeout, "Task %s in %s" % (name, "/".join(phases)))

    def git(self, *args):
        p = subprocess.run(["git"] + list(args), capture_output=True, env=self.env(), timeout=60)
        if p.returncode != 0:
            raise Failure("git %s: %s" % (" ".join(args), p.stderr.decode()))
        return p.stdout.decode().strip()

    def make_repo(self, name):
        """A bare repository under the state's repos directory (writable by pods) whose main
        branch holds one commit; returns (path, file:// URL)."""
        bare = os.path.join(self.repos, name + ".git")
        work = os.path.join(self.tmp, name + "-work")
        os.makedirs(self.repos, exist_ok=True)
        self.git("init", "-q", "--bare", "-b", "main", bare)
        self.git("init", "-q", "-b", "main", work)
        with open(os.path.join(work, "README.md"), "w") as f:
            f.write("# %s\n" % name)
        self.git("-C", work, "add", "README.md")
        self.git("-C", work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
        self.git("-C", work, "push", "-q", bare, "main")
        return bare, "file://" + bare


def secret():
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
            "stringData": {"ANTHROPIC_API_KEY": "not-used"}}


def workspace(url):
    return {"apiVersion": "kelos.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "ws"},
            "spec": {"repo": url, "ref": "main"}}


def task(name, prompt, branch=None, depends=None, image=DEMO_IMAGE, deadline=None, agent="claude-code"):
    spec = {"type": agent, "prompt": prompt, "workspaceRef": {"name": "ws"},
            "credentials": {"type": "api-key", "secretRef": {"name": "creds"}}}
    if image:
        spec["image"] = image
    if branch:
        spec["branch"] = branch
    if depends:
        spec["dependsOn"] = depends
    if deadline:
        spec["podOverrides"] = {"activeDeadlineSeconds": deadline}
    return {"apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "metadata": {"name": name}, "spec": spec}


def scenario_demo(local):
    # The README's first command: `kelos up --demo` (here detached) runs the demo Task to the end.
    code, out, _ = local.up("--demo")
    check("Succeeded" in out and "is on branch kelos-demo" in out, "demo output:\n" + out)
    _, ctx, _ = local.kubectl("config", "current-context")
    check(ctx.strip() == "kelos-local", "current context is %r" % ctx)

    # The same with plain kubectl on a repository of our own.
    bare, url = local.make_repo("app")
    local.apply(secret(), workspace(url), task("hello", "Say hello\nwith 'quotes' and $(touch /tmp/pwned)",
                                               branch="feature/hello"))
    status = local.wait_phase("hello", ["Succeeded", "Failed"])
    check(status["phase"] == "Succeeded", "hello: %s%s" % (json.dumps(status), local.log_tail()))
    results = status.get("results", {})
    check(results.get("branch") == "feature/hello", "results: %r" % results)
    head = local.git("--git-dir", bare, "rev-parse", "refs/heads/feature/hello")
    check(results.get("commit") == head, "results.commit %r, repo has %r" % (results.get("commit"), head))
    demo_md = local.git("--git-dir", bare, "show", "feature/hello:DEMO.md")
    check("$(touch /tmp/pwned)" in demo_md, "the prompt is written verbatim: %r" % demo_md)
    check(not os.path.exists("/tmp/pwned"), "the prompt was executed")
    check("input-tokens" in results, "usage results: %r" % results)
    _, logs, _ = local.kubectl("logs", status["podName"], "-c", "claude-code")
    check("---KELOS_OUTPUTS_START---" in logs and "branch: feature/hello" in logs, "agent log:\n" + logs)
    _, job, _ = local.kubectl("get", "job", "hello", "-o", "json")
    job = json.loads(job)
    check(job["status"].get("succeeded") == 1, "job status %r" % job["status"])
    check(any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"].get("conditions", [])),
          "Complete condition: %r" % job["status"])

    # kelos down stops everything; kelos up again keeps every object.
    pid = local.pid()
    local.down()
    check(process_gone(pid), "kelos up still running after kelos down")
    local.up()
    check(local.task("hello")["status"]["phase"] == "Succeeded", "Task lost across restart")
    code, out, _ = local.run(local.kelos, "up", "--detach", ok=False)
    check(code == 1 and "already running" in out, "second kelos up: %d %s" % (code, out))
    local.down()


def scenario_pipeline(local):
    local.up()
    bare, url = local.make_repo("pipe")
    local.apply(secret(), workspace(url),
                task("step-1", "first step", branch="feature/pipe"),
                task("step-2", 'second step after {{index .Deps "step-1" "Results" "commit"}}',
                     branch="feature/pipe", depends=["step-1"]),
                task("step-3", 'third step after {{index .Deps "step-2" "Results" "commit"}}',
                     branch="feature/pipe", depends=["step-2"]))
    statuses = {}
    for name in ("step-1", "step-2", "step-3"):
        statuses[name] = local.wait_phase(name, ["Succeeded", "Failed"], timeout=180)
        check(statuses[name]["phase"] == "Succeeded", "%s: %s%s" % (name, statuses[name], local.log_tail()))
    commits = [statuses[n]["results"]["commit"] for n in ("step-1", "step-2", "step-3")]
    check(len(set(commits)) == 3, "three distinct commits: %r" % commits)
    log = local.git("--git-dir", bare, "log", "--format=%H", "feature/pipe").split()
    check(log[:3] == commits[::-1], "the branch holds the three commits in order: %r vs %r" % (log[:4], commits))
    demo_md = local.git("--git-dir", bare, "show", "feature/pipe:DEMO.md")
    check("second step after " + commits[0] in demo_md, "step-2 prompt rendered with step-1's commit:\n" + demo_md)
    check("third step after " + commits[1] in demo_md, "step-3 prompt rendered with step-2's commit:\n" + demo_md)
    local.down()


def scenario_failures(local):
    local.up()
    _, url = local.make_repo("fail")
    local.apply(secret(), workspace(url),
                task("exits-3", "kelos-demo: fail"),
                task("too-slow", "kelos-demo: sleep 60", deadline=3),
                task("no-cli", "anything", image=None, agent="codex"))
    status = local.wait_phase("exits-3", ["Succeeded", "Failed"])
    check(status["phase"] == "Failed", "exits-3: %r" % status)
    _, pod, _ = local.kubectl("get", "pod", status["podName"], "-o", "json")
    terminated = [c["state"].get("terminated", {}) for c in json.loads(pod)["status"]["containerStatuses"]]
    check(any(t.get("exitCode") == 3 for t in terminated), "exit code 3 in pod status: %r" % terminated)

    status = local.wait_phase("too-slow", ["Succeeded", "Failed"], timeout=60)
    message = status.get("message", "")
    check(status["phase"] == "Failed" and "DeadlineExceeded" in message, "too-slow: %r" % status)

    if shutil.which("codex") is None:
        status = local.wait_phase("no-cli", ["Succeeded", "Failed"])
        check(status["phase"] == "Failed", "no-cli: %r" % status)
        _, pod, _ = local.kubectl("get", "pod", status["podName"], "-o", "json")
        check("agent CLI codex not found on this machine" in pod or
              "agent CLI codex not found on this machine" in status.get("message", ""),
              "missing CLI message in the pod or Task: %s / %r" % (pod[-2000:], status))
    local.down()


def scenario_restart(local):
    local.up()
    bare, url = local.make_repo("resume")
    local.apply(secret(), workspace(url), task("resumed", "kelos-demo: sleep 6\nresume me", branch="feature/resume"))
    wait_until(lambda: local.task("resumed").get("status", {}).get("phase") == "Running", 60, "Task Running")
    pid = local.pid()
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: process_gone(pid), 10, "kelos up gone")
    local.up()
    status = local.wait_phase("resumed", ["Succeeded", "Failed"], timeout=120)
    check(status["phase"] == "Succeeded", "resumed: %r%s" % (status, local.log_tail()))
    _, jobs, _ = local.kubectl("get", "jobs", "-o", "json")
    check(len(json.loads(jobs)["items"]) == 1, "exactly one Job")
    commits = local.git("--git-dir", bare, "log", "--format=%H", "feature/resume").split()
    check(status["results"]["commit"] == commits[0], "the recorded commit is the branch head")
    demo_md = local.git("--git-dir", bare, "show", "feature/resume:DEMO.md")
    check(demo_md.count("resume me") == 1, "the change was committed once:\n" + demo_md)
    local.down()


SCENARIOS = {"demo": scenario_demo, "pipeline": scenario_pipeline, "failures": scenario_failures,
             "restart": scenario_restart}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kelos", required=True)
    ap.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kelos-local-e2e-")
    local = Local(os.path.abspath(args.kelos), tmp)
    try:
        SCENARIOS[args.scenario](local)
        print("PASS", args.scenario)
        return 0
    except Exception as e:  # noqa: BLE001 - reported with the log
        traceback.print_exc()
        print("FAIL %s: %s" % (args.scenario, e))
        return 1
    finally:
        if os.path.exists(os.path.join(local.state, "kelos.pid")):
            try:
                os.kill(local.pid(), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
