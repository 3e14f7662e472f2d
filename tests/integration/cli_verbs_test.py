"""The `kelos` CLI verbs against kelos-apiserver (seed §8.2 cli_test.go/completion_test.go and
§8.3 cli_test.go/config_test.go): the real `kelos` binary as a subprocess, kubectl to check.

Run one scenario:
  /usr/bin/python3 cli_verbs_test.py --binary APISERVER --kelos KELOS --scenario NAME
"""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "conformance"))
from harness import Failure, Server, check  # noqa: E402
from kelos_crds_test import install_crds  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "cli")
KELOS = None


def kelos(srv, *args, stdin=None, ok=True, config=None, env=None, timeout=30):
    """Runs `kelos ARGS` with the server's kubeconfig and HOME; returns (rc, out, err)."""
    e = srv.env(env)
    cmd = [KELOS] + list(args)
    if config is not None:
        cmd += ["--config", config]
    p = subprocess.run(cmd, input=stdin.encode() if isinstance(stdin, str) else stdin,
                       capture_output=True, timeout=timeout, env=e)
    out, err = p.stdout.decode(), p.stderr.decode()
    if ok and p.returncode != 0:
        raise Failure("kelos %s failed (%d):\nstdout: %s\nstderr: %s" % (" ".join(args), p.returncode, out, err))
    return p.returncode, out, err


