#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "k8s/time.hpp"
#include "runtime/error.hpp"

namespace kelos::k8s::client {

/// A credential as presented to the API server. Never log its fields.
struct credential {
  /// Bearer token; empty when the source only provides a client certificate.
  std::string token;
  /// Client certificate (PEM) from an exec plugin; empty or set with `client_key_pem`.
  std::string client_cert_pem;
  /// Client private key (PEM) from an exec plugin.
  std::string client_key_pem;
  /// When the credential stops being valid; nullopt = until the server rejects it.
  std::optional<time_point> expiry;
};

/// Provides the current credential for requests. Implementations are thread-safe:
/// any number of threads may call `current()` / `token()` / `invalidate()`.
/// Errors use `errc::io_error` (token file), `errc::exec_plugin_failed` or
/// `errc::timeout` (exec plugin).
class token_source {
public:
  virtual ~token_source() = default;

  /// The credential to use now; cached, refreshed by the implementation's rules.
  virtual kelos::expected<credential> current() = 0;

  /// `current().token`. Empty string when the source provides only a certificate.
  kelos::expected<std::string> token();
  /// Never blocks (no file read, no plugin run, no wait for a lock): `current().token` when
  /// the source has it at hand and `current()` would return it unchanged, else nullopt. The
  /// HTTP client calls it on its I/O thread before each request and falls back to `token()` on
  /// its token thread. The default is nullopt.
  virtual std::optional<std::string> cached_token() { return std::nullopt; }

  /// Forget the cached credential so the next call fetches a fresh one (call after a
  /// 401). A no-op for static tokens.
  virtual void invalidate() {}

  /// A description for logs, e.g. `token file "/var/run/.../token"`. Never the secret.
  virtual std::string describe() const = 0;
};

/// A fixed token (kubeconfig `token`, `--token`).
std::shared_ptr<token_source> make_static_token_source(std::string token);

/// Options of a token-file source.
struct file_token_options {
  /// Re-read at least this often even if the file looks unchanged.
  std::chrono::milliseconds max_age{std::chrono::seconds(60)};
  /// `cached_token()` serves the token without looking at the file for this long after the
  /// last look; 0 makes every request look (stat) on the token thread.
  std::chrono::milliseconds check_interval{std::chrono::seconds(1)};
};

/// A token read from a file and re-read when it rotates (in-cluster service-account
/// tokens, kubeconfig `tokenFile`). Each call stats the file and re-reads it when its
/// inode, size or mtime changed (kubelet swaps a symlink atomically), when `max_age`
/// passed, or after `invalidate()`. Surrounding whitespace is trimmed. If a re-read
/// fails, the last good token is kept (as client-go does); the first read must succeed.
/// An empty file is an error. `cached_token()` answers without a stat within
/// `check_interval` of the last `current()`, so a rotation is seen within that interval
/// (client-go's file source re-reads once a minute).
std::shared_ptr<token_source> make_file_token_source(std::string path,
                                                     file_token_options options = {});

} // namespace kelos::k8s::client
