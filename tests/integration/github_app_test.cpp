// The GitHub App token exchange (sources/github/token_client.hpp) against an HTTPS server on
// 127.0.0.1 playing GitHub (tests/support/loopback_server.hpp with the test PKI).
#include "sources/github/token_client.hpp"

#include "k8s/json.hpp"
#include "tests/support/loopback_server.hpp"
#include "tests/unit/github_app_test_support.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;
using kelos::errc;
using kelos::github::app_credentials;
using kelos::github::fetch_installation_token;
using kelos::github::parse_app_credentials;
using kelos::github::token_client_options;
using kelos::k8s::json;
using kelos::test::loopback_request;
using kelos::test::loopback_response;
using kelos::test::loopback_server;
using kelos::test::loopback_tls;
using kelos::test::test_pki;
namespace gh = kelos::test::github;
using clk = std::chrono::steady_clock;

const std::string github_token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

/// A fake GitHub: records the last request and answers with `answer`.
struct fake_github {
  std::mutex mu;
  std::optional<loopback_request> last;
  loopback_response answer;
  loopback_server server;

  explicit fake_github(loopback_response a)
    : answer(std::move(a)),
      server(
        [this](const loopback_request& req) {
          std::lock_guard<std::mutex> lock{mu};
          last = req;
          return answer;
        },
        loopback_tls{test_pki().server.cert_pem, test_pki().server.key_pem, {}}) {}

  std::string base(const std::string& prefix = {}) const {
    return "https://127.0.0.1:" + std::to_string(server.port()) + prefix;
  }
  loopback_request request() {
    std::lock_guard<std::mutex> lock{mu};
    return last.value_or(loopback_request{});
  }
};

loopback_response created() {
  loopback_response r;
  r.status = 201;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  r.body = json{{"token", github_token},
                {"expires_at", "2026-03-01T13:00:00Z"},
                {"permissions", {{"contents", "write"}, {"issues", "write"}}},
                {"repository_selection", "all"}}
             .dump();
  return r;
}

app_credentials creds() {
  auto c = parse_app_credentials(gh::app_secret(gh::keys().pkcs1_pem));
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? *c : app_credentials{};
}

token_client_options test_options() {
  token_client_options o;
  o.ca_pem = test_pki().ca.cert_pem;
  o.timeout = 5s;
  return o;
}

kelos::k8s::time_point at(const char* rfc3339) {
  return kelos::k8s::parse_time(rfc3339).value();
}

TEST(GitHubAppExchange, PostsSignedJwtAndReturnsToken) {
  fake_github gh_server{created()};
  auto tok = fetch_installation_token(creds(), gh_server.base(), at("2026-03-01T12:00:00Z"), test_options());
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(tok->token, github_token);
  EXPECT_EQ(tok->expires_at, at("2026-03-01T13:00:00Z"));

  auto req = gh_server.request();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/app/installations/67890/access_tokens");
  EXPECT_EQ(req.header("Accept"), "application/vnd.github+json");
  EXPECT_EQ(req.header("User-Agent"), "kelos");
  EXPECT_EQ(req.header("Host"), "127.0.0.1:" + std::to_string(gh_server.server.port()));
  EXPECT_TRUE(req.body.empty());
  const auto auth = req.header("Authorization");
  ASSERT_EQ(auth.rfind("Bearer ", 0), 0u) << auth;
  const auto jwt = auth.substr(7);
  EXPECT_TRUE(gh::verify_rs256(jwt, gh::keys().public_pem));
  auto parts = gh::split_jwt(jwt);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(json::parse(gh::base64url_decode(parts[0])), (json{{"alg", "RS256"}, {"typ", "JWT"}}));
  EXPECT_EQ(json::parse(gh::base64url_decode(parts[1])),
            (json{{"iat", 1772366400 - 60}, {"exp", 1772366400 + 600}, {"iss", "12345"}}));
}

TEST(GitHubAppExchange, EnterpriseBasePathIsKept) {
  fake_github gh_server{created()};
  auto tok = fetch_installation_token(creds(), gh_server.base("/api/v3"), at("2026-03-01T12:00:00Z"), test_options());
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(gh_server.request().target, "/api/v3/app/installations/67890/access_tokens");
}

