// The transport's read/write path over beast::test::stream with canned bytes (no sockets).
#include "k8s/client/http_exchange.hpp"
#include "k8s/client/http_message.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <gtest/gtest.h>

#include <optional>

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using namespace kelos::k8s::detail;

/// Records everything the exchange hands to the sink.
class recording_sink : public response_sink {
public:
  bool on_head(int s, header_list h) override {
    status = s;
    headers = std::move(h);
    ++heads;
    return accept_head;
  }
  bool on_data(std::string_view chunk) override {
    body.append(chunk);
    pieces.emplace_back(chunk);
    return !stop_after_first_data;
  }
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (kelos::k8s::header_name_equal(k, name))
        return v;
    return {};
  }
  int status = 0;
  int heads = 0;
  header_list headers;
  std::string body;
  std::vector<std::string> pieces;
  bool accept_head = true;
  bool stop_after_first_data = false;
};

struct outcome {
  std::optional<exchange_result> result;
  std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
  std::string written; // bytes the client wrote (the request)
};

wire_request get_request() {
  wire_request w;
  w.method = "GET";
  w.target = "/api/v1/pods?watch=1";
  w.headers = {{"Host", "127.0.0.1:6443"}, {"User-Agent", "kelos-test"}};
  return w;
}

/// Runs one exchange whose peer has already sent `canned` and then closed (when `close` is set).
outcome run(const std::string& canned, wire_request req = get_request(), exchange_limits limits = {},
            std::size_t read_size = 0, beast::test::fail_count* fc = nullptr, bool close = true,
            std::shared_ptr<recording_sink> sink = nullptr) {
  net::io_context ioc;
  std::optional<beast::test::stream> client;
  if (fc)
    client.emplace(ioc, *fc, "");
  else
    client.emplace(ioc);
  beast::test::stream server{ioc};
  client->connect(server);
  if (read_size)
    client->read_size(read_size);
  client->append(canned);
  if (close)
    server.close();
  beast::flat_buffer buffer;
  outcome out;
  if (sink)
    out.sink = sink;
  auto op = std::make_shared<exchange_op<beast::test::stream>>(
    nullptr, *client, buffer, "127.0.0.1:6443", req, out.sink, limits,
    [&out](exchange_result r) { out.result = std::move(r); });
  op->start();
  op.reset();
  ioc.run_for(std::chrono::seconds(5));
  out.written = std::string(server.str());
  return out;
}

TEST(HttpExchange, WritesRequestLineHostAndBody) {
  wire_request req = get_request();
  req.method = "POST";
  req.target = "/api/v1/namespaces/default/configmaps";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = R"({"kind":"ConfigMap"})";
  auto out = run("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", req);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_EQ(out.written.rfind("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\n", 0), 0u) << out.written;
  EXPECT_NE(out.written.find("Host: 127.0.0.1:6443\r\n"), std::string::npos);
  EXPECT_NE(out.written.find("Content-Length: 20\r\n"), std::string::npos);
  EXPECT_EQ(out.written.find("Accept-Encoding"), std::string::npos);
  EXPECT_EQ(out.written.substr(out.written.size() - 20), req.body);
  EXPECT_EQ(out.sink->status, 201);
  EXPECT_EQ(out.sink->body, "{}");
}

TEST(HttpExchange, ContentLengthResponseAllowsKeepAlive) {
  auto out = run("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_TRUE(out.result->keep_alive);
  EXPECT_EQ(out.sink->heads, 1);
  EXPECT_EQ(out.sink->status, 200);
  EXPECT_EQ(out.sink->header("content-type"), "application/json");
  EXPECT_EQ(out.sink->body, "hello");
}

TEST(HttpExchange, ConnectionCloseResponseIsNotReusable) {
  auto out = run("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err);
  EXPECT_FALSE(out.result->keep_alive);
  EXPECT_EQ(out.sink->body, "ok");
}

TEST(HttpExchange, RequestConnectionCloseIsNotReusable) {
  auto req = get_request();
  req.headers.emplace_back("Connection", "close");
  auto out = run("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", req);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err);
  EXPECT_FALSE(out.result->keep_alive);
}

TEST(HttpExchange, Http10WithoutKeepAliveIsNotReusable) {
  auto out = run("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err);
  EXPECT_FALSE(out.result->keep_alive);
}

TEST(HttpExchange, HeadResponseHasNoBody) {
  auto req = get_request();
  req.method = "HEAD";
  auto out = run("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", req);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_TRUE(out.result->keep_alive);
  EXPECT_EQ(out.sink->status, 200);
  EXPECT_TRUE(out.sink->body.empty());
}

TEST(HttpExchange, ReadUntilCloseBodyEndsCleanly) {
  auto out = run("HTTP/1.1 200 OK\r\n\r\nline one\nline two\n");
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_FALSE(out.result->keep_alive);
  EXPECT_EQ(out.sink->body, "line one\nline two\n");
}

const std::string chunked_watch = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "10\r\n{\"type\":\"ADDED\",\r\n"
                                  "16\r\n\"object\":{\"a\":1}}\n{\"ty\r\n"
                                  "16\r\npe\":\"BOOKMARK\",\"x\":2}\n\r\n"
                                  "0\r\n\r\n";
const std::string chunked_body = "{\"type\":\"ADDED\",\"object\":{\"a\":1}}\n{\"type\":\"BOOKMARK\",\"x\":2}\n";

TEST(HttpExchange, ChunkedBodySplitAcrossChunkBoundaries) {
  auto out = run(chunked_watch);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_TRUE(out.result->keep_alive);
  EXPECT_EQ(out.sink->body, chunked_body);
}

TEST(HttpExchange, ChunkedBodyDeliveredByteByByte) {
  // One byte per read: chunk headers, CRLFs and data all arrive split.
  auto out = run(chunked_watch, get_request(), {}, 1);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_EQ(out.sink->body, chunked_body);
  EXPECT_GT(out.sink->pieces.size(), 10u); // delivered incrementally, not buffered to the end
}

TEST(HttpExchange, UnlimitedBodyLimitAcceptsLargeChunkedStream) {
  // 9 MiB over many chunks: more than Beast's default 8 MiB body limit.
  std::string canned = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 144; ++i)
    canned += "10000\r\n" + chunk + "\r\n";
  canned += "0\r\n\r\n";
  auto out = run(canned);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err) << out.result->err.message;
  EXPECT_EQ(out.sink->body.size(), 144u * 64 * 1024);
}

