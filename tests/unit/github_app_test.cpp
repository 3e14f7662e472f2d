// GitHub App authentication, pure part (sources/github/app_auth.hpp): credential parsing,
// the RS256 JWT (verified with OpenSSL against the public key), API base URLs and token answers.
#include "sources/github/app_auth.hpp"

#include "k8s/json.hpp"
#include "tests/unit/github_app_test_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using kelos::errc;
using kelos::github::api_base_for_host;
using kelos::github::app_credentials;
using kelos::github::is_github_app;
using kelos::github::make_app_jwt;
using kelos::github::parse_app_credentials;
using kelos::github::parse_token_response;
using kelos::k8s::json;
using kelos::test::github::app_secret;
using kelos::test::github::base64url_decode;
using kelos::test::github::keys;
using kelos::test::github::split_jwt;
using kelos::test::github::verify_rs256;
using secret_map = std::map<std::string, std::string>;

kelos::k8s::time_point at(const char* rfc3339) {
  auto t = kelos::k8s::parse_time(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(kelos::k8s::time_point{});
}

/// True when `message` holds no line of the key's base64 body.
bool free_of_key_material(const std::string& message, const std::string& pem) {
  if (message.find("-----") != std::string::npos)
    return false;
  size_t start = 0;
  while (start < pem.size()) {
    auto nl = pem.find('\n', start);
    auto line = pem.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.size() > 16 && line.find("-----") == std::string::npos && message.find(line.substr(0, 16)) != std::string::npos)
      return false;
    if (nl == std::string::npos)
      break;
    start = nl + 1;
  }
  return true;
}

// ---------------------------------------------------------------- detection and parsing

TEST(GitHubAppDetect, NeedsAllThreeKeys) {
  struct row {
    secret_map data;
    bool app;
  };
  const std::vector<row> rows = {
    {{{"appID", "1"}, {"installationID", "2"}, {"privateKey", "k"}}, true},
    {{{"appID", ""}, {"installationID", ""}, {"privateKey", ""}}, true}, // presence only
    {{{"appID", "1"}, {"installationID", "2"}, {"privateKey", "k"}, {"GITHUB_TOKEN", "t"}}, true},
    {{{"appID", "1"}, {"installationID", "2"}}, false},
    {{{"appID", "1"}, {"privateKey", "k"}}, false},
    {{{"installationID", "2"}, {"privateKey", "k"}}, false},
    {{{"GITHUB_TOKEN", "t"}}, false},
    {{{"appid", "1"}, {"installationid", "2"}, {"privatekey", "k"}}, false}, // names are exact
    {{}, false},
  };
  for (size_t i = 0; i < rows.size(); ++i)
    EXPECT_EQ(is_github_app(rows[i].data), rows[i].app) << "row " << i;
}

TEST(GitHubAppCredentials, AcceptsPkcs1AndPkcs8AndTrimsIds) {
  for (const auto* pem : {&keys().pkcs1_pem, &keys().pkcs8_pem}) {
    auto data = app_secret(*pem);
    data["appID"] = "  12345\n";
    data["installationID"] = "\t67890 ";
    auto creds = parse_app_credentials(data);
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->app_id, "12345");
    EXPECT_EQ(creds->installation_id, "67890");
    EXPECT_EQ(creds->private_key_pem, *pem);
  }
}

TEST(GitHubAppCredentials, AcceptsKeyWithSurroundingText) {
  auto creds = parse_app_credentials(app_secret("\n\n" + keys().pkcs1_pem + "\n"));
  EXPECT_TRUE(creds) << creds.error().message;
}

TEST(GitHubAppCredentials, RejectsMissingEmptyAndNonDigitValues) {
  struct row {
    std::string key;
    std::optional<std::string> value; // nullopt: remove the key
    std::string expected;
  };
  const std::vector<row> rows = {
    {"appID", std::nullopt, "GitHub App secret key \"appID\" is missing"},
    {"installationID", std::nullopt, "GitHub App secret key \"installationID\" is missing"},
    {"privateKey", std::nullopt, "GitHub App secret key \"privateKey\" is missing"},
    {"appID", "", "GitHub App secret key \"appID\" is empty"},
    {"installationID", "  \n", "GitHub App secret key \"installationID\" is empty"},
    {"privateKey", "\n", "GitHub App secret key \"privateKey\" is empty"},
    {"appID", "12a", "GitHub App secret key \"appID\" must be digits, got \"12a\""},
    {"appID", "-1", "GitHub App secret key \"appID\" must be digits, got \"-1\""},
    {"installationID", "1 2", "GitHub App secret key \"installationID\" must be digits, got \"1 2\""},
    {"installationID", "0x10", "GitHub App secret key \"installationID\" must be digits, got \"0x10\""},
    {"installationID", "4/../../x", "GitHub App secret key \"installationID\" must be digits, got \"4/../../x\""},
  };
  for (const auto& r : rows) {
    auto data = app_secret(keys().pkcs8_pem);
    if (r.value)
      data[r.key] = *r.value;
    else
      data.erase(r.key);
    auto creds = parse_app_credentials(data);
    ASSERT_FALSE(creds) << r.key;
    EXPECT_EQ(creds.error().code, errc::invalid_spec);
    EXPECT_EQ(creds.error().message, r.expected);
  }
}

