// The ops endpoint over real loopback sockets: /metrics, /healthz, /readyz, errors,
// readiness flips, bind-address handling and a clean stop.

#include "runtime/ops_server.hpp"

#include "tests/support/raw_http_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using kelos::ops::ops_server;
using kelos::ops::ops_server_config;
using kelos::ops::readiness_flag;
using raw_client = kelos::test::raw_http_client;

struct response {
  int status = 0;
  std::string headers; // lower-cased header block
  std::string body;
};

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads one Content-Length framed response from `c` (what the server always sends).
response read_response(raw_client& c) {
  response r;
  auto complete = [](const std::string& got) {
    auto end = got.find("\r\n\r\n");
    if (end == std::string::npos)
      return false;
    auto head = lower(got.substr(0, end));
    auto at = head.find("content-length: ");
    if (at == std::string::npos)
      return true;
    return got.size() >= end + 4 + std::stoul(head.substr(at + 16));
  };
  if (!c.read_until(complete, 5s))
    return r;
  const auto& got = c.received();
  auto end = got.find("\r\n\r\n");
  r.status = std::stoi(got.substr(9, 3));
  r.headers = lower(got.substr(0, end));
  r.body = got.substr(end + 4);
  c.clear();
  return r;
}

std::string request(std::string_view method, std::string_view target) {
  return std::string{method} + " " + std::string{target} + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

response fetch(uint16_t port, std::string_view target, std::string_view method = "GET") {
  raw_client c(port);
  if (!c.connected())
    return {};
  c.send(request(method, target));
  return read_response(c);
}

class OpsServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto m = kelos::metrics::task_metrics::register_in(registry_);
    ASSERT_TRUE(m);
    m->task_created.with({"default", "claude-code"}).inc();
    start({"127.0.0.1:0", &registry_, true, [this] { return ready_.check(); }});
  }

  void start(ops_server_config cfg) {
    auto s = ops_server::start(std::move(cfg));
    ASSERT_TRUE(s) << s.error().render();
    ASSERT_TRUE(*s);
    server_ = std::move(s).value();
    ASSERT_NE(server_->port(), 0);
  }

  kelos::metrics::registry registry_;
  readiness_flag ready_;
  std::unique_ptr<ops_server> server_;
};

