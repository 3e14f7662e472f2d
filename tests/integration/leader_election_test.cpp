// Leader election end to end: two LEADER ELECTOR actors, each with its own KUBE actor and
// HTTP client (two "replicas"), compete for one Lease on the embedded API server.
// A watcher thread polls both replicas every 2 ms for the whole test and counts any moment
// at which both lead.

#include "actors/kube_actor.hpp"
#include "actors/leader/leader_elector.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/client/request.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/caf_error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace kelos;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto lease_duration = 3000ms;
constexpr auto renew_deadline = 2000ms;
constexpr auto retry_period = 500ms;

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  auto deadline = steady::now() + limit;
  while (steady::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct replica {
  std::string identity;
  std::shared_ptr<k8s::http_client> client;
  kube_actor kube;
  caf::actor elector;
  metrics::registry registry;
  metrics::gauge_family gauge;
  std::atomic<bool> leading{false};
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::mutex mu;
  std::string lost_reason;
};

class LeaderElectionIntegration : public ::testing::Test {
protected:
  LeaderElectionIntegration() : sys(init(cfg)), self(sys) {
    dir = std::filesystem::temp_directory_path() / ("kelos-leader-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto s = apiserver::api_server::start(apiserver::api_server_config{});
    if (!s)
      throw std::runtime_error(s.error().render());
    server = std::move(*s);
    kubeconfig = (dir / "kubeconfig").string();
    if (auto w = server->write_kubeconfig(kubeconfig); !w)
      throw std::runtime_error(w.error().render());
    watcher = std::thread([this] {
      while (!done) {
        int n = 0;
        for (auto& r : replicas)
          n += r && r->leading.load();
        if (n > 1)
          ++double_leader_moments;
        std::this_thread::sleep_for(2ms);
      }
    });
  }

  ~LeaderElectionIntegration() override {
    done = true;
    watcher.join();
    for (auto& r : replicas)
      if (r)
        kill(*r);
    server.reset();
    std::filesystem::remove_all(dir);
  }

  static caf::actor_system_config& init(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", 4);
    c.set("logger.console", caf::atom("none"));
    register_error_category(c);
    return c;
  }

  replica& start(const std::string& identity) {
    auto& r = *replicas[next++];
    r.identity = identity;
    r.client = make_client();
    r.kube = spawn_kube(sys, make_http_transport(r.client));
    r.gauge = *leader::register_leader_metrics(r.registry);
    leader::elector_settings s;
    s.election.lease_namespace = "default";
    s.election.lease_name = "kelos-controller-leader-election";
    s.election.identity = identity;
    s.election.lease_duration = lease_duration;
    s.election.renew_deadline = renew_deadline;
    s.election.retry_period = retry_period;
    EXPECT_TRUE(leader::validate(s.election));
    s.is_leader = r.gauge;
    replica* rp = &r;
    s.hooks.started_leading = [rp] {
      rp->leading = true;
      ++rp->started;
    };
    s.hooks.stopped_leading = [rp](const std::string& reason) {
      rp->leading = false;
      ++rp->stopped;
      std::lock_guard<std::mutex> g{rp->mu};
      rp->lost_reason = reason;
    };
    r.elector = leader::spawn_leader_elector(sys, r.kube, std::move(s));
    return r;
  }

  /// A crash: the elector and its KUBE actor vanish without releasing anything.
  void kill(replica& r) {
    r.leading = false;
    for (auto a : {r.elector, caf::actor_cast<caf::actor>(r.kube)}) {
      if (!a)
        continue;
      self->monitor(a);
      self->send_exit(a, caf::exit_reason::kill);
      self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] {});
    }
    r.elector = nullptr;
    r.kube = nullptr;
    r.client.reset();
  }

  /// A clean shutdown: release, then stop.
  void release(replica& r) {
    bool ok = false;
    r.leading = false; // the controller stops reconciling before it releases
    self->request(r.elector, 10s, atom::release::value).receive([&](atom::ok) { ok = true; },
                                                                 [&](caf::error&) {});
    EXPECT_TRUE(ok);
    kill(r);
  }

  /// An HTTP client built from the kubeconfig, as kelos-controller builds its own.
  std::shared_ptr<k8s::http_client> make_client() {
    k8s::client::load_options lo;
    lo.kubeconfig_path = kubeconfig;
    auto rc = k8s::client::load_rest_config(lo);
    if (!rc)
      throw std::runtime_error(rc.error().render());
    auto c = k8s::http_client::make(transport_config_from(*rc));
    if (!c)
      throw std::runtime_error(c.error().render());
    return std::shared_ptr<k8s::http_client>(std::move(*c));
  }

  k8s::json lease() {
    auto res = make_client()->send_sync(
      k8s::http_request{"GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/kelos-controller-leader-election",
                        {}, {}, {}, false, true},
      5s);
    if (!res || res->status != 200)
      return nullptr;
    return k8s::json::parse(res->body);
  }

  /// Two replicas, one of them leading for a second: {leader, standby} (nulls on failure).
  std::pair<replica*, replica*> settled_pair() {
    start("replica-a");
    start("replica-b");
    if (!eventually([&] { return leader() != nullptr; }, 5s))
      return {nullptr, nullptr};
    std::this_thread::sleep_for(1s);
    replica* l = leader();
    return {l, l == replicas[0].get() ? replicas[1].get() : replicas[0].get()};
  }

  replica* leader() {
    for (auto& r : replicas)
      if (r && r->leading)
        return r.get();
    return nullptr;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  std::filesystem::path dir;
  std::string kubeconfig;
  std::unique_ptr<apiserver::api_server> server;
  std::array<std::unique_ptr<replica>, 4> replicas{std::make_unique<replica>(), std::make_unique<replica>(),
                                                    std::make_unique<replica>(), std::make_unique<replica>()};
  size_t next = 0;
  std::atomic<bool> done{false};
  std::atomic<int> double_leader_moments{0};
  std::thread watcher;
};

} // namespace

