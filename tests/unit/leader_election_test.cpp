// The pure Lease leader-election machine (runtime/leader_election.hpp) against client-go's
// semantics: two replicas share one simulated Lease "server" with resourceVersions, each
// with its own steady clock and its own (possibly skewed) wall clock.

#include "runtime/leader_election.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kelos;
using namespace kelos::leader;
using namespace std::chrono_literals;

namespace {

election_config cfg(std::string id) {
  election_config c;
  c.lease_namespace = "kelos-system";
  c.lease_name = "kelos-controller-leader-election";
  c.identity = std::move(id);
  return c;
}

k8s::time_point wall_at(std::chrono::milliseconds t) {
  return k8s::time_point{std::chrono::duration_cast<std::chrono::microseconds>(1'700'000'000s + t)};
}

/// A Lease store with optimistic concurrency, like the API server.
struct fake_server {
  std::optional<k8s::json> lease;
  int rv = 0;

  std::optional<k8s::json> get() const { return lease; }

  /// Returns the stored object or the error code.
  std::variant<k8s::json, errc> write(const step& s) {
    if (s.what == action::create) {
      if (lease)
        return errc::already_exists;
    } else {
      if (!lease)
        return errc::not_found;
      if (s.body["metadata"].value("resourceVersion", "") != (*lease)["metadata"].value("resourceVersion", ""))
        return errc::conflict;
    }
    k8s::json stored = s.body;
    stored["metadata"]["resourceVersion"] = std::to_string(++rv);
    lease = stored;
    return stored;
  }
};

/// One replica: its machine, its clocks, and a full attempt against the server.
struct replica {
  elector e;
  std::chrono::steady_clock::time_point base = std::chrono::steady_clock::time_point{} + 1000h;
  std::chrono::milliseconds skew{0};
  std::vector<step> trace;
  bool lost = false;
  /// Cut off from the API server: every request fails.
  bool partitioned = false;

  explicit replica(std::string id, std::chrono::milliseconds wall_skew = 0ms) : e(cfg(std::move(id))), skew(wall_skew) {}

  /// Runs one attempt at time `t` (shared timeline). Returns the last step.
  step attempt(fake_server& srv, std::chrono::milliseconds t) {
    auto now = base + t;
    auto wall = wall_at(t + skew);
    step s = e.begin(now, wall);
    for (int hops = 0; hops < 4; ++hops) {
      trace.push_back(s);
      if (s.what == action::lost) {
        lost = true;
        return s;
      }
      if (s.what == action::wait)
        return s;
      if (partitioned) {
        s = e.on_failed(errc::connection_failed, now);
        continue;
      }
      if (s.what == action::read) {
        s = e.on_read(srv.get(), now, wall);
        continue;
      }
      auto r = srv.write(s);
      if (auto* stored = std::get_if<k8s::json>(&r)) {
        e.on_written(*stored, now);
        return s;
      }
      s = e.on_failed(std::get<errc>(r), now);
    }
    return s;
  }
};

lease_record stored_record(const fake_server& srv) { return record_from_lease(*srv.lease); }

} // namespace

TEST(LeaderElectionConfig, DefaultsAreClientGos) {
  election_config c;
  EXPECT_EQ(c.lease_duration, 15s);
  EXPECT_EQ(c.renew_deadline, 10s);
  EXPECT_EQ(c.retry_period, 2s);
}

TEST(LeaderElectionConfig, ValidationTable) {
  struct row {
    std::chrono::milliseconds lease, renew, retry;
    std::string id;
    std::string error; // "" = valid
  };
  const std::vector<row> rows{
    {15s, 10s, 2s, "a", ""},
    {3s, 2s, 1s, "a", ""},
    {10s, 10s, 2s, "a", "must be greater than the renew deadline"},
    {15s, 2400ms, 2s, "a", "greater than 1.2 times the retry period"},
    {500ms, 400ms, 100ms, "a", "at least 1s"},
    {15s, 10s, 0s, "a", "retry period: must be positive"},
    {15s, 10s, 2s, "", "identity: must not be empty"},
  };
  for (const auto& r : rows) {
    auto c = cfg(r.id);
    c.lease_duration = r.lease;
    c.renew_deadline = r.renew;
    c.retry_period = r.retry;
    auto v = validate(c);
    if (r.error.empty()) {
      EXPECT_TRUE(v) << v.error().message;
    } else {
      ASSERT_FALSE(v) << r.error;
      EXPECT_EQ(v.error().code, errc::invalid_config);
      EXPECT_NE(v.error().message.find(r.error), std::string::npos) << v.error().message;
    }
  }
}

TEST(LeaseRecord, SpecRoundTripsWithMicroTimes) {
  lease_record rec{"host_ab12", 15, k8s::time_point{1'700'000'000'123'456us}, wall_at(2500ms), 3};
  auto spec = lease_spec(rec);
  EXPECT_EQ(spec["acquireTime"], "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(spec["renewTime"], "2023-11-14T22:13:22.500000Z");
  EXPECT_EQ(spec["holderIdentity"], "host_ab12");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 3);
  EXPECT_EQ(record_from_lease(k8s::json{{"spec", spec}}), rec);
}

TEST(LeaseRecord, ReleasedHolderIsWrittenAsEmptyAndOddFieldsReadAsEmpty) {
  EXPECT_EQ(lease_spec(lease_record{})["holderIdentity"], "");
  EXPECT_FALSE(lease_spec(lease_record{}).contains("renewTime"));
  auto rec = record_from_lease(k8s::json{{"spec", {{"holderIdentity", 7}, {"renewTime", "yesterday"},
                                                   {"leaseDurationSeconds", "15"}}}});
  EXPECT_EQ(rec, lease_record{});
  EXPECT_EQ(record_from_lease(k8s::json{{"metadata", {{"name", "x"}}}}), lease_record{});
}

TEST(LeaderElection, FreshAcquireCreatesTheLease) {
  fake_server srv;
  replica a{"a"};
  auto s = a.attempt(srv, 0ms);
  ASSERT_EQ(a.trace.size(), 2u);
  EXPECT_EQ(a.trace[0].what, action::read);
  EXPECT_EQ(s.what, action::create);
  EXPECT_EQ(s.body["apiVersion"], "coordination.k8s.io/v1");
  EXPECT_EQ(s.body["kind"], "Lease");
  EXPECT_EQ(s.body["metadata"]["name"], "kelos-controller-leader-election");
  EXPECT_EQ(s.body["metadata"]["namespace"], "kelos-system");
  EXPECT_EQ(s.body["spec"]["holderIdentity"], "a");
  EXPECT_EQ(s.body["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(s.body["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(s.body["spec"]["acquireTime"], "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(s.body["spec"]["renewTime"], s.body["spec"]["acquireTime"]);
  EXPECT_TRUE(a.e.leading());
}

TEST(LeaderElection, LeaderRenewsOnTheFastPathKeepingAcquireTimeAndTransitions) {
  fake_server srv;
  replica a{"a"};
  a.attempt(srv, 0ms);
  a.trace.clear();
  auto s = a.attempt(srv, 2000ms);
  ASSERT_EQ(a.trace.size(), 1u) << "no read on the fast path";
  EXPECT_EQ(s.what, action::update);
  EXPECT_EQ(s.body["metadata"]["resourceVersion"], "1");
  auto rec = stored_record(srv);
  EXPECT_EQ(rec.holder_identity, "a");
  EXPECT_EQ(k8s::format_micro_time(*rec.acquire_time), "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(k8s::format_micro_time(*rec.renew_time), "2023-11-14T22:13:22.000000Z");
  EXPECT_EQ(rec.lease_transitions, 0);
  EXPECT_TRUE(a.e.leading());
}

TEST(LeaderElection, FollowerWaitsWhileTheLeaderRenews) {
  fake_server srv;
  replica a{"a"}, b{"b"};
  a.attempt(srv, 0ms);
  for (auto t = 1000ms; t <= 60000ms; t += 1000ms) {
    if (t.count() % 2000 == 0)
      a.attempt(srv, t);
    auto s = b.attempt(srv, t);
    EXPECT_EQ(s.what, action::wait) << "at " << t.count();
    EXPECT_EQ(s.reason, "lease held by a");
  }
  EXPECT_TRUE(a.e.leading());
  EXPECT_FALSE(b.e.leading());
  EXPECT_EQ(b.e.observed_holder(), "a");
}

TEST(LeaderElection, ExpiryIsJudgedByTheFollowersObservedTime) {
  // The leader renews until t=10s and then dies. The follower first saw the lease at t=1s
  // and saw its last change at t=10.5s: it takes over only at 10.5s + 15s.
  fake_server srv;
  replica a{"a"}, b{"b"};
  a.attempt(srv, 0ms);
  for (auto t = 500ms; t <= 10000ms; t += 500ms) {
    if (t.count() % 2000 == 0)
      a.attempt(srv, t);
    b.attempt(srv, t + 500ms);
  }
  EXPECT_EQ(b.attempt(srv, 25400ms).what, action::wait);
  auto s = b.attempt(srv, 25500ms);
  EXPECT_EQ(s.what, action::update);
  EXPECT_EQ(s.reason, "acquiring");
  EXPECT_TRUE(b.e.leading());
  auto rec = stored_record(srv);
  EXPECT_EQ(rec.holder_identity, "b");
  EXPECT_EQ(rec.lease_transitions, 1);
  EXPECT_EQ(rec.acquire_time, wall_at(25500ms));
}

TEST(LeaderElection, ANewReplicaWaitsAFullLeaseDurationEvenForAnAncientRecord) {
  // renewTime an hour old by every clock: still, the record's age is unknown to a replica
  // that just arrived (its clock may be off), so it waits 15 s from first sight.
  fake_server srv;
  replica dead{"dead"}, b{"b"};
  dead.attempt(srv, -3600s);
  EXPECT_EQ(b.attempt(srv, 0ms).what, action::wait);
  EXPECT_EQ(b.attempt(srv, 14999ms).what, action::wait);
  EXPECT_EQ(b.attempt(srv, 15000ms).what, action::update);
  EXPECT_TRUE(b.e.leading());
}

TEST(LeaderElection, ClockSkewBetweenReplicasNeverMakesTwoLeaders) {
  // Wall clocks one hour apart in both directions; at every 100 ms at most one leads.
  for (auto skew : {3600s, -3600s}) {
    fake_server srv;
    replica a{"a"}, b{"b", skew};
    a.attempt(srv, 0ms);
    for (auto t = 100ms; t <= 40000ms; t += 100ms) {
      if (t.count() % 2000 == 0)
        a.attempt(srv, t);
      if (t.count() % 2000 == 1000)
        b.attempt(srv, t);
      EXPECT_FALSE(a.e.leading() && b.e.leading()) << "at " << t.count();
      EXPECT_TRUE(a.e.leading());
    }
    EXPECT_FALSE(b.e.leading());
  }
}

TEST(LeaderElection, LeaderStopsBeforeAnyFollowerCanTakeOver) {
  // The API server stops answering the leader at t=2s (a partition): it must declare the
  // loss before the follower, which keeps reading the unchanged record, may acquire.
  fake_server srv;
  replica a{"a"}, b{"b"};
  a.attempt(srv, 0ms);
  a.attempt(srv, 2000ms);
  std::optional<std::chrono::milliseconds> a_lost, b_won;
  a.partitioned = true;
  for (auto t = 2100ms; t <= 30000ms; t += 100ms) {
    if (t.count() % 2000 == 0) {
      if (a.attempt(srv, t).what == action::lost && !a_lost)
        a_lost = t;
    }
    if (t.count() % 2000 == 1000 && b.attempt(srv, t).what == action::update && !b_won)
      b_won = t;
    EXPECT_FALSE(a.e.leading() && b.e.leading()) << "at " << t.count();
  }
  ASSERT_TRUE(a_lost);
  ASSERT_TRUE(b_won);
  EXPECT_EQ(*a_lost, 12000ms) << "renew deadline 10 s after the last renewal at 2 s";
  EXPECT_EQ(*b_won, 19000ms) << "valid until 3 s + 15 s by the follower's clock; its next attempt is at 19 s";
  EXPECT_LT(*a_lost, *b_won);
}

TEST(LeaderElection, DeadlineIsCheckedWhileARequestHangs) {
  fake_server srv;
  replica a{"a"};
  a.attempt(srv, 0ms);
  auto t0 = a.base;
  EXPECT_FALSE(a.e.deadline_passed(t0 + 9999ms));
  EXPECT_TRUE(a.e.deadline_passed(t0 + 10000ms));
  // The hung renewal finally fails after the deadline: lost.
  auto s = a.e.begin(t0 + 2000ms, wall_at(2000ms));
  ASSERT_EQ(s.what, action::update);
  EXPECT_EQ(a.e.on_failed(errc::timeout, t0 + 10500ms).what, action::lost);
  EXPECT_FALSE(a.e.leading());
}

TEST(LeaderElection, AFailedFastPathFallsBackToARead) {
  fake_server srv;
  replica a{"a"};
  a.attempt(srv, 0ms);
  // Someone else bumps the resourceVersion without changing the holder (e.g. a label).
  (*srv.lease)["metadata"]["resourceVersion"] = "77";
  a.trace.clear();
  auto s = a.attempt(srv, 2000ms);
  ASSERT_EQ(a.trace.size(), 3u);
  EXPECT_EQ(a.trace[0].what, action::update);
  EXPECT_EQ(a.trace[1].what, action::read);
  EXPECT_EQ(a.trace[2].what, action::update);
  EXPECT_EQ(s.body["metadata"]["resourceVersion"], "77");
  EXPECT_TRUE(a.e.leading());
  EXPECT_EQ(stored_record(srv).lease_transitions, 0);
}

TEST(LeaderElection, ConflictingAcquiresLeaveExactlyOneLeader) {
  // Both replicas read the expired lease and try to take it; the second PUT carries a stale
  // resourceVersion and loses with 409.
  fake_server srv;
  replica dead{"dead"}, a{"a"}, b{"b"};
  dead.attempt(srv, 0ms);
  a.attempt(srv, 1000ms);
  b.attempt(srv, 1000ms);
  auto now = a.base + 17000ms;
  auto sa = a.e.begin(now, wall_at(17000ms));
  auto sb = b.e.begin(now, wall_at(17000ms));
  ASSERT_EQ(sa.what, action::read);
  ASSERT_EQ(sb.what, action::read);
  sa = a.e.on_read(srv.get(), now, wall_at(17000ms));
  sb = b.e.on_read(srv.get(), now, wall_at(17000ms));
  ASSERT_EQ(sa.what, action::update);
  ASSERT_EQ(sb.what, action::update);
  auto ra = srv.write(sa);
  auto rb = srv.write(sb);
  ASSERT_TRUE(std::holds_alternative<k8s::json>(ra));
  ASSERT_EQ(std::get<errc>(rb), errc::conflict);
  a.e.on_written(std::get<k8s::json>(ra), now);
  EXPECT_EQ(b.e.on_failed(errc::conflict, now).what, action::wait);
  EXPECT_TRUE(a.e.leading());
  EXPECT_FALSE(b.e.leading());
  // b's next attempt sees a's new record and waits.
  EXPECT_EQ(b.attempt(srv, 19000ms).what, action::wait);
  EXPECT_EQ(stored_record(srv).lease_transitions, 1);
}

TEST(LeaderElection, CreateRaceLosesWithAlreadyExists) {
  fake_server srv;
  replica a{"a"}, b{"b"};
  auto now = a.base;
  ASSERT_EQ(a.e.begin(now, wall_at(0ms)).what, action::read);
  ASSERT_EQ(b.e.begin(now, wall_at(0ms)).what, action::read);
  auto sa = a.e.on_read(std::nullopt, now, wall_at(0ms));
  auto sb = b.e.on_read(std::nullopt, now, wall_at(0ms));
  a.e.on_written(std::get<k8s::json>(srv.write(sa)), now);
  EXPECT_EQ(std::get<errc>(srv.write(sb)), errc::already_exists);
  EXPECT_EQ(b.e.on_failed(errc::already_exists, now).what, action::wait);
  EXPECT_FALSE(b.e.leading());
  EXPECT_EQ(b.attempt(srv, 2000ms).reason, "lease held by a");
}

TEST(LeaderElection, ReleaseLetsTheFollowerAcquireAtItsNextAttempt) {
  fake_server srv;
  replica a{"a"}, b{"b"};
  a.attempt(srv, 0ms);
  a.attempt(srv, 2000ms);
  b.attempt(srv, 2500ms);
  auto rel = a.e.release(wall_at(3000ms));
  ASSERT_EQ(rel.what, action::update);
  EXPECT_FALSE(a.e.leading()) << "leadership ends when the release is sent";
  EXPECT_EQ(rel.body["spec"]["holderIdentity"], "");
  EXPECT_EQ(rel.body["spec"]["leaseDurationSeconds"], 1);
  EXPECT_EQ(rel.body["spec"]["renewTime"], "2023-11-14T22:13:23.000000Z");
  EXPECT_EQ(rel.body["spec"]["acquireTime"], "2023-11-14T22:13:23.000000Z");
  EXPECT_EQ(rel.body["spec"]["leaseTransitions"], 0);
  a.e.on_written(std::get<k8s::json>(srv.write(rel)), a.base + 3000ms);
  auto s = b.attempt(srv, 3500ms);
  EXPECT_EQ(s.what, action::update);
  EXPECT_TRUE(b.e.leading());
  EXPECT_EQ(stored_record(srv).holder_identity, "b");
  EXPECT_EQ(stored_record(srv).lease_transitions, 1);
}

TEST(LeaderElection, ReleaseWhenNotLeadingWritesNothing) {
  fake_server srv;
  replica a{"a"}, b{"b"};
  a.attempt(srv, 0ms);
  b.attempt(srv, 1000ms);
  EXPECT_EQ(b.e.release(wall_at(1500ms)).what, action::wait);
}

TEST(LeaderElection, TransitionsCountEveryChangeOfHolder) {
  fake_server srv;
  replica a{"a"}, b{"b"};
  a.attempt(srv, 0ms);
  std::chrono::milliseconds t = 0ms;
  for (int round = 0; round < 3; ++round) {
    replica& holder = round % 2 == 0 ? a : b;
    replica& other = round % 2 == 0 ? b : a;
    other.attempt(srv, t += 500ms);
    auto rel = holder.e.release(wall_at(t += 500ms));
    holder.e.on_written(std::get<k8s::json>(srv.write(rel)), holder.base + t);
    EXPECT_EQ(other.attempt(srv, t += 500ms).what, action::update);
    EXPECT_TRUE(other.e.leading());
    EXPECT_EQ(stored_record(srv).lease_transitions, round + 1);
  }
}

TEST(LeaderElection, LeaderLosesAtOnceWhenTheLeaseNamesSomeoneElse) {
  fake_server srv;
  replica a{"a"};
  a.attempt(srv, 0ms);
  (*srv.lease)["spec"]["holderIdentity"] = "intruder";
  (*srv.lease)["metadata"]["resourceVersion"] = "9";
  auto s = a.attempt(srv, 2000ms); // fast path conflicts, the read shows the intruder
  EXPECT_EQ(s.what, action::lost);
  EXPECT_EQ(s.reason, "the lease is now held by intruder");
  EXPECT_FALSE(a.e.leading());
  EXPECT_EQ(a.attempt(srv, 4000ms).what, action::wait) << "a candidate again";
}

TEST(LeaderElection, ADeletedLeaseIsRecreatedByItsHolder) {
  fake_server srv;
  replica a{"a"};
  a.attempt(srv, 0ms);
  srv.lease.reset();
  a.trace.clear();
  auto s = a.attempt(srv, 2000ms);
  EXPECT_EQ(s.what, action::create);
  EXPECT_TRUE(a.e.leading());
}

TEST(LeaderElection, StaleAnswersAfterDroppingLeadershipAreIgnored) {
  fake_server srv;
  replica a{"a"};
  a.attempt(srv, 0ms);
  auto s = a.e.begin(a.base + 2000ms, wall_at(2000ms));
  ASSERT_EQ(s.what, action::update);
  a.e.drop_leadership();
  EXPECT_FALSE(a.e.on_written(std::get<k8s::json>(srv.write(s)), a.base + 2000ms));
  EXPECT_FALSE(a.e.leading());
}

TEST(LeaderElection, ActionNames) {
  EXPECT_STREQ(to_string(action::read), "read");
  EXPECT_STREQ(to_string(action::lost), "lost");
}
