// transport_config validation and client construction (no sockets are opened).
#include "k8s/client/http_client.hpp"

#include <gtest/gtest.h>

namespace {

using kelos::errc;
using kelos::k8s::http_client;
using kelos::k8s::transport_config;

transport_config valid() {
  transport_config cfg;
  cfg.scheme = "https";
  cfg.host = "127.0.0.1";
  cfg.port = 6443;
  return cfg;
}

TEST(HttpConfig, DefaultsAreValid) {
  EXPECT_TRUE(kelos::k8s::validate(valid()));
  transport_config cfg = valid();
  EXPECT_EQ(cfg.io_threads, 1u);
  EXPECT_EQ(cfg.max_body_bytes, 256ull << 20);
}

TEST(HttpConfig, RejectsBadValues) {
  auto expect_invalid = [](transport_config cfg, const char* needle) {
    auto r = kelos::k8s::validate(cfg);
    ASSERT_FALSE(r) << needle;
    EXPECT_EQ(r.error().code, errc::invalid_config);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  auto cfg = valid();
  cfg.scheme = "ftp";
  expect_invalid(cfg, "scheme");
  cfg = valid();
  cfg.host.clear();
  expect_invalid(cfg, "host");
  cfg = valid();
  cfg.io_threads = 0;
  expect_invalid(cfg, "io_threads");
  cfg = valid();
  cfg.response_header_timeout = std::chrono::milliseconds{0};
  expect_invalid(cfg, "response_header_timeout");
  cfg = valid();
  cfg.base_path = "k8s";
  expect_invalid(cfg, "base_path");
  cfg = valid();
  cfg.invalidate_token = [] {};
  expect_invalid(cfg, "invalidate_token");
}

TEST(HttpConfig, MakeRejectsInvalidConfigAndHalfClientCertificate) {
  auto bad = valid();
  bad.host.clear();
  auto a = http_client::make(bad);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, errc::invalid_config);

  auto half = valid();
  half.client_cert_pem = "-----BEGIN CERTIFICATE-----\n";
  auto b = http_client::make(half);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, errc::invalid_config);
  EXPECT_NE(b.error().message.find("both"), std::string::npos) << b.error().message;
}

TEST(HttpConfig, EndpointAppliesDefaultPortsAndBracketsIpv6) {
  auto cfg = valid();
  cfg.port = 0;
  auto a = http_client::make(cfg);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)->endpoint(), "https://127.0.0.1:443");

  cfg.scheme = "http";
  cfg.host = "::1";
  auto b = http_client::make(cfg);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ((*b)->endpoint(), "http://[::1]:80");
  EXPECT_EQ((*b)->stats().connections_opened, 0u);
}

} // namespace
