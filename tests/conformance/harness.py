"""Shared harness for the kelos-apiserver conformance scenarios.

Each scenario script starts a fresh `kelos-apiserver --port 0` with its own temporary
directory (data dir, kubeconfig) and its own KUBECACHEDIR, drives real clients (the
installed kubectl dispatcher, /usr/bin/python3 with python3-kubernetes) against it, and
kills the server at the end. Every wait is bounded. No user text goes through a shell.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
GOLDEN = os.path.join(HERE, "golden")


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


class Server:
    """One kelos-apiserver process with its own temp dir and kubectl cache."""

    def __init__(self, binary, extra=(), minor="32", data_dir=None, tmp=None):
        self.binary = binary
        self.tmp = tmp or tempfile.mkdtemp(prefix="kelos-conf-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.kubeconfig = os.path.join(self.tmp, "kubeconfig")
        self.cache = os.path.join(self.tmp, "kube-cache")
        self.minor = minor
        self.extra = list(extra)
        self.proc = None
        self.log_path = os.path.join(self.tmp, "server.log")

    def start(self, timeout=20):
        if os.path.exists(self.kubeconfig):
            os.unlink(self.kubeconfig)
        args = [self.binary, "--port", "0", "--data-dir", self.data_dir,
                "--kubeconfig-out", self.kubeconfig, "--version-minor", self.minor,
                "--no-fsync"] + self.extra
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(self.kubeconfig):
                break
            if self.proc.poll() is not None:
                raise Failure("server exited early:\n" + self.server_log())
            time.sleep(0.05)
        else:
            raise Failure("server did not write its kubeconfig in time")
        with open(self.kubeconfig) as f:
            text = f.read()
        m = re.search(r"server: (\S+)", text)
        self.url = m.group(1)
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def server_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def env(self, extra=None):
        env = dict(os.environ)
        env["KUBECONFIG"] = self.kubeconfig
        env["KUBECACHEDIR"] = self.cache
        env["HOME"] = self.tmp
        env.pop("KUBE_FEATURE_WatchListClient", None)
        if extra:
            env.update(extra)
        return env

    def kubectl(self, *args, stdin=None, timeout=60, env=None, ok=True):
        cmd = ["kubectl"] + list(args)
        p = subprocess.run(cmd, input=stdin.encode() if isinstance(stdin, str) else stdin,
                           capture_output=True, timeout=timeout, env=self.env(env))
        out, err = p.stdout.decode(), p.stderr.decode()
        if ok and p.returncode != 0:
            raise Failure("kubectl %s failed (%d):\nstdout: %s\nstderr: %s" %
                          (" ".join(args), p.returncode, out, err))
        return p.returncode, out, err

    def kubectl_bg(self, *args, env=None):
        cmd = ["kubectl"] + list(args)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.env(env))

    def kill(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise Failure("server did not stop on signal %d" % sig)
        rc = self.proc.returncode if self.proc else None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
        return rc

    def cleanup(self):
        try:
            self.kill(signal.SIGKILL)
        except Exception:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def normalize_table(text):
    """Replaces ages (e.g. 0s, 5s, 2m) in kubectl table output with <age>."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"(?<=\s)\d+(s|m\d*s?|h\d*m?)(?=\s*$)", "<age>", line)
        lines.append(re.sub(r"\s+$", "", line))
    return "\n".join(lines) + "\n"


def golden(name, actual):
    path = os.path.join(GOLDEN, name)
    if os.environ.get("KELOS_UPDATE_GOLDEN") == "1":
        with open(path, "w") as f:
            f.write(actual)
        return
    with open(path) as f:
        expected = f.read()
    check(actual == expected, "golden %s differs:\n--- expected\n%s--- actual\n%s" %
          (name, expected, actual))


def wait_until(fn, timeout=15, interval=0.1, what="condition"):
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
    raise Failure("timed out waiting for %s (last: %r)" % (what, last))


def main(scenarios):
    """Runs one named scenario (argv: --binary PATH --scenario NAME [--minor M])."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--minor", default="32")
    a = ap.parse_args()
    fn = scenarios[a.scenario]
    srv = None
    try:
        fn_args = fn.__code__.co_varnames[:fn.__code__.co_argcount]
        if "binary" in fn_args:
            fn(binary=a.binary, minor=a.minor)
        else:
            srv = Server(a.binary, minor=a.minor).start()
            fn(srv)
        print("PASS %s" % a.scenario)
        return 0
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        print("FAIL %s: %s" % (a.scenario, e))
        traceback.print_exc()
        if srv:
            print("--- server log (tail) ---\n" + srv.server_log())
        return 1
    finally:
        if srv:
            srv.cleanup()
