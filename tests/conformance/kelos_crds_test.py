"""Conformance test for the Kelos CRDs (deploy/crds) and the examples (examples/0*).

Real kubectl (the dispatcher picks 1.<minor> from the server's /version) against a fresh
kelos-apiserver per case, each with its own temp dir and KUBECACHEDIR (harness.Server).
Files are applied unchanged, straight from the repository.

Run one case: /usr/bin/python3 kelos_crds_test.py --binary PATH --case NAME [--minor M]
Exit 0 = pass, 1 = fail, 77 = skipped (ctest SKIP_RETURN_CODE); a skip always prints the
server bug that caused it.
"""
import argparse
import glob
import json
import os
import re
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, Server, check  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CRDS = os.path.join(ROOT, "deploy", "crds")
EXAMPLES = os.path.join(ROOT, "examples")
CRD_NAMES = ["agentconfigs.kelos.dev", "tasks.kelos.dev", "taskspawners.kelos.dev",
             "workspaces.kelos.dev"]
# plural -> (kind, short names)
KINDS = {"tasks": ("Task", []), "workspaces": ("Workspace", ["ws"]),
         "agentconfigs": ("AgentConfig", ["ac"]), "taskspawners": ("TaskSpawner", ["ts"])}
SKIP = 77
# Short names of upstream built-in resources (kubectl api-resources on a Kubernetes 1.33
# cluster); the embedded server serves only some of these kinds, so list them here too.
UPSTREAM_SHORT_NAMES = {"cs", "cm", "ep", "ev", "limits", "ns", "no", "pvc", "pv", "po", "rc",
                        "quota", "sa", "svc", "crd", "crds", "ds", "deploy", "rs", "sts", "hpa",
                        "cj", "csr", "ing", "netpol", "pdb", "pc", "psp", "sc", "vac"}


class Skip(Exception):
    pass


def install_crds(srv):
    _, out, _ = srv.kubectl("apply", "-f", CRDS)
    for name in CRD_NAMES:
        check("customresourcedefinition.apiextensions.k8s.io/%s created" % name in out, out)
    srv.kubectl("wait", "--for=condition=Established", *["crd/" + n for n in CRD_NAMES],
                "--timeout=20s")


def get_json(srv, *args):
    _, out, _ = srv.kubectl("get", *args, "-o", "json")
    return json.loads(out)


def parse_table(text):
    """Splits a kubectl table into rows of {header: cell}, using the header's column offsets
    (cells may be empty, so splitting on blanks would shift them)."""
    lines = [l for l in text.splitlines() if l.strip()]
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header)]
    names = [header[s:].split("  ")[0].strip() for s in starts]
    rows = []
    for line in lines[1:]:
        cells = []
        for i, s in enumerate(starts):
            e = starts[i + 1] if i + 1 < len(starts) else len(line)
            cells.append(line[s:e].strip())
        rows.append(dict(zip(names, cells)))
    return names, rows


def header_of(text):
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def apply_stdin(srv, manifest, ok=True):
    return srv.kubectl("apply", "-f", "-", stdin=manifest, ok=ok)


def expect_rejected(srv, manifest, *needles):
    rc, out, err = apply_stdin(srv, manifest, ok=False)
    check(rc != 0, "accepted but should be rejected:\n%s\nstdout: %s" % (manifest, out))
    for n in needles:
        check(n in err, "expected %r in kubectl's error, got:\n%s" % (n, err))
    return err


# --- cases ---------------------------------------------------------------------------------