TEST_F(LeaderElectionIntegration, ExactlyOneOfTwoReplicasLeadsAndTheLeaseIsWellFormed) {
  auto& a = start("replica-a");
  auto& b = start("replica-b");
  ASSERT_TRUE(eventually([&] { return leader() != nullptr; }, 5s));
  // Several lease durations: the same single leader, renewing.
  std::this_thread::sleep_for(2 * lease_duration);
  replica* l = leader();
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(a.leading.load() + b.leading.load(), 1);
  EXPECT_EQ(a.started + b.started, 1) << "no flapping";
  EXPECT_EQ(l->gauge.with({}).value(), 1);
  replica& other = l == &a ? b : a;
  EXPECT_EQ(other.gauge.with({}).value(), 0);
  EXPECT_NE(other.registry.render().find("kelos_leader_is_leader 0"), std::string::npos);

  auto lease_obj = lease();
  ASSERT_TRUE(lease_obj.is_object());
  const auto& spec = lease_obj["spec"];
  EXPECT_EQ(spec["holderIdentity"], l->identity);
  EXPECT_EQ(spec["leaseDurationSeconds"], 3);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  // MicroTime: RFC 3339 with six fractional digits.
  for (const char* f : {"acquireTime", "renewTime"}) {
    std::string t = spec[f];
    ASSERT_EQ(t.size(), 27u) << t;
    EXPECT_EQ(t[19], '.');
    EXPECT_EQ(t.back(), 'Z');
  }
  EXPECT_NE(spec["acquireTime"], spec["renewTime"]) << "renewals move renewTime only";
  EXPECT_EQ(double_leader_moments, 0);
}

TEST_F(LeaderElectionIntegration, AKilledLeaderIsReplacedWithinTheLeaseDurationPlusARetry) {
  auto [old, standby] = settled_pair();
  ASSERT_NE(old, nullptr);
  auto killed_at = steady::now();
  kill(*old);
  ASSERT_TRUE(eventually([&] { return standby->leading.load(); }, 10s));
  auto took = steady::now() - killed_at;
  // The standby last saw a renewal at most one (jittered) retry before the kill.
  EXPECT_LE(took, lease_duration + 2 * retry_period) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  EXPECT_GE(took, lease_duration - 2 * retry_period) << "not before the lease could expire";
  EXPECT_EQ(lease()["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(lease()["spec"]["holderIdentity"], standby->identity);
  EXPECT_EQ(double_leader_moments, 0);
}

TEST_F(LeaderElectionIntegration, ACleanStopReleasesSoTheStandbyTakesOverWithinTwoRetryPeriods) {
  auto [old, standby] = settled_pair();
  ASSERT_NE(old, nullptr);
  auto released_at = steady::now();
  release(*old);
  auto holder = lease()["spec"]["holderIdentity"];
  EXPECT_TRUE(holder == "" || holder == standby->identity) << holder;
  ASSERT_TRUE(eventually([&] { return standby->leading.load(); }, 5s));
  auto took = steady::now() - released_at;
  EXPECT_LT(took, 2 * retry_period) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  EXPECT_EQ(old->stopped, 0) << "a release is not a loss";
  EXPECT_EQ(double_leader_moments, 0);
}

TEST_F(LeaderElectionIntegration, RepeatedKillsAndRestartsNeverShowTwoLeaders) {
  // Replicas come and go: kill the leader, start a fresh replica, four times.
  start("r0");
  start("r1");
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(eventually([&] { return leader() != nullptr; }, 10s)) << "round " << round;
    replica* l = leader();
    if (round == 0)
      kill(*l);
    else
      release(*l);
    start("r" + std::to_string(round + 2));
  }
  ASSERT_TRUE(eventually([&] { return leader() != nullptr; }, 10s));
  EXPECT_EQ(double_leader_moments, 0);
}

TEST_F(LeaderElectionIntegration, ALeaderWhoseLeaseIsTakenStopsAtOnce) {
  auto& a = start("replica-a");
  ASSERT_TRUE(eventually([&] { return a.leading.load(); }, 5s));
  // An intruder overwrites the holder (e.g. an operator's kubectl edit).
  auto obj = lease();
  obj["spec"]["holderIdentity"] = "intruder";
  obj["spec"]["renewTime"] = "2030-01-01T00:00:00.000000Z";
  auto put = make_client()->send_sync(k8s::http_request{"PUT",
                                               "/apis/coordination.k8s.io/v1/namespaces/default/leases/"
                                               "kelos-controller-leader-election",
                                               {}, {{"Content-Type", "application/json"}}, obj.dump(), false, true},
                             5s);
  ASSERT_TRUE(put && put->status == 200);
  ASSERT_TRUE(eventually([&] { return a.stopped.load() == 1; }, 2 * retry_period + 1s));
  EXPECT_FALSE(a.leading);
  EXPECT_EQ(a.gauge.with({}).value(), 0);
  std::lock_guard<std::mutex> g{a.mu};
  EXPECT_EQ(a.lost_reason, "the lease is now held by intruder");
}
