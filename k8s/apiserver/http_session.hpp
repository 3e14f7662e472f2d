#pragma once
// Internal to the HTTP front: Beast session templates shared by the plain and TLS
// translation units. Never include this from a public header.

#include "k8s/apiserver/http_message.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <memory>

namespace kelos::apiserver::detail {

/// What every session shares with the server.
struct session_env {
  request_handler handler;
  std::size_t max_body_bytes = 0;
  /// Streams currently open (a bounded stop waits for them to flush).
  std::atomic<int> open_streams{0};
};

/// Starts a plain HTTP session on an accepted socket.
void start_plain_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<session_env> env);
/// Starts a TLS session (handshake first) on an accepted socket.
void start_tls_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx,
                       std::shared_ptr<session_env> env);

} // namespace kelos::apiserver::detail
