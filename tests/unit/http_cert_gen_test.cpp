#include "k8s/tls/cert_gen.hpp"

#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

namespace {

using namespace kelos::k8s::tls;

struct x509_free_t {
  void operator()(X509* p) const { X509_free(p); }
};
using x509_ptr = std::unique_ptr<X509, x509_free_t>;

x509_ptr parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  x509_ptr cert{PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)};
  BIO_free(bio);
  return cert;
}

/// Returns X509_V_OK when `leaf` chains to `ca` for the given purpose.
int verify(const std::string& ca_pem, const std::string& leaf_pem, int purpose) {
  auto ca = parse(ca_pem);
  auto leaf = parse(leaf_pem);
  if (!ca || !leaf)
    return -1;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  int rc = X509_verify_cert(ctx);
  int err = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return err;
}

std::string subject_field(X509* cert, int nid) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), nid, buf, sizeof(buf));
  return buf;
}

TEST(HttpCertGen, CaIsSelfSignedCa) {
  auto ca = make_ca("kelos-ca");
  ASSERT_TRUE(ca) << ca.error().message;
  EXPECT_NE(ca->cert_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(ca->key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto cert = parse(ca->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(subject_field(cert.get(), NID_commonName), "kelos-ca");
  EXPECT_EQ(verify(ca->cert_pem, ca->cert_pem, X509_PURPOSE_ANY), X509_V_OK);
}

TEST(HttpCertGen, ServerCertHasDnsAndIpSansAndVerifies) {
  auto ca = make_ca("kelos-ca");
  ASSERT_TRUE(ca);
  auto srv = issue_server_cert(*ca, {"localhost", "kubernetes.default.svc"}, {"127.0.0.1", "::1"});
  ASSERT_TRUE(srv) << srv.error().message;
  auto cert = parse(srv->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.2", 0), 0);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "kubernetes.default.svc", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(verify(ca->cert_pem, srv->cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  // A server certificate is not usable as a client certificate.
  EXPECT_NE(verify(ca->cert_pem, srv->cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
}

TEST(HttpCertGen, ServerCertFromOtherCaDoesNotVerify) {
  auto ca = make_ca("ca-one");
  auto other = make_ca("ca-two");
  ASSERT_TRUE(ca && other);
  auto srv = issue_server_cert(*ca, {}, {"127.0.0.1"});
  ASSERT_TRUE(srv);
  EXPECT_EQ(verify(other->cert_pem, srv->cert_pem, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST(HttpCertGen, ClientCertCarriesUserAndGroup) {
  auto ca = make_ca("kelos-ca");
  ASSERT_TRUE(ca);
  auto cli = issue_client_cert(*ca, "kubernetes-admin", "system:masters");
  ASSERT_TRUE(cli) << cli.error().message;
  auto cert = parse(cli->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(subject_field(cert.get(), NID_commonName), "kubernetes-admin");
  EXPECT_EQ(subject_field(cert.get(), NID_organizationName), "system:masters");
  EXPECT_EQ(verify(ca->cert_pem, cli->cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
}

TEST(HttpCertGen, RejectsBadInput) {
  EXPECT_EQ(make_ca("").error().code, kelos::errc::invalid_spec);
  auto ca = make_ca("kelos-ca");
  ASSERT_TRUE(ca);
  EXPECT_EQ(issue_server_cert(*ca, {}, {}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(issue_server_cert(*ca, {}, {"not-an-ip"}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(issue_server_cert(*ca, {"a"}, {}, std::chrono::hours{0}).error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(issue_client_cert(*ca, "", "g").error().code, kelos::errc::invalid_spec);
  kelos::k8s::tls::cert_and_key broken{ca->cert_pem, "garbage"};
  EXPECT_EQ(issue_client_cert(broken, "u", "").error().code, kelos::errc::invalid_spec);
  auto other = make_ca("other");
  ASSERT_TRUE(other);
  kelos::k8s::tls::cert_and_key mismatched{ca->cert_pem, other->key_pem};
  auto r = issue_server_cert(mismatched, {"localhost"}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not match"), std::string::npos);
}

} // namespace
