// The HTTP(S) transport against a real server on 127.0.0.1 (tests/support/loopback_server.hpp).
#include "k8s/client/http_client.hpp"
#include "tests/support/loopback_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace {

using namespace std::chrono_literals;
using kelos::errc;
using kelos::k8s::http_client;
using kelos::k8s::http_request;
using kelos::k8s::http_response;
using kelos::k8s::stream_callbacks;
using kelos::k8s::transport_config;
using kelos::test::loopback_request;
using kelos::test::loopback_response;
using kelos::test::loopback_server;
using kelos::test::loopback_tls;
using kelos::test::test_pki;
using clk = std::chrono::steady_clock;

transport_config plain_config(const loopback_server& srv) {
  transport_config cfg;
  cfg.scheme = "http";
  cfg.host = "127.0.0.1";
  cfg.port = srv.port();
  cfg.user_agent = "kelos-test/1";
  cfg.connect_timeout = 2s;
  cfg.response_header_timeout = 5s;
  cfg.total_timeout = 10s;
  return cfg;
}

transport_config tls_config(const loopback_server& srv) {
  auto cfg = plain_config(srv);
  cfg.scheme = "https";
  cfg.ca_pem = test_pki().ca.cert_pem;
  return cfg;
}

loopback_tls server_tls(bool require_client_cert = false) {
  loopback_tls t{test_pki().server.cert_pem, test_pki().server.key_pem, {}};
  if (require_client_cert)
    t.client_ca_pem = test_pki().ca.cert_pem;
  return t;
}

std::unique_ptr<http_client> make_client(transport_config cfg) {
  auto c = http_client::make(std::move(cfg));
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

http_request get(std::string path) {
  http_request r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}

loopback_response echo(const loopback_request& in) {
  loopback_response out;
  out.headers = {{"Content-Type", "text/plain"}};
  out.body = in.method + " " + in.target + " " + in.body;
  return out;
}

/// Collects one stream's callbacks and lets the test wait for the end.
struct stream_recorder {
  std::mutex mu;
  std::condition_variable cv;
  int status = 0;
  std::string data;
  std::vector<clk::duration> arrivals; // since start, per on_data call
  std::optional<kelos::error> done;
  clk::time_point started = clk::now();

  stream_callbacks callbacks() {
    stream_callbacks cb;
    cb.on_response_head = [this](int s, const auto&) {
      std::lock_guard<std::mutex> g{mu};
      status = s;
    };
    cb.on_data = [this](std::string_view chunk) {
      std::lock_guard<std::mutex> g{mu};
      data.append(chunk);
      arrivals.push_back(clk::now() - started);
      cv.notify_all();
    };
    cb.on_done = [this](kelos::error e) {
      std::lock_guard<std::mutex> g{mu};
      done = std::move(e);
      cv.notify_all();
    };
    return cb;
  }

  bool wait_done(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> l{mu};
    return cv.wait_for(l, limit, [this] { return done.has_value(); });
  }

  bool wait_data(std::size_t bytes, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> l{mu};
    return cv.wait_for(l, limit, [&] { return data.size() >= bytes || done.has_value(); });
  }
};

std::vector<std::string> ten_lines() {
  std::vector<std::string> lines;
  for (int i = 0; i < 10; ++i)
    lines.push_back("{\"type\":\"ADDED\",\"n\":" + std::to_string(i) + "}\n");
  return lines;
}

TEST(HttpLoopback, PlainGetSendsHostUserAgentAndNoEncoding) {
  std::mutex mu;
  std::vector<loopback_request> seen;
  loopback_server srv{[&](const loopback_request& in) {
    std::lock_guard<std::mutex> g{mu};
    seen.push_back(in);
    return echo(in);
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  auto req = get("/api/v1/namespaces/default/pods");
  req.query = {{"labelSelector", "app=x,tier in (a b)"}};
  auto r = client->send_sync(req, 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->body, "GET /api/v1/namespaces/default/pods?labelSelector=app%3Dx%2Ctier%20in%20%28a%20b%29 ");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("Host"), "127.0.0.1:" + std::to_string(srv.port()));
  EXPECT_EQ(seen[0].header("User-Agent"), "kelos-test/1");
  EXPECT_EQ(seen[0].header("Accept-Encoding"), "");
  EXPECT_EQ(seen[0].header("Authorization"), "");
}

TEST(HttpLoopback, PlainPostCarriesBodyAndHeadersAndBasePath) {
  loopback_server srv{[](const loopback_request& in) {
    auto out = echo(in);
    out.status = 201;
    out.body += "|" + in.header("Content-Type");
    return out;
  }};
  auto cfg = plain_config(srv);
  cfg.base_path = "/k8s/clusters/c-1/";
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  http_request req;
  req.method = "POST";
  req.path = "/api/v1/namespaces/default/configmaps";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"kind":"ConfigMap"})";
  req.idempotent = false;
  auto r = client->send_sync(req, 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"(POST /k8s/clusters/c-1/api/v1/namespaces/default/configmaps {"kind":"ConfigMap"}|application/json)");
}

