#include "actors/jobs/job_sync.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace kelos::jobs {
namespace {

using k8s::json;
using namespace std::chrono_literals;

const k8s::time_point t0 = *k8s::parse_time("2026-01-01T00:00:00Z");

/// A Job as the API server stores it (defaults applied), `spec` fields set on top
/// (null removes a field).
json job(const json& spec = json::object(), const json& status = json::object()) {
  json j = json::parse(R"({
    "apiVersion": "batch/v1", "kind": "Job",
    "metadata": {"name": "j", "namespace": "ns", "uid": "job-uid", "resourceVersion": "5"},
    "spec": {
      "parallelism": 1, "completions": 1, "backoffLimit": 6,
      "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "job-uid"}},
      "template": {
        "metadata": {"labels": {"app": "x", "batch.kubernetes.io/controller-uid": "job-uid",
                                "batch.kubernetes.io/job-name": "j", "controller-uid": "job-uid", "job-name": "j"}},
        "spec": {"restartPolicy": "Never",
                 "initContainers": [{"name": "init", "image": "alpine/git:v2.47.2", "command": ["sh", "-c", "true"]}],
                 "containers": [{"name": "agent", "image": "img", "env": [{"name": "A", "value": "1"}]}],
                 "volumes": [{"name": "workspace", "emptyDir": {}}]}}}})");
  for (auto& [k, v] : spec.items()) {
    if (v.is_null())
      j["spec"].erase(k);
    else
      j["spec"][k] = v;
  }
  if (!status.empty())
    j["status"] = status;
  return j;
}

/// A pod owned by the Job "j".
json pod(const std::string& name, const std::string& phase, const json& extra_meta = json::object()) {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name},
              {"namespace", "ns"},
              {"uid", "uid-" + name},
              {"creationTimestamp", k8s::format_time(t0)},
              {"ownerReferences",
               json::array({{{"apiVersion", "batch/v1"},
                             {"kind", "Job"},
                             {"name", "j"},
                             {"uid", "job-uid"},
                             {"controller", true}}})}}},
            {"spec", {{"nodeName", "kelos-local"}}},
            {"status", {{"phase", phase}}}};
  for (auto& [k, v] : extra_meta.items())
    p["metadata"][k] = v;
  return p;
}

sync_context at(k8s::time_point now, job_ledger ledger = {}) {
  sync_context c;
  c.now = now;
  c.node_name = "kelos-local";
  c.ledger = std::move(ledger);
  return c;
}

/// The Job with the plan's status applied (what the next sync reads).
json applied(json j, const sync_plan& p) {
  if (p.status)
    j["status"] = *p.status;
  return j;
}

const json* condition(const json& status, const std::string& type) {
  if (!status.contains("conditions"))
    return nullptr;
  for (const auto& c : status["conditions"])
    if (c["type"] == type)
      return &c;
  return nullptr;
}

std::vector<std::string> condition_types(const json& status) {
  std::vector<std::string> out;
  if (status.contains("conditions"))
    for (const auto& c : status["conditions"])
      out.push_back(c["type"].get<std::string>() + "=" + c["status"].get<std::string>());
  return out;
}

