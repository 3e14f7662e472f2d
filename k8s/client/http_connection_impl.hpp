#pragma once

// Internal to the HTTP transport: the connection template shared by http_plain.cpp and
// http_tls.cpp. Each of those TUs instantiates it for one stream type, so the two heavy
// instantiations compile in parallel.

#include "k8s/client/http_client.hpp"
#include "k8s/client/http_exchange.hpp"
#include "k8s/client/http_transport.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <sys/socket.h>

#include <atomic>
#include <cerrno>

namespace kelos::k8s::detail {

namespace net = boost::asio;

/// Capacity of a connection's read buffer: one recvmsg takes up to this many bytes.
inline constexpr std::size_t read_buffer_bytes = 16 * 1024;

/// Connect, exchange and cancel for a stream whose lowest layer is `beast::tcp_stream`.
/// Subclasses add the TLS handshake by overriding `handshake`.
template <class Stream>
class basic_connection : public connection, public std::enable_shared_from_this<basic_connection<Stream>> {
public:
  template <class... StreamArgs>
  basic_connection(net::io_context& ioc, const transport_config& cfg, StreamArgs&&... args)
    : stream_(net::make_strand(ioc), std::forward<StreamArgs>(args)...), resolver_(stream_.get_executor()),
      host_(cfg.host), port_(std::to_string(cfg.port)), endpoint_(host_port(cfg.host, cfg.port)),
      connect_timeout_(cfg.connect_timeout) {
    // Beast reads max(512, capacity - size) bytes at a time. Bodies pass through this buffer
    // into the exchange's own chunk, so it never grows by itself: without the reserve every
    // response and watch event took one recvmsg per 512 bytes (31 per Task in the controller).
    buffer_.reserve(read_buffer_bytes);
  }

  void async_open(clock::time_point deadline, std::function<void(kelos::error)> done) override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this(), deadline, done = std::move(done)]() mutable {
      self->resolve(deadline, std::move(done));
    });
  }

  void async_exchange(wire_request req, std::shared_ptr<response_sink> sink, exchange_limits limits,
                      std::function<void(exchange_result)> done) override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this(), req = std::move(req),
                                           sink = std::move(sink), limits, done = std::move(done)]() mutable {
      self->keep_alive_ = false;
      auto op = std::make_shared<exchange_op<Stream>>(
        self, self->stream_, self->buffer_, self->endpoint_, req, std::move(sink), limits,
        [self, done = std::move(done)](exchange_result r) {
          ++self->exchanges_;
          self->keep_alive_ = r.keep_alive;
          done(std::move(r));
        },
        self->truncation_predicate());
      op->start();
    });
  }

  bool reusable() const override { return keep_alive_ && !closed_; }

  bool peer_alive() const override {
    if (closed_)
      return false;
    auto& sock = beast::get_lowest_layer(const_cast<Stream&>(stream_)).socket();
    if (!sock.is_open())
      return false;
    char byte;
    const auto n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // 0: orderly close by the peer; >0: unsolicited bytes; -1/EAGAIN: alive and quiet.
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  unsigned exchanges() const override { return exchanges_; }

  void cancel() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closed_ = true;
      self->resolver_.cancel();
      beast::get_lowest_layer(self->stream_).close();
    });
  }

protected:
  /// Runs after TCP connect; `done` gets an empty error on success.
  virtual void handshake(clock::time_point deadline, std::function<void(kelos::error)> done) {
    done({}); // nop for plain TCP
  }

  /// See `exchange_op`.
  virtual bool (*truncation_predicate() const)(const beast::error_code&) { return nullptr; }

  Stream stream_;
  net::ip::tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  std::string host_;
  std::string port_;
  std::string endpoint_;

private:
  void resolve(clock::time_point deadline, std::function<void(kelos::error)> done) {
    auto started = clock::now();
    auto expiry = bound(connect_timeout_, deadline);
    resolver_.async_resolve(
      host_, port_,
      [self = this->shared_from_this(), started, expiry, deadline, done = std::move(done)](
        beast::error_code ec, net::ip::tcp::resolver::results_type results) mutable {
        if (ec)
          return done(io_error(ec, "resolve", self->endpoint_, expiry, started));
        if (self->closed_)
          return done(io_error(net::error::operation_aborted, "connect", self->endpoint_, expiry, started));
        set_expiry(self->stream_, expiry);
        beast::get_lowest_layer(self->stream_).async_connect(
          results, [self, started, expiry, deadline, done = std::move(done)](beast::error_code ec,
                                                                            const net::ip::tcp::endpoint&) mutable {
            if (ec)
              return done(io_error(ec, "connect", self->endpoint_, expiry, started));
            // As Go's net/http: without TCP_NODELAY a small write behind an unacknowledged one
            // waits for the server's delayed ACK (40 ms on Linux).
            beast::error_code ignored;
            beast::get_lowest_layer(self->stream_).socket().set_option(net::ip::tcp::no_delay(true), ignored);
            set_expiry(self->stream_, clock::time_point::max());
            self->handshake(deadline, std::move(done));
          });
      });
  }

  std::chrono::milliseconds connect_timeout_;
  // Atomic because the pool reads reusable() from whichever thread returns or takes it.
  std::atomic<bool> keep_alive_{false};
  std::atomic<bool> closed_{false};
  std::atomic<unsigned> exchanges_{0};
};

} // namespace kelos::k8s::detail