def crds(srv):
    """Install at this minor: created, Established, listed, discoverable, idempotent."""
    _, out, _ = srv.kubectl("version")
    check("v1.%s." % srv.minor in out, out)
    install_crds(srv)
    _, out, _ = srv.kubectl("get", "crds")
    for name in CRD_NAMES:
        check(name in out, out)
    _, out, _ = srv.kubectl("api-resources", "--api-group=kelos.dev")
    names, rows = parse_table(out)
    check(names[:2] == ["NAME", "SHORTNAMES"] and "NAMESPACED" in names and "KIND" in names, out)
    by_name = {r["NAME"]: r for r in rows}
    check(sorted(by_name) == sorted(KINDS), out)
    for plural, (kind, short) in KINDS.items():
        r = by_name[plural]
        check(r["KIND"] == kind and r["NAMESPACED"] == "true", r)
        check(r["APIVERSION"] == "kelos.dev/v1alpha1", r)
        check(r["SHORTNAMES"] == ",".join(short), r)
    # Our short names and the category collide with nothing built in.
    _, out, _ = srv.kubectl("api-resources")
    _, rows = parse_table(out)
    for sn in ("ws", "ac", "ts", "kelos"):
        owners = [r["NAME"] + "." + r["APIVERSION"] for r in rows
                  if sn in r["SHORTNAMES"].split(",") or r["NAME"] == sn]
        check(len(owners) == (0 if sn == "kelos" else 1), "%s is used by %r" % (sn, owners))
    # The schemas reach kubectl explain through the server's OpenAPI (descriptions, enums).
    _, out, _ = srv.kubectl("explain", "ts.spec.when.githubIssues.types")
    check("KIND:       TaskSpawner" in out and "Item kinds to include." in out, out)
    _, out, _ = srv.kubectl("explain", "tasks.spec.type")
    check("Agent type" in out, out)
    if int(srv.minor) >= 30:  # kubectl 1.29's explain template has no ENUM section
        check("ENUM:" in out and "cursor" in out, out)
    # Applying the same files again changes nothing.
    _, out, _ = srv.kubectl("apply", "-f", CRDS)
    for name in CRD_NAMES:
        check("customresourcedefinition.apiextensions.k8s.io/%s unchanged" % name in out, out)
    # A Task pipeline example applies unchanged at this minor too, with its columns.
    _, out, _ = srv.kubectl("apply", "-f", os.path.join(EXAMPLES, "07-task-pipeline"))
    check(out.count(" created") == 6, out)
    _, out, _ = srv.kubectl("get", "tasks", "-o", "wide")
    check(header_of(out) == ["NAME", "TYPE", "PHASE", "BRANCH", "DEPENDS ON", "AGE"], out)
    # Status subresources only on Task and TaskSpawner.
    for crd in get_json(srv, "crd", *CRD_NAMES)["items"]:
        name = crd["metadata"]["name"]
        has_status = "status" in crd["spec"]["versions"][0].get("subresources", {})
        check(has_status == (name in ("tasks.kelos.dev", "taskspawners.kelos.dev")),
              "%s status subresource: %r" % (name, has_status))
        check(crd["spec"]["names"].get("categories") == ["kelos"], crd["spec"]["names"])


