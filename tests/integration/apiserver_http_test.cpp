// The HTTP front of the embedded API server over raw loopback sockets: keep-alive,
// chunked watch streams, graceful stop with the terminating chunk, body limit, TLS.

#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/object_store.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include "tests/support/raw_http_client.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using kelos::apiserver::api_server;
using kelos::apiserver::api_server_config;

using raw_client = kelos::test::raw_http_client;

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer anything\r\n\r\n";
}

class ApiServerHttpTest : public ::testing::Test {
protected:
  void SetUp() override {
    api_server_config cfg;
    cfg.max_body_bytes = 4096;
    cfg.bookmark_interval = std::chrono::milliseconds(200);
    auto s = api_server::start(cfg);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(s).value();
  }
  std::unique_ptr<api_server> server_;
};

TEST_F(ApiServerHttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send(get("/version"));
  ASSERT_TRUE(c.read_until("\"minor\":\"32\"", std::chrono::seconds(5))) << c.received();
  c.clear();
  c.send(get("/healthz"));
  ASSERT_TRUE(c.read_until("ok", std::chrono::seconds(5))) << c.received();
  EXPECT_NE(c.received().find("HTTP/1.1 200"), std::string::npos);
  c.clear();
  c.send(get("/api/v1/namespaces/default/configmaps/missing"));
  ASSERT_TRUE(c.read_until("not found", std::chrono::seconds(5))) << c.received();
  EXPECT_NE(c.received().find("HTTP/1.1 404"), std::string::npos);
  EXPECT_NE(c.received().find(R"(configmaps \"missing\" not found)"), std::string::npos);
}

TEST_F(ApiServerHttpTest, WatchIsChunkedAndStopEndsItWithTheLastChunk) {
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send(get("/api/v1/namespaces?watch=True&allowWatchBookmarks=1"));
  ASSERT_TRUE(c.read_until("\"ADDED\"", std::chrono::seconds(5))) << c.received();
  EXPECT_NE(c.received().find("Transfer-Encoding: chunked"), std::string::npos) << c.received();
  ASSERT_TRUE(c.read_until("\"BOOKMARK\"", std::chrono::seconds(5))) << c.received();
  server_->stop();
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n", std::chrono::seconds(5))) << c.received();
}

TEST_F(ApiServerHttpTest, WatchTimeoutSecondsEndsTheStream) {
  raw_client c(server_->port());
  c.send(get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1"));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n", std::chrono::seconds(5))) << c.received();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

TEST_F(ApiServerHttpTest, OversizedBodyGets413Status) {
  raw_client c(server_->port());
  std::string body(10000, 'x');
  c.send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(c.read_until("RequestEntityTooLarge", std::chrono::seconds(5))) << c.received();
  EXPECT_NE(c.received().find("HTTP/1.1 413"), std::string::npos);
  // The server is unaffected.
  raw_client d(server_->port());
  d.send(get("/readyz"));
  EXPECT_TRUE(d.read_until("ok", std::chrono::seconds(5)));
}

TEST_F(ApiServerHttpTest, GarbageRequestGets400AndServerSurvives) {
  raw_client c(server_->port());
  c.send("THIS IS NOT HTTP\r\n\r\n");
  c.read_until("\r\n\r\n", std::chrono::seconds(3));
  EXPECT_EQ(c.received().find("HTTP/1.1 200"), std::string::npos) << c.received();
  raw_client d(server_->port());
  d.send(get("/livez"));
  EXPECT_TRUE(d.read_until("ok", std::chrono::seconds(5)));
}

TEST(ApiServerHostileInputTest, DeepNestingIsRefusedWithoutCrashing) {
  // 200k nested arrays would overflow the stack of a recursive JSON parser; the body stays
  // under the default size limit.
  auto started = api_server::start(api_server_config{});
  ASSERT_TRUE(started) << started.error().message;
  auto server_ = std::move(started).value();
  for (const char* path : {"/api/v1/namespaces/default/configmaps",
                           "/api/v1/namespaces/default/configmaps/x"}) {
    raw_client c(server_->port());
    std::string body = std::string(200000, '[') + std::string(200000, ']');
    bool patch = std::string_view{path}.ends_with("/x");
    c.send(std::string(patch ? "PATCH " : "POST ") + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
           + (patch ? "application/merge-patch+json" : "application/json") + "\r\nContent-Length: "
           + std::to_string(body.size()) + "\r\n\r\n" + body);
    ASSERT_TRUE(c.read_until("nested deeper than", std::chrono::seconds(10))) << c.received().substr(0, 300);
    EXPECT_NE(c.received().find("HTTP/1.1 400"), std::string::npos);
  }
  raw_client d(server_->port());
  d.send(get("/readyz"));
  EXPECT_TRUE(d.read_until("ok", std::chrono::seconds(5)));
}

TEST(ApiServerTlsTest, ServesHttpsWithGeneratedCa) {
  api_server_config cfg;
  cfg.tls = true;
  auto s = api_server::start(cfg);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->url().rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_NE((*s)->ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  // A plain-HTTP request on the TLS port must not be answered as HTTP 200.
  raw_client c((*s)->port());
  c.send(get("/version"));
  c.read_until("minor", std::chrono::seconds(2));
  EXPECT_EQ(c.received().find("HTTP/1.1 200"), std::string::npos);
}

} // namespace