TEST(JobSync, NewJobCreatesOnePodFromTheTemplate) {
  auto p = sync_job(job(), {}, at(t0));
  ASSERT_EQ(p.create.size(), 1u);
  const json& pd = p.create[0];
  EXPECT_EQ(pd["apiVersion"], "v1");
  EXPECT_EQ(pd["kind"], "Pod");
  EXPECT_EQ(pd["metadata"]["generateName"], "j-");
  EXPECT_FALSE(pd["metadata"].contains("name"));
  EXPECT_EQ(pd["metadata"]["namespace"], "ns");
  EXPECT_EQ(pd["metadata"]["labels"]["app"], "x");
  EXPECT_EQ(pd["metadata"]["labels"]["batch.kubernetes.io/job-name"], "j");
  EXPECT_EQ(pd["metadata"]["labels"]["job-name"], "j");
  EXPECT_EQ(pd["metadata"]["labels"]["batch.kubernetes.io/controller-uid"], "job-uid");
  EXPECT_EQ(pd["metadata"]["labels"]["controller-uid"], "job-uid");
  EXPECT_EQ(pd["metadata"]["ownerReferences"],
            json::parse(R"([{"apiVersion":"batch/v1","kind":"Job","name":"j","uid":"job-uid",
                             "controller":true,"blockOwnerDeletion":true}])"));
  // The template spec verbatim, plus the node.
  json want_spec = job()["spec"]["template"]["spec"];
  want_spec["nodeName"] = "kelos-local";
  EXPECT_EQ(pd["spec"], want_spec);
  EXPECT_EQ(pd["spec"]["restartPolicy"], "Never");
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["active"], 1);
  EXPECT_EQ((*p.status)["startTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ((*p.status)["ready"], 0);
  EXPECT_EQ((*p.status)["terminating"], 0);
  EXPECT_FALSE(p.status->contains("succeeded"));
  EXPECT_FALSE(p.status->contains("failed"));
  EXPECT_FALSE(p.wake_at);
  EXPECT_FALSE(p.delete_job);
}

TEST(JobSync, JobLabelsAreAddedWhenTheTemplateLacksThem) {
  json j = job();
  j["spec"]["template"]["metadata"] = {{"labels", {{"app", "x"}}}, {"annotations", {{"a", "b"}}}};
  auto pd = pod_for(j, "");
  EXPECT_EQ(pd["metadata"]["labels"],
            json::parse(R"({"app":"x","batch.kubernetes.io/controller-uid":"job-uid","batch.kubernetes.io/job-name":"j",
                            "controller-uid":"job-uid","job-name":"j"})"));
  EXPECT_EQ(pd["metadata"]["annotations"], json::parse(R"({"a":"b"})"));
  EXPECT_FALSE(pd["spec"].contains("nodeName")) << "no node configured";
  j["spec"]["template"]["spec"]["nodeName"] = "other";
  EXPECT_EQ(pod_for(j, "kelos-local")["spec"]["nodeName"], "other") << "the template's node wins";
}

TEST(JobSync, ControllingJobReadsTheControllerOwnerReference) {
  EXPECT_EQ(controlling_job(pod("p", "Running")), "j");
  json other = pod("p", "Running");
  other["metadata"]["ownerReferences"][0]["controller"] = false;
  EXPECT_EQ(controlling_job(other), "");
  other["metadata"]["ownerReferences"][0] = {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "r"},
                                             {"controller", true}};
  EXPECT_EQ(controlling_job(other), "");
}

TEST(JobSync, RunningPodIsCountedActiveAndNothingIsCreated) {
  json p1 = pod("p1", "Running");
  p1["status"]["conditions"] = json::array({{{"type", "Ready"}, {"status", "True"}}});
  auto first = sync_job(job(), {}, at(t0));
  auto p = sync_job(applied(job(), first), {p1}, at(t0 + 1s, first.ledger));
  EXPECT_TRUE(p.create.empty());
  EXPECT_TRUE(p.remove.empty());
  ASSERT_TRUE(p.status);
  EXPECT_EQ((*p.status)["active"], 1);
  EXPECT_EQ((*p.status)["ready"], 1);
  EXPECT_EQ(p.ledger.tracked, std::set<std::string>{"uid-p1"});
}

TEST(JobSync, UnchangedStateWritesNoStatus) {
  json p1 = pod("p1", "Running");
  auto a = sync_job(job(), {}, at(t0));
  auto b = sync_job(applied(job(), a), {p1}, at(t0 + 1s, a.ledger));
  auto c = sync_job(applied(applied(job(), a), b), {p1}, at(t0 + 2s, b.ledger));
  EXPECT_FALSE(c.status) << c.status->dump();
  EXPECT_TRUE(c.create.empty());
  EXPECT_TRUE(c.remove.empty());
  EXPECT_TRUE(c.transitions.empty());
}

