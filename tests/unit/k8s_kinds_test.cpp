#include "k8s/kinds.hpp"

#include <gtest/gtest.h>

using namespace kelos;
using namespace kelos::k8s;

TEST(Kinds, ParsesJobStatusAndTerminalConditions) {
  auto j = parse_job(json::parse(R"({"metadata":{"name":"t"},
    "spec":{"activeDeadlineSeconds":60,"backoffLimit":0},
    "status":{"active":0,"failed":1,"startTime":"2026-11-23T10:00:00Z",
      "conditions":[{"type":"Failed","status":"True","reason":"DeadlineExceeded"}]}})"));
  EXPECT_EQ(j.failed, 1);
  EXPECT_TRUE(j.is_failed());
  EXPECT_FALSE(j.is_complete());
  EXPECT_EQ(j.active_deadline_seconds, 60);
  EXPECT_EQ(j.backoff_limit, 0);
  EXPECT_EQ(find_condition(j.conditions, "Failed")->reason, "DeadlineExceeded");
  EXPECT_TRUE(j.start_time);
}

TEST(Kinds, ParsesPodContainerOutcomes) {
  auto p = parse_pod(json::parse(R"({"metadata":{"name":"p"},
    "spec":{"initContainers":[{"name":"git-clone"}],"containers":[{"name":"claude-code"}]},
    "status":{"phase":"Failed",
      "initContainerStatuses":[{"name":"git-clone","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
      "containerStatuses":[{"name":"claude-code","restartCount":2,
        "state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}})"));
  EXPECT_EQ(p.phase, "Failed");
  ASSERT_EQ(p.container_statuses.size(), 1u);
  EXPECT_EQ(p.container_statuses[0].state, "terminated");
  EXPECT_EQ(p.container_statuses[0].exit_code, 137);
  EXPECT_EQ(p.container_statuses[0].reason, "OOMKilled");
  EXPECT_EQ(p.container_statuses[0].restart_count, 2);
  EXPECT_EQ(p.init_container_names, std::vector<std::string>{"git-clone"});
  EXPECT_EQ(p.init_container_statuses[0].exit_code, 0);
}

TEST(Kinds, Base64RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64_decode("aGVsbG8"));
  EXPECT_FALSE(base64_decode("aGV$bG8="));
  EXPECT_FALSE(base64_decode("aG=sbG8="));
  EXPECT_EQ(base64_decode("aGVs\nbG8="), "hello");
}

TEST(Kinds, SecretMergesStringDataAndNamesBadKeys) {
  auto s = parse_secret(json::parse(R"({"metadata":{"name":"creds"},
    "data":{"GITHUB_TOKEN":"dG9r"},"stringData":{"ANTHROPIC_API_KEY":"k"}})"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->data.at("GITHUB_TOKEN"), "tok");
  EXPECT_EQ(s->data.at("ANTHROPIC_API_KEY"), "k");
  EXPECT_EQ(s->type, "Opaque");
  auto bad = parse_secret(json::parse(R"({"metadata":{"name":"creds"},"data":{"X":"!!"}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_spec);
  EXPECT_NE(bad.error().message.find("data.X"), std::string::npos);
}

TEST(Kinds, LeaseUsesMicroTime) {
  auto l = parse_lease(json::parse(R"({"metadata":{"name":"kelos-controller-leader-election"},
    "spec":{"holderIdentity":"a","leaseDurationSeconds":15,
      "renewTime":"2026-11-23T10:00:00.123456Z","acquireTime":"2026-11-23T09:00:00.000001Z",
      "leaseTransitions":3}})"));
  EXPECT_EQ(l.holder_identity, "a");
  auto spec = lease_spec_to_json(l);
  EXPECT_EQ(spec["renewTime"], "2026-11-23T10:00:00.123456Z");
  EXPECT_EQ(spec["acquireTime"], "2026-11-23T09:00:00.000001Z");
  EXPECT_EQ(spec["leaseTransitions"], 3);
}

TEST(Kinds, ParsesKelosKinds) {
  auto t = parse_task(json::parse(R"({"metadata":{"name":"b"},"spec":{"type":"codex",
    "workspaceRef":{"name":"ws"},"branch":"feat","dependsOn":["a"],"ttlSecondsAfterFinished":0},
    "status":{"phase":"Succeeded","results":{"commit":"abc"}}})"));
  EXPECT_EQ(t.workspace, "ws");
  EXPECT_EQ(t.depends_on, std::vector<std::string>{"a"});
  EXPECT_EQ(t.ttl_seconds_after_finished, 0);
  EXPECT_TRUE(t.is_terminal());
  EXPECT_EQ(t.results.at("commit"), "abc");

  auto s = parse_task_spawner(json::parse(R"({"metadata":{"name":"s"},"spec":{
    "when":{"jira":{"baseUrl":"https://x","project":"P"}},"maxConcurrency":2,"suspend":true}})"));
  EXPECT_EQ(s.source_kind, "jira");
  EXPECT_EQ(s.max_concurrency, 2);
  EXPECT_TRUE(s.suspend);
  EXPECT_EQ(s.poll_interval, "5m");

  auto w = parse_workspace(json::parse(R"({"metadata":{"name":"w"},"spec":{"repo":"https://github.com/a/b",
    "ref":"main","secretRef":{"name":"gh"}}})"));
  EXPECT_EQ(w.secret, "gh");
  auto e = parse_event(json::parse(R"({"metadata":{"name":"e"},"involvedObject":{"kind":"Task",
    "namespace":"d","name":"x"},"reason":"JobCreated","message":"m","type":"Normal","count":2})"));
  EXPECT_EQ(e.involved.to_string(), "Task d/x");
  EXPECT_EQ(e.count, 2);
}