def write(srv, name, text):
    path = os.path.join(srv.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def kget(srv, *args):
    _, out, _ = srv.kubectl("get", *args, "-o", "json")
    return json.loads(out)


def secret_data(srv, name, ns="default"):
    s = kget(srv, "secret", name, "-n", ns)
    return {k: base64.b64decode(v).decode() for k, v in s.get("data", {}).items()}


def golden(name, actual):
    path = os.path.join(GOLDEN, name)
    if os.environ.get("KELOS_UPDATE_GOLDEN") == "1":
        with open(path, "w") as f:
            f.write(actual)
        return
    with open(path) as f:
        expected = f.read()
    check(actual == expected, "golden %s differs:\n--- expected\n%s--- actual\n%s" % (name, expected, actual))


def scenario_crud(srv):
    # Workspace: create with a token (creates <name>-credentials), aliases, output formats.
    _, out, _ = kelos(srv, "create", "workspace", "ws1", "--repo", "https://github.com/o/r.git",
                      "--ref", "main", "--token", "ghp_abc")
    check(out == "workspace/ws1 created\n", out)
    check(secret_data(srv, "ws1-credentials") == {"GITHUB_TOKEN": "ghp_abc"}, "token secret")
    check(kget(srv, "workspace", "ws1")["spec"]["secretRef"]["name"] == "ws1-credentials", "secretRef")
    kelos(srv, "create", "ws", "ws2", "--repo", "https://github.com/o/two.git")
    for alias in ("workspace", "workspaces", "ws"):
        _, out, _ = kelos(srv, "get", alias)
        lines = out.splitlines()
        check(lines[0].split() == ["NAME", "REPO", "REF", "AGE"], out)
        check(lines[1].split()[:3] == ["ws1", "https://github.com/o/r.git", "main"], out)
        check(lines[2].split()[:3] == ["ws2", "https://github.com/o/two.git", "-"], out)
    _, out, _ = kelos(srv, "get", "ws", "ws1", "-o", "json")
    check(json.loads(out)["spec"]["repo"] == "https://github.com/o/r.git", out)
    check(out.startswith('{\n  "apiVersion"'), "JSON is indented by 2")
    _, out, _ = kelos(srv, "get", "ws", "-o", "yaml")
    check("kind: WorkspaceList" in out and "  - apiVersion: kelos.dev/v1alpha1" not in out, out)
    check("- apiVersion: kelos.dev/v1alpha1" in out, out)
    _, out, _ = kelos(srv, "get", "ws", "ws1", "-d")
    check("Repo:               https://github.com/o/r.git\n" in out and "Secret:             ws1-credentials" in out, out)
    rc, _, err = kelos(srv, "get", "ws", "ws1", "-o", "table", ok=False)
    check(rc == 1 and 'unknown output format "table": must be one of yaml, json' in err, err)
    rc, _, err = kelos(srv, "get", "ws", "nope", ok=False)
    check(rc == 1 and "not found" in err, err)
    rc, _, err = kelos(srv, "create", "ws", "bad", "--repo", "r", "--secret", "s", "--token", "t", ok=False)
    check(rc == 1 and "--secret and --token cannot be used together" in err, err)

    # AgentConfig.
    md = write(srv, "agents.md", "Be careful.")
    _, out, _ = kelos(srv, "create", "agentconfig", "ac1", "--agents-md", "@" + md,
                      "--skill", "review=Review it", "--mcp", 'gh={"type":"http","url":"https://x/mcp"}')
    check(out == "agentconfig/ac1 created\n", out)
    ac = kget(srv, "agentconfig", "ac1")
    check(ac["spec"]["agentsMD"] == "Be careful." and ac["spec"]["plugins"][0]["name"] == "kelos", ac)
    _, out, _ = kelos(srv, "get", "ac")
    check(out.splitlines()[1].split()[:3] == ["ac1", "1", "1"], out)
    rc, _, err = kelos(srv, "create", "ac", "bad", "--mcp", 'x={"type":"grpc"}', ok=False)
    check(rc == 1 and "must be stdio, http or sse" in err, err)
    rc, out, err = kelos(srv, "create", ok=False)
    check(rc == 1 and "must specify a resource type" in err, err)

    # Tasks through `run`, in two namespaces; -A; phase filter.
    srv.kubectl("create", "namespace", "team")
    _, out, _ = kelos(srv, "run", "-p", "hello", "--secret", "s", "--name", "t1", "--branch", "b1",
                      "--workspace", "ws1", "--agent-config", "ac1", "--timeout", "10m", "--env", "A=1")
    check(out == "task/t1 created\n", out)
    t1 = kget(srv, "task", "t1")
    check(t1["spec"]["podOverrides"] == {"activeDeadlineSeconds": 600, "env": [{"name": "A", "value": "1"}]}, t1)
    kelos(srv, "run", "-p", "other", "--secret", "s", "--name", "t2", "-n", "team")
    _, out, _ = kelos(srv, "-n", "team", "get", "tasks")
    check([l.split()[0] for l in out.splitlines()] == ["NAME", "t2"], out)
    _, out, _ = kelos(srv, "get", "tasks", "-A")
    rows = [l.split() for l in out.splitlines()]
    check(rows[0][:2] == ["NAMESPACE", "NAME"] and [r[:2] for r in rows[1:]] == [["default", "t1"], ["team", "t2"]], out)
    rc, _, err = kelos(srv, "get", "task", "t1", "-A", ok=False)
    check(rc == 1 and "a resource cannot be retrieved by name across all namespaces" in err, err)
    srv.kubectl("patch", "task", "t1", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"phase": "Running", "startTime": "2026-01-01T00:00:00Z"}}))
    _, out, _ = kelos(srv, "get", "tasks", "--phase", "Running,Failed")
    check([l.split()[0] for l in out.splitlines()] == ["NAME", "t1"], out)
    _, out, err = kelos(srv, "get", "tasks", "--phase", "Succeeded")
    check(out == "" and "No tasks found" in err, (out, err))
    rc, _, err = kelos(srv, "get", "tasks", "--phase", "Done", ok=False)
    check(rc == 1 and 'unknown phase "Done"' in err, err)
    _, out, _ = kelos(srv, "get", "task", "t1", "-d")
    for part in ("Name:               t1\n", "Phase:              Running\n", "Branch:             b1\n",
                 "Timeout:            600s\n"):
        check(part in out, out)
    rc, _, err = kelos(srv, "logs", "t1", ok=False)
    check(rc == 1 and 'task "t1" has no pod yet' in err, err)

    # Waiting explained: t3 depends on t1 (Running) and waits for branch b1's holder.
    kelos(srv, "run", "-p", "next", "--secret", "s", "--name", "t3", "--depends-on", "t1", "--branch", "b1",
          "--workspace", "ws1")
    srv.kubectl("patch", "task", "t3", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"phase": "Waiting"}}))
    _, out, _ = kelos(srv, "get", "task", "t3", "-d")
    check('Waiting For:        dependency "t1" is Running\n' in out, out)
    check('branch "b1" is held by task "t1" (Running)' in out, out)

    # get -w: the table, then a row for each change (no header), until interrupted.
    watcher = subprocess.Popen([KELOS, "get", "tasks", "-w"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=srv.env())
    time.sleep(1.0)
    srv.kubectl("patch", "task", "t3", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"phase": "Pending"}}))
    # A Task created and deleted at once shows up twice (added, deleted): a poll would miss it.
    srv.kubectl("create", "-f", "-", stdin=json.dumps({
        "apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "metadata": {"name": "blink"},
        "spec": {"type": "claude-code", "prompt": "x", "credentials": {"type": "api-key", "secretRef": {"name": "s"}}}}))
    srv.kubectl("delete", "task", "blink", "--wait=false")
    time.sleep(3.0)
    watcher.terminate()
    out = watcher.communicate(timeout=10)[0].decode()
    rows = [l.split() for l in out.splitlines()]
    names = [r[0] for r in rows[1:]]
    check(rows[0][0] == "NAME" and names[:3] == ["t1", "t3", "t3"] and rows[3][2] == "Pending", out)
    check(names.count("blink") >= 2 and set(names[3:]) == {"blink"}, out)
    srv.kubectl("patch", "task", "t3", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"phase": "Waiting"}}))

    # TaskSpawners: SOURCE per kind, suspend/resume idempotent, ts alias.
    for name, when in (("gh", {"githubIssues": {"labels": ["bug"]}}), ("cr", {"cron": {"schedule": "0 9 * * *"}}),
                       ("jr", {"jira": {"baseUrl": "https://x.atlassian.net", "project": "ENG",
                                        "secretRef": {"name": "jira"}}})):
        srv.kubectl("apply", "-f", "-", stdin=json.dumps({
            "apiVersion": "kelos.dev/v1alpha1", "kind": "TaskSpawner", "metadata": {"name": name},
            "spec": {"when": when, "taskTemplate": {"type": "claude-code", "workspaceRef": {"name": "ws1"},
                                                    "credentials": {"type": "api-key", "secretRef": {"name": "s"}}}}}))
    _, out, _ = kelos(srv, "get", "ts")
    lines = out.splitlines()
    check("SOURCE" in lines[0], out)
    src = {l.split()[0]: l for l in lines[1:]}
    check("cron: 0 9 * * *" in src["cr"] and "GitHub Issues: ws1" in src["gh"] and "Jira: ENG" in src["jr"], out)
    check(kelos(srv, "suspend", "ts", "gh")[1] == "taskspawner/gh suspended\n", "suspend")
    check(kelos(srv, "suspend", "taskspawner", "gh")[1] == "taskspawner/gh is already suspended\n", "suspend again")
    check(kget(srv, "taskspawner", "gh")["spec"]["suspend"] is True, "suspended")
    check(kelos(srv, "resume", "taskspawners", "gh")[1] == "taskspawner/gh resumed\n", "resume")
    check(kelos(srv, "resume", "ts", "gh")[1] == "taskspawner/gh is not suspended\n", "resume again")
    rc, _, err = kelos(srv, "suspend", "ts", "nope", ok=False)
    check(rc == 1 and "not found" in err, err)

    # Completion: scripts, fixed lists and dynamic names.
    for shell in ("bash", "zsh", "fish"):
        _, out, _ = kelos(srv, "completion", shell)
        check("__complete" in out, shell)
    rc, _, err = kelos(srv, "completion", "powershell", ok=False)
    check(rc == 1 and "unsupported shell" in err, err)
    check(kelos(srv, "__complete", "get", "tasks", "")[1] == "t1\nt3\n", "task names")
    check(kelos(srv, "__complete", "get", "ws", "ws")[1] == "ws1\nws2\n", "workspace names")
    check(kelos(srv, "__complete", "-n", "team", "logs", "")[1] == "t2\n", "names in -n namespace")
    check(kelos(srv, "__complete", "suspend", "ts", "g")[1] == "gh\n", "spawner names")
    check(kelos(srv, "__complete", "run", "--type", "c")[1] == "claude-code\ncodex\n", "types")

    # Delete: by name, --all, both is an error; aliases.
    rc, _, err = kelos(srv, "delete", "task", "t1", "--all", ok=False)
    check(rc == 1 and "together with --all" in err, err)
    check(kelos(srv, "delete", "task", "t1")[1] == "task/t1 deleted\n", "delete task")
    check(kelos(srv, "delete", "tasks", "--all")[1] == "task/t3 deleted\n", "delete all tasks")
    check(kelos(srv, "delete", "tasks", "--all")[1] == "No tasks found\n", "nothing left")
    check(kelos(srv, "delete", "ts", "--all")[1] == "taskspawner/cr deleted\ntaskspawner/gh deleted\ntaskspawner/jr deleted\n",
          "delete spawners")
    check(kelos(srv, "delete", "ac", "ac1")[1] == "agentconfig/ac1 deleted\n", "delete ac")
    check(kelos(srv, "delete", "workspaces", "--all")[1] == "workspace/ws1 deleted\nworkspace/ws2 deleted\n", "ws")
    rc, _, err = kelos(srv, "delete", "ws", "ws1", ok=False)
    check(rc == 1 and "not found" in err, err)