TEST(GitHubAppExchange, UnauthorizedAnswerIsAClearError) {
  loopback_response r;
  r.status = 401;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = R"({"message":"'Expiration time' claim ('exp') is too far in the future","documentation_url":"https://docs.github.com/rest"})";
  fake_github gh_server{r};
  auto tok = fetch_installation_token(creds(), gh_server.base(), at("2026-03-01T12:00:00Z"), test_options());
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, errc::unauthorized);
  EXPECT_EQ(tok.error().message, "GitHub App token exchange: GitHub returned HTTP 401: " + r.body);
  // The transport must not retry a 401 (there is no token source to refresh).
  EXPECT_EQ(gh_server.server.requests_handled(), 1u);
  const auto jwt = gh_server.request().header("Authorization").substr(7);
  ASSERT_FALSE(jwt.empty());
  EXPECT_EQ(tok.error().message.find(jwt), std::string::npos);
}

TEST(GitHubAppExchange, UnprocessableAnswerIsABadRequest) {
  loopback_response r;
  r.status = 422;
  r.body = R"({"message":"Validation Failed","status":"422"})";
  fake_github gh_server{r};
  auto tok = fetch_installation_token(creds(), gh_server.base(), at("2026-03-01T12:00:00Z"), test_options());
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, errc::bad_request);
}

TEST(GitHubAppExchange, DeadPortFailsFast) {
  uint16_t port = 0;
  {
    loopback_server closed{[](const loopback_request&) { return loopback_response{}; }};
    port = closed.port();
  } // nothing listens there any more
  const auto start = clk::now();
  auto tok = fetch_installation_token(creds(), "https://127.0.0.1:" + std::to_string(port), at("2026-03-01T12:00:00Z"),
                                      test_options());
  const auto took = clk::now() - start;
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, errc::connection_failed) << tok.error().message;
  EXPECT_EQ(tok.error().message.rfind("GitHub App token exchange: POST /app/installations/67890/access_tokens: ", 0), 0u)
    << tok.error().message;
  EXPECT_NE(tok.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << tok.error().message;
  EXPECT_LT(took, 3s);
}

TEST(GitHubAppExchange, SilentServerIsBoundedByTheTimeout) {
  loopback_response r;
  r.no_response = true;
  fake_github gh_server{r};
  auto options = test_options();
  options.timeout = 1s;
  const auto start = clk::now();
  auto tok = fetch_installation_token(creds(), gh_server.base(), at("2026-03-01T12:00:00Z"), options);
  const auto took = clk::now() - start;
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, errc::timeout) << tok.error().message;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 4s);
}

TEST(GitHubAppExchange, UntrustedServerCertificateIsRefused) {
  fake_github gh_server{created()};
  auto options = test_options();
  options.ca_pem = test_pki().other_ca.cert_pem;
  auto tok = fetch_installation_token(creds(), gh_server.base(), at("2026-03-01T12:00:00Z"), options);
  ASSERT_FALSE(tok);
  EXPECT_EQ(tok.error().code, errc::connection_failed) << tok.error().message;
  EXPECT_EQ(gh_server.server.requests_handled(), 0u);
}

TEST(GitHubAppExchange, BadInputsFailBeforeAnyRequest) {
  auto bad_base = fetch_installation_token(creds(), "ftp://github.example", at("2026-03-01T12:00:00Z"), test_options());
  ASSERT_FALSE(bad_base);
  EXPECT_EQ(bad_base.error().code, errc::invalid_config);
  EXPECT_EQ(bad_base.error().message.rfind("GitHub App token exchange: bad API base: ", 0), 0u);

  app_credentials broken{"12345", "67890", gh::keys().ec_pem};
  auto bad_key = fetch_installation_token(broken, "https://127.0.0.1:1", at("2026-03-01T12:00:00Z"), test_options());
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().code, errc::invalid_spec);
  EXPECT_EQ(bad_key.error().message.find("-----"), std::string::npos);
}

} // namespace