def examples(srv):
    """Every example applies unchanged (each in its own namespace); tables and defaults."""
    install_crds(srv)
    dirs = sorted(d for d in glob.glob(os.path.join(EXAMPLES, "0*")) if os.path.isdir(d))
    check([os.path.basename(d)[:2] for d in dirs] == ["01", "02", "03", "04", "05", "06", "07"],
          dirs)
    for d in dirs:
        ns = "ex" + os.path.basename(d)[:2]
        srv.kubectl("create", "namespace", ns)
        _, out, err = srv.kubectl("apply", "-n", ns, "-f", d)
        lines = [l for l in out.splitlines() if l.strip()]
        files = glob.glob(os.path.join(d, "*.yaml"))
        check(len(lines) >= len(files) and all(l.endswith(" created") for l in lines),
              "%s: %s%s" % (d, out, err))
        check("Warning" not in err, "%s: %s" % (d, err))
    # Task printer columns (seed §1.1): priority-1 columns only with -o wide.
    _, out, _ = srv.kubectl("get", "tasks", "-n", "ex07")
    check(header_of(out) == ["NAME", "TYPE", "PHASE", "AGE"], out)
    _, rows = parse_table(out)
    check([r["NAME"] for r in rows] == ["open-pr", "scaffold", "write-tests"], out)
    check(all(r["TYPE"] == "claude-code" and r["PHASE"] == "" for r in rows), out)
    _, out, _ = srv.kubectl("get", "tasks", "-n", "ex07", "-o", "wide")
    check(header_of(out) == ["NAME", "TYPE", "PHASE", "BRANCH", "DEPENDS ON", "AGE"], out)
    _, rows = parse_table(out)
    wt = [r for r in rows if r["NAME"] == "write-tests"][0]
    check(wt["BRANCH"] == "feature/auth" and wt["DEPENDS ON"] == '["scaffold"]', wt)
    # TaskSpawner printer columns (seed §1.4).
    _, out, _ = srv.kubectl("get", "ts", "-A")
    check(header_of(out) == ["NAMESPACE", "NAME", "WORKSPACE", "SUSPEND", "PHASE", "ACTIVE",
                             "DISCOVERED", "TASKS", "AGE"], out)
    _, rows = parse_table(out)
    check(sorted((r["NAMESPACE"], r["NAME"], r["WORKSPACE"], r["SUSPEND"]) for r in rows) == [
        ("ex03", "fix-bugs", "my-workspace", "false"),
        ("ex04", "weekly-dependency-update", "my-workspace", "false"),
        ("ex06", "upstream-issues", "my-fork", "false")], out)
    # The category lists objects of all four kinds.
    _, out, _ = srv.kubectl("get", "kelos", "-A", "-o", "name")
    kinds = {l.split("/")[0] for l in out.split()}
    check(kinds == {"task.kelos.dev", "workspace.kelos.dev", "agentconfig.kelos.dev",
                    "taskspawner.kelos.dev"}, out)
    check(len(out.split()) == 6 + 6 + 1 + 3, out)  # tasks, workspaces, agentconfigs, spawners
    # Short names resolve to our kinds.
    for sn, kind in (("ws", "workspace"), ("ac", "agentconfig"), ("ts", "taskspawner")):
        _, out, _ = srv.kubectl("get", sn, "-A", "-o", "name")
        check(out.split() and all(l.startswith(kind + ".kelos.dev/") for l in out.split()), out)
    # Defaults: pollInterval, suspend, githubIssues state and types.
    ts = get_json(srv, "ts", "upstream-issues", "-n", "ex06")
    check(ts["spec"]["pollInterval"] == "5m" and ts["spec"]["suspend"] is False, ts["spec"])
    gi = ts["spec"]["when"]["githubIssues"]
    check(gi["state"] == "open" and gi["types"] == ["issues"], gi)
    cron = get_json(srv, "ts", "weekly-dependency-update", "-n", "ex04")
    check(cron["spec"]["pollInterval"] == "5m" and "githubIssues" not in cron["spec"]["when"],
          cron["spec"])
    # Examples 05 and 07 use the secret keys Kelos actually reads (the seed's did not).
    for ns in ("ex05", "ex07"):
        data = get_json(srv, "secret", "claude-credentials", "-n", ns)["data"]
        check(list(data) == ["CLAUDE_CODE_OAUTH_TOKEN"], data)
        data = get_json(srv, "secret", "github-token", "-n", ns)["data"]
        check(list(data) == ["GITHUB_TOKEN"], data)
    # kubectl diff sees no drift: server defaults appear on both sides of its dry run.
    for ns, d in (("ex06", "06-fork-workflow"), ("ex07", "07-task-pipeline")):
        rc, out, err = srv.kubectl("diff", "-n", ns, "-f", os.path.join(EXAMPLES, d), ok=False)
        check(rc == 0 and out == "", "kubectl diff %s: rc=%d\n%s%s" % (d, rc, out, err))
    # Re-applying an example changes nothing on the Kelos objects.
    _, out, _ = srv.kubectl("apply", "-n", "ex07", "-f", os.path.join(EXAMPLES, "07-task-pipeline"))
    for n in ("task.kelos.dev/scaffold", "task.kelos.dev/write-tests", "task.kelos.dev/open-pr",
              "workspace.kelos.dev/my-workspace"):
        check(n + " unchanged" in out, out)


TASK = """apiVersion: kelos.dev/v1alpha1
kind: Task
metadata:
  name: %(name)s
spec:
  type: %(type)s
  prompt: do it
%(creds)s%(extra)s"""
CREDS = "  credentials:\n    type: api-key\n    secretRef:\n      name: s\n"


def task(name, type="claude-code", creds=CREDS, extra=""):
    return TASK % {"name": name, "type": type, "creds": creds, "extra": extra}


WS = """apiVersion: kelos.dev/v1alpha1
kind: Workspace
metadata:
  name: %s
spec:
  repo: %s
%s"""

TS = """apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata:
  name: %s
spec:
  when:
%s  taskTemplate:
    type: codex
    credentials:
      type: oauth
      secretRef:
        name: s
%s"""
WSREF = "    workspaceRef:\n      name: w\n"