TEST(HttpLoopback, AsyncSendCallsBackOnIoThread) {
  loopback_server srv{echo};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  std::promise<std::pair<std::thread::id, int>> p;
  client->send(get("/version"), [&](kelos::expected<http_response> r) {
    p.set_value({std::this_thread::get_id(), r ? r->status : -1});
  });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  auto [tid, status] = f.get();
  EXPECT_EQ(status, 200);
  EXPECT_NE(tid, std::this_thread::get_id());
}

TEST(HttpLoopback, KeepAliveReusesOneConnection) {
  loopback_server srv{echo};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  for (int i = 0; i < 20; ++i) {
    auto r = client->send_sync(get("/api/v1/pods/" + std::to_string(i)), 5s);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "GET /api/v1/pods/" + std::to_string(i) + " ");
  }
  EXPECT_EQ(srv.connections_accepted(), 1u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
  EXPECT_EQ(client->stats().connections_reused, 19u);
}

TEST(HttpLoopback, TlsKeepAliveReusesOneConnection) {
  loopback_server srv{echo, server_tls()};
  auto client = make_client(tls_config(srv));
  ASSERT_TRUE(client);
  for (int i = 0; i < 5; ++i) {
    auto r = client->send_sync(get("/healthz"), 5s);
    ASSERT_TRUE(r) << r.error().message;
  }
  EXPECT_EQ(srv.connections_accepted(), 1u);
}

/// Sends `n` requests at once and waits for all of them.
std::vector<kelos::expected<http_response>> send_concurrently(http_client& client, int n) {
  std::vector<std::promise<kelos::expected<http_response>>> promises(n);
  for (int i = 0; i < n; ++i)
    client.send(get("/slow/" + std::to_string(i)),
                [&promises, i](kelos::expected<http_response> r) { promises[i].set_value(std::move(r)); });
  std::vector<kelos::expected<http_response>> out;
  for (auto& p : promises)
    out.push_back(p.get_future().get()); // bounded by total_timeout
  return out;
}

TEST(HttpLoopback, ConcurrentRequestsOpenConnectionsAndPoolIsBounded) {
  loopback_server srv{[](const loopback_request& in) {
    auto out = echo(in);
    out.delay_before_head = 200ms;
    return out;
  }};
  auto cfg = plain_config(srv);
  cfg.io_threads = 2;
  cfg.max_idle_connections = 2;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto start = clk::now();
  for (auto& r : send_concurrently(*client, 6))
    ASSERT_TRUE(r) << r.error().message;
  EXPECT_LT(clk::now() - start, 1s); // in parallel, not 6 x 200 ms
  EXPECT_EQ(srv.connections_accepted(), 6u);
  // Only two connections were kept: a second burst reuses two and opens four.
  for (auto& r : send_concurrently(*client, 6))
    ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(srv.connections_accepted(), 10u);
  EXPECT_EQ(client->stats().connections_reused, 2u);
}

