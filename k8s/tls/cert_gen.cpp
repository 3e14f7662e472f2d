#include "k8s/tls/cert_gen.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace kelos::k8s::tls {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BIGNUM, BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void free_general_names(GENERAL_NAMES* names) { GENERAL_NAMES_free(names); }
using names_ptr = std::unique_ptr<GENERAL_NAMES, deleter<GENERAL_NAMES, free_general_names>>;

/// Drains OpenSSL's thread-local error queue into a readable suffix.
std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += out.empty() ? ": " : "; ";
    out += buf;
  }
  return out;
}

kelos::error fail(std::string_view step) {
  return kelos::make_error(errc::logic_error, "certificate generation: " + std::string(step) + " failed" +
                                                  openssl_errors());
}

kelos::expected<pkey_ptr> new_key() {
  pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  if (!key)
    return fail("EC P-256 key generation");
  return key;
}

kelos::expected<std::string> bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && data == nullptr))
    return fail("reading memory BIO");
  return std::string(data, static_cast<size_t>(len));
}

kelos::expected<cert_and_key> to_pem(X509* cert, EVP_PKEY* key) {
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  if (!cert_bio || !key_bio)
    return fail("BIO_new");
  if (PEM_write_bio_X509(cert_bio.get(), cert) != 1)
    return fail("PEM_write_bio_X509");
  // PKCS#8, unencrypted.
  if (PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("PEM_write_bio_PrivateKey");
  auto cert_pem = bio_to_string(cert_bio.get());
  if (!cert_pem)
    return cert_pem.error();
  auto key_pem = bio_to_string(key_bio.get());
  if (!key_pem)
    return key_pem.error();
  return cert_and_key{std::move(*cert_pem), std::move(*key_pem)};
}

kelos::expected<void> set_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    return fail("RAND_bytes");
  bytes[0] &= 0x7f; // keep the serial positive (RFC 5280 4.1.2.2)
  bytes[0] |= 0x01; // and non-zero with a stable length
  bn_ptr bn{BN_bin2bn(bytes, sizeof(bytes), nullptr)};
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)))
    return fail("setting serial number");
  return {};
}

kelos::expected<void> set_validity(X509* cert, std::chrono::hours validity) {
  const long skew = 3600; // tolerate clocks up to an hour behind
  const long lifetime = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(validity).count());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert), -skew) || !X509_gmtime_adj(X509_getm_notAfter(cert), lifetime))
    return fail("setting validity");
  return {};
}

kelos::expected<void> add_name_entry(X509_NAME* name, const char* field, std::string_view value) {
  if (value.empty())
    return {};
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1)
    return kelos::make_error(errc::invalid_spec,
                             "certificate generation: invalid " + std::string(field) + " '" + std::string(value) + "'" +
                                 openssl_errors());
  return {};
}

/// Adds an extension given in OpenSSL config syntax. Only ever called with fixed strings, never
/// with user input (the config syntax would let commas inject extra values).
kelos::expected<void> add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext{X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value)};
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return fail(std::string("adding extension ") + OBJ_nid2sn(nid) + "=" + value);
  return {};
}

/// Builds the subjectAltName extension directly from GENERAL_NAMEs so that names are never
/// parsed as OpenSSL config text.
kelos::expected<void> add_sans(X509* cert, const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  names_ptr names{sk_GENERAL_NAME_new_null()};
  if (!names)
    return fail("allocating subjectAltName");
  for (const auto& d : dns) {
    if (d.empty())
      return kelos::make_error(errc::invalid_spec, "certificate generation: empty DNS subjectAltName");
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (!gn || !s || ASN1_STRING_set(s, d.data(), static_cast<int>(d.size())) != 1) {
      GENERAL_NAME_free(gn);
      ASN1_IA5STRING_free(s);
      return fail("building DNS subjectAltName");
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, s);
    if (!sk_GENERAL_NAME_push(names.get(), gn)) {
      GENERAL_NAME_free(gn);
      return fail("building subjectAltName list");
    }
  }
  for (const auto& ip : ips) {
    ASN1_OCTET_STRING* addr = a2i_IPADDRESS(ip.c_str());
    if (!addr) {
      ERR_clear_error();
      return kelos::make_error(errc::invalid_spec, "certificate generation: invalid IP subjectAltName '" + ip + "'");
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (!gn) {
      ASN1_OCTET_STRING_free(addr);
      return fail("building IP subjectAltName");
    }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, addr);
    if (!sk_GENERAL_NAME_push(names.get(), gn)) {
      GENERAL_NAME_free(gn);
      return fail("building subjectAltName list");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return fail("adding subjectAltName");
  return {};
}

struct loaded_ca {
  x509_ptr cert;
  pkey_ptr key;
};

kelos::expected<loaded_ca> load_ca(const cert_and_key& ca) {
  bio_ptr cb{BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size()))};
  bio_ptr kb{BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size()))};
  if (!cb || !kb)
    return fail("BIO_new_mem_buf");
  x509_ptr cert{PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr)};
  if (!cert)
    return kelos::make_error(errc::invalid_spec, "certificate generation: CA certificate is not valid PEM" +
                                                     openssl_errors());
  pkey_ptr key{PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr)};
  if (!key)
    return kelos::make_error(errc::invalid_spec, "certificate generation: CA key is not valid PEM" + openssl_errors());
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return kelos::make_error(errc::invalid_spec,
                             "certificate generation: CA key does not match the CA certificate" + openssl_errors());
  return loaded_ca{std::move(cert), std::move(key)};
}

