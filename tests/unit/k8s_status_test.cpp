#include "k8s/status.hpp"

#include <gtest/gtest.h>

using namespace kelos;
using namespace kelos::k8s;

TEST(Status, BuildsTheApiServerShape) {
  auto s = make_status(404, "NotFound", R"(tasks.kelos.dev "x" not found)", "x", "tasks",
                       "kelos.dev");
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["code"], 404);
  EXPECT_EQ(s["details"]["kind"], "tasks");
  EXPECT_EQ(s["details"]["group"], "kelos.dev");
  auto parsed = parse_status(s);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->reason, "NotFound");
  EXPECT_EQ(parsed->details_name, "x");
}

TEST(Status, MapsCodesAndReasonsToErrors) {
  EXPECT_EQ(errc_for_status(409, "AlreadyExists"), errc::already_exists);
  EXPECT_EQ(errc_for_status(409, "Conflict"), errc::conflict);
  EXPECT_EQ(errc_for_status(410, "Expired"), errc::gone);
  EXPECT_EQ(errc_for_status(404, ""), errc::not_found);
  EXPECT_EQ(errc_for_status(422, "Invalid"), errc::bad_request);
  EXPECT_EQ(errc_for_status(429, ""), errc::server_unavailable);
  EXPECT_EQ(errc_for_status(503, ""), errc::server_unavailable);
  EXPECT_EQ(errc_for_status(418, ""), errc::http_error);
  EXPECT_TRUE(is_retryable(errc::server_unavailable));
  EXPECT_FALSE(is_retryable(errc::conflict));
}

TEST(Status, ErrorFromResponseKeepsTheServerMessage) {
  auto body = make_status(409, "Conflict", "Operation cannot be fulfilled on tasks.kelos.dev \"x\"")
                .dump();
  auto err = error_from_response(409, body, "update Task default/x");
  EXPECT_EQ(err.code, errc::conflict);
  EXPECT_EQ(err.message, "update Task default/x: Operation cannot be fulfilled on tasks.kelos.dev \"x\"");
  auto plain = error_from_response(502, "<html>bad gateway</html>", "list pods");
  EXPECT_EQ(plain.code, errc::server_unavailable);
  EXPECT_EQ(plain.render(), "server_unavailable: list pods: HTTP 502: <html>bad gateway</html>");
}

TEST(Status, ErrorFromResponseNeverQuotesAnEchoedCredential) {
  // A proxy or webhook in front of the API server echoing the Authorization header.
  const std::string token = "kube-SECRET-0123456789abcdef";
  auto plain = error_from_response(401, "<html>401: you sent Authorization: Bearer " + token + "</html>", "list pods");
  EXPECT_EQ(plain.message, "list pods: HTTP 401: <html>401: you sent Authorization: Bearer [redacted]</html>");
  auto status = error_from_response(
    403, make_status(403, "Forbidden", "webhook denied \"Basic " + token + "\", bearer " + token).dump(), "create pods");
  EXPECT_EQ(status.message, "create pods: webhook denied \"Basic [redacted]\", bearer [redacted]");
  // Redacted before the 200-byte cut: no piece of it survives.
  auto cut = error_from_response(502, std::string(180, 'x') + " Bearer " + token, "get pods");
  EXPECT_EQ(cut.message.find("kube-SECRET"), std::string::npos) << cut.message;
}

TEST(Status, RedactCredentialsLeavesOtherTextAlone) {
  EXPECT_EQ(redact_credentials("no credential here; bearer"), "no credential here; bearer");
  EXPECT_EQ(redact_credentials("BEARER abc.def-ghi_jkl=,next"), "BEARER [redacted],next");
  EXPECT_EQ(redact_credentials("Bearer  x"), "Bearer  x"); // two spaces: nothing follows the scheme
}
