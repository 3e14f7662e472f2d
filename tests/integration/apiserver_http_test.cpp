// The HTTP front of the embedded API server over raw loopback sockets: keep-alive,
// chunked watch streams, graceful stop with the terminating chunk, body limit, TLS.

#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/http_server.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/resource_registry.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>
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

/// The data chunks of a complete chunked body (headers skipped), in order.
std::vector<std::string> chunks_of(const std::string& response) {
  std::vector<std::string> out;
  auto pos = response.find("\r\n\r\n");
  if (pos == std::string::npos)
    return out;
  pos += 4;
  while (pos < response.size()) {
    auto eol = response.find("\r\n", pos);
    if (eol == std::string::npos)
      break;
    const auto size = std::stoul(response.substr(pos, eol - pos), nullptr, 16);
    if (size == 0)
      break;
    out.push_back(response.substr(eol + 2, size));
    pos = eol + 2 + size + 2;
  }
  return out;
}

/// A stream whose producer queues `pieces` before the server's first write.
std::unique_ptr<kelos::apiserver::http_server> streaming_server(std::vector<std::string> pieces) {
  auto s = kelos::apiserver::http_server::start(
    {}, [pieces](kelos::apiserver::server_request&) {
      kelos::apiserver::server_response r;
      r.stream = [pieces](std::shared_ptr<kelos::apiserver::chunk_sink> sink) {
        for (const auto& p : pieces)
          sink->write(p);
        sink->close();
      };
      return r;
    });
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

TEST(ApiServerStreamTest, QueuedPiecesLeaveAsOneChunk) {
  std::vector<std::string> lines;
  std::string all;
  for (int i = 0; i < 50; ++i) {
    lines.push_back("{\"line\":" + std::to_string(i) + "}\n");
    all += lines.back();
  }
  auto server = streaming_server(lines);
  ASSERT_TRUE(server);
  raw_client c(server->port());
  c.send(get("/stream"));
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n", std::chrono::seconds(5))) << c.received();
  auto chunks = chunks_of(c.received());
  ASSERT_EQ(chunks.size(), 1u) << "50 queued lines, one write";
  EXPECT_EQ(chunks[0], all);
}

TEST(ApiServerStreamTest, AJoinedChunkStaysWithinItsBound) {
  // Two 200 KiB pieces never share a chunk (bound 256 KiB); small ones join the second.
  std::vector<std::string> pieces{std::string(200 * 1024, 'a'), std::string(200 * 1024, 'b'),
                                  std::string(10, 'c'), std::string(10, 'd'), std::string(300 * 1024, 'e')};
  auto server = streaming_server(pieces);
  ASSERT_TRUE(server);
  raw_client c(server->port());
  c.send(get("/stream"));
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n", std::chrono::seconds(5)));
  auto chunks = chunks_of(c.received());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], pieces[0]);
  EXPECT_EQ(chunks[1], pieces[1] + pieces[2] + pieces[3]);
  EXPECT_EQ(chunks[2], pieces[4]) << "a piece above the bound is sent whole";
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

