"""The controller's observability metrics through the real interface: kelos-apiserver and
kelos-controller as processes, Tasks applied with kubectl, `GET /metrics` scraped over HTTP.
No timing is asserted, only counts and the presence of families.

  /usr/bin/python3 controller_metrics_test.py --binary APISERVER --controller CONTROLLER --scenario waiting
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from controller_kubectl_test import Controller, Server, check, install_crds, run_scenario, task_phases, wait_until  # noqa: E402,E501

TASKS = """
apiVersion: v1
kind: Secret
metadata: {name: anthropic-api-key}
stringData: {ANTHROPIC_API_KEY: sk-ant-replace-me}
---
apiVersion: kelos.dev/v1alpha1
kind: Task
metadata: {name: first}
spec:
  type: claude-code
  credentials: {type: api-key, secretRef: {name: anthropic-api-key}}
  branch: feature/metrics
  prompt: one
---
apiVersion: kelos.dev/v1alpha1
kind: Task
metadata: {name: second}
spec:
  type: claude-code
  credentials: {type: api-key, secretRef: {name: anthropic-api-key}}
  dependsOn: [first]
  prompt: two
---
apiVersion: kelos.dev/v1alpha1
kind: Task
metadata: {name: third}
spec:
  type: claude-code
  credentials: {type: api-key, secretRef: {name: anthropic-api-key}}
  branch: feature/metrics
  prompt: three
"""


def samples(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def scenario_waiting(binary, controller, minor):
    srv = Server(binary, minor=minor).start()
    ctl = None
    try:
        install_crds(srv)
        ctl = Controller(controller, srv.kubeconfig, srv.tmp)
        ctl.wait_ready()
        srv.kubectl("apply", "-f", "-", stdin=TASKS)
        # One of first/third holds the branch and gets its Job; the other waits for the
        # branch; second waits for first.
        wait_until(lambda: sorted(task_phases(srv).values()) == ["Pending", "Waiting", "Waiting"],
                   what="one Task Pending, two Waiting")

        def scrape():
            status, text = ctl.get(ctl.metrics_port, "/metrics")
            check(status == 200, "metrics status %d" % status)
            return text, samples(text)

        def waiting_is(dep, branch):
            _, s = scrape()
            return (s.get('kelos_tasks_waiting{reason="dependency"}') == dep
                    and s.get('kelos_tasks_waiting{reason="branch"}') == branch)
        wait_until(lambda: waiting_is(1, 1), what="waiting gauges dependency 1, branch 1")
        text, s = scrape()
        check(s.get('kelos_tasks_waiting{reason="concurrency"}') == 0, text)
        # API requests by verb and code: the Job and the Events were created, statuses updated,
        # caches listed and watched.
        check(s.get('kelos_kube_requests_total{code="201",verb="create"}', 0) >= 2, text)
        check(s.get('kelos_kube_requests_total{code="200",verb="update"}', 0) >= 1, text)
        check(s.get('kelos_kube_requests_total{code="200",verb="list"}', 0) >= 1, text)
        check(s.get('kelos_kube_requests_total{code="200",verb="watch"}', 0) >= 1, text)
        check(s.get('kelos_kube_request_duration_seconds_count{verb="create"}', 0) >= 2, text)
        # Reconciles of the Task controller were counted and timed.
        check(s.get('kelos_reconcile_total{controller="task",result="success"}', 0) >= 3, text)
        check(s.get('kelos_reconcile_duration_seconds_count{controller="task"}', 0) >= 3, text)
        check('# TYPE kelos_reconcile_queue_depth gauge' in text, text)
        check(s.get('kelos_reconcile_queue_depth{controller="task"}') == 0, text)
        # Watch restarts and relists are families, per watched resource, at 0 so far.
        for family in ("kelos_kube_relists_total", "kelos_kube_watch_restarts_total"):
            check("# TYPE %s counter" % family in text, text)
        check(s.get('kelos_kube_watch_restarts_total{resource="tasks.kelos.dev"}') == 0, text)
        for cause in ("expired", "list_failed"):
            check(s.get('kelos_kube_relists_total{cause="%s",resource="tasks.kelos.dev"}' % cause) == 0, text)
        check(s.get("kelos_leader_is_leader") is None, "no leader election, no leader gauge")

        # Deleting the waiting dependent takes it out of the gauge.
        srv.kubectl("delete", "task", "second", "--wait=true", "--timeout=20s")
        wait_until(lambda: waiting_is(0, 1), what="dependency gauge back to 0 after the delete")
        check(ctl.stop() == 0, "controller exit code")
        ctl = None
    except Exception:
        if ctl:
            print("--- controller log ---\n" + ctl.output())
        raise
    finally:
        if ctl:
            ctl.stop()
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(run_scenario({"waiting": scenario_waiting}))