TEST(JobSync, PodsOfOtherJobsAreIgnored) {
  json stranger = pod("s", "Running");
  stranger["metadata"]["ownerReferences"][0]["uid"] = "other-job";
  auto p = sync_job(job(), {stranger}, at(t0));
  EXPECT_EQ(p.create.size(), 1u);
}

TEST(JobSync, SucceededPodCompletesTheJob) {
  auto a = sync_job(job(), {}, at(t0));
  auto p = sync_job(applied(job(), a), {pod("p1", "Succeeded")}, at(t0 + 5s, a.ledger));
  ASSERT_TRUE(p.status);
  const json& s = *p.status;
  EXPECT_FALSE(s.contains("active"));
  EXPECT_EQ(s["succeeded"], 1);
  EXPECT_EQ(s["completionTime"], "2026-01-01T00:00:05Z");
  EXPECT_EQ(condition_types(s), (std::vector<std::string>{"SuccessCriteriaMet=True", "Complete=True"}));
  const json* c = condition(s, "Complete");
  EXPECT_EQ((*c)["reason"], "CompletionsReached");
  EXPECT_EQ((*c)["message"], "Reached expected number of succeeded pods");
  EXPECT_EQ((*c)["lastTransitionTime"], "2026-01-01T00:00:05Z");
  EXPECT_EQ(p.transitions, (std::vector<std::string>{"SuccessCriteriaMet", "Complete"}));
  EXPECT_TRUE(p.create.empty());
  EXPECT_TRUE(is_finished(applied(job(), p)));
  // A finished Job is left alone.
  auto after = sync_job(applied(job(), p), {pod("p1", "Succeeded")}, at(t0 + 6s, p.ledger));
  EXPECT_FALSE(after.status);
  EXPECT_TRUE(after.create.empty());
}

TEST(JobSync, CompletionsAndParallelism) {
  struct row {
    const char* what;
    int completions, parallelism;
    std::vector<std::string> phases; // existing pods
    size_t creates;
    size_t removes;
    bool complete;
  };
  const std::vector<row> rows = {
    {"3 completions, parallelism 2: two pods", 3, 2, {}, 2, 0, false},
    {"one succeeded, one running: one more", 3, 2, {"Succeeded", "Running"}, 1, 0, false},
    {"two succeeded, one running: none", 3, 2, {"Succeeded", "Succeeded", "Running"}, 0, 0, false},
    {"three succeeded: complete", 3, 2, {"Succeeded", "Succeeded", "Succeeded"}, 0, 0, true},
    {"parallelism 5 capped by completions 2", 2, 5, {}, 2, 0, false},
    {"completions reached with an extra running pod: delete it", 1, 2, {"Succeeded", "Running"}, 0, 1, false},
    {"parallelism 0: nothing", 1, 0, {}, 0, 0, false},
  };
  for (const auto& r : rows) {
    std::vector<json> pods;
    for (size_t i = 0; i < r.phases.size(); ++i)
      pods.push_back(pod("p" + std::to_string(i), r.phases[i]));
    auto p = sync_job(job({{"completions", r.completions}, {"parallelism", r.parallelism}}), pods, at(t0));
    EXPECT_EQ(p.create.size(), r.creates) << r.what;
    EXPECT_EQ(p.remove.size(), r.removes) << r.what;
    EXPECT_EQ(p.status && condition(*p.status, "Complete") != nullptr, r.complete) << r.what;
  }
}