def scenario_config(srv):
    key = write(srv, "api-key", "sk-test\n")
    cfg = write(srv, "config.yaml", "apiKey: '@%s'\ntype: codex\nmodel: gpt-5\nnamespace: team\n"
                "workspace:\n  repo: https://github.com/o/r.git\n  ref: main\n  token: ghp_1\n" % key)
    srv.kubectl("create", "namespace", "team")
    _, out, _ = kelos(srv, "run", "-p", "go", "--name", "c1", config=cfg)
    check(out == "task/c1 created\n", out)
    t = kget(srv, "task", "c1", "-n", "team")
    check(t["spec"]["type"] == "codex" and t["spec"]["model"] == "gpt-5", t)
    check(t["spec"]["credentials"] == {"type": "api-key", "secretRef": {"name": "kelos-credentials"}}, t)
    check(t["spec"]["workspaceRef"]["name"] == "kelos-workspace", t)
    check(secret_data(srv, "kelos-credentials", "team") == {"CODEX_API_KEY": "sk-test"}, "credential secret")
    check(secret_data(srv, "kelos-workspace-credentials", "team") == {"GITHUB_TOKEN": "ghp_1"}, "workspace secret")
    check(kget(srv, "workspace", "kelos-workspace", "-n", "team")["spec"]["ref"] == "main", "workspace")

    # Flags beat config; the same secret again is not a question.
    _, out, err = kelos(srv, "run", "-p", "go", "--name", "c2", "-t", "gemini", "--model", "g2", "-n", "default",
                        "--secret", "mine", config=cfg)
    t = kget(srv, "task", "c2", "-n", "default")
    check(t["spec"]["type"] == "gemini" and t["spec"]["model"] == "g2" and
          t["spec"]["credentials"]["secretRef"]["name"] == "mine", t)
    _, out, err = kelos(srv, "run", "-p", "go", "--name", "c3", config=cfg, stdin="")
    check("Override" not in err, err)

    # A different key: the confirm prompt (stdin driven), EOF and "n" abort, "yes" replaces, -y skips.
    write(srv, "api-key", "sk-new\n")
    rc, _, err = kelos(srv, "run", "-p", "go", "--name", "c4", config=cfg, stdin="", ok=False)
    check(rc == 1 and "Resource secret/kelos-credentials already exists. Override? [y/N]: " in err and
          "Error: aborted" in err, err)
    rc, _, err = kelos(srv, "run", "-p", "go", "--name", "c4", config=cfg, stdin="n\n", ok=False)
    check(rc == 1 and "aborted" in err, err)
    check(secret_data(srv, "kelos-credentials", "team") == {"CODEX_API_KEY": "sk-test"}, "unchanged after no")
    kelos(srv, "run", "-p", "go", "--name", "c4", config=cfg, stdin="YES\n")
    check(secret_data(srv, "kelos-credentials", "team") == {"CODEX_API_KEY": "sk-new"}, "replaced after yes")
    write(srv, "api-key", "sk-third")
    _, _, err = kelos(srv, "run", "-p", "go", "--name", "c5", "-y", config=cfg, stdin="")
    check("Override" not in err and secret_data(srv, "kelos-credentials", "team") == {"CODEX_API_KEY": "sk-third"},
          err)
    # The inline workspace differing asks too.
    cfg2 = write(srv, "config2.yaml", "apiKey: '@%s'\ntype: codex\nnamespace: team\nworkspace:\n  repo: https://github.com/o/other.git\n"
                 % key)
    rc, _, err = kelos(srv, "run", "-p", "go", "--name", "c6", config=cfg2, stdin="n\n", ok=False)
    check(rc == 1 and "Resource workspace/kelos-workspace already exists" in err, err)

    # No credentials at all.
    empty = write(srv, "empty.yaml", "")
    rc, _, err = kelos(srv, "run", "-p", "go", config=empty, ok=False)
    check(rc == 1 and "no credentials configured (set oauthToken/apiKey in config file, or use --secret flag)" in err,
          err)
    # Namespace from config applies to get; a missing config file is an empty config.
    _, out, _ = kelos(srv, "get", "tasks", config=cfg)
    check(sorted(l.split()[0] for l in out.splitlines()[1:]) == ["c1", "c3", "c4", "c5"], out)
    _, out, _ = kelos(srv, "get", "tasks", config=os.path.join(srv.tmp, "missing.yaml"))
    check([l.split()[0] for l in out.splitlines()[1:]] == ["c2"], out)
    bad = write(srv, "bad.yaml", "workspace: [1\n")
    rc, _, err = kelos(srv, "get", "tasks", config=bad, ok=False)
    check(rc == 1 and "bad.yaml" in err, err)

    # init: writes the template 0600 in a 0700 directory; refuses to overwrite without --force.
    path = os.path.join(srv.tmp, "newdir", "config.yaml")
    _, out, _ = kelos(srv, "init", "--config", path)
    check(out.startswith("Config file created: " + path) and "Next steps" in out, out)
    check(os.stat(path).st_mode & 0o777 == 0o600 and os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700, "modes")
    rc, _, err = kelos(srv, "init", "--config", path, ok=False)
    check(rc == 1 and "already exists" in err, err)
    kelos(srv, "init", "--config", path, "--force")
    # The default path is under $HOME.
    kelos(srv, "init")
    check(os.path.exists(os.path.join(srv.tmp, ".kelos", "config.yaml")), "default config path")


