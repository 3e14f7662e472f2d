// The kelos-controller leader-election flags (cli/controller_options.hpp).

#include "cli/controller_options.hpp"

#include <gtest/gtest.h>

using kelos::cli::parse_controller_options;
using namespace std::chrono_literals;

TEST(LeaderElectionOptions, DefaultsAreOffWithClientGoDurations) {
  auto o = parse_controller_options({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->leader_elect);
  EXPECT_EQ(o->leader_election_id, "kelos-controller-leader-election");
  EXPECT_EQ(o->leader_election_namespace, "") << "resolved at start-up";
  EXPECT_EQ(o->leader_election_lease_duration, 15s);
  EXPECT_EQ(o->leader_election_renew_deadline, 10s);
  EXPECT_EQ(o->leader_election_retry_period, 2s);
}

TEST(LeaderElectionOptions, EveryFlag) {
  auto o = parse_controller_options({"--leader-elect", "--leader-election-id", "lock", "--leader-election-namespace=ops",
                                     "--leader-election-lease-duration=30s", "--leader-election-renew-deadline", "20s",
                                     "--leader-election-retry-period", "1500ms", "--log-level", "debug"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->leader_elect);
  EXPECT_EQ(o->leader_election_id, "lock");
  EXPECT_EQ(o->leader_election_namespace, "ops");
  EXPECT_EQ(o->leader_election_lease_duration, 30s);
  EXPECT_EQ(o->leader_election_renew_deadline, 20s);
  EXPECT_EQ(o->leader_election_retry_period, 1500ms);
  EXPECT_EQ(o->log_level, "debug") << "--leader-elect takes no value";
}

TEST(LeaderElectionOptions, BooleanSpellings) {
  EXPECT_TRUE(parse_controller_options({"--leader-elect=true"})->leader_elect);
  EXPECT_FALSE(parse_controller_options({"--leader-elect", "--leader-elect=false"})->leader_elect);
  auto bad = parse_controller_options({"--leader-elect=yes"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "--leader-elect: must be true or false, got \"yes\"");
}

TEST(LeaderElectionOptions, ErrorsNameTheFlag) {
  struct row {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<row> rows{
    {{"--leader-election-lease-duration", "soon"},
     "--leader-election-lease-duration: must be a positive duration such as 15s, got \"soon\""},
    {{"--leader-election-retry-period=0s"},
     "--leader-election-retry-period: must be a positive duration such as 15s, got \"0s\""},
    {{"--leader-election-lease-duration=10s"},
     "--leader-election-lease-duration: must be greater than --leader-election-renew-deadline"},
    {{"--leader-election-retry-period=9s"},
     "--leader-election-renew-deadline: must be greater than 1.2 times --leader-election-retry-period"},
    {{"--leader-election-lease-duration=900ms", "--leader-election-renew-deadline=500ms",
      "--leader-election-retry-period=100ms"},
     "--leader-election-lease-duration: must be at least 1s"},
    {{"--leader-election-id="}, "--leader-election-id: must not be empty"},
  };
  for (const auto& r : rows) {
    auto o = parse_controller_options(r.args);
    ASSERT_FALSE(o) << r.message;
    EXPECT_EQ(o.error().message, r.message);
  }
}