/// The common skeleton: new key, v3, serial, validity, subject, issuer, public key.
struct draft {
  x509_ptr cert;
  pkey_ptr key;
};

kelos::expected<draft> start_cert(std::chrono::hours validity, std::string_view cn, std::string_view org) {
  auto key = new_key();
  if (!key)
    return key.error();
  x509_ptr cert{X509_new()};
  if (!cert || X509_set_version(cert.get(), 2) != 1) // 2 means v3
    return fail("X509_new");
  if (auto r = set_serial(cert.get()); !r)
    return r.error();
  if (auto r = set_validity(cert.get(), validity); !r)
    return r.error();
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (auto r = add_name_entry(name, "O", org); !r)
    return r.error();
  if (auto r = add_name_entry(name, "CN", cn); !r)
    return r.error();
  if (X509_set_pubkey(cert.get(), key->get()) != 1)
    return fail("X509_set_pubkey");
  return draft{std::move(cert), std::move(*key)};
}

kelos::expected<cert_and_key> finish(draft& d, X509* issuer, EVP_PKEY* issuer_key) {
  if (X509_set_issuer_name(d.cert.get(), X509_get_subject_name(issuer)) != 1)
    return fail("X509_set_issuer_name");
  if (X509_sign(d.cert.get(), issuer_key, EVP_sha256()) <= 0)
    return fail("X509_sign");
  return to_pem(d.cert.get(), d.key.get());
}

kelos::expected<cert_and_key> issue_leaf(const cert_and_key& ca, std::string_view cn, std::string_view org,
                                         const char* eku, const char* key_usage, const std::vector<std::string>& dns,
                                         const std::vector<std::string>& ips, std::chrono::hours validity) {
  if (validity.count() <= 0)
    return kelos::make_error(errc::invalid_spec, "certificate generation: validity must be positive");
  auto issuer = load_ca(ca);
  if (!issuer)
    return issuer.error();
  auto d = start_cert(validity, cn, org);
  if (!d)
    return d.error();
  X509* cert = d->cert.get();
  X509* ca_cert = issuer->cert.get();
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, key_usage}, std::pair{NID_ext_key_usage, eku},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (auto r = add_ext(cert, ca_cert, nid, value); !r)
      return r.error();
  }
  if (!dns.empty() || !ips.empty()) {
    if (auto r = add_sans(cert, dns, ips); !r)
      return r.error();
  }
  return finish(*d, ca_cert, issuer->key.get());
}

} // namespace

kelos::expected<cert_and_key> make_ca(std::string_view common_name, std::chrono::hours validity) {
  if (common_name.empty())
    return kelos::make_error(errc::invalid_spec, "certificate generation: CA common name must not be empty");
  if (validity.count() <= 0)
    return kelos::make_error(errc::invalid_spec, "certificate generation: validity must be positive");
  auto d = start_cert(validity, common_name, {});
  if (!d)
    return d.error();
  X509* cert = d->cert.get();
  // Self-signed: the certificate is its own issuer (needed for the key identifier extensions).
  if (X509_set_issuer_name(cert, X509_get_subject_name(cert)) != 1)
    return fail("X509_set_issuer_name");
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto r = add_ext(cert, cert, nid, value); !r)
      return r.error();
  }
  return finish(*d, cert, d->key.get());
}

kelos::expected<cert_and_key> issue_server_cert(const cert_and_key& ca, const std::vector<std::string>& dns_sans,
                                                const std::vector<std::string>& ip_sans, std::chrono::hours validity) {
  if (dns_sans.empty() && ip_sans.empty())
    return kelos::make_error(errc::invalid_spec,
                             "certificate generation: a server certificate needs at least one DNS or IP name");
  const std::string& cn = dns_sans.empty() ? ip_sans.front() : dns_sans.front();
  return issue_leaf(ca, cn, {}, "serverAuth", "critical,digitalSignature", dns_sans, ip_sans,
                    validity);
}

kelos::expected<cert_and_key> issue_client_cert(const cert_and_key& ca, std::string_view common_name,
                                                std::string_view organization, std::chrono::hours validity) {
  if (common_name.empty())
    return kelos::make_error(errc::invalid_spec, "certificate generation: client common name must not be empty");
  return issue_leaf(ca, common_name, organization, "clientAuth", "critical,digitalSignature", {}, {},
                    validity);
}

} // namespace kelos::k8s::tls
