#pragma once

// Internal to the HTTP transport: one request/response exchange over any Beast stream
// (tcp_stream, ssl_stream<tcp_stream>, beast::test::stream). Heavy: include only from
// http_plain.cpp, http_tls.cpp and the transport's unit tests.

#include "k8s/client/http_transport.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <limits>
#include <string>

namespace kelos::k8s::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;

/// Largest accepted response header block (Beast's default of 8 KiB is tight for some proxies).
inline constexpr std::uint32_t max_header_bytes = 64 * 1024;

/// Builds the Beast message: method, target, HTTP/1.1, the headers in order (a later header with
/// the same name replaces an earlier one) and Content-Length from the body.
inline http::request<http::string_body> to_beast_request(const wire_request& w) {
  http::request<http::string_body> r;
  r.method_string(w.method);
  r.target(w.target);
  r.version(11);
  for (const auto& [name, value] : w.headers)
    r.set(name, value);
  r.body() = w.body;
  r.prepare_payload();
  return r;
}

/// Copies the parsed fields in received order.
template <class Fields>
header_list to_header_list(const Fields& fields) {
  header_list out;
  for (const auto& f : fields)
    out.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

/// Sets the lowest layer's expiry when it has one (tcp_stream); test streams have none.
template <class Stream>
void set_expiry(Stream& s, clock::time_point tp) {
  if constexpr (requires { beast::get_lowest_layer(s).expires_at(tp); }) {
    if (tp == clock::time_point::max())
      beast::get_lowest_layer(s).expires_never();
    else
      beast::get_lowest_layer(s).expires_at(tp);
  }
}

/// min(now + d, deadline) without overflowing for huge `d`.
inline clock::time_point bound(std::chrono::milliseconds d, clock::time_point deadline) {
  auto now = clock::now();
  if (d >= std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() - now))
    return deadline;
  return std::min(now + d, deadline);
}

/// Converts an I/O error into a kelos error: "<what> <endpoint>: <reason>".
inline kelos::error io_error(const beast::error_code& ec, std::string_view what, std::string_view endpoint,
                             clock::time_point expiry, clock::time_point started) {
  std::string prefix = std::string(what) + " " + std::string(endpoint) + ": ";
  if (ec == beast::error::timeout) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(expiry - started).count();
    return kelos::make_error(errc::timeout, prefix + "timed out after " + std::to_string(ms) + " ms");
  }
  if (ec == boost::asio::error::operation_aborted)
    return kelos::make_error(errc::cancelled, prefix + "cancelled");
  if (ec == http::error::body_limit)
    return kelos::make_error(errc::http_error, prefix + "response body exceeds the size limit");
  if (ec == http::error::partial_message)
    return kelos::make_error(errc::connection_failed, prefix + "connection closed before the end of the response");
  if (ec == http::error::end_of_stream)
    return kelos::make_error(errc::connection_failed, prefix + "connection closed by peer");
  return kelos::make_error(errc::connection_failed, prefix + ec.message());
}

/// Writes one request and reads one response into a sink. Keeps `owner` (which owns the stream
/// and buffer) alive until `done` has been called. Not thread-safe: run on the stream's strand.
template <class Stream>
class exchange_op : public std::enable_shared_from_this<exchange_op<Stream>> {
public:
  /// `is_truncation` recognises a TLS "stream truncated" error, which ends a read-until-close
  /// body over TLS the way EOF does over TCP; nullptr for plain streams.
  exchange_op(std::shared_ptr<void> owner, Stream& stream, beast::flat_buffer& buffer, std::string endpoint,
              const wire_request& req, std::shared_ptr<response_sink> sink, exchange_limits limits,
              std::function<void(exchange_result)> done, bool (*is_truncation)(const beast::error_code&) = nullptr)
    : owner_(std::move(owner)), stream_(stream), buffer_(buffer), endpoint_(std::move(endpoint)),
      req_(to_beast_request(req)), sink_(std::move(sink)), limits_(limits), done_(std::move(done)),
      is_truncation_(is_truncation) {}

