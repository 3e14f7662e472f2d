// The KUBE actor counts its API requests by verb and code, and shows watch restarts and
// relists per watched resource: over real HTTP against the embedded API server.

#include "actors/kube_actor.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/client/request.hpp"
#include "runtime/caf_error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <initializer_list>
#include <thread>

using namespace kelos;
using namespace std::chrono_literals;

namespace {

caf::behavior quiet_subscriber(caf::event_based_actor*) {
  return {
    [](atom::apply, const watch_spec&, const k8s::object_ref&) {},
    [](atom::remove, const watch_spec&, const k8s::object_ref&) {},
    [](atom::synced, const watch_spec&) {},
  };
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

caf::actor_system_config& init(caf::actor_system_config& c) {
  c.set("scheduler.max-threads", 2);
  c.set("logger.console", caf::atom("none"));
  register_error_category(c);
  return c;
}

/// A plain-HTTP client of the server on `port`; null (after a test failure) if it cannot be made.
std::shared_ptr<k8s::http_client> client_for(uint16_t port) {
  k8s::transport_config tc;
  tc.scheme = "http";
  tc.host = "127.0.0.1";
  tc.port = port;
  tc.response_header_timeout = 5s;
  tc.total_timeout = 10s;
  auto client = k8s::http_client::make(tc);
  if (!client) {
    ADD_FAILURE() << client.error().render();
    return nullptr;
  }
  return std::shared_ptr<k8s::http_client>{std::move(*client)};
}

/// The controller metrics registered in `registry`; null (after a test failure) on error.
std::shared_ptr<metrics::controller_metrics> metrics_in(metrics::registry& registry) {
  auto m = metrics::controller_metrics::register_in(registry);
  if (!m) {
    ADD_FAILURE() << m.error().render();
    return nullptr;
  }
  return std::make_shared<metrics::controller_metrics>(*m);
}

/// Stops each actor and waits (5 s at most) until it is down.
void stop_all(caf::scoped_actor& self, std::initializer_list<caf::actor> actors) {
  for (const caf::actor& a : actors) {
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] { ADD_FAILURE() << "actor did not stop"; });
  }
}

/// What each test starts before its KUBE actor: the embedded API server, a client of it,
/// the controller metrics in a registry, and an actor system. `ok` is false (after a test
/// failure) when a part could not be made.
struct metrics_world {
  explicit metrics_world(apiserver::api_server_config sc) {
    auto started = apiserver::api_server::start(std::move(sc));
    if (!started) {
      ADD_FAILURE() << started.error().render();
      return;
    }
    server = std::move(*started);
    http = client_for(server->port());
    shared = metrics_in(registry);
  }
  ~metrics_world() { http.reset(); } // before the server it talks to

  bool ok() const { return server && http && shared; }

  std::unique_ptr<apiserver::api_server> server;
  std::shared_ptr<k8s::http_client> http;
  metrics::registry registry;
  std::shared_ptr<metrics::controller_metrics> shared;
  caf::actor_system_config cfg;
  caf::actor_system sys{init(cfg)};
};

k8s::json configmap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"k", "v"}}}};
}