def scenario_dryrun(srv):
    key = write(srv, "oauth", "tok\n")
    cfg = write(srv, "config.yaml", "oauthToken: '@%s'\nworkspace:\n  repo: https://github.com/o/r.git\n  token: x\n" % key)
    _, out, _ = kelos(srv, "run", "--dry-run", "-p", "Fix the bug:\n  details here", "--name", "dry", "--timeout",
                      "90s", "--env", "A=true", "--depends-on", "a", "--depends-on", "b", config=cfg)
    golden("run_dry_run.yaml", out)
    prompt = write(srv, "prompt.md", "from a file\n")
    _, out, _ = kelos(srv, "run", "--dry-run", "-p", "@" + prompt, "--name", "dry2", "--secret", "s", "-t", "opencode",
                      config=cfg)
    check("prompt: |\n    from a file\n" in out, out)
    _, out2, _ = kelos(srv, "run", "--dry-run", "--prompt-file", prompt, "--name", "dry2", "--secret", "s", "-t",
                       "opencode", config=cfg)
    check(out == out2, out2)
    _, out3, _ = kelos(srv, "run", "--dry-run", "-p", "-", "--name", "dry2", "--secret", "s", "-t", "opencode",
                       config=cfg, stdin="from a file\n")
    check(out == out3, out3)
    _, out, _ = kelos(srv, "create", "workspace", "w", "--repo", "https://github.com/o/r.git", "--token", "t", "--dry-run")
    golden("create_workspace_dry_run.yaml", out)
    _, out, _ = kelos(srv, "create", "agentconfig", "a", "--agents-md", "Be nice", "--skill", "s=do", "--agent",
                      "r=review", "--mcp", 'fs={"type":"stdio","command":"npx","args":["-y","fs"]}', "--dry-run")
    golden("create_agentconfig_dry_run.yaml", out)
    # Nothing was created.
    for kind in ("tasks", "workspaces", "agentconfigs", "secrets"):
        check(kget(srv, kind)["items"] == [], kind)


