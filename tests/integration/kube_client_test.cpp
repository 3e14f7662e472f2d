// The Kubernetes client end to end: kubeconfig written by the embedded API server →
// load_rest_config → HTTP(S) transport → KUBE actor, against a real server on 127.0.0.1.

#include "actors/kube_actor.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/client/request.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/caf_error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace kelos;
using namespace std::chrono_literals;

namespace {

/// Thread-safe record of a subscriber's notifications.
struct notes {
  std::mutex mu;
  std::vector<std::string> lines;
  void add(std::string s) {
    std::lock_guard<std::mutex> g{mu};
    lines.push_back(std::move(s));
  }
  bool contains(const std::string& s) {
    std::lock_guard<std::mutex> g{mu};
    return std::find(lines.begin(), lines.end(), s) != lines.end();
  }
  size_t count(const std::string& s) {
    std::lock_guard<std::mutex> g{mu};
    return std::count(lines.begin(), lines.end(), s);
  }
};

caf::behavior recorder(caf::event_based_actor*, std::shared_ptr<notes> log) {
  return {
    [log](atom::apply, const watch_spec&, const k8s::object_ref& ref) { log->add("apply " + ref.name); },
    [log](atom::remove, const watch_spec&, const k8s::object_ref& ref) { log->add("remove " + ref.name); },
    [log](atom::synced, const watch_spec&) { log->add("synced"); },
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

k8s::json configmap(const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"k", value}}}};
}

class KubeClientIntegration : public ::testing::Test {
protected:
  KubeClientIntegration() : sys(init(cfg)), self(sys) {
    dir = std::filesystem::temp_directory_path()
          / ("kelos-kube-client-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
  }

  ~KubeClientIntegration() override {
    if (kube)
      stop_actor(caf::actor_cast<caf::actor>(kube));
    for (auto& a : actors)
      stop_actor(a);
    client.reset();
    server.reset();
    std::filesystem::remove_all(dir);
  }

  /// Exits an actor and waits (bounded) until it is gone, so its transport is released.
  void stop_actor(const caf::actor& a) {
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] { ADD_FAILURE() << "actor did not stop"; });
  }

  static caf::actor_system_config& init(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", 2);
    c.set("logger.console", caf::atom("none"));
    register_error_category(c);
    return c;
  }

  void start_server(bool tls, std::string data_dir = {}, uint16_t port = 0) {
    apiserver::api_server_config sc;
    sc.tls = tls;
    sc.data_dir = std::move(data_dir);
    sc.port = port;
    auto s = apiserver::api_server::start(sc);
    ASSERT_TRUE(s) << s.error().render();
    server = std::move(*s);
    kubeconfig = (dir / "kubeconfig").string();
    auto written = server->write_kubeconfig(kubeconfig);
    ASSERT_TRUE(written) << written.error().render();
  }

  /// Builds the client exactly as kelos-controller does: from a kubeconfig file.
  void connect() {
    k8s::client::load_options opts;
    opts.kubeconfig_path = kubeconfig;
    auto rc = k8s::client::load_rest_config(opts);
    ASSERT_TRUE(rc) << rc.error().render();
    auto tc = transport_config_from(*rc);
    tc.response_header_timeout = 5s;
    tc.total_timeout = 10s;
    auto c = k8s::http_client::make(tc);
    ASSERT_TRUE(c) << c.error().render();
    client = std::shared_ptr<k8s::http_client>(std::move(*c));
    kube_config kc;
    kc.watch.backoff.initial = 100ms;
    kc.watch.backoff.max = 500ms;
    kc.retry.backoff.initial = 50ms;
    kube = spawn_kube(sys, make_http_transport(client), kc);
  }

  kelos::expected<k8s::json> call(k8s::http_request req) {
    kelos::expected<k8s::json> out = make_error(errc::timeout, "no reply");
    self->request(kube, 15s, atom::call::value, std::move(req))
      .receive([&](json_doc& d) { out = std::move(d.value); },
               [&](caf::error& e) { out = from_caf_error(e); });
    return out;
  }

  const k8s::resource_info& configmaps() {
    static auto reg = k8s::resource_registry::with_builtins();
    return *reg.by_kind("v1", "ConfigMap");
  }

  static inline int counter = 0;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  std::filesystem::path dir;
  std::string kubeconfig;
  std::unique_ptr<apiserver::api_server> server;
  std::shared_ptr<k8s::http_client> client;
  kube_actor kube;
  std::vector<caf::actor> actors;
};

} // namespace