TEST(KubeMetrics, RequestsAreCountedByVerbAndCodeOverRealHttp) {
  metrics_world w{apiserver::api_server_config{}};
  ASSERT_TRUE(w.ok());
  auto& [server, http, registry, shared, cfg, sys] = w;
  {
    caf::scoped_actor self{sys};
    kube_config kc;
    kc.metrics = shared;
    auto kube = spawn_kube(sys, make_http_transport(http), kc);
    auto registry_kinds = k8s::resource_registry::with_builtins();
    const auto& configmaps = *registry_kinds.by_kind("v1", "ConfigMap");
    auto call = [&](k8s::http_request req) {
      bool ok = false;
      self->request(kube, 15s, atom::call::value, std::move(req))
        .receive([&](json_doc&) { ok = true; }, [&](caf::error&) { ok = false; });
      return ok;
    };
    EXPECT_TRUE(call(k8s::create_request(configmaps, "default", configmap("a"))));
    EXPECT_FALSE(call(k8s::create_request(configmaps, "default", configmap("a")))) << "already exists";
    EXPECT_FALSE(call(k8s::get_request(configmaps, "default", "nope")));
    EXPECT_TRUE(call(k8s::delete_request(configmaps, "default", "a")));
    EXPECT_EQ(shared->kube_requests.with({"create", "201"}).value(), 1);
    EXPECT_EQ(shared->kube_requests.with({"create", "409"}).value(), 1);
    EXPECT_EQ(shared->kube_requests.with({"get", "404"}).value(), 1) << "a 404 is not retried";
    EXPECT_EQ(shared->kube_requests.with({"delete", "200"}).value(), 1);
    EXPECT_EQ(shared->kube_request_duration.with({"create"}).read().count, 2u);

    // A watch: its list and its stream are counted; the resource shows restarts and relists.
    auto sub = sys.spawn(quiet_subscriber);
    watch_spec spec{"v1", "ConfigMap", "default", ""};
    self->request(kube, 5s, atom::subscribe::value, spec, sub).receive([](atom::ok) {}, [](caf::error& e) {
      FAIL() << caf::to_string(e);
    });
    EXPECT_TRUE(eventually([&] { return shared->kube_requests.with({"watch", "200"}).value() >= 1; }))
      << registry.render();
    EXPECT_GE(shared->kube_requests.with({"list", "200"}).value(), 1);
    auto text = registry.render();
    EXPECT_NE(text.find("kelos_kube_relists_total{cause=\"expired\",resource=\"configmaps\"} 0"), std::string::npos) << text;
    EXPECT_NE(text.find("kelos_kube_relists_total{cause=\"list_failed\",resource=\"configmaps\"} 0"), std::string::npos)
      << text;
    EXPECT_NE(text.find("kelos_kube_watch_restarts_total{resource=\"configmaps\"} 0"), std::string::npos) << text;
    EXPECT_NE(text.find("kelos_kube_requests_total{code=\"201\",verb=\"create\"} 1"), std::string::npos) << text;

    stop_all(self, {caf::actor_cast<caf::actor>(kube), sub});
  }
}

TEST(KubeMetrics, AWatchThatCannotResumeCountsAnExpiredRelist) {
  // A replay window of one event: while the ConfigMap watch is idle, three Secret writes move
  // the window past the version it resumes from, so when its stream ends (timeoutSeconds=1)
  // the server answers 410 and the KUBE actor lists again.
  apiserver::api_server_config sc;
  sc.event_log_size = 1;
  metrics_world w{sc};
  ASSERT_TRUE(w.ok());
  auto& [server, http, registry, shared, cfg, sys] = w;
  {
    caf::scoped_actor self{sys};
    kube_config kc;
    kc.metrics = shared;
    kc.watch.timeout_seconds = 1;
    kc.watch.bookmarks = false;
    auto kube = spawn_kube(sys, make_http_transport(http), kc);
    auto sub = sys.spawn(quiet_subscriber);
    watch_spec spec{"v1", "ConfigMap", "default", ""};
    self->request(kube, 5s, atom::subscribe::value, spec, sub).receive([](atom::ok) {}, [](caf::error& e) {
      FAIL() << caf::to_string(e);
    });
    auto& expired = shared->relists.with({"configmaps", "expired"});
    auto& failed = shared->relists.with({"configmaps", "list_failed"});
    ASSERT_TRUE(eventually([&] { return shared->kube_requests.with({"watch", "200"}).value() >= 1; }))
      << registry.render();
    EXPECT_EQ(expired.value(), 0);

    auto registry_kinds = k8s::resource_registry::with_builtins();
    const auto& secrets = *registry_kinds.by_kind("v1", "Secret");
    for (const char* name : {"s1", "s2", "s3"}) {
      k8s::json secret = {{"apiVersion", "v1"},
                          {"kind", "Secret"},
                          {"metadata", {{"name", name}, {"namespace", "default"}}},
                          {"stringData", {{"k", "v"}}}};
      bool ok = false;
      self->request(kube, 15s, atom::call::value, k8s::create_request(secrets, "default", secret))
        .receive([&](json_doc&) { ok = true; }, [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
      EXPECT_TRUE(ok);
    }
    EXPECT_TRUE(eventually([&] { return expired.value() >= 1; })) << registry.render();
    EXPECT_EQ(failed.value(), 0) << registry.render();
    auto text = registry.render();
    EXPECT_NE(text.find("kelos_kube_relists_total{cause=\"expired\",resource=\"configmaps\"} "), std::string::npos)
      << text;

    stop_all(self, {caf::actor_cast<caf::actor>(kube), sub});
  }
}

} // namespace