TEST(HttpLoopback, ConnectionCloseIsHonoured) {
  loopback_server srv{[](const loopback_request& in) {
    auto out = echo(in);
    out.close_after = true;
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  for (int i = 0; i < 3; ++i) {
    auto r = client->send_sync(get("/x"), 5s);
    ASSERT_TRUE(r) << r.error().message;
  }
  EXPECT_EQ(srv.connections_accepted(), 3u);
}

/// A server whose connections answer once and hang up on the second request (the race in which
/// the server closes an idle connection just as the client reuses it).
loopback_server hang_up_on_second_request() {
  return loopback_server{[](const loopback_request& in) {
    auto out = echo(in);
    out.hang_up = in.header("X-Seq") == "2";
    return out;
  }};
}

http_request numbered(std::string method, int seq) {
  http_request r = get("/r" + std::to_string(seq));
  r.method = std::move(method);
  r.headers = {{"X-Seq", std::to_string(seq)}};
  r.idempotent = r.method == "GET";
  return r;
}

TEST(HttpLoopback, StalePooledConnectionIsRetriedOnceForIdempotentRequests) {
  auto srv = hang_up_on_second_request();
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send_sync(numbered("GET", 1), 5s));
  // Reuses the pooled connection; the server hangs up; the GET is resent on a new connection
  // (where the handler, seeing X-Seq 2 again, hangs up too, so seq 2 fails after one retry).
  auto r = client->send_sync(numbered("GET", 2), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::connection_failed);
  EXPECT_EQ(client->stats().stale_retries, 1u);
  EXPECT_EQ(srv.connections_accepted(), 2u);
  EXPECT_EQ(srv.requests_handled(), 3u);
}

TEST(HttpLoopback, StaleRetrySucceedsOnNewConnection) {
  std::atomic<int> seen_two{0};
  loopback_server srv{[&](const loopback_request& in) {
    auto out = echo(in);
    out.hang_up = in.header("X-Seq") == "2" && seen_two++ == 0;
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send_sync(numbered("GET", 1), 5s));
  auto r = client->send_sync(numbered("GET", 2), 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "GET /r2 ");
  EXPECT_EQ(client->stats().stale_retries, 1u);
  EXPECT_EQ(srv.connections_accepted(), 2u);
}

TEST(HttpLoopback, NonIdempotentRequestIsNotResentAfterWrite) {
  auto srv = hang_up_on_second_request();
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send_sync(numbered("POST", 1), 5s));
  auto r = client->send_sync(numbered("POST", 2), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::connection_failed);
  EXPECT_EQ(client->stats().stale_retries, 0u);
  EXPECT_EQ(srv.requests_handled(), 2u); // the POST reached the server once, never twice
}

TEST(HttpLoopback, IdleConnectionClosedByServerIsNotReused) {
  // The server advertises keep-alive but closes after each response (an idle timeout). The
  // closed pooled connection is detected before use, so even a POST goes out on a new one.
  loopback_server srv{[](const loopback_request& in) {
    auto out = echo(in);
    out.drop_after = true;
    return out;
  }};
  auto cfg = plain_config(srv);
  cfg.probe_idle_after = 50ms;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send_sync(numbered("POST", 1), 5s));
  std::this_thread::sleep_for(100ms); // let the server's FIN arrive; idle past probe_idle_after
  auto r = client->send_sync(numbered("POST", 3), 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "POST /r3 ");
  EXPECT_EQ(client->stats().stale_retries, 0u);
  EXPECT_EQ(client->stats().connections_reused, 0u);
  EXPECT_EQ(client->stats().idle_probes, 1u);
  EXPECT_EQ(srv.connections_accepted(), 2u);
}

TEST(HttpLoopback, ConnectionReusedWithinProbeIdleAfterIsNotProbed) {
  loopback_server srv{echo};
  // Three POSTs back to back on one client with the given threshold; its counters after.
  auto three_posts = [&](std::chrono::milliseconds probe_idle_after) {
    auto cfg = plain_config(srv);
    cfg.probe_idle_after = probe_idle_after;
    auto client = make_client(cfg);
    EXPECT_TRUE(client);
    for (int i = 0; client && i < 3; ++i)
      EXPECT_TRUE(client->send_sync(numbered("POST", i), 5s));
    return client ? client->stats() : kelos::k8s::http_client_stats{};
  };
  auto never = three_posts(std::chrono::hours(1));
  EXPECT_EQ(never.connections_reused, 2u);
  EXPECT_EQ(never.idle_probes, 0u);
  auto always = three_posts(0ms);
  EXPECT_EQ(always.connections_reused, 2u);
  EXPECT_EQ(always.idle_probes, 2u);
}

