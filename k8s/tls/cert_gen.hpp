#pragma once

#include "runtime/error.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

/// In-memory X.509 certificate generation (OpenSSL C API, no files, no `openssl` CLI).
///
/// Used by the embedded API server to create its self-signed CA, serving certificate and
/// admin client certificate, and by tests to create throwaway PKI at run time.
///
/// Guarantees:
/// 1. Keys are ECDSA P-256 (fast to generate, accepted by kubectl, client-go and Python's ssl).
/// 2. Certificates are X.509 v3 signed with SHA-256, with a random positive 127-bit serial,
///    `notBefore` one hour in the past (tolerates small clock skew) and `notAfter` after the
///    requested validity.
/// 3. Output is PEM: `cert_pem` is one `CERTIFICATE` block, `key_pem` one PKCS#8
///    `PRIVATE KEY` block (unencrypted; callers must store it with restrictive permissions).
/// 4. No exceptions: every OpenSSL failure becomes an `errc::logic_error` or
///    `errc::invalid_spec` (bad input) error naming the step.
namespace kelos::k8s::tls {

/// A certificate and its private key, both PEM-encoded.
struct cert_and_key {
  /// The certificate, one PEM `CERTIFICATE` block.
  std::string cert_pem;
  /// The unencrypted PKCS#8 private key, one PEM `PRIVATE KEY` block. Never log it.
  std::string key_pem;
};

/// Default lifetime of a CA created by `make_ca` (10 years, like kubeadm's CA).
inline constexpr std::chrono::hours default_ca_validity{24 * 365 * 10};
/// Default lifetime of leaf certificates (1 year, like kubeadm's serving certificates).
inline constexpr std::chrono::hours default_leaf_validity{24 * 365};

/// Creates a self-signed CA certificate (`CN=<common_name>`, basicConstraints CA:TRUE
/// critical, keyUsage keyCertSign+cRLSign+digitalSignature, subject key identifier).
/// @param common_name must be non-empty.
kelos::expected<cert_and_key> make_ca(std::string_view common_name,
                                      std::chrono::hours validity = default_ca_validity);

/// Issues a TLS server certificate signed by `ca` with subjectAltName entries for every DNS name
/// and IP address given (extendedKeyUsage serverAuth). The subject CN is the first DNS name, or
/// the first IP when there are no DNS names.
/// @param ca a CA as returned by `make_ca` (or any PEM CA certificate + key pair that match).
/// @param dns_sans host names, e.g. "localhost", "kubernetes.default.svc".
/// @param ip_sans textual IPv4 or IPv6 addresses, e.g. "127.0.0.1", "::1"; an unparsable address
///        is an `errc::invalid_spec` error.
/// At least one SAN is required (clients verify SANs, not the CN).
kelos::expected<cert_and_key> issue_server_cert(const cert_and_key& ca,
                                                const std::vector<std::string>& dns_sans,
                                                const std::vector<std::string>& ip_sans,
                                                std::chrono::hours validity = default_leaf_validity);

/// Issues a TLS client certificate signed by `ca` (extendedKeyUsage clientAuth) with subject
/// `O=<organization>, CN=<common_name>`. Kubernetes maps CN to the user name and O to a group,
/// so `issue_client_cert(ca, "kubernetes-admin", "system:masters")` is an admin identity.
/// @param organization may be empty (no O attribute is written then).
kelos::expected<cert_and_key> issue_client_cert(const cert_and_key& ca, std::string_view common_name,
                                                std::string_view organization,
                                                std::chrono::hours validity = default_leaf_validity);

} // namespace kelos::k8s::tls
