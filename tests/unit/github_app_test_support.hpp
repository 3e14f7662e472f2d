#pragma once

// Helpers shared by the GitHub App tests (unit and integration): RSA test keys generated with
// OpenSSL once per process, base64url, and an RS256 verifier independent of the code under test.

#include "k8s/kinds.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kelos::test::github {

struct pkey_free {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct bio_free {
  void operator()(BIO* b) const noexcept { BIO_free_all(b); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;

inline std::string drain(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

/// Test keys. The RSA key is 2048 bits, like the keys GitHub issues for Apps.
struct test_keys {
  /// -----BEGIN RSA PRIVATE KEY----- (PKCS#1).
  std::string pkcs1_pem;
  /// -----BEGIN PRIVATE KEY----- (PKCS#8), the same key.
  std::string pkcs8_pem;
  /// -----BEGIN PUBLIC KEY----- of that key.
  std::string public_pem;
  /// -----BEGIN ENCRYPTED PRIVATE KEY----- of that key (passphrase "secret-pass").
  std::string encrypted_pem;
  /// An EC P-256 key (PKCS#8): not usable for RS256.
  std::string ec_pem;
  /// The public key of an unrelated RSA key.
  std::string other_public_pem;
};

/// The process-wide test keys; aborts if OpenSSL fails (tests only).
inline const test_keys& keys() {
  static const test_keys k = [] {
    test_keys out;
    pkey_ptr rsa{EVP_RSA_gen(2048)};
    pkey_ptr ec{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
    pkey_ptr other{EVP_RSA_gen(2048)};
    if (!rsa || !ec || !other)
      std::abort();
    auto pem = [](auto write) {
      bio_ptr b{BIO_new(BIO_s_mem())};
      if (!b || write(b.get()) != 1)
        std::abort();
      return drain(b.get());
    };
    static char pass[] = "secret-pass";
    out.pkcs1_pem = pem([&](BIO* b) {
      return PEM_write_bio_PrivateKey_traditional(b, rsa.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    out.pkcs8_pem =
      pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, rsa.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    out.public_pem = pem([&](BIO* b) { return PEM_write_bio_PUBKEY(b, rsa.get()); });
    out.encrypted_pem = pem([&](BIO* b) {
      return PEM_write_bio_PKCS8PrivateKey(b, rsa.get(), EVP_aes_128_cbc(), pass, sizeof(pass) - 1, nullptr, nullptr);
    });
    out.ec_pem =
      pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, ec.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    out.other_public_pem = pem([&](BIO* b) { return PEM_write_bio_PUBKEY(b, other.get()); });
    return out;
  }();
  return k;
}

/// Decoded Secret data of a GitHub App with IDs 12345 / 67890.
inline std::map<std::string, std::string> app_secret(std::string key_pem) {
  return {{"appID", "12345"}, {"installationID", "67890"}, {"privateKey", std::move(key_pem)}};
}

inline std::vector<std::string> split_jwt(const std::string& jwt) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    auto dot = jwt.find('.', start);
    parts.push_back(jwt.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos)
      return parts;
    start = dot + 1;
  }
}

/// base64url without padding -> bytes; "" when invalid.
inline std::string base64url_decode(std::string s) {
  std::replace(s.begin(), s.end(), '-', '+');
  std::replace(s.begin(), s.end(), '_', '/');
  while (s.size() % 4 != 0)
    s += '=';
  return k8s::base64_decode(s).value_or("");
}

/// Verifies an RS256 JWT (RSASSA-PKCS1-v1_5, SHA-256) with a PEM public key.
inline bool verify_rs256(const std::string& jwt, const std::string& public_pem) {
  auto dot = jwt.rfind('.');
  if (dot == std::string::npos)
    return false;
  std::string input = jwt.substr(0, dot);
  std::string sig = base64url_decode(jwt.substr(dot + 1));
  bio_ptr bio{BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()))};
  pkey_ptr pub{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)};
  if (!pub || sig.empty())
    return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pub.get()) != 1)
    return false;
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

} // namespace kelos::test::github