TEST(JobSync, WorkQueueJobCompletesWhenOnePodSucceededAndNoneIsActive) {
  json spec = {{"completions", nullptr}, {"parallelism", 2}};
  auto start = sync_job(job(spec), {}, at(t0));
  EXPECT_EQ(start.create.size(), 2u);
  auto running = sync_job(job(spec), {pod("a", "Succeeded"), pod("b", "Running")}, at(t0));
  EXPECT_TRUE(running.create.empty()) << "after a success no new pods";
  EXPECT_FALSE(condition(*running.status, "Complete"));
  auto done = sync_job(job(spec), {pod("a", "Succeeded"), pod("b", "Succeeded")}, at(t0));
  EXPECT_TRUE(condition(*done.status, "Complete"));
}

TEST(JobSync, FailedPodIsReplacedUntilTheBackoffLimitThenTheJobFails) {
  json spec = {{"backoffLimit", 1}};
  auto a = sync_job(job(spec), {}, at(t0));
  json j = applied(job(spec), a);
  // First failure: failed=1, not above the limit: a replacement.
  auto b = sync_job(j, {pod("p1", "Failed")}, at(t0 + 1s, a.ledger));
  EXPECT_EQ(b.create.size(), 1u);
  EXPECT_EQ((*b.status)["failed"], 1);
  EXPECT_EQ((*b.status)["active"], 1);
  EXPECT_FALSE(condition(*b.status, "FailureTarget"));
  j = applied(j, b);
  // The same failed pod is not counted again.
  auto b2 = sync_job(j, {pod("p1", "Failed"), pod("p2", "Pending")}, at(t0 + 2s, b.ledger));
  EXPECT_TRUE(b2.create.empty());
  EXPECT_EQ((*(b2.status ? b2.status : std::optional<json>{j["status"]}))["failed"], 1);
  j = applied(j, b2);
  // Second failure: failed=2 > 1: FailureTarget and Failed (no pod left running).
  auto c = sync_job(j, {pod("p1", "Failed"), pod("p2", "Failed")}, at(t0 + 3s, b2.ledger));
  EXPECT_TRUE(c.create.empty());
  ASSERT_TRUE(c.status);
  EXPECT_EQ((*c.status)["failed"], 2);
  EXPECT_EQ(condition_types(*c.status), (std::vector<std::string>{"FailureTarget=True", "Failed=True"}));
  const json* f = condition(*c.status, "Failed");
  EXPECT_EQ((*f)["reason"], "BackoffLimitExceeded");
  EXPECT_EQ((*f)["message"], "Job has reached the specified backoff limit");
  EXPECT_FALSE(c.status->contains("completionTime")) << "only success sets completionTime";
  EXPECT_EQ(c.transitions, (std::vector<std::string>{"FailureTarget (BackoffLimitExceeded)", "Failed (BackoffLimitExceeded)"}));
}

TEST(JobSync, BackoffLimitZeroFailsOnTheFirstFailure) {
  auto p = sync_job(job({{"backoffLimit", 0}}), {pod("p1", "Failed")}, at(t0));
  EXPECT_TRUE(p.create.empty());
  ASSERT_TRUE(p.status);
  EXPECT_TRUE(condition(*p.status, "Failed"));
}

TEST(JobSync, DefaultBackoffLimitIsSix) {
  json spec = {{"backoffLimit", nullptr}};
  std::vector<json> pods;
  for (int i = 0; i < 6; ++i)
    pods.push_back(pod("p" + std::to_string(i), "Failed"));
  auto six = sync_job(job(spec), pods, at(t0));
  EXPECT_EQ(six.create.size(), 1u);
  pods.push_back(pod("p6", "Failed"));
  auto seven = sync_job(job(spec), pods, at(t0));
  EXPECT_TRUE(seven.create.empty());
  EXPECT_TRUE(condition(*seven.status, "Failed"));
}