def invalid(srv):
    """Bad objects are rejected with the field named; good edge cases are accepted."""
    install_crds(srv)
    expect_rejected(srv, task("t1", type="cobol"), 'The Task "t1" is invalid',
                    'spec.type: Unsupported value: "cobol"', '"cursor"')
    expect_rejected(srv, task("t2", creds=""), "spec.credentials: Required value")
    expect_rejected(srv, task("t3", creds="  credentials:\n    type: password\n    secretRef:\n"
                              "      name: s\n"), 'spec.credentials.type: Unsupported value: "password"')
    expect_rejected(srv, task("t4", creds="  credentials:\n    type: oauth\n"),
                    "spec.credentials.secretRef: Required value")
    expect_rejected(srv, task("t5", extra="  ttlSecondsAfterFinished: -1\n"),
                    "spec.ttlSecondsAfterFinished", "greater than or equal to 0")
    expect_rejected(srv, task("t6", extra="  podOverrides:\n    activeDeadlineSeconds: 0\n"
                              "    resources:\n      limits:\n        cpu: two\n"),
                    "spec.podOverrides.activeDeadlineSeconds", "greater than or equal to 1",
                    "spec.podOverrides.resources.limits.cpu")
    expect_rejected(srv, "apiVersion: kelos.dev/v1alpha1\nkind: Task\nmetadata:\n  name: t7\n",
                    "spec: Required value")
    # Accepted: the fifth agent type, and full podOverrides.
    _, out, _ = apply_stdin(srv, task("cursor-ok", type="cursor", extra=(
        "  podOverrides:\n    activeDeadlineSeconds: 600\n    resources:\n      limits:\n"
        "        cpu: 2\n        memory: 4Gi\n      requests:\n        cpu: 500m\n"
        "    env:\n    - name: A\n      value: b\n    - name: B\n      valueFrom:\n"
        "        secretKeyRef:\n          name: s\n          key: k\n"
        "    nodeSelector:\n      pool: agents\n")))
    check("task.kelos.dev/cursor-ok created" in out, out)
    po = get_json(srv, "task", "cursor-ok")["spec"]["podOverrides"]
    check(po["env"][1]["valueFrom"] == {"secretKeyRef": {"name": "s", "key": "k"}}, po)
    check(po["resources"]["limits"] == {"cpu": 2, "memory": "4Gi"}, po)

    # Workspace: repo pattern, origin reserved, unique remote names.
    expect_rejected(srv, WS % ("w1", "ftp://example.com/r.git", ""), "spec.repo", "should match")
    expect_rejected(srv, WS % ("w2", "https://example.com/r.git",
                               "  remotes:\n  - name: origin\n    url: https://example.com/o.git\n"),
                    "spec.remotes", "remote name 'origin' is reserved for the clone source")
    expect_rejected(srv, WS % ("w3", "https://example.com/r.git",
                               "  remotes:\n  - name: up\n    url: https://example.com/a.git\n"
                               "  - name: up\n    url: https://example.com/b.git\n"),
                    "spec.remotes", "remote names must be unique")
    expect_rejected(srv, WS % ("w4", "https://example.com/r.git",
                               "  remotes:\n  - name: up\n    url: /local/path\n"),
                    "spec.remotes[0].url", "should match")
    expect_rejected(srv, WS % ("w5", "https://example.com/r.git",
                               "  files:\n  - path: a.txt\n"), "spec.files[0].content: Required value")
    for name, url in (("file-ok", "file:///srv/git/project.git"), ("ssh-ok", "git@github.com:o/r.git")):
        _, out, _ = apply_stdin(srv, WS % (name, url,
                                           "  remotes:\n  - name: a\n    url: https://e.com/a\n"
                                           "  - name: b\n    url: https://e.com/b\n"))
        check("workspace.kelos.dev/%s created" % name in out, out)

    # AgentConfig: MCP transport enum and per-transport requirements.
    ac = "apiVersion: kelos.dev/v1alpha1\nkind: AgentConfig\nmetadata:\n  name: %s\nspec:\n%s"
    expect_rejected(srv, ac % ("a1", "  mcpServers:\n  - name: m\n    type: grpc\n    url: http://x\n"),
                    'spec.mcpServers[0].type: Unsupported value: "grpc"')
    expect_rejected(srv, ac % ("a2", "  mcpServers:\n  - name: m\n    type: stdio\n"),
                    "spec.mcpServers[0]", "command is required for stdio MCP servers")
    expect_rejected(srv, ac % ("a3", "  mcpServers:\n  - name: m\n    type: sse\n"),
                    "spec.mcpServers[0]", "url is required for http and sse MCP servers")
    expect_rejected(srv, ac % ("a4", "  plugins:\n  - name: \"\"\n"), "spec.plugins[0].name")

    # TaskSpawner: workspaceRef for githubIssues, exactly one source, types enum, state enum.
    expect_rejected(srv, TS % ("s1", "    githubIssues:\n      labels: [bug]\n", ""),
                    "taskTemplate.workspaceRef is required when using githubIssues source")
    expect_rejected(srv, TS % ("s2", "    githubIssues: {}\n    cron:\n      schedule: '0 9 * * 1'\n",
                               WSREF),
                    "spec.when", "exactly one of githubIssues, cron or jira must be set")
    expect_rejected(srv, TS % ("s3", "    {}\n", ""),
                    "spec.when", "exactly one of githubIssues, cron or jira must be set")
    expect_rejected(srv, TS % ("s4", "    githubIssues:\n      types: [issues, prs]\n", WSREF),
                    'spec.when.githubIssues.types[1]: Unsupported value: "prs"')
    expect_rejected(srv, TS % ("s5", "    githubIssues:\n      state: merged\n", WSREF),
                    'spec.when.githubIssues.state: Unsupported value: "merged"')
    expect_rejected(srv, TS % ("s6", "    jira:\n      baseUrl: jira.example.com\n      project: P\n"
                               "      secretRef:\n        name: j\n", ""),
                    "spec.when.jira.baseUrl", "should match")
    expect_rejected(srv, TS % ("s7", "    cron: {}\n", ""), "spec.when.cron.schedule: Required value")
    expect_rejected(srv, TS % ("s8", "    cron:\n      schedule: '* * * * *'\n",
                               "  maxConcurrency: -1\n"), "spec.maxConcurrency")
    _, out, _ = apply_stdin(srv, TS % ("jira-ok", "    jira:\n      baseUrl: https://jira.example.com\n"
                                       "      project: P\n      secretRef:\n        name: j\n", ""))
    check("taskspawner.kelos.dev/jira-ok created" in out, out)
    spec = get_json(srv, "ts", "jira-ok")["spec"]
    check(spec["pollInterval"] == "5m" and spec["suspend"] is False, spec)