TEST(GitHubAppCredentials, RejectsBadKeysWithoutQuotingThem) {
  const std::string truncated = keys().pkcs1_pem.substr(0, keys().pkcs1_pem.size() / 2);
  std::string corrupted = keys().pkcs8_pem;
  corrupted[corrupted.size() / 2] = corrupted[corrupted.size() / 2] == 'A' ? 'B' : 'A';
  corrupted[corrupted.size() / 2 + 1] = '!';
  struct row {
    std::string pem;
    std::string expected;
  };
  const std::string not_rsa = "GitHub App secret key \"privateKey\" is not a PEM RSA private key (PKCS#1 or PKCS#8)";
  const std::vector<row> rows = {
    {"not a key at all", not_rsa},
    {truncated, not_rsa},
    {corrupted, not_rsa},
    {keys().public_pem, not_rsa},
    {"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", not_rsa},
    {keys().encrypted_pem, "GitHub App secret key \"privateKey\" is an encrypted PEM key; store the key unencrypted"},
    {keys().ec_pem, "GitHub App secret key \"privateKey\" holds a EC key; GitHub App keys are RSA"},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    auto creds = parse_app_credentials(app_secret(rows[i].pem));
    ASSERT_FALSE(creds) << "row " << i;
    EXPECT_EQ(creds.error().code, errc::invalid_spec) << "row " << i;
    EXPECT_EQ(creds.error().message, rows[i].expected) << "row " << i;
    EXPECT_TRUE(free_of_key_material(creds.error().message, rows[i].pem)) << "row " << i;
  }
}

// ---------------------------------------------------------------- JWT

TEST(GitHubAppJwt, HeaderAndPayloadAreExact) {
  auto creds = parse_app_credentials(app_secret(keys().pkcs8_pem));
  ASSERT_TRUE(creds);
  // 2026-03-01T12:00:00.750Z: the fraction is dropped, not rounded.
  auto jwt = make_app_jwt(*creds, at("2026-03-01T12:00:00.750Z"));
  ASSERT_TRUE(jwt) << jwt.error().message;
  auto parts = split_jwt(*jwt);
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) {
    EXPECT_FALSE(p.empty());
    EXPECT_EQ(p.find_first_of("+/="), std::string::npos) << "base64url without padding: " << p;
  }
  EXPECT_EQ(base64url_decode(parts[0]), R"({"alg":"RS256","typ":"JWT"})");
  auto payload = json::parse(base64url_decode(parts[1]));
  const int64_t now = 1772366400; // 2026-03-01T12:00:00Z
  EXPECT_EQ(payload, (json{{"iat", now - 60}, {"exp", now + 600}, {"iss", "12345"}}));
  EXPECT_TRUE(payload["iss"].is_string());
  EXPECT_EQ(base64url_decode(parts[2]).size(), 256u); // 2048-bit RSA signature
}

TEST(GitHubAppJwt, SignatureVerifiesWithThePublicKey) {
  for (const auto* pem : {&keys().pkcs1_pem, &keys().pkcs8_pem}) {
    auto creds = parse_app_credentials(app_secret(*pem));
    ASSERT_TRUE(creds);
    auto jwt = make_app_jwt(*creds, at("2026-03-01T12:00:00Z"));
    ASSERT_TRUE(jwt) << jwt.error().message;
    EXPECT_TRUE(verify_rs256(*jwt, keys().public_pem));
    EXPECT_FALSE(verify_rs256(*jwt, keys().other_public_pem));
    // Any change to the signed part breaks the signature: here the claims of a later JWT.
    auto later = make_app_jwt(*creds, at("2026-03-01T12:00:01Z"));
    ASSERT_TRUE(later);
    auto parts = split_jwt(*jwt);
    auto later_parts = split_jwt(*later);
    EXPECT_FALSE(verify_rs256(parts[0] + "." + later_parts[1] + "." + parts[2], keys().public_pem));
    EXPECT_TRUE(verify_rs256(parts[0] + "." + later_parts[1] + "." + later_parts[2], keys().public_pem));
  }
}