  void start() {
    arm(bound(limits_.write_timeout, limits_.deadline));
    http::async_write(stream_, req_, [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      self->on_write(ec, n);
    });
  }

private:
  void arm(clock::time_point expiry) {
    started_ = clock::now();
    expiry_ = expiry;
    set_expiry(stream_, expiry);
  }

  void on_write(beast::error_code ec, std::size_t n) {
    if (ec) {
      exchange_result r;
      r.err = io_error(ec, "write request to", endpoint_, expiry_, started_);
      r.nothing_written = n == 0;
      r.nothing_received = true;
      return finish(std::move(r));
    }
    parser_.emplace();
    parser_->header_limit(max_header_bytes);
    // A response to HEAD carries Content-Length but no body; without skip() the parser waits for it.
    if (req_.method() == http::verb::head)
      parser_->skip(true);
    // The default 8 MiB counts across a whole chunked stream, so streams need "unlimited". Not
    // boost::none: Beast 1.74 compares `content_length > body_limit` as optionals, and any
    // value is greater than none, so every Content-Length body would fail with body_limit.
    parser_->body_limit(limits_.body_limit == 0 ? std::numeric_limits<std::uint64_t>::max() : limits_.body_limit);
    arm(bound(limits_.header_timeout, limits_.deadline));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_header(ec, n);
                            });
  }

  void on_header(beast::error_code ec, std::size_t n) {
    if (ec) {
      exchange_result r;
      r.err = read_error(ec, "read response header from");
      r.nothing_received = n == 0;
      return finish(std::move(r));
    }
    auto& msg = parser_->get();
    if (!sink_->on_head(static_cast<int>(msg.result_int()), to_header_list(msg)))
      return stopped();
    if (parser_->is_done())
      return complete();
    read_body();
  }

  void read_body() {
    parser_->get().body().data = chunk_;
    parser_->get().body().size = sizeof(chunk_);
    arm(bound(limits_.idle_timeout, limits_.deadline));
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_body(ec);
                          });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::need_buffer)
      ec = {};
    std::size_t got = sizeof(chunk_) - parser_->get().body().size;
    if (got > 0 && !sink_->on_data(std::string_view(chunk_, got)))
      return stopped();
    if (ec && is_truncation_ && is_truncation_(ec) && !parser_->is_done() && !parser_->chunked() &&
        !parser_->content_length()) {
      // Read-until-close body over TLS without close_notify: the close ends the body.
      beast::error_code eof_ec;
      parser_->put_eof(eof_ec);
      if (!eof_ec && parser_->is_done())
        return complete(false);
    }
    if (ec) {
      exchange_result r;
      r.err = read_error(ec, "read response body from");
      return finish(std::move(r));
    }
    if (parser_->is_done())
      return complete();
    read_body();
  }

  kelos::error read_error(const beast::error_code& ec, std::string_view what) const {
    auto err = io_error(ec, what, endpoint_, expiry_, started_);
    if (ec == http::error::body_limit)
      err.message += " of " + std::to_string(limits_.body_limit) + " bytes";
    return err;
  }

  void complete(bool may_keep_alive = true) {
    exchange_result r;
    r.keep_alive = may_keep_alive && parser_->keep_alive() && req_.keep_alive();
    finish(std::move(r));
  }

  void stopped() {
    exchange_result r;
    r.stopped_by_sink = true;
    finish(std::move(r));
  }

  void finish(exchange_result r) {
    set_expiry(stream_, clock::time_point::max());
    auto done = std::move(done_);
    auto owner = std::move(owner_);
    sink_.reset();
    done(std::move(r));
  }

  std::shared_ptr<void> owner_;
  Stream& stream_;
  beast::flat_buffer& buffer_;
  std::string endpoint_;
  http::request<http::string_body> req_;
  std::shared_ptr<response_sink> sink_;
  exchange_limits limits_;
  std::function<void(exchange_result)> done_;
  bool (*is_truncation_)(const beast::error_code&);
  boost::optional<http::response_parser<http::buffer_body>> parser_;
  clock::time_point started_{};
  clock::time_point expiry_{};
  char chunk_[16 * 1024];
};

} // namespace kelos::k8s::detail