TEST_F(OpsServerTest, ServesMetricsInTheTextFormat) {
  auto r = fetch(server_->port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("content-type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos)
    << r.headers;
  EXPECT_EQ(r.body, registry_.render());
  EXPECT_NE(r.body.find("kelos_task_created_total{namespace=\"default\",type=\"claude-code\"} 1\n"),
            std::string::npos);
}

TEST_F(OpsServerTest, MetricsReflectUpdatesBetweenScrapes) {
  auto m = kelos::metrics::task_metrics::register_in(registry_);
  ASSERT_TRUE(m);
  m->reconcile_errors.with({"taskspawner"}).inc(3);
  auto r = fetch(server_->port(), "/metrics?x=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("kelos_reconcile_errors_total{controller=\"taskspawner\"} 3\n"), std::string::npos);
}

TEST_F(OpsServerTest, HealthzIsAlwaysOk) {
  auto r = fetch(server_->port(), "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(fetch(server_->port(), "/healthz?verbose").status, 200);
}

TEST_F(OpsServerTest, ReadyzFollowsTheReadinessFlag) {
  auto r = fetch(server_->port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "starting");

  ready_.set_ready();
  r = fetch(server_->port(), "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");

  ready_.set_not_ready("caches not synced");
  r = fetch(server_->port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "caches not synced");
  // Liveness does not depend on readiness.
  EXPECT_EQ(fetch(server_->port(), "/healthz").status, 200);
}

TEST_F(OpsServerTest, UnknownPathsAre404AndOtherMethods405) {
  auto r = fetch(server_->port(), "/");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  EXPECT_EQ(fetch(server_->port(), "/metrics/x").status, 404);
  EXPECT_EQ(fetch(server_->port(), "/healthz/").status, 404);
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
    raw_client c(server_->port());
    ASSERT_TRUE(c.connected());
    c.send(std::string{method} + " /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(c.read_until("\r\n\r\n", 5s)) << method;
    EXPECT_EQ(c.received().substr(0, 12), "HTTP/1.1 405") << method;
    EXPECT_NE(lower(c.received()).find("allow: get"), std::string::npos) << method;
  }
}

TEST_F(OpsServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  for (const char* target : {"/healthz", "/metrics", "/readyz", "/nope", "/healthz"}) {
    c.send(request("GET", target));
    auto r = read_response(c);
    EXPECT_NE(r.status, 0) << target;
  }
  EXPECT_FALSE(c.eof());
}

TEST_F(OpsServerTest, StopClosesTheListenerAndOpenConnections) {
  raw_client open(server_->port());
  ASSERT_TRUE(open.connected());
  open.send(request("GET", "/healthz"));
  ASSERT_EQ(read_response(open).status, 200);
  auto port = server_->port();

  server_->stop();
  server_->stop(); // idempotent
  open.read_until([](const std::string&) { return false; }, 2s);
  EXPECT_TRUE(open.eof());
  raw_client late(port);
  EXPECT_FALSE(late.connected());

  // The port is free again.
  auto again = ops_server::start({"127.0.0.1:" + std::to_string(port), &registry_, true, {}});
  ASSERT_TRUE(again) << again.error().render();
  EXPECT_EQ(fetch(port, "/readyz").status, 200); // no readiness check: ready
}

TEST(OpsServer, EndpointsCanBeSplitBetweenTwoServers) {
  kelos::metrics::registry reg;
  ASSERT_TRUE(reg.counter("up_total", "Up"));
  auto metrics_only = ops_server::start({"127.0.0.1:0", &reg, false, {}});
  auto health_only = ops_server::start({"127.0.0.1:0", nullptr, true, {}});
  ASSERT_TRUE(metrics_only && health_only);
  auto mp = (*metrics_only)->port();
  auto hp = (*health_only)->port();
  EXPECT_EQ(fetch(mp, "/metrics").status, 200);
  EXPECT_EQ(fetch(mp, "/healthz").status, 404);
  EXPECT_EQ(fetch(mp, "/readyz").status, 404);
  EXPECT_EQ(fetch(hp, "/metrics").status, 404);
  EXPECT_EQ(fetch(hp, "/healthz").status, 200);
  EXPECT_EQ(fetch(hp, "/readyz").status, 200);
}

TEST(OpsServer, ColonPortListensOnAllInterfaces) {
  auto s = ops_server::start({":0", nullptr, true, {}});
  ASSERT_TRUE(s) << s.error().render();
  ASSERT_TRUE(*s);
  EXPECT_EQ(fetch((*s)->port(), "/healthz").status, 200);
}

TEST(OpsServer, EmptyOrZeroAddressDisablesTheServer) {
  for (const char* address : {"", "0"}) {
    auto s = ops_server::start({address, nullptr, true, {}});
    ASSERT_TRUE(s) << address;
    EXPECT_FALSE(*s) << address;
  }
}

TEST(OpsServer, StartErrorsNameTheAddress) {
  auto first = ops_server::start({"127.0.0.1:0", nullptr, true, {}});
  ASSERT_TRUE(first && *first);
  auto taken = "127.0.0.1:" + std::to_string((*first)->port());

  struct row {
    std::string address;
    kelos::errc code;
  };
  for (const auto& [address, code] : std::vector<row>{{taken, kelos::errc::io_error},
                                                      {"127.0.0.1", kelos::errc::invalid_config},
                                                      {"127.0.0.1:99999", kelos::errc::invalid_config},
                                                      {"127.0.0.1:http", kelos::errc::invalid_config},
                                                      {"192.0.2.1:0", kelos::errc::io_error}}) {
    auto s = ops_server::start({address, nullptr, true, {}});
    ASSERT_FALSE(s) << address;
    EXPECT_EQ(s.error().code, code) << address << ": " << s.error().render();
    EXPECT_NE(s.error().message.find("\"" + address + "\""), std::string::npos) << s.error().message;
  }
}

TEST(OpsServer, ParsesBindAddresses) {
  using kelos::ops::parse_bind_address;
  struct row {
    const char* text;
    const char* host; // nullptr: disabled
    uint16_t port;
  };
  for (auto [text, host, port] : std::vector<row>{{"", nullptr, 0},
                                                  {"0", nullptr, 0},
                                                  {":8080", "0.0.0.0", 8080},
                                                  {":0", "0.0.0.0", 0},
                                                  {"127.0.0.1:8081", "127.0.0.1", 8081},
                                                  {"localhost:9090", "localhost", 9090},
                                                  {"[::1]:8080", "::1", 8080},
                                                  {"0.0.0.0:65535", "0.0.0.0", 65535}}) {
    auto got = parse_bind_address(text);
    ASSERT_TRUE(got) << text << ": " << got.error().message;
    if (!host) {
      EXPECT_FALSE(*got) << text;
      continue;
    }
    ASSERT_TRUE(*got) << text;
    EXPECT_EQ((*got)->host, host) << text;
    EXPECT_EQ((*got)->port, port) << text;
  }
  for (const char* bad : {"8080", "localhost", ":", ":-1", ":65536", "::1:80", "[::1]", "[::1:80", "a:8o"})
    EXPECT_FALSE(parse_bind_address(bad)) << bad;
}

} // namespace