TEST(JobSync, OnFailureRestartsCountAgainstTheBackoffLimit) {
  json spec = {{"backoffLimit", 2}};
  json j = job(spec);
  j["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure";
  json p1 = pod("p1", "Running");
  p1["status"]["containerStatuses"] = json::array({{{"name", "agent"}, {"restartCount", 1}}});
  EXPECT_FALSE(condition(*sync_job(j, {p1}, at(t0)).status, "FailureTarget"));
  p1["status"]["containerStatuses"][0]["restartCount"] = 2;
  auto p = sync_job(j, {p1}, at(t0));
  EXPECT_TRUE(condition(*p.status, "FailureTarget"));
  EXPECT_EQ(p.remove, (std::vector<pod_ref>{{"p1", "uid-p1"}}));
}

TEST(JobSync, DeadlineDeletesActivePodsThenFailsTheJob) {
  json spec = {{"activeDeadlineSeconds", 10}};
  auto a = sync_job(job(spec), {}, at(t0));
  ASSERT_TRUE(a.wake_at);
  EXPECT_EQ(*a.wake_at, t0 + 10s);
  json j = applied(job(spec), a);
  auto before = sync_job(j, {pod("p1", "Running")}, at(t0 + 9s, a.ledger));
  EXPECT_TRUE(before.remove.empty());
  EXPECT_EQ(*before.wake_at, t0 + 10s);
  j = applied(j, before);

  auto past = sync_job(j, {pod("p1", "Running")}, at(t0 + 10s, before.ledger));
  EXPECT_EQ(past.remove, (std::vector<pod_ref>{{"p1", "uid-p1"}}));
  ASSERT_TRUE(past.status);
  EXPECT_EQ(condition_types(*past.status), std::vector<std::string>{"FailureTarget=True"})
    << "Failed waits for the pod to be gone";
  EXPECT_EQ((*past.status)["failed"], 1) << "the deleted pod counts as failed";
  EXPECT_FALSE(past.status->contains("active"));
  EXPECT_EQ((*past.status)["terminating"], 1);
  EXPECT_FALSE(past.wake_at);
  j = applied(j, past);

  // The pod is still in the cache, its DELETE sent: not deleted again, not counted again.
  auto ctx = at(t0 + 11s, past.ledger);
  ctx.deleting = {"uid-p1"};
  auto waiting = sync_job(j, {pod("p1", "Running")}, ctx);
  EXPECT_TRUE(waiting.remove.empty());
  EXPECT_TRUE(waiting.create.empty());
  EXPECT_FALSE(waiting.status);

  auto gone = sync_job(j, {}, at(t0 + 12s, waiting.ledger));
  ASSERT_TRUE(gone.status);
  EXPECT_EQ(condition_types(*gone.status), (std::vector<std::string>{"FailureTarget=True", "Failed=True"}));
  const json* f = condition(*gone.status, "Failed");
  EXPECT_EQ((*f)["reason"], "DeadlineExceeded");
  EXPECT_EQ((*f)["message"], "Job was active longer than specified deadline");
  EXPECT_EQ((*gone.status)["failed"], 1);
  EXPECT_EQ((*gone.status)["terminating"], 0);
  EXPECT_EQ(gone.transitions, std::vector<std::string>{"Failed (DeadlineExceeded)"});
}

TEST(JobSync, TerminatingPodIsNotReplacedAndCountsAsFailedWhenGone) {
  auto a = sync_job(job(), {}, at(t0));
  json j = applied(job(), a);
  auto seen = sync_job(j, {pod("p1", "Running")}, at(t0 + 1s, a.ledger));
  j = applied(j, seen);
  json deleting = pod("p1", "Running", {{"deletionTimestamp", k8s::format_time(t0 + 2s)}});
  auto term = sync_job(j, {deleting}, at(t0 + 2s, seen.ledger));
  EXPECT_TRUE(term.create.empty()) << "no replacement while the pod exists";
  EXPECT_EQ((*term.status)["terminating"], 1);
  EXPECT_FALSE(term.status->contains("active"));
  j = applied(j, term);
  auto gone = sync_job(j, {}, at(t0 + 3s, term.ledger));
  EXPECT_EQ(gone.create.size(), 1u);
  EXPECT_EQ((*gone.status)["failed"], 1);
  // And it is not counted twice.
  j = applied(j, gone);
  auto again = sync_job(j, {}, at(t0 + 4s, gone.ledger));
  EXPECT_EQ(again.create.size(), 1u) << "the created pod is not visible yet in this table";
  EXPECT_FALSE(again.status && again.status->value("failed", 0) != 1);
}

TEST(JobSync, RestartedControllerSeedsTheLedgerWithoutCountingTwice) {
  // Status already counted both failures; a fresh ledger must not add them again.
  json j = job({{"backoffLimit", 3}}, {{"failed", 2}, {"active", 1}, {"startTime", "2026-01-01T00:00:00Z"},
                                       {"ready", 0}, {"terminating", 0}, {"uncountedTerminatedPods", json::object()}});
  auto p = sync_job(j, {pod("a", "Failed"), pod("b", "Failed"), pod("c", "Running")}, at(t0 + 1s));
  EXPECT_FALSE(p.status) << p.status->dump();
  EXPECT_TRUE(p.create.empty());
  EXPECT_TRUE(p.ledger.initialized);
  EXPECT_EQ(p.ledger.counted, (std::set<std::string>{"uid-a", "uid-b"}));
  // A status behind the pods is raised to them.
  json behind = job({{"backoffLimit", 3}}, {{"failed", 1}, {"startTime", "2026-01-01T00:00:00Z"}});
  auto q = sync_job(behind, {pod("a", "Failed"), pod("b", "Failed")}, at(t0 + 1s));
  EXPECT_EQ((*q.status)["failed"], 2);
}

TEST(JobSync, LedgerOfAnotherJobUidIsDiscarded) {
  job_ledger old{"old-uid", true, {"uid-p1"}, {}};
  auto p = sync_job(job(), {pod("p1", "Failed")}, at(t0, old));
  EXPECT_EQ(p.ledger.job_uid, "job-uid");
  EXPECT_EQ((*p.status)["failed"], 1);
}

TEST(JobSync, SuspendDeletesActivePodsWithoutCountingThem) {
  auto a = sync_job(job(), {}, at(t0));
  json j = applied(job(), a);
  auto run = sync_job(j, {pod("p1", "Running")}, at(t0 + 1s, a.ledger));
  j = applied(j, run);
  j["spec"]["suspend"] = true;
  auto s = sync_job(j, {pod("p1", "Running")}, at(t0 + 2s, run.ledger));
  EXPECT_EQ(s.remove, (std::vector<pod_ref>{{"p1", "uid-p1"}}));
  EXPECT_TRUE(s.create.empty());
  const json* c = condition(*s.status, "Suspended");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)["status"], "True");
  EXPECT_EQ((*c)["reason"], "JobSuspended");
  EXPECT_EQ((*c)["message"], "Job suspended");
  EXPECT_FALSE(s.status->contains("failed"));
  EXPECT_EQ(s.transitions, std::vector<std::string>{"Suspended"});
  j = applied(j, s);
  // The deleted pod vanishes: not a failure; suspended: nothing created.
  auto gone = sync_job(j, {}, at(t0 + 3s, s.ledger));
  EXPECT_TRUE(gone.create.empty());
  EXPECT_FALSE(gone.status && gone.status->contains("failed"));
  j = applied(j, gone);
  // Resume: condition False/JobResumed, startTime reset, a pod created.
  j["spec"]["suspend"] = false;
  auto r = sync_job(j, {}, at(t0 + 4s, gone.ledger));
  EXPECT_EQ(r.create.size(), 1u);
  c = condition(*r.status, "Suspended");
  EXPECT_EQ((*c)["status"], "False");
  EXPECT_EQ((*c)["reason"], "JobResumed");
  EXPECT_EQ((*r.status)["startTime"], "2026-01-01T00:00:04Z");
}