TEST(GitHubAppJwt, Pkcs1AndPkcs8GiveTheSameToken) {
  // RSASSA-PKCS1-v1_5 is deterministic: the same key in either encoding signs identically.
  auto now = at("2026-03-01T12:00:00Z");
  auto a = make_app_jwt(*parse_app_credentials(app_secret(keys().pkcs1_pem)), now);
  auto b = make_app_jwt(*parse_app_credentials(app_secret(keys().pkcs8_pem)), now);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  auto later = make_app_jwt(*parse_app_credentials(app_secret(keys().pkcs8_pem)), now + std::chrono::seconds{1});
  ASSERT_TRUE(later);
  EXPECT_NE(*a, *later);
}

TEST(GitHubAppJwt, BadKeyIsAnErrorWithoutKeyMaterial) {
  app_credentials creds{"1", "2", keys().ec_pem};
  auto jwt = make_app_jwt(creds, at("2026-03-01T12:00:00Z"));
  ASSERT_FALSE(jwt);
  EXPECT_EQ(jwt.error().code, errc::invalid_spec);
  EXPECT_TRUE(free_of_key_material(jwt.error().message, keys().ec_pem));
  creds.private_key_pem = "garbage";
  EXPECT_FALSE(make_app_jwt(creds, at("2026-03-01T12:00:00Z")));
}

// ---------------------------------------------------------------- API base

TEST(GitHubAppApiBase, GitHubComAndEnterpriseHosts) {
  const std::vector<std::pair<std::string, std::string>> rows = {
    {"", "https://api.github.com"},
    {"github.com", "https://api.github.com"},
    {"GitHub.com", "https://api.github.com"},
    {"ghe.example.com", "https://ghe.example.com/api/v3"},
    {"ghe.example.com:8443", "https://ghe.example.com:8443/api/v3"},
    {"github.example.com", "https://github.example.com/api/v3"},
    {"github.com.evil.example", "https://github.com.evil.example/api/v3"},
  };
  for (const auto& [host, base] : rows)
    EXPECT_EQ(api_base_for_host(host), base) << host;
  EXPECT_EQ(kelos::github::access_tokens_path("67890"), "/app/installations/67890/access_tokens");
}

// ---------------------------------------------------------------- token response

TEST(GitHubAppTokenResponse, CreatedWithTokenAndExpiry) {
  auto tok = parse_token_response(
    201, R"({"token":"ghs_16C7e42F292c6912E7710c838347Ae178B4a","expires_at":"2026-03-01T13:00:00Z",)"
         R"("permissions":{"contents":"write"},"repository_selection":"selected"})");
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(tok->token, "ghs_16C7e42F292c6912E7710c838347Ae178B4a");
  EXPECT_EQ(tok->expires_at, at("2026-03-01T13:00:00Z"));
  auto offset = parse_token_response(201, R"({"token":"t","expires_at":"2026-03-01T14:00:00.5+01:00"})");
  ASSERT_TRUE(offset);
  EXPECT_EQ(offset->expires_at, at("2026-03-01T13:00:00.5Z"));
}

TEST(GitHubAppTokenResponse, ErrorStatusesKeepTheirMeaning) {
  struct row {
    int status;
    std::string body;
    errc code;
    std::string message;
  };
  const std::string jwt_bad =
    R"({"message":"A JSON web token could not be decoded","documentation_url":"https://docs.github.com/rest"})";
  const std::string invalid =
    R"({"message":"There is at least one repository that does not exist or is not accessible to the parent installation.","documentation_url":"https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app","status":"422"})";
  const std::vector<row> rows = {
    {401, jwt_bad, errc::unauthorized, "GitHub returned HTTP 401: " + jwt_bad},
    {422, invalid, errc::bad_request, "GitHub returned HTTP 422: " + invalid},
    {403, "", errc::forbidden, "GitHub returned HTTP 403"},
    {404, R"({"message":"Not Found"})", errc::not_found, R"(GitHub returned HTTP 404: {"message":"Not Found"})"},
    {500, "oops\r\n", errc::server_unavailable, "GitHub returned HTTP 500: oops"},
    {503, "<html>\n<b>down</b>\n</html>", errc::server_unavailable, "GitHub returned HTTP 503: <html> <b>down</b> </html>"},
    {302, "", errc::http_error, "GitHub returned HTTP 302"},
    // 200 is not 201 (as in the original); a token in the body is never quoted.
    {200, R"({"token":"ghs_secret","expires_at":"2026-03-01T13:00:00Z"})", errc::http_error,
     "GitHub returned HTTP 200: (body withheld: it holds a token)"},
  };
  for (const auto& r : rows) {
    auto tok = parse_token_response(r.status, r.body);
    ASSERT_FALSE(tok) << r.status;
    EXPECT_EQ(tok.error().code, r.code) << r.status;
    EXPECT_EQ(tok.error().message, r.message) << r.status;
  }
}

