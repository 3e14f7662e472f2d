// TLS instantiation of the transport and the client TLS context (kept apart from plain TCP so
// both compile in parallel).
#include "k8s/client/http_connection_impl.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace kelos::k8s::detail {

namespace ssl = boost::asio::ssl;

class tls_settings {
public:
  tls_settings() : ctx(ssl::context::tls_client) {}
  ssl::context ctx;
  std::string verify_name;
  bool verify = true;
};

namespace {

bool is_tls_truncation(const beast::error_code& ec) {
  return ec == ssl::error::stream_truncated;
}

class tls_connection final : public basic_connection<beast::ssl_stream<beast::tcp_stream>> {
public:
  tls_connection(net::io_context& ioc, const transport_config& cfg, std::shared_ptr<tls_settings> tls)
    : basic_connection(ioc, cfg, tls->ctx), tls_(std::move(tls)), handshake_timeout_(cfg.tls_handshake_timeout) {}

protected:
  void handshake(clock::time_point deadline, std::function<void(kelos::error)> done) override {
    SSL* ssl_handle = stream_.native_handle();
    const std::string& name = tls_->verify_name.empty() ? host_ : tls_->verify_name;
    beast::error_code addr_ec;
    net::ip::make_address(name, addr_ec);
    const bool is_ip = !addr_ec;
    // RFC 6066: SNI carries host names only, never IP literals.
    if (!is_ip && SSL_set_tlsext_host_name(ssl_handle, name.c_str()) != 1)
      return done(kelos::make_error(errc::connection_failed, "TLS handshake with " + endpoint_ +
                                                                 ": cannot set SNI name '" + name + "'"));
    if (tls_->verify) {
      // Let OpenSSL check the SAN during chain verification; covers DNS names and IP addresses
      // (Boost 1.74's host_name_verification only matches DNS names).
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
      int ok = 0;
      if (is_ip) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      }
      if (ok != 1)
        return done(kelos::make_error(errc::connection_failed, "TLS handshake with " + endpoint_ +
                                                                   ": cannot verify against name '" + name + "'"));
    }
    auto started = clock::now();
    auto expiry = bound(handshake_timeout_, deadline);
    set_expiry(stream_, expiry);
    auto self = std::static_pointer_cast<tls_connection>(shared_from_this());
    stream_.async_handshake(ssl::stream_base::client, [self, started, expiry,
                                                       done = std::move(done)](beast::error_code ec) {
      set_expiry(self->stream_, clock::time_point::max());
      if (!ec)
        return done({});
      auto err = io_error(ec, "TLS handshake with", self->endpoint_, expiry, started);
      long verify_result = SSL_get_verify_result(self->stream_.native_handle());
      if (verify_result != X509_V_OK && err.code == errc::connection_failed)
        err.message += std::string(" (") + X509_verify_cert_error_string(verify_result) + ")";
      done(std::move(err));
    });
  }

  bool (*truncation_predicate() const)(const beast::error_code&) override { return &is_tls_truncation; }

private:
  std::shared_ptr<tls_settings> tls_;
  std::chrono::milliseconds handshake_timeout_;
};

} // namespace

kelos::expected<std::shared_ptr<tls_settings>> make_tls_settings(const transport_config& cfg) {
  auto s = std::make_shared<tls_settings>();
  auto& ctx = s->ctx;
  beast::error_code ec;
  // Kubernetes API servers require TLS 1.2 or newer.
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (!cfg.ca_pem.empty()) {
    ctx.add_certificate_authority(net::buffer(cfg.ca_pem), ec);
    if (ec)
      return kelos::make_error(errc::invalid_config, "TLS: certificate-authority data is not a valid PEM certificate: " +
                                                         ec.message());
  } else {
    ctx.set_default_verify_paths(ec);
    if (ec)
      return kelos::make_error(errc::invalid_config, "TLS: cannot load the system CA certificates: " + ec.message());
  }
  if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
    return kelos::make_error(errc::invalid_config,
                             "TLS: a client certificate needs both client-certificate and client-key data");
  if (!cfg.client_cert_pem.empty()) {
    ctx.use_certificate_chain(net::buffer(cfg.client_cert_pem), ec);
    if (ec)
      return kelos::make_error(errc::invalid_config,
                               "TLS: client-certificate data is not a valid PEM certificate: " + ec.message());
    ctx.use_private_key(net::buffer(cfg.client_key_pem), ssl::context::pem, ec);
    if (ec) // the message names the failure, never the key
      return kelos::make_error(errc::invalid_config,
                               "TLS: client-key data is not a valid PEM key for the client certificate: " +
                                 ec.message());
  }
  s->verify = !cfg.insecure_skip_tls_verify;
  ctx.set_verify_mode(s->verify ? ssl::verify_peer : ssl::verify_none);
  s->verify_name = cfg.tls_server_name;
  return s;
}

std::shared_ptr<connection> make_tls_connection(net::io_context& ioc, const transport_config& cfg,
                                                std::shared_ptr<tls_settings> tls) {
  return std::make_shared<tls_connection>(ioc, cfg, std::move(tls));
}

} // namespace kelos::k8s::detail