TEST(JobSync, JobCreatedSuspendedHasNoStartTimeAndNoPods) {
  auto p = sync_job(job({{"suspend", true}, {"activeDeadlineSeconds", 1}}), {}, at(t0 + 100s));
  EXPECT_TRUE(p.create.empty());
  EXPECT_FALSE(p.status->contains("startTime"));
  EXPECT_FALSE(p.wake_at) << "no deadline while suspended";
  EXPECT_TRUE(condition(*p.status, "Suspended"));
}

TEST(JobSync, DeletingJobCreatesNoPods) {
  json j = job();
  j["metadata"]["deletionTimestamp"] = k8s::format_time(t0);
  auto p = sync_job(j, {}, at(t0));
  EXPECT_TRUE(p.create.empty());
}

TEST(JobSync, TtlAfterFinishedDeletesTheJobAtTheRightTime) {
  json spec = {{"ttlSecondsAfterFinished", 30}};
  auto a = sync_job(job(spec), {}, at(t0));
  json j = applied(job(spec), a);
  auto done = sync_job(j, {pod("p1", "Succeeded")}, at(t0 + 10s, a.ledger));
  ASSERT_TRUE(done.wake_at);
  EXPECT_EQ(*done.wake_at, t0 + 40s);
  j = applied(j, done);
  auto early = sync_job(j, {pod("p1", "Succeeded")}, at(t0 + 39s, done.ledger));
  EXPECT_FALSE(early.delete_job);
  EXPECT_EQ(*early.wake_at, t0 + 40s);
  EXPECT_FALSE(early.status);
  auto due = sync_job(j, {pod("p1", "Succeeded")}, at(t0 + 40s, done.ledger));
  EXPECT_TRUE(due.delete_job);
  EXPECT_FALSE(due.wake_at);
  // Zero: as soon as the finished Job is seen; failed Jobs too.
  json failed = job({{"ttlSecondsAfterFinished", 0}},
                    {{"conditions", json::array({{{"type", "Failed"}, {"status", "True"},
                                                  {"lastTransitionTime", "2026-01-01T00:00:05Z"}}})}});
  EXPECT_TRUE(sync_job(failed, {}, at(t0 + 5s)).delete_job);
  // Without a TTL a finished Job stays.
  json kept = job({}, failed["status"]);
  auto k = sync_job(kept, {}, at(t0 + 1000s));
  EXPECT_FALSE(k.delete_job);
  EXPECT_FALSE(k.wake_at);
}