TEST(HttpLoopback, ProbeIdleAfterMustNotBeNegative) {
  kelos::k8s::transport_config cfg;
  cfg.scheme = "http";
  cfg.host = "127.0.0.1";
  cfg.probe_idle_after = -1ms;
  auto v = kelos::k8s::validate(cfg);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, errc::invalid_config);
  EXPECT_NE(v.error().message.find("probe_idle_after"), std::string::npos) << v.error().message;
}

TEST(HttpLoopback, ConnectionRefusedNamesTheEndpoint) {
  uint16_t port = 0;
  {
    loopback_server srv{echo};
    port = srv.port();
  }
  transport_config cfg;
  cfg.scheme = "http";
  cfg.host = "127.0.0.1";
  cfg.port = port;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::connection_failed);
  EXPECT_NE(r.error().message.find("connect 127.0.0.1:" + std::to_string(port) + ": Connection refused"),
            std::string::npos)
    << r.error().message;
}

TEST(HttpLoopback, ServerThatNeverAnswersTimesOut) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.no_response = true;
    return out;
  }};
  auto cfg = plain_config(srv);
  cfg.response_header_timeout = 300ms;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto start = clk::now();
  auto r = client->send_sync(get("/slow"), 10s);
  auto took = clk::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout) << r.error().message;
  EXPECT_NE(r.error().message.find("read response header from 127.0.0.1"), std::string::npos) << r.error().message;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  srv.stop();
}

TEST(HttpLoopback, SendSyncTimeoutBoundsTheWholeRequest) {
  loopback_server srv{[](const loopback_request& in) {
    auto out = echo(in);
    out.delay_before_head = 5s;
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  auto start = clk::now();
  auto r = client->send_sync(get("/slow"), 300ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_LT(clk::now() - start, 3s);
  srv.stop();
}

TEST(HttpLoopback, OversizedBodyFailsClearly) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.body = std::string(4096, 'x');
    return out;
  }};
  auto cfg = plain_config(srv);
  cfg.max_body_bytes = 1024;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/big"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::http_error);
  EXPECT_NE(r.error().message.find("exceeds the size limit of 1024 bytes"), std::string::npos) << r.error().message;
}

TEST(HttpLoopback, SendSyncOnIoThreadIsRefused) {
  loopback_server srv{echo};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  std::promise<kelos::errc> p;
  client->send(get("/a"), [&](kelos::expected<http_response>) {
    auto r = client->send_sync(get("/b"), 1s);
    p.set_value(r ? errc::none : r.error().code);
  });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), errc::logic_error);
}

// --- TLS ---------------------------------------------------------------------------------

TEST(HttpLoopback, HttpsWithCaVerifiesIpSan) {
  loopback_server srv{echo, server_tls()};
  auto client = make_client(tls_config(srv));
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /version ");
}

TEST(HttpLoopback, HttpsByDnsNameVerifies) {
  loopback_server srv{echo, server_tls()};
  auto cfg = tls_config(srv);
  cfg.tls_server_name = "localhost"; // connect to 127.0.0.1, verify (and SNI) as localhost
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_TRUE(r) << r.error().message;
}

TEST(HttpLoopback, HttpsWrongCaFailsVerification) {
  loopback_server srv{echo, server_tls()};
  auto cfg = tls_config(srv);
  cfg.ca_pem = test_pki().other_ca.cert_pem;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::connection_failed);
  EXPECT_NE(r.error().message.find("TLS handshake with 127.0.0.1:" + std::to_string(srv.port()) +
                                   ": certificate verify failed"),
            std::string::npos)
    << r.error().message;
}

TEST(HttpLoopback, HttpsNameMismatchFailsVerification) {
  loopback_server srv{echo, server_tls()};
  auto cfg = tls_config(srv);
  cfg.tls_server_name = "kubernetes.example.com";
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("hostname mismatch"), std::string::npos) << r.error().message;
}

TEST(HttpLoopback, HttpsIpMismatchFailsVerification) {
  // The certificate covers 127.0.0.1 and localhost, not 127.0.0.2.
  loopback_server srv{echo, server_tls()};
  auto cfg = tls_config(srv);
  cfg.tls_server_name = "127.0.0.2";
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("IP address mismatch"), std::string::npos) << r.error().message;
}