TEST(HttpExchange, BodyLimitFailsWithHttpError) {
  exchange_limits limits;
  limits.body_limit = 4;
  auto out = run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", get_request(), limits);
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->err.code, kelos::errc::http_error);
  EXPECT_NE(out.result->err.message.find("size limit"), std::string::npos) << out.result->err.message;
}

TEST(HttpExchange, EofMidChunkedBodyFails) {
  auto out = run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nab");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->err.code, kelos::errc::connection_failed);
  EXPECT_NE(out.result->err.message.find("read response body from 127.0.0.1:6443"), std::string::npos)
    << out.result->err.message;
  EXPECT_FALSE(out.result->nothing_received);
  EXPECT_EQ(out.sink->body.substr(0, 5), "hello");
}

TEST(HttpExchange, EofBeforeAnyResponseByteIsMarkedNothingReceived) {
  auto out = run("");
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->err.code, kelos::errc::connection_failed);
  EXPECT_TRUE(out.result->nothing_received);
  EXPECT_FALSE(out.result->nothing_written);
  EXPECT_EQ(out.sink->heads, 0);
}

TEST(HttpExchange, SinkCanStopReading) {
  auto sink = std::make_shared<recording_sink>();
  sink->stop_after_first_data = true;
  auto out = run(chunked_watch, get_request(), {}, 0, nullptr, true, sink);
  ASSERT_TRUE(out.result);
  EXPECT_FALSE(out.result->err);
  EXPECT_TRUE(out.result->stopped_by_sink);
  EXPECT_FALSE(out.result->keep_alive);
  EXPECT_EQ(out.sink->pieces.size(), 1u);
}

TEST(HttpExchange, SinkCanRejectHead) {
  auto sink = std::make_shared<recording_sink>();
  sink->accept_head = false;
  auto out = run("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno", get_request(), {}, 0, nullptr, true, sink);
  ASSERT_TRUE(out.result);
  EXPECT_TRUE(out.result->stopped_by_sink);
  EXPECT_EQ(out.sink->status, 401);
  EXPECT_TRUE(out.sink->body.empty());
}

TEST(HttpExchange, FailCountMatrixCoversEveryStep) {
  // Fail the n-th stream operation for n = 0, 1, ... until the exchange succeeds. Every
  // failure must surface as an error (never a hang, a crash or a silent success).
  bool succeeded = false;
  int failures = 0;
  for (std::size_t n = 0; n < 200 && !succeeded; ++n) {
    beast::test::fail_count fc{n};
    auto out = run(chunked_watch, get_request(), {}, 7, &fc);
    ASSERT_TRUE(out.result) << "no completion at n=" << n;
    if (out.result->err) {
      ++failures;
      EXPECT_EQ(out.result->err.code, kelos::errc::connection_failed) << out.result->err.message;
      if (n == 0) {
        EXPECT_TRUE(out.result->nothing_written);
      }
    } else {
      succeeded = true;
      EXPECT_EQ(out.sink->body, chunked_body);
    }
  }
  EXPECT_TRUE(succeeded);
  EXPECT_GT(failures, 5);
}

TEST(HttpExchange, HostPortBracketsIpv6) {
  EXPECT_EQ(host_port("127.0.0.1", 6443), "127.0.0.1:6443");
  EXPECT_EQ(host_port("::1", 443), "[::1]:443");
  EXPECT_EQ(host_port("kube.example", 80), "kube.example:80");
}

} // namespace
