// Cost of `update_managed_fields` for the three writes the Task controller makes per Task
// (bench/README.md, "Managed fields"): the finalizer update and the status update of a
// Task that already has managed fields, and the create of its Job. Each write starts from
// the object as the server stores it after the previous one (the status update sees the
// creator's and the finalizer's entries). Prints microseconds per set of three and per
// write; never asserts a time.
//
//   managed_fields_bench [--rounds N]   (default 20000)

#include "k8s/apiserver/list_types.hpp"
#include "k8s/apiserver/managed_fields.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using kelos::apiserver::json;
namespace api = kelos::apiserver;

namespace {

// A Task as the bench creates it, stored with the creator's managed fields.
json stored_task(const api::list_type_info& lists) {
  json task = json::parse(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"task-000001","namespace":"bench-ctl","uid":"u-1","resourceVersion":"5",
                "creationTimestamp":"2026-11-24T00:00:00Z","labels":{"app":"bench"}},
    "spec":{"type":"claude-code","prompt":"Fix the flaky test in pkg/foo and open a pull request.",
            "credentials":{"type":"api-key","secretRef":{"name":"claude-credentials"}},
            "model":"opus","ttlSecondsAfterFinished":3600}})");
  auto mf = api::update_managed_fields(nullptr, task, "bench", "kelos.dev/v1alpha1", "t0", lists);
  task["metadata"]["managedFields"] = *mf;
  return task;
}

// The Job the controller builds for it, in outline: containers, env, mounts, volumes and an
// owner reference (every list strategy a Job has).
json job() {
  return json::parse(R"({"apiVersion":"batch/v1","kind":"Job",
    "metadata":{"name":"task-000001","namespace":"bench-ctl",
                "labels":{"kelos.dev/task":"task-000001","app.kubernetes.io/name":"kelos"},
                "ownerReferences":[{"apiVersion":"kelos.dev/v1alpha1","kind":"Task","name":"task-000001",
                                    "uid":"u-1","controller":true,"blockOwnerDeletion":true}]},
    "spec":{"backoffLimit":0,"template":{"metadata":{"labels":{"kelos.dev/task":"task-000001"}},
      "spec":{"restartPolicy":"Never","securityContext":{"runAsUser":61100,"runAsNonRoot":true},
        "containers":[{"name":"agent","image":"ghcr.io/kelos-dev/claude-code:latest","args":["--prompt","x"],
          "env":[{"name":"A","value":"1"},{"name":"B","value":"2"},
                 {"name":"C","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}],
          "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},
                             "seccompProfile":{"type":"RuntimeDefault"}},
          "volumeMounts":[{"name":"w","mountPath":"/workspace"}]}],
        "volumes":[{"name":"w","emptyDir":{}}]}}}})");
}

} // namespace

int main(int argc, char** argv) {
  int rounds = 20000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--rounds") == 0)
      rounds = std::atoi(argv[i + 1]);
  if (rounds <= 0) {
    std::fprintf(stderr, "managed_fields_bench: --rounds must be positive\n");
    return 2;
  }
  const auto task_lists = api::builtin_list_types("Task");
  const auto job_lists = api::builtin_list_types("Job");
  const json task = stored_task(task_lists);
  json with_finalizer = task;
  with_finalizer["metadata"]["finalizers"] = json::array({"kelos.dev/finalizer"});
  with_finalizer["metadata"]["managedFields"] =
    *api::update_managed_fields(task, with_finalizer, "kelos-controller", "kelos.dev/v1alpha1", "t", task_lists);
  json with_status = with_finalizer;
  with_status["status"] = {{"phase", "Pending"}, {"jobName", "task-000001"}};
  const json the_job = job();

  std::size_t sink = 0;
  double us[3] = {0, 0, 0};
  auto timed = [&](int which, auto&& write) {
    auto t0 = std::chrono::steady_clock::now();
    sink += write()->size();
    us[which] += std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int i = 0; i < rounds; ++i) {
    timed(0, [&] {
      return api::update_managed_fields(task, with_finalizer, "kelos-controller", "kelos.dev/v1alpha1", "t",
                                        task_lists);
    });
    timed(1, [&] {
      return api::update_managed_fields(with_finalizer, with_status, "kelos-controller", "kelos.dev/v1alpha1", "t",
                                        task_lists, "status");
    });
    timed(2, [&] {
      return api::update_managed_fields(nullptr, the_job, "kelos-controller", "batch/v1", "t", job_lists);
    });
  }
  std::printf("managed_fields_bench: rounds=%d\n", rounds);
  std::printf("update_managed_fields, finalizer update + status update + Job create: %.1f us per set "
              "(%zu entries written)\n", (us[0] + us[1] + us[2]) / rounds, sink);
  std::printf("  finalizer update %.1f us, status update %.1f us, Job create %.1f us\n", us[0] / rounds,
              us[1] / rounds, us[2] / rounds);
  return 0;
}