TEST(HttpLoopback, HttpsInsecureSkipVerifyConnects) {
  loopback_server srv{echo, server_tls()};
  auto cfg = tls_config(srv);
  cfg.ca_pem = test_pki().other_ca.cert_pem;
  cfg.insecure_skip_tls_verify = true;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/version"), 5s);
  ASSERT_TRUE(r) << r.error().message;
}

TEST(HttpLoopback, MutualTlsWithClientCertificate) {
  std::mutex mu;
  std::string cn;
  loopback_server srv{[&](const loopback_request& in) {
    std::lock_guard<std::mutex> g{mu};
    cn = in.client_cert_cn;
    return echo(in);
  },
                      server_tls(true)};
  auto cfg = tls_config(srv);
  cfg.client_cert_pem = test_pki().client.cert_pem;
  cfg.client_key_pem = test_pki().client.key_pem;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_TRUE(r) << r.error().message;
  std::lock_guard<std::mutex> g{mu};
  EXPECT_EQ(cn, "kelos-test");
}

TEST(HttpLoopback, MutualTlsWithoutClientCertificateFails) {
  loopback_server srv{echo, server_tls(true)};
  auto client = make_client(tls_config(srv));
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::connection_failed) << r.error().message;
  EXPECT_EQ(srv.requests_handled(), 0u);
}

TEST(HttpLoopback, MutualTlsWithUntrustedClientCertificateFails) {
  loopback_server srv{echo, server_tls(true)};
  auto cfg = tls_config(srv);
  cfg.client_cert_pem = test_pki().other_client.cert_pem;
  cfg.client_key_pem = test_pki().other_client.key_pem;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(srv.requests_handled(), 0u);
}

TEST(HttpLoopback, BadPemIsAConfigError) {
  transport_config cfg;
  cfg.host = "127.0.0.1";
  cfg.ca_pem = "not a certificate";
  auto c = http_client::make(cfg);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::invalid_config);
  cfg.ca_pem.clear();
  cfg.client_cert_pem = test_pki().client.cert_pem;
  cfg.client_key_pem = test_pki().other_client.key_pem; // does not match
  auto d = http_client::make(cfg);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, errc::invalid_config);
  EXPECT_EQ(d.error().message.find("PRIVATE KEY"), std::string::npos); // never echo the key
}

// --- Bearer tokens ------------------------------------------------------------------------

/// A token source for the client: "old" until invalidated, then "fresh"; counts its calls.
struct token_probe {
  explicit token_probe(bool stale_at_start) : stale(stale_at_start) {}
  void wire(transport_config& cfg) {
    cfg.bearer_token = [this]() -> kelos::expected<std::string> {
      ++fetches;
      return std::string(stale ? "old" : "fresh");
    };
    cfg.invalidate_token = [this] {
      ++invalidations;
      stale = false;
    };
  }
  std::atomic<int> fetches{0}, invalidations{0};
  std::atomic<bool> stale;
};

/// A server that answers 200 to `Authorization: Bearer fresh` and 401 to anything else,
/// echoing the header it got.
loopback_server accepting_only_the_fresh_token() {
  return loopback_server{[](const loopback_request& in) {
    loopback_response out;
    out.status = in.header("Authorization") == "Bearer fresh" ? 200 : 401;
    out.body = in.header("Authorization");
    return out;
  }};
}

TEST(HttpLoopback, UnauthorizedInvalidatesTokenAndRetriesOnce) {
  auto srv = accepting_only_the_fresh_token();
  token_probe tokens{true};
  auto cfg = plain_config(srv);
  tokens.wire(cfg);
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Bearer fresh");
  EXPECT_EQ(tokens.fetches.load(), 2);
  EXPECT_EQ(tokens.invalidations.load(), 1);
  EXPECT_EQ(srv.requests_handled(), 2u);
  EXPECT_EQ(client->stats().auth_retries, 1u);
}