// With a data dir, a write's response waits for its group commit while the connection reads
// on: pipelined requests are all handled, answered in request order, each write only once
// durable, and a failed sync turns exactly the affected responses into 500s.
namespace {

std::string post_configmap(const std::string& name, bool close = false) {
  std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("}})";
  return "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         + std::string(close ? "Connection: close\r\n" : "") + "Content-Length: " + std::to_string(body.size())
         + "\r\n\r\n" + body;
}

// Status codes and bodies of the complete Content-Length responses in `raw`, in order.
std::vector<std::pair<int, std::string>> split_responses(const std::string& raw) {
  std::vector<std::pair<int, std::string>> out;
  size_t at = 0;
  while (at < raw.size()) {
    auto head_end = raw.find("\r\n\r\n", at);
    if (raw.compare(at, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos)
      break;
    int status = std::stoi(raw.substr(at + 9, 3));
    auto cl = raw.find("Content-Length: ", at);
    if (cl == std::string::npos || cl > head_end)
      break;
    size_t length = std::stoul(raw.substr(cl + 16, raw.find("\r\n", cl) - cl - 16));
    if (raw.size() < head_end + 4 + length)
      break;
    out.emplace_back(status, raw.substr(head_end + 4, length));
    at = head_end + 4 + length;
  }
  return out;
}

class ApiServerDurableHttpTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path()
           / ("kelos-durable-http-" + std::to_string(::getpid()) + "-"
              + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start(std::function<int(int)> sync_hook = {}, std::size_t max_body_bytes = 0) {
    api_server_config cfg;
    cfg.data_dir = dir_.string();
    if (max_body_bytes)
      cfg.max_body_bytes = max_body_bytes;
    cfg.wal_sync_hook = std::move(sync_hook);
    auto s = api_server::start(cfg);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(s).value();
  }
  std::filesystem::path dir_;
  std::unique_ptr<api_server> server_;
};

} // namespace

TEST_F(ApiServerDurableHttpTest, PipelinedWritesAreAnsweredInRequestOrderOnceDurable) {
  std::atomic<int> syncs{0};
  start([&](int fd) {
    ++syncs;
    std::this_thread::sleep_for(std::chrono::milliseconds(5)); // a slow disk: requests pile up
    return ::fdatasync(fd);
  });
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  std::string burst;
  for (int i = 0; i < 8; ++i)
    burst += post_configmap("p" + std::to_string(i));
  burst += get("/api/v1/namespaces/default/configmaps/p3");
  burst += post_configmap("p8", true);
  int syncs_before = syncs.load();
  c.send(burst);
  ASSERT_TRUE(c.read_until([](const std::string& r) { return split_responses(r).size() == 10; },
                           std::chrono::seconds(10)))
    << c.received();
  auto responses = split_responses(c.received());
  for (int i = 0; i < 10; ++i) {
    std::string name = i == 8 ? "p3" : i == 9 ? "p8" : "p" + std::to_string(i);
    EXPECT_EQ(responses[i].first, i == 8 ? 200 : 201) << i << ": " << responses[i].second;
    EXPECT_NE(responses[i].second.find("\"name\":\"" + name + "\""), std::string::npos)
      << "response " << i << " is not for " << name << ": " << responses[i].second;
  }
  c.read_until([](const std::string&) { return false; }, std::chrono::seconds(2)); // until EOF
  EXPECT_TRUE(c.eof()) << "Connection: close on the last request ends the connection";
  EXPECT_LT(syncs.load() - syncs_before, 9) << "nine writes on one connection should share syncs";
  // Every acknowledged write is on disk: a fresh server on the same data dir has them all.
  server_.reset();
  start();
  for (int i = 0; i <= 8; ++i)
    EXPECT_TRUE(server_->store().get(*kelos::k8s::resource_registry::with_builtins().lookup("configmaps"),
                                     "default", "p" + std::to_string(i)))
      << i;
}

std::string request(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& content_type = "application/json") {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A write's reply is the object as stored: the same bytes a GET right after returns, for
// create, update, merge patch and a status update alike (the reply is sent from the committed
// text); a dry run and a write that changes nothing still answer with the whole object.
TEST_F(ApiServerDurableHttpTest, WriteRepliesCarryTheObjectExactlyAsStored) {
  start();
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  const std::string cm = "/api/v1/namespaces/default/configmaps/same";
  const std::string put_body =
    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"same"},"data":{"a":"1","b":"two"}})";
  const std::string ns_path = "/api/v1/namespaces/quoted";
  std::string burst = post_configmap("same") + get(cm) + request("PUT", cm, put_body) + get(cm) +
                      request("PATCH", cm, R"({"data":{"b":null,"c":"3"}})", "application/merge-patch+json") +
                      get(cm) + request("POST", "/api/v1/namespaces", R"({"metadata":{"name":"quoted"}})") +
                      get(ns_path) +
                      request("PUT", ns_path + "/status",
                              R"({"metadata":{"name":"quoted"},"status":{"phase":"Active","conditions":[]}})") +
                      get(ns_path) +
                      request("POST", "/api/v1/namespaces/default/configmaps?dryRun=All",
                              R"({"metadata":{"name":"dry"},"data":{"x":"y"}})") +
                      request("PATCH", cm, R"({"data":{"c":"3"}})", "application/merge-patch+json") + get(cm);
  c.send(burst);
  ASSERT_TRUE(c.read_until([](const std::string& r) { return split_responses(r).size() == 13; },
                           std::chrono::seconds(10)))
    << c.received();
  auto r = split_responses(c.received());
  const std::vector<int> codes{201, 200, 200, 200, 200, 200, 201, 200, 200, 200, 201, 200, 200};
  for (std::size_t i = 0; i < codes.size(); ++i)
    EXPECT_EQ(r[i].first, codes[i]) << i << ": " << r[i].second;
  for (std::size_t write : {0u, 2u, 4u, 6u, 8u})
    EXPECT_EQ(r[write].second, r[write + 1].second) << "write " << write << " answered other bytes than the GET after it";
  EXPECT_NE(r[4].second.find(R"("data":{"a":"1","c":"3"})"), std::string::npos) << r[4].second;
  EXPECT_NE(r[8].second.find(R"("phase":"Active")"), std::string::npos) << r[8].second;
  for (std::size_t i : {10u, 11u}) {
    EXPECT_NE(r[i].second.find(R"("apiVersion":"v1")"), std::string::npos) << i << ": " << r[i].second;
    EXPECT_NE(r[i].second.find(R"("kind":"ConfigMap")"), std::string::npos) << i << ": " << r[i].second;
  }
  EXPECT_EQ(r[11].second, r[12].second) << "a patch that changes nothing answers the stored object";
}