def immutable(srv):
    """A Task's spec cannot change; its metadata and status can. Status subresources."""
    install_crds(srv)
    apply_stdin(srv, task("t", extra="  branch: b1\n"))
    for patch in ('{"spec":{"prompt":"changed"}}', '{"spec":{"branch":"b2"}}',
                  '{"spec":{"dependsOn":["x"]}}'):
        rc, _, err = srv.kubectl("patch", "task", "t", "--type=merge", "-p", patch, ok=False)
        check(rc != 0 and 'The Task "t" is invalid' in err
              and "spec: Invalid value: \"object\": Task spec is immutable after creation" in err,
              err)
    rc, _, err = apply_stdin(srv, task("t", extra="  branch: b3\n"), ok=False)
    check(rc != 0 and "Task spec is immutable after creation" in err, err)
    _, out, _ = srv.kubectl("label", "task", "t", "team=a")
    check("task.kelos.dev/t labeled" in out, out)
    _, out, _ = srv.kubectl("annotate", "task", "t", "note=x")
    check("annotated" in out, out)
    srv.kubectl("patch", "task", "t", "--subresource=status", "--type=merge",
                "-p", '{"status":{"phase":"Running"}}')
    obj = get_json(srv, "task", "t")
    check(obj["metadata"]["labels"] == {"team": "a"} and obj["spec"]["branch"] == "b1"
          and obj["status"]["phase"] == "Running" and obj["metadata"]["generation"] == 1, obj)
    # Other kinds stay mutable.
    srv.kubectl("apply", "-f", os.path.join(EXAMPLES, "04-taskspawner-cron"))
    srv.kubectl("patch", "ts", "weekly-dependency-update", "--type=merge", "-p", '{"spec":{"suspend":true}}')
    _, out, _ = srv.kubectl("get", "ts", "weekly-dependency-update")
    check(re.search(r"weekly-dependency-update\s+my-workspace\s+true\s", out), out)
    # The spawner's status columns, and its conditions schema.
    cond = {"type": "Suspended", "status": "True", "reason": "UserSuspended", "message": "",
            "lastTransitionTime": "2026-01-01T00:00:00Z"}
    srv.kubectl("patch", "ts", "weekly-dependency-update", "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": {"phase": "Suspended", "activeTasks": 2,
                                             "totalDiscovered": 5, "totalTasksCreated": 7,
                                             "conditions": [cond]}}))
    _, out, _ = srv.kubectl("get", "ts", "weekly-dependency-update")
    _, rows = parse_table(out)
    check([(r["PHASE"], r["ACTIVE"], r["DISCOVERED"], r["TASKS"]) for r in rows]
          == [("Suspended", "2", "5", "7")], out)
    rc, _, err = srv.kubectl("patch", "ts", "weekly-dependency-update", "--subresource=status",
                             "--type=merge", "-p", json.dumps(
                                 {"status": {"conditions": [dict(cond, status="Maybe")]}}), ok=False)
    check(rc != 0 and 'status.conditions[0].status: Unsupported value: "Maybe"' in err, err)
    # Workspace has no status subresource.
    rc, _, err = srv.kubectl("patch", "ws", "my-workspace", "--subresource=status", "--type=merge",
                             "-p", '{"status":{"x":1}}', ok=False)
    check(rc != 0 and "NotFound" in err, err)


