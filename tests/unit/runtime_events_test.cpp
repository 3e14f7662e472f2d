#include "k8s/event_builder.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;
using namespace std::chrono_literals;

namespace {

time_point at(const char* rfc3339) {
  return *parse_time(rfc3339);
}

object_ref_with_uid task_ref() {
  return {"kelos.dev/v1alpha1", "Task", "team-a", "fix-bug", "0b7e-uid", "4711"};
}

json task_object() {
  return json::parse(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"fix-bug","namespace":"team-a","uid":"0b7e-uid","resourceVersion":"4711",
                "labels":{"x":"y"}},
    "spec":{"type":"claude-code"}})");
}

} // namespace

TEST(EventBuilder, BuildsACoreV1EventLikeTheRecorder) {
  auto e = build_event(task_ref(), "Normal", "TaskCreated", "Created Job fix-bug for task",
                       at("2026-03-01T10:20:30.123456Z"), "kelos-controller", "controller-0", 0x18a2b3c4d5e6f708);
  EXPECT_EQ(e, json::parse(R"({
    "apiVersion": "v1",
    "kind": "Event",
    "metadata": {"name": "fix-bug.18a2b3c4d5e6f708", "namespace": "team-a"},
    "involvedObject": {"apiVersion": "kelos.dev/v1alpha1", "kind": "Task", "namespace": "team-a",
                       "name": "fix-bug", "uid": "0b7e-uid", "resourceVersion": "4711"},
    "reason": "TaskCreated",
    "message": "Created Job fix-bug for task",
    "type": "Normal",
    "source": {"component": "kelos-controller", "host": "controller-0"},
    "firstTimestamp": "2026-03-01T10:20:30Z",
    "lastTimestamp": "2026-03-01T10:20:30Z",
    "count": 1,
    "reportingComponent": "kelos-controller",
    "reportingInstance": "controller-0"
  })")) << e.dump(2);
}

TEST(EventBuilder, TakesTheReferenceFromTheInvolvedObject) {
  auto now = at("2026-03-01T10:20:30Z");
  EXPECT_EQ(build_event(task_object(), "Warning", "TaskFailed", "Task failed", now, "kelos-controller", "", 7),
            build_event(task_ref(), "Warning", "TaskFailed", "Task failed", now, "kelos-controller", "", 7));
  auto ref = involved_ref_of(task_object());
  EXPECT_EQ(ref.uid, "0b7e-uid");
  EXPECT_EQ(ref.resource_version, "4711");
  EXPECT_EQ(involved_ref_of(json::parse(R"({"kind":"X","metadata":"bad"})")).name, "");
}

TEST(EventBuilder, NameSuffixIsSixteenHexDigits) {
  auto now = at("2026-03-01T10:20:30Z");
  struct row {
    uint64_t suffix;
    const char* name;
  };
  for (auto [suffix, name] : std::vector<row>{{0, "fix-bug.0000000000000000"},
                                              {255, "fix-bug.00000000000000ff"},
                                              {~uint64_t{0}, "fix-bug.ffffffffffffffff"}})
    EXPECT_EQ(build_event(task_ref(), "Normal", "R", "m", now, "c", "", suffix)["metadata"]["name"], name);
}

TEST(EventBuilder, OmitsEmptyOptionalFieldsAndDefaultsTheNamespace) {
  object_ref_with_uid node{"v1", "Node", "", "worker-1", "n-uid", ""};
  auto e = build_event(node, "Warning", "R", "m", at("2026-03-01T10:20:30Z"), "kelos-controller", "", 1);
  EXPECT_EQ(e["metadata"]["namespace"], "default");
  EXPECT_EQ(e["involvedObject"], json::parse(R"({"apiVersion":"v1","kind":"Node","name":"worker-1","uid":"n-uid"})"));
  EXPECT_EQ(e["source"], json::parse(R"({"component":"kelos-controller"})"));
  EXPECT_FALSE(e.contains("reportingInstance"));
  EXPECT_FALSE(e.contains("eventTime"));
}