TEST(HttpLoopback, TokenAtHandIsUsedWithoutTheTokenThread) {
  auto srv = accepting_only_the_fresh_token();
  token_probe tokens{false};
  std::atomic<bool> at_hand{true};
  auto& stale = tokens.stale;
  auto& fetches = tokens.fetches;
  auto& invalidations = tokens.invalidations;
  auto cfg = plain_config(srv);
  tokens.wire(cfg);
  cfg.cached_bearer_token = [&]() -> std::optional<std::string> {
    if (!at_hand)
      return std::nullopt;
    return std::string(stale ? "old" : "fresh");
  };
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  for (int i = 0; i < 3; ++i) {
    auto r = client->send_sync(get("/api"), 5s);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "Bearer fresh");
  }
  EXPECT_EQ(fetches.load(), 0);
  EXPECT_EQ(client->stats().cached_tokens, 3u);

  at_hand = false; // e.g. a token file due for its check: fetched on the token thread
  auto fetched = client->send_sync(get("/api"), 5s);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetches.load(), 1);

  // A cached token the server refuses: the retry invalidates and fetches, never reuses the cache.
  at_hand = true;
  stale = true;
  auto retried = client->send_sync(get("/api"), 5s);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->status, 200);
  EXPECT_EQ(invalidations.load(), 1);
  EXPECT_EQ(fetches.load(), 2);
  EXPECT_EQ(client->stats().auth_retries, 1u);
  EXPECT_EQ(client->stats().cached_tokens, 4u);

  auto bad = plain_config(srv);
  bad.cached_bearer_token = [] { return std::optional<std::string>("x"); };
  auto refused = http_client::make(std::move(bad));
  ASSERT_FALSE(refused) << "a cached token without bearer_token is a config error";
  EXPECT_EQ(refused.error().code, errc::invalid_config);
}

TEST(HttpLoopback, PersistentUnauthorizedIsReturnedAfterOneRetry) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.status = 401;
    out.body = R"({"kind":"Status","code":401})";
    return out;
  }};
  std::atomic<int> invalidations{0};
  auto cfg = plain_config(srv);
  cfg.bearer_token = []() -> kelos::expected<std::string> { return std::string("t"); };
  cfg.invalidate_token = [&] { ++invalidations; };
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, R"({"kind":"Status","code":401})");
  EXPECT_EQ(invalidations.load(), 1);
  EXPECT_EQ(srv.requests_handled(), 2u);
}

TEST(HttpLoopback, TokenSourceErrorFailsTheRequest) {
  loopback_server srv{echo};
  auto cfg = plain_config(srv);
  cfg.bearer_token = []() -> kelos::expected<std::string> {
    return kelos::make_error(errc::exec_plugin_failed, "plugin exited with 1");
  };
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::exec_plugin_failed);
  EXPECT_EQ(srv.requests_handled(), 0u);
}

TEST(HttpLoopback, ThrowingTokenSourceFailsOnlyTheRequest) {
  loopback_server srv{echo};
  auto cfg = plain_config(srv);
  cfg.bearer_token = []() -> kelos::expected<std::string> { throw std::runtime_error("boom"); };
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  auto r = client->send_sync(get("/api"), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::logic_error);
  EXPECT_EQ(srv.requests_handled(), 0u);
}

TEST(HttpLoopback, StreamUnauthorizedIsRetriedWithNewToken) {
  loopback_server srv{[](const loopback_request& in) {
    loopback_response out;
    if (in.header("Authorization") != "Bearer fresh") {
      out.status = 401;
      out.body = "denied";
      return out;
    }
    out.chunks = {"{\"type\":\"ADDED\"}\n"};
    return out;
  }};
  std::atomic<bool> stale{true};
  auto cfg = plain_config(srv);
  cfg.bearer_token = [&]() -> kelos::expected<std::string> { return std::string(stale ? "old" : "fresh"); };
  cfg.invalidate_token = [&] { stale = false; };
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/watch");
  req.streaming = true;
  client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_done(5s));
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_FALSE(*rec.done) << rec.done->message;
  EXPECT_EQ(rec.status, 200); // the 401 head was never delivered
  EXPECT_EQ(rec.data, "{\"type\":\"ADDED\"}\n");
}

// --- Streams ------------------------------------------------------------------------------

void expect_incremental_stream(bool tls) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.headers = {{"Content-Type", "application/json"}};
    out.chunks = ten_lines();
    out.chunk_delay = 60ms;
    return out;
  },
                      tls ? std::optional<loopback_tls>(server_tls()) : std::nullopt};
  auto client = make_client(tls ? tls_config(srv) : plain_config(srv));
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/api/v1/pods");
  req.query = {{"watch", "1"}};
  req.streaming = true;
  auto handle = client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_done(10s));
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_FALSE(*rec.done) << rec.done->message;
  EXPECT_EQ(rec.status, 200);
  std::string all;
  for (const auto& l : ten_lines())
    all += l;
  EXPECT_EQ(rec.data, all);
  // Lines arrive as they are sent (~60 ms apart), not all at the end (~540 ms).
  ASSERT_GE(rec.arrivals.size(), 5u);
  EXPECT_GT(rec.arrivals.back() - rec.arrivals.front(), 300ms);
  EXPECT_FALSE(handle.active());
}