def scenario_bad_input(srv):
    cases = [
        (["run", "-p", "x", "--bogus"], 2, "--bogus"),
        (["get", "tasks", "--nope"], 2, "--nope"),
        (["run", "--secret", "s"], 1, "a prompt is required"),
        (["create", "workspace", "w"], 2, "--repo is required"),
        (["get"], 2, "subcommand is required"),
        (["get", "pods"], 2, 'unknown resource type "pods"'),
        (["delete", "-n", "x", "jobs", "j"], 2, 'unknown resource type "jobs"'),
        (["run", "-p", "x", "--secret", "s", "--timeout", "soon"], 1, 'invalid --timeout "soon"'),
        (["run", "-p", "x", "--secret", "s", "--timeout", "100ms"], 1, "--timeout must be at least 1s"),
        (["run", "-p", "@/nonexistent/prompt.md", "--secret", "s"], 1, "/nonexistent/prompt.md"),
        (["run", "-p", "x", "--prompt-file", "y", "--secret", "s"], 2, "excludes"),
        (["run", "-p", "x", "--secret", "s", "--env", "NOEQ"], 1, 'invalid --env "NOEQ"'),
        (["run", "-p", "x", "--secret", "s", "-t", "aider"], 1, 'unknown agent type "aider"'),
        (["logs"], 2, "task is required"),
        (["frobnicate"], 2, 'unknown command "frobnicate"'),
    ]
    for args, code, part in cases:
        rc, _, err = kelos(srv, *args, ok=False)
        check(rc == code and part in err, "%s: rc=%d err=%s" % (args, rc, err))
    # A kubeconfig pointing at a closed port: a clear error within seconds.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kc = write(srv, "dead-kubeconfig", """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