TEST_F(KubeClientIntegration, CrudAndConflictsOverPlainHttp) {
  start_server(false);
  connect();
  auto created = call(k8s::create_request(configmaps(), "default", configmap("a", "1")));
  ASSERT_TRUE(created) << created.error().render();
  auto rv = (*created)["metadata"]["resourceVersion"].get<std::string>();
  auto dup = call(k8s::create_request(configmaps(), "default", configmap("a", "1")));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, errc::already_exists);
  auto update = configmap("a", "2");
  update["metadata"]["resourceVersion"] = rv;
  auto updated = call(k8s::update_request(configmaps(), "default", "a", update));
  ASSERT_TRUE(updated) << updated.error().render();
  // The same (now stale) resourceVersion again: optimistic concurrency says no.
  auto stale = call(k8s::update_request(configmaps(), "default", "a", update));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, errc::conflict);
  EXPECT_NE(stale.error().message.find("the object has been modified"), std::string::npos)
    << stale.error().message;
  auto patched = call(*k8s::patch_request(configmaps(), "default", "a", k8s::patch_type::merge,
                                          R"({"data":{"k":"3"}})"));
  ASSERT_TRUE(patched) << patched.error().render();
  EXPECT_EQ((*patched)["data"]["k"], "3");
  auto missing = call(k8s::get_request(configmaps(), "default", "nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
  EXPECT_NE(missing.error().message.find(R"(configmaps "nope" not found)"), std::string::npos)
    << missing.error().message;
  auto deleted = call(k8s::delete_request(configmaps(), "default", "a"));
  ASSERT_TRUE(deleted) << deleted.error().render();
  // The kubeconfig's static token is at hand: no request waited for the token thread.
  EXPECT_GE(client->stats().cached_tokens, 7u);
}

TEST_F(KubeClientIntegration, PaginatedListAndWatchOverTls) {
  start_server(true);
  connect();
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(call(k8s::create_request(configmaps(), "default", configmap("cm" + std::to_string(i), "x"))));
  k8s::list_options lo;
  lo.limit = 3;
  auto page1 = call(k8s::list_request(configmaps(), "default", lo));
  ASSERT_TRUE(page1) << page1.error().render();
  EXPECT_EQ((*page1)["items"].size(), 3u);
  auto token = (*page1)["metadata"].value("continue", "");
  ASSERT_FALSE(token.empty());
  // The KUBE actor's own list pages with limit 2: all seven objects arrive, then changes.
  auto log = std::make_shared<notes>();
  auto sub = sys.spawn(recorder, log);
  actors.push_back(sub);
  stop_actor(caf::actor_cast<caf::actor>(kube));
  kube_config kc;
  kc.watch.page_size = 2;
  kube = spawn_kube(sys, make_http_transport(client), kc);
  watch_spec spec{"v1", "ConfigMap", "default", ""};
  self->request(kube, 10s, atom::subscribe::value, spec, sub).receive([](atom::ok) {}, [](caf::error& e) {
    FAIL() << caf::to_string(e);
  });
  ASSERT_TRUE(eventually([&] { return log->contains("synced"); }));
  for (int i = 0; i < 7; ++i)
    EXPECT_TRUE(log->contains("apply cm" + std::to_string(i)));
  ASSERT_TRUE(call(k8s::create_request(configmaps(), "default", configmap("late", "y"))));
  ASSERT_TRUE(call(k8s::delete_request(configmaps(), "default", "cm0")));
  EXPECT_TRUE(eventually([&] { return log->contains("apply late") && log->contains("remove cm0"); }));
}

TEST_F(KubeClientIntegration, ADecodeFilterDecidesWhatOfAWatchedObjectIsCached) {
  start_server(false);
  connect();
  stop_actor(caf::actor_cast<caf::actor>(kube));
  kube_config kc;
  kc.decode_filter = [](const watch_spec& spec) -> std::optional<k8s::filter_node> {
    if (spec.kind != "ConfigMap")
      return std::nullopt;
    return k8s::object_filter({"data.kept"});
  };
  kube = spawn_kube(sys, make_http_transport(client), kc);
  auto log = std::make_shared<notes>();
  auto sub = sys.spawn(recorder, log);
  actors.push_back(sub);
  watch_spec spec{"v1", "ConfigMap", "default", ""};
  self->request(kube, 10s, atom::subscribe::value, spec, sub).receive([](atom::ok) {}, [](caf::error& e) {
    FAIL() << caf::to_string(e);
  });
  ASSERT_TRUE(eventually([&] { return log->contains("synced"); }));
  auto cm = configmap("filtered", "x");
  cm["data"] = {{"kept", "1"}, {"skipped", "2"}};
  cm["metadata"]["labels"] = {{"app", "a"}};
  ASSERT_TRUE(call(k8s::create_request(configmaps(), "default", cm)));
  ASSERT_TRUE(eventually([&] { return log->contains("apply filtered"); }));
  k8s::json cached;
  self->request(kube, 10s, atom::get::value, spec, k8s::object_ref{"ConfigMap", "default", "filtered"})
    .receive([&](json_doc& d) { cached = std::move(d.value); }, [](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_EQ(cached["data"], (k8s::json{{"kept", "1"}})) << cached.dump();
  EXPECT_EQ(cached["metadata"]["labels"], (k8s::json{{"app", "a"}}));
  EXPECT_FALSE(cached["metadata"].contains("managedFields")) << "the server sends them; the parser skipped them";
  EXPECT_FALSE(cached["metadata"].value("resourceVersion", "").empty());
}

TEST_F(KubeClientIntegration, WatchSurvivesAServerRestartWithItsDataDir) {
  auto data = (dir / "data").string();
  start_server(false, data);
  auto port = server->port();
  connect();
  ASSERT_TRUE(call(k8s::create_request(configmaps(), "default", configmap("before", "1"))));
  auto log = std::make_shared<notes>();
  auto sub = sys.spawn(recorder, log);
  actors.push_back(sub);
  watch_spec spec{"v1", "ConfigMap", "default", ""};
  self->request(kube, 10s, atom::subscribe::value, spec, sub).receive([](atom::ok) {}, [](caf::error&) {});
  ASSERT_TRUE(eventually([&] { return log->contains("synced"); }));
  server->stop();
  server.reset();
  // Same port, same data: objects and resourceVersions survive; the watch reconnects.
  start_server(false, data, port);
  ASSERT_TRUE(eventually([&] {
    return call(k8s::create_request(configmaps(), "default", configmap("after", "2"))).has_value();
  }));
  EXPECT_TRUE(eventually([&] { return log->contains("apply after"); }, 15s));
  EXPECT_FALSE(log->contains("remove before")) << "the object survived the restart";
  auto before = call(k8s::get_request(configmaps(), "default", "before"));
  ASSERT_TRUE(before) << before.error().render();
}

TEST_F(KubeClientIntegration, ServerSideGoneEndsAStaleWatchWithAnErrorEvent) {
  apiserver::api_server_config sc;
  sc.event_log_size = 2;
  auto s = apiserver::api_server::start(sc);
  ASSERT_TRUE(s) << s.error().render();
  server = std::move(*s);
  kubeconfig = (dir / "kubeconfig").string();
  ASSERT_TRUE(server->write_kubeconfig(kubeconfig));
  connect();
  auto first = call(k8s::create_request(configmaps(), "default", configmap("g0", "0")));
  ASSERT_TRUE(first);
  auto old_rv = (*first)["metadata"]["resourceVersion"].get<std::string>();
  for (int i = 1; i < 6; ++i)
    ASSERT_TRUE(call(k8s::create_request(configmaps(), "default", configmap("g" + std::to_string(i), "x"))));
  k8s::watch_options wo;
  wo.resource_version = old_rv;
  auto req = k8s::watch_request(configmaps(), "default", wo);
  // Read the stream raw: the 410 comes inside a 200 response as an ERROR event.
  std::string body;
  std::atomic<bool> done{false};
  int status = 0;
  k8s::stream_callbacks cb;
  cb.on_response_head = [&](int st, const auto&) { status = st; };
  cb.on_data = [&](std::string_view d) { body.append(d); };
  cb.on_done = [&](kelos::error) { done = true; };
  auto handle = client->stream(req, cb);
  ASSERT_TRUE(eventually([&] { return done.load() || body.find('\n') != std::string::npos; }));
  handle.cancel();
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  EXPECT_EQ(status, 200);
  auto ev = k8s::json::parse(body.substr(0, body.find('\n')));
  EXPECT_EQ(ev["type"], "ERROR");
  EXPECT_EQ(ev["object"]["code"], 410);
}

TEST_F(KubeClientIntegration, WrongCertificateAuthorityIsRefused) {
  start_server(true);
  auto rc = k8s::client::load_rest_config({kubeconfig, "", "", {}, ""});
  ASSERT_TRUE(rc) << rc.error().render();
  auto tc = transport_config_from(*rc);
  // A different server's CA: verification must fail.
  apiserver::api_server_config other_cfg;
  other_cfg.tls = true;
  auto other = apiserver::api_server::start(other_cfg);
  ASSERT_TRUE(other);
  tc.ca_pem = (*other)->ca_pem();
  auto c = k8s::http_client::make(tc);
  ASSERT_TRUE(c) << c.error().render();
  auto r = (*c)->send_sync(k8s::http_request{"GET", "/version", {}, {}, {}, false, true}, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::connection_failed);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
}