TEST(EventBuilder, TruncatesTheMessageAtAUtf8Boundary) {
  EXPECT_EQ(truncate_utf8("short", 1024), "short");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc");
  // "é" is 2 bytes, "€" 3, "𝄞" 4: a cut inside any of them backs off to its start.
  EXPECT_EQ(truncate_utf8("aé", 2), "a");
  EXPECT_EQ(truncate_utf8("a€b", 2), "a");
  EXPECT_EQ(truncate_utf8("a€b", 3), "a");
  EXPECT_EQ(truncate_utf8("a€b", 4), "a€");
  EXPECT_EQ(truncate_utf8("𝄞𝄞", 7), "𝄞");
  EXPECT_EQ(truncate_utf8("𝄞", 0), "");

  std::string long_message(1023, 'x');
  long_message += "€tail";
  auto e = build_event(task_ref(), "Warning", "JobBuildFailed", long_message, at("2026-03-01T10:20:30Z"),
                       "kelos-controller", "", 1);
  EXPECT_EQ(e["message"], std::string(1023, 'x'));
  std::string exact(1024, 'y');
  EXPECT_EQ(build_event(task_ref(), "Normal", "R", exact, at("2026-03-01T10:20:30Z"), "c", "", 1)["message"], exact);
}

TEST(EventBuilder, ValidTypes) {
  EXPECT_TRUE(valid_event_type("Normal"));
  EXPECT_TRUE(valid_event_type("Warning"));
  EXPECT_FALSE(valid_event_type("normal"));
  EXPECT_FALSE(valid_event_type("Error"));
  EXPECT_FALSE(valid_event_type(""));
}

TEST(EventBuilder, NameSequenceIsUniqueAndIncreasing) {
  event_name_sequence seq;
  auto now = at("2026-03-01T10:20:30.000001Z");
  auto a = seq.next(now);
  auto b = seq.next(now);
  auto c = seq.next(now - 1s);
  auto d = seq.next(now + 1s);
  EXPECT_EQ(a, 1772360430000001000ull); // Unix nanoseconds, like client-go
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(c, a + 2);
  EXPECT_EQ(d, a + 1000000000ull);
}

TEST(EventBuilder, AggregationKeySeparatesEveryField) {
  auto now = at("2026-03-01T10:20:30Z");
  auto base = build_event(task_ref(), "Normal", "TaskRunning", "Task started running", now, "kelos-controller", "", 1);
  // Name, timestamps and count do not matter.
  EXPECT_EQ(event_aggregation_key(base),
            event_aggregation_key(build_event(task_ref(), "Normal", "TaskRunning", "Task started running",
                                              now + 5min, "kelos-controller", "", 99)));
  auto other_uid = task_ref();
  other_uid.uid = "other";
  auto other_name = task_ref();
  other_name.name = "fix-bug2";
  for (const auto& differs :
       {build_event(other_uid, "Normal", "TaskRunning", "Task started running", now, "kelos-controller", "", 1),
        build_event(other_name, "Normal", "TaskRunning", "Task started running", now, "kelos-controller", "", 1),
        build_event(task_ref(), "Warning", "TaskRunning", "Task started running", now, "kelos-controller", "", 1),
        build_event(task_ref(), "Normal", "TaskFailed", "Task started running", now, "kelos-controller", "", 1),
        build_event(task_ref(), "Normal", "TaskRunning", "Task started", now, "kelos-controller", "", 1),
        build_event(task_ref(), "Normal", "TaskRunning", "Task started running", now, "kelos-spawner", "", 1),
        build_event(task_ref(), "Normal", "TaskRunningTask", " started running", now, "kelos-controller", "", 1)})
    EXPECT_NE(event_aggregation_key(base), event_aggregation_key(differs)) << differs.dump();
}