""" % port)
    start = time.time()
    rc, _, err = kelos(srv, "get", "tasks", "--kubeconfig", kc, ok=False)
    check(rc == 1 and err.startswith("Error: ") and time.time() - start < 10, (rc, err, time.time() - start))
    # An unroutable address (connect timeout) still answers within seconds.
    kc2 = write(srv, "blackhole-kubeconfig", open(kc).read().replace("127.0.0.1:%d" % port, "10.255.255.1:6443"))
    start = time.time()
    rc, _, err = kelos(srv, "get", "tasks", "--kubeconfig", kc2, ok=False, timeout=40)
    check(rc == 1 and time.time() - start < 15, (rc, err, time.time() - start))
    rc, _, err = kelos(srv, "get", "tasks", "--context", "nope", ok=False)
    check(rc == 1 and "nope" in err, err)


SCENARIOS = {"crud": scenario_crud, "config": scenario_config, "dryrun": scenario_dryrun,
             "bad_input": scenario_bad_input}


def main():
    global KELOS
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--kelos", required=True)
    ap.add_argument("--scenario", required=True)
    a = ap.parse_args()
    KELOS = a.kelos
    srv = Server(a.binary).start()
    try:
        install_crds(srv)
        SCENARIOS[a.scenario](srv)
        print("PASS %s" % a.scenario)
        return 0
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        print("FAIL %s: %s" % (a.scenario, e))
        traceback.print_exc()
        print(srv.server_log())
        return 1
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
