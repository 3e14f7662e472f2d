"""`kelos run -w` and `kelos logs -f` end to end against `kelos up` with the demo agent:
a Task that succeeds exits 0, one that fails (prompt line `kelos-demo: fail`) exits non-zero,
and `logs -f` follows a Task from before it starts to its outcome.

  /usr/bin/python3 cli_local_test.py --kelos KELOS
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from local_mode_test import DEMO_IMAGE, Failure, Local, check  # noqa: E402


def kelos(local, *args, ok=True, timeout=180):
    return local.run(local.kelos, *args, ok=ok, timeout=timeout)


def scenario(local):
    local.up()
    _, url = local.make_repo("cli")
    key = os.path.join(local.tmp, "api-key")
    with open(key, "w") as f:
        f.write("not-used\n")
    os.makedirs(os.path.join(local.home, ".kelos"), exist_ok=True)
    with open(os.path.join(local.home, ".kelos", "config.yaml"), "w") as f:
        f.write("apiKey: '@~/../api-key'\nworkspace:\n  name: ws\n")
    _, out, _ = kelos(local, "create", "workspace", "ws", "--repo", url, "--ref", "main")
    check(out == "workspace/ws created\n", out)

    # run -w: phases stream, exit 0 on Succeeded.
    code, out, err = kelos(local, "run", "-p", "Say hello", "--image", DEMO_IMAGE, "--name", "ok",
                           "--branch", "cli-ok", "-w", ok=False)
    check(code == 0, "run -w ok: %d\n%s\n%s%s" % (code, out, err, local.log_tail()))
    lines = out.splitlines()
    check(lines[0] == "task/ok created" and lines[-1] == "task/ok Succeeded", out)

    # run -w on a failing agent: non-zero, with the Task's message.
    code, out, err = kelos(local, "run", "-p", "kelos-demo: fail", "--image", DEMO_IMAGE, "--name", "bad",
                           "--branch", "cli-bad", "-w", ok=False)
    check(code == 1 and "task/bad Failed" in out and 'task "bad" failed' in err, (code, out, err))

    # logs of a finished Task (no -f).
    _, out, _ = kelos(local, "logs", "ok")
    check(out.strip() != "", "logs of ok are empty")

    # logs -f started before the Task exists... right after creation: waits, streams, exits 0.
    kelos(local, "run", "-p", "kelos-demo: sleep 3\nFollow me", "--image", DEMO_IMAGE, "--name", "follow",
          "--branch", "cli-follow")
    p = subprocess.run([local.kelos, "logs", "follow", "-f"], capture_output=True, timeout=180, env=local.env())
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    check(p.returncode == 0, "logs -f: %d\n%s\n%s%s" % (p.returncode, out, err, local.log_tail()))
    check("Streaming container (claude-code) logs..." in err, err)
    check("Streaming init container (git-clone) logs..." in err, err)
    check(out.strip() != "", "logs -f printed nothing")

    # logs -f on a failing Task exits non-zero.
    kelos(local, "run", "-p", "kelos-demo: fail", "--image", DEMO_IMAGE, "--name", "bad2", "--branch", "cli-bad2")
    code, out, err = kelos(local, "logs", "bad2", "-f", ok=False)
    check(code == 1 and 'task "bad2" failed' in err, (code, out, err))

    _, out, _ = kelos(local, "get", "tasks")
    phases = {l.split()[0]: l.split()[2] for l in out.splitlines()[1:]}
    check(phases == {"bad": "Failed", "bad2": "Failed", "follow": "Succeeded", "ok": "Succeeded"}, out)
    local.down()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kelos", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kelos-cli-e2e-")
    local = Local(os.path.abspath(args.kelos), tmp)
    try:
        scenario(local)
        print("PASS cli_local")
        return 0
    except Exception as e:  # noqa: BLE001 - reported with the log
        traceback.print_exc()
        print("FAIL cli_local: %s" % e)
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