TEST_F(ApiServerDurableHttpTest, FailedSyncAnswersTheWaitingWritesWith500InOrder) {
  std::atomic<bool> fail{false};
  start([&](int fd) {
    if (fail) {
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  });
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send(post_configmap("before"));
  ASSERT_TRUE(c.read_until([](const std::string& r) { return split_responses(r).size() == 1; },
                           std::chrono::seconds(10)));
  EXPECT_EQ(split_responses(c.received())[0].first, 201);
  c.clear();
  fail = true;
  c.send(get("/version") + post_configmap("lost") + get("/healthz") + post_configmap("refused"));
  ASSERT_TRUE(c.read_until([](const std::string& r) { return split_responses(r).size() == 4; },
                           std::chrono::seconds(10)))
    << c.received();
  auto responses = split_responses(c.received());
  EXPECT_EQ(responses[0].first, 200);
  EXPECT_EQ(responses[1].first, 500);
  EXPECT_NE(responses[1].second.find("the change was not made durable"), std::string::npos)
    << responses[1].second;
  EXPECT_EQ(responses[2].first, 200);
  EXPECT_EQ(responses[3].first, 500) << "the failed WAL refuses later writes";
  EXPECT_TRUE(server_->store().durability().failed);
}

// A client that sends its writes and half-closes still gets every answer, once durable,
// before the server closes the connection.
TEST_F(ApiServerDurableHttpTest, EndOfInputWhileWritesWaitStillAnswersThem) {
  start([](int fd) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return ::fdatasync(fd);
  });
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send(post_configmap("h0") + post_configmap("h1"));
  c.shutdown_write();
  c.read_until([](const std::string&) { return false; }, std::chrono::seconds(5)); // until EOF
  EXPECT_TRUE(c.eof());
  auto responses = split_responses(c.received());
  ASSERT_EQ(responses.size(), 2u) << c.received();
  EXPECT_EQ(responses[0].first, 201);
  EXPECT_EQ(responses[1].first, 201);
}

// A request over the body limit behind a write that waits for its sync: the write is answered
// first, then the 413, then the connection ends.
TEST_F(ApiServerDurableHttpTest, OversizedBodyBehindAWaitingWriteIsAnsweredInOrder) {
  start(
    [](int fd) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return ::fdatasync(fd);
    },
    4096);
  raw_client c(server_->port());
  ASSERT_TRUE(c.connected());
  std::string big(10000, 'x');
  c.send(post_configmap("w0") + "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big);
  ASSERT_TRUE(c.read_until([](const std::string& r) { return split_responses(r).size() == 2; },
                           std::chrono::seconds(10)))
    << c.received();
  auto responses = split_responses(c.received());
  EXPECT_EQ(responses[0].first, 201);
  EXPECT_NE(responses[0].second.find("\"w0\""), std::string::npos);
  EXPECT_EQ(responses[1].first, 413);
  EXPECT_TRUE(server_->store().get(*kelos::k8s::resource_registry::with_builtins().lookup("configmaps"),
                                   "default", "w0"));
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