TEST(JobSync, SuccessWaitsForTerminatingPodsBeforeComplete) {
  // Two pods for one completion: one succeeded, one running -> the running one is deleted,
  // SuccessCriteriaMet now, Complete once it is gone.
  json spec = {{"completions", 1}, {"parallelism", 2}};
  auto p = sync_job(job(spec), {pod("a", "Succeeded"), pod("b", "Running")}, at(t0));
  EXPECT_EQ(p.remove, (std::vector<pod_ref>{{"b", "uid-b"}}));
  EXPECT_EQ(condition_types(*p.status), std::vector<std::string>{"SuccessCriteriaMet=True"});
  json j = applied(job(spec), p);
  auto ctx = at(t0 + 1s, p.ledger);
  ctx.deleting = {"uid-b"};
  auto waiting = sync_job(j, {pod("a", "Succeeded"), pod("b", "Running")}, ctx);
  EXPECT_TRUE(waiting.remove.empty());
  EXPECT_FALSE(waiting.status);
  auto done = sync_job(j, {pod("a", "Succeeded")}, at(t0 + 2s, waiting.ledger));
  EXPECT_EQ(condition_types(*done.status), (std::vector<std::string>{"SuccessCriteriaMet=True", "Complete=True"}));
  EXPECT_FALSE(done.status->contains("failed")) << "the deleted extra pod is no failure";
}

TEST(JobSync, TemplateWithoutSpecCreatesNothing) {
  json j = job();
  j["spec"].erase("template");
  auto p = sync_job(j, {}, at(t0));
  EXPECT_TRUE(p.create.empty());
}

} // namespace
} // namespace kelos::jobs