def docs(_srv):
    """docs/reference/crds.md names every schema field, enum value and default of each kind
    in that kind's section (a field added to a CRD without documentation fails here); the
    TaskSpawner's taskTemplate shares the Task's schemas; no short name is an upstream one."""
    import yaml  # python3-yaml; imported here so the server cases do not need it
    text = open(os.path.join(ROOT, "docs", "reference", "crds.md")).read()
    sections = {m.group(1): m.start() for m in re.finditer(r"^## (\w+)$", text, re.M)}
    order = sorted(sections.values()) + [len(text)]
    missing = []
    for plural, (kind, _) in KINDS.items():
        check(kind in sections, "no section '## %s'" % kind)
        start = sections[kind]
        section = text[start:order[order.index(start) + 1]]
        crd = yaml.safe_load(open(os.path.join(CRDS, plural + ".kelos.dev.yaml")))
        root = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]

        def walk(node, path):
            for name, sub in node.get("properties", {}).items():
                if not path and name in ("apiVersion", "kind", "metadata"):
                    continue
                if path == "spec.taskTemplate." and name == "podOverrides":
                    continue  # the Task's type, documented there (identity checked below)
                if not re.search(r"[`.]%s[`\[]" % re.escape(name), section):
                    missing.append("%s: field %s%s" % (kind, path, name))
                for v in sub.get("enum", []) + sub.get("items", {}).get("enum", []):
                    if "`%s`" % v not in section and v not in ("True", "False", "Unknown"):
                        missing.append("%s: enum value %s of %s%s" % (kind, v, path, name))
                if "default" in sub:
                    d = sub["default"]
                    shown = json.dumps(d) if isinstance(d, list) else str(d).lower() \
                        if isinstance(d, bool) else str(d)
                    if "`%s`" % shown not in section:
                        missing.append("%s: default %s of %s%s" % (kind, shown, path, name))
                flat = re.sub(r"\s+", " ", section)
                for v in sub.get("x-kubernetes-validations", []) + \
                        sub.get("items", {}).get("x-kubernetes-validations", []):
                    for t in (v["rule"], v["message"]):
                        if t not in flat:
                            missing.append("%s: CEL rule of %s%s: %s" % (kind, path, name, t))
                walk(sub, path + name + ".")
                walk(sub.get("items", {}), path + name + "[].")
        walk(root, "")
        names = crd["spec"]["names"]
        check(not set(names.get("shortNames", [])) & UPSTREAM_SHORT_NAMES, names)
        if kind == "TaskSpawner":
            task_spec = yaml.safe_load(open(os.path.join(CRDS, "tasks.kelos.dev.yaml")))[
                "spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            tmpl = root["properties"]["spec"]["properties"]["taskTemplate"]["properties"]
            for f in ("podOverrides", "type", "credentials"):
                a = re.sub(r'"description": "[^"]*", ', "", json.dumps(tmpl[f], sort_keys=True))
                b = re.sub(r'"description": "[^"]*", ', "",
                           json.dumps(task_spec["properties"][f], sort_keys=True))
                check(a == b,
                      "taskTemplate.%s differs from Task spec.%s" % (f, f))
    check(not missing, "undocumented in docs/reference/crds.md:\n" + "\n".join(missing))


CASES = {"docs": docs, "crds": crds, "examples": examples, "invalid": invalid, "immutable": immutable}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--minor", default="32")
    a = ap.parse_args()
    srv = None
    try:
        if a.case != "docs":
            srv = Server(a.binary, minor=a.minor).start()
        CASES[a.case](srv)
        print("PASS %s (kubectl 1.%s)" % (a.case, a.minor))
        return 0
    except Skip as e:
        print("SKIP %s: %s" % (a.case, e))
        return SKIP
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        print("FAIL %s (kubectl 1.%s): %s" % (a.case, a.minor, e))
        traceback.print_exc()
        if srv:
            print("--- server log (tail) ---\n" + srv.server_log())
        return 1
    finally:
        if srv:
            srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