TEST(HttpLoopback, StreamDeliversLinesIncrementally) {
  expect_incremental_stream(false);
}

TEST(HttpLoopback, TlsStreamDeliversLinesIncrementally) {
  expect_incremental_stream(true);
}

TEST(HttpLoopback, StreamCancelEndsWithCancelled) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    for (int i = 0; i < 200; ++i)
      out.chunks.push_back("line " + std::to_string(i) + "\n");
    out.chunk_delay = 50ms;
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/api/v1/namespaces/default/pods/p/log");
  req.streaming = true;
  auto handle = client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_data(7, 5s));
  EXPECT_TRUE(handle.active());
  auto start = clk::now();
  handle.cancel();
  handle.cancel(); // idempotent
  ASSERT_TRUE(rec.wait_done(2s));
  EXPECT_LT(clk::now() - start, 1s);
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_EQ(rec.done->code, errc::cancelled);
  EXPECT_FALSE(handle.active());
  EXPECT_LT(rec.data.size(), 200u * 7);
}

TEST(HttpLoopback, ServerClosingMidStreamIsAnError) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.chunks = {"{\"a\":1}\n", "{\"a\":2}\n"};
    out.abort_mid_stream = true;
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/watch");
  req.streaming = true;
  client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_done(5s));
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_EQ(rec.done->code, errc::connection_failed) << rec.done->message;
  EXPECT_EQ(rec.data, "{\"a\":1}\n{\"a\":2}\n");
}

TEST(HttpLoopback, StreamIdleTimeout) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.chunks = {"first\n", "late\n"};
    out.chunk_delay = 3s;
    return out;
  }};
  auto cfg = plain_config(srv);
  cfg.stream_idle_timeout = 300ms;
  auto client = make_client(cfg);
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/watch");
  req.streaming = true;
  client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_done(3s));
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_EQ(rec.done->code, errc::timeout) << rec.done->message;
  EXPECT_EQ(rec.data, "first\n");
  srv.stop();
}

TEST(HttpLoopback, StreamUntilCloseOverTlsEndsCleanly) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.body = "log line 1\nlog line 2\n";
    out.until_close = true;
    return out;
  },
                      server_tls()};
  auto client = make_client(tls_config(srv));
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/log");
  req.streaming = true;
  client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_done(5s));
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_FALSE(*rec.done) << rec.done->message;
  EXPECT_EQ(rec.data, "log line 1\nlog line 2\n");
}

TEST(HttpLoopback, DestroyingClientCancelsOpenStreams) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.chunks = {"a\n", "b\n"};
    out.chunk_delay = 10s;
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/watch");
  req.streaming = true;
  client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_data(2, 5s));
  auto start = clk::now();
  client.reset();
  EXPECT_LT(clk::now() - start, 2s);
  std::lock_guard<std::mutex> g{rec.mu};
  ASSERT_TRUE(rec.done.has_value());
  EXPECT_EQ(rec.done->code, errc::cancelled);
  srv.stop();
}

TEST(HttpLoopback, NonSuccessStreamDeliversStatusAndBody) {
  loopback_server srv{[](const loopback_request&) {
    loopback_response out;
    out.status = 410;
    out.body = R"({"kind":"Status","reason":"Expired"})";
    return out;
  }};
  auto client = make_client(plain_config(srv));
  ASSERT_TRUE(client);
  stream_recorder rec;
  auto req = get("/watch");
  req.streaming = true;
  client->stream(req, rec.callbacks());
  ASSERT_TRUE(rec.wait_done(5s));
  std::lock_guard<std::mutex> g{rec.mu};
  EXPECT_EQ(rec.status, 410);
  EXPECT_EQ(rec.data, R"({"kind":"Status","reason":"Expired"})");
  EXPECT_FALSE(*rec.done);
}

} // namespace