TEST(GitHubAppTokenResponse, QuotesAtMostOneKibibyteOfValidUtf8) {
  std::string body(2000, 'x');
  body[1023] = '\xC3'; // a two-byte sequence split by the cut
  body[1024] = '\xA9';
  body[10] = '\xFF'; // invalid byte
  auto tok = parse_token_response(502, body);
  ASSERT_FALSE(tok);
  const auto& msg = tok.error().message;
  EXPECT_EQ(msg.rfind("GitHub returned HTTP 502: ", 0), 0u);
  EXPECT_LT(msg.size(), 26u + 1024u + 16u);
  EXPECT_EQ(msg.substr(msg.size() - 4), " ...");
  EXPECT_NE(msg.find("\xEF\xBF\xBD"), std::string::npos); // U+FFFD
  EXPECT_EQ(msg.find('\xFF'), std::string::npos);
  // nlohmann (what status writes go through) accepts it without repair.
  EXPECT_NO_THROW((void)json(msg).dump());
}

TEST(GitHubAppTokenResponse, NeverQuotesTheEchoedCredential) {
  const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2lnbmF0dXJlLXNlY3JldA";
  // GitHub (or a proxy in front of it) echoing the Authorization header, as JSON and as text.
  for (auto [status, body] : {std::pair{401, R"({"message":"could not decode: Bearer )" + jwt + R"("})"},
                              std::pair{500, "upstream failed for Bearer " + jwt + " (" + jwt + ")"}}) {
    auto tok = parse_token_response(status, body, jwt);
    ASSERT_FALSE(tok);
    EXPECT_EQ(tok.error().message.find(jwt), std::string::npos) << tok.error().message;
    EXPECT_EQ(tok.error().message.find("c2lnbmF0dXJl"), std::string::npos) << tok.error().message;
    EXPECT_NE(tok.error().message.find("Bearer [redacted]"), std::string::npos) << tok.error().message;
  }
  // A credential near the 1 KiB cut is redacted before the cut: no part of it is quoted.
  auto cut = parse_token_response(401, std::string(1000, 'x') + jwt, jwt);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().message.find("eyJ"), std::string::npos) << cut.error().message;
}

TEST(GitHubAppTokenResponse, MalformedCreatedBodiesNeverQuoteTheToken) {
  struct row {
    std::string body;
    std::string message;
  };
  const std::vector<row> rows = {
    {"", "GitHub token response: body is not a JSON object"},
    {"ghs_secret", "GitHub token response: body is not a JSON object"},
    {R"(["ghs_secret"])", "GitHub token response: body is not a JSON object"},
    {R"({"expires_at":"2026-03-01T13:00:00Z"})",
     "GitHub token response: field \"token\" is missing or not a non-empty string"},
    {R"({"token":"","expires_at":"2026-03-01T13:00:00Z"})",
     "GitHub token response: field \"token\" is missing or not a non-empty string"},
    {R"({"token":42,"expires_at":"2026-03-01T13:00:00Z"})",
     "GitHub token response: field \"token\" is missing or not a non-empty string"},
    {R"({"token":"ghs_secret"})", "GitHub token response: field \"expires_at\" is missing or not a string"},
    {R"({"token":"ghs_secret","expires_at":null})",
     "GitHub token response: field \"expires_at\" is missing or not a string"},
    {R"({"token":"ghs_secret","expires_at":"tomorrow"})",
     "GitHub token response: field \"expires_at\" is not an RFC 3339 time: \"tomorrow\""},
  };
  for (const auto& r : rows) {
    auto tok = parse_token_response(201, r.body);
    ASSERT_FALSE(tok) << r.body;
    EXPECT_EQ(tok.error().code, errc::parse_error) << r.body;
    EXPECT_EQ(tok.error().message, r.message) << r.body;
    EXPECT_EQ(tok.error().message.find("ghs_secret"), std::string::npos);
  }
}

} // namespace