TEST(EventCorrelator, RepeatsWithinTheWindowPatchTheFirstEvent) {
  event_correlator c;
  auto t0 = at("2026-03-01T10:00:00Z");
  auto first = build_event(task_ref(), "Warning", "DependencyFailed", "Dependency \"a\" failed", t0, "kelos-controller", "", 1);
  EXPECT_EQ(c.observe(first, t0), event_action{event_create{}});
  struct row {
    std::chrono::seconds after_previous;
    event_action want;
  };
  auto t = t0;
  uint64_t suffix = 2;
  for (const auto& [after, want] : std::vector<row>{{1s, event_patch{"fix-bug.0000000000000001", 2}},
                                                    {9min, event_patch{"fix-bug.0000000000000001", 3}},
                                                    {10min, event_patch{"fix-bug.0000000000000001", 4}},
                                                    {10min + 1s, event_create{}},
                                                    {1min, event_patch{"fix-bug.0000000000000005", 2}}}) {
    t += after;
    auto again = build_event(task_ref(), "Warning", "DependencyFailed", "Dependency \"a\" failed", t,
                             "kelos-controller", "", suffix++);
    EXPECT_EQ(c.observe(again, t), want) << "after " << after.count() << "s";
  }
  EXPECT_EQ(c.size(), 1u);
}

TEST(EventCorrelator, DifferentEventsAreCreatedSeparately) {
  event_correlator c;
  auto t = at("2026-03-01T10:00:00Z");
  auto running = build_event(task_ref(), "Normal", "TaskRunning", "Task started running", t, "kelos-controller", "", 1);
  auto done = build_event(task_ref(), "Normal", "TaskSucceeded", "Task completed successfully", t, "kelos-controller", "", 2);
  EXPECT_EQ(c.observe(running, t), event_action{event_create{}});
  EXPECT_EQ(c.observe(done, t), event_action{event_create{}});
  EXPECT_EQ(c.observe(running, t + 1s), event_action{(event_patch{"fix-bug.0000000000000001", 2})});
  EXPECT_EQ(c.size(), 2u);
}

TEST(EventCorrelator, ForgetMakesTheNextOccurrenceACreate) {
  event_correlator c;
  auto t = at("2026-03-01T10:00:00Z");
  auto e = build_event(task_ref(), "Normal", "TaskExpired", "Deleting Task due to TTL expiration", t, "kelos-controller", "", 1);
  EXPECT_EQ(c.observe(e, t), event_action{event_create{}});
  EXPECT_EQ(c.observe(e, t + 1s), event_action{(event_patch{"fix-bug.0000000000000001", 2})});
  // The PATCH answered 404: forget, observe again, create.
  c.forget(e);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.observe(e, t + 1s), event_action{event_create{}});
  c.forget(task_object()); // unknown key: nothing happens
  EXPECT_EQ(c.size(), 1u);
}

TEST(EventCorrelator, EvictsTheLeastRecentlySeenBeyondItsCapacity) {
  event_correlator c{std::chrono::minutes{10}, 2};
  auto t = at("2026-03-01T10:00:00Z");
  auto make = [&](const char* reason, uint64_t suffix) {
    return build_event(task_ref(), "Normal", reason, "m", t, "kelos-controller", "", suffix);
  };
  auto a = make("A", 1), b = make("B", 2), d = make("D", 3);
  EXPECT_EQ(c.observe(a, t), event_action{event_create{}});
  EXPECT_EQ(c.observe(b, t), event_action{event_create{}});
  EXPECT_EQ(c.observe(a, t), event_action{(event_patch{"fix-bug.0000000000000001", 2})}); // a is now recent
  EXPECT_EQ(c.observe(d, t), event_action{event_create{}});                                // evicts b
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.observe(b, t), event_action{event_create{}});
  EXPECT_EQ(c.observe(d, t), event_action{(event_patch{"fix-bug.0000000000000003", 2})});
}

TEST(EventCorrelator, PatchBodyCarriesCountAndLastTimestamp) {
  EXPECT_EQ(event_patch_body(3, at("2026-03-01T10:20:30.5Z")),
            json::parse(R"({"count":3,"lastTimestamp":"2026-03-01T10:20:30Z"})"));
}
