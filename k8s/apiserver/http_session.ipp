#pragma once
// Internal: the Beast session template. Included only by http_server.cpp (plain) and
// http_server_tls.cpp (TLS) so that each instantiation compiles in its own TU.

#include "k8s/apiserver/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <optional>
#include <type_traits>

namespace kelos::apiserver::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

/// Fills a server_request from a parsed Beast request.
inline server_request to_server_request(http::request<http::string_body>& req) {
  server_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  std::string_view target = req.target();
  auto q = target.find('?');
  r.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos)
    r.query = parse_query(target.substr(q + 1));
  for (const auto& f : req) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = r.headers.emplace(name, std::string(f.value()));
    if (!inserted)
      it->second += ", " + std::string(f.value());
  }
  r.body = std::move(req.body());
  return r;
}

/// A Status body for errors the front itself produces (413, 400, 500).
inline std::string front_status(int code, std::string_view reason, std::string_view message) {
  std::string msg;
  for (char c : message) {
    if (c == '"' || c == '\\')
      msg.push_back('\\');
    msg.push_back(c);
  }
  return std::string(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")") +
         msg + R"(","reason":")" + std::string(reason) + R"(","code":)" + std::to_string(code) + "}";
}

template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  explicit session(std::shared_ptr<session_env> env, Args&&... args)
    : stream_(std::forward<Args>(args)...), env_(std::move(env)) {
  }

  void run() {
    if constexpr (is_tls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec)
                                  return; // a failed handshake is the client's problem
                                self->do_read();
                              });
    } else {
      net::dispatch(stream_.get_executor(),
                    [self = this->shared_from_this()] { self->do_read(); });
    }
  }

  /// Sink side (any thread): queue a chunk.
  bool enqueue(std::string data) {
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (stream_closed_ || close_requested_)
        return false;
      if (data.empty())
        return true;
      pending_bytes_ += data.size();
      queue_.push_back(std::move(data));
    }
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->pump(); });
    return true;
  }

  void request_close() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (close_requested_)
        return;
      close_requested_ = true;
    }
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->pump(); });
  }

  bool is_closed() const {
    std::lock_guard<std::mutex> guard(mu_);
    return stream_closed_ || close_requested_;
  }

  std::size_t pending() const {
    std::lock_guard<std::mutex> guard(mu_);
    return pending_bytes_;
  }

private:
  class sink_impl : public chunk_sink {
  public:
    explicit sink_impl(std::weak_ptr<session> s) : s_(std::move(s)) {
    }
    bool write(std::string data) override {
      auto s = s_.lock();
      return s && s->enqueue(std::move(data));
    }
    void close() override {
      if (auto s = s_.lock())
        s->request_close();
    }
    bool closed() const override {
      auto s = s_.lock();
      return !s || s->is_closed();
    }
    std::size_t pending_bytes() const override {
      auto s = s_.lock();
      return s ? s->pending() : 0;
    }

  private:
    std::weak_ptr<session> s_;
  };

  void do_read() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(env_->max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));
    // Header first, so `Expect: 100-continue` clients (curl) get their interim response.
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec)
                                return self->on_read(ec);
                              self->on_header();
                            });
  }

  void on_header() {
    auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done()) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont,
                        [self = this->shared_from_this(), cont](beast::error_code ec, std::size_t) {
                          if (ec)
                            return self->do_close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset)
      return do_close();
    if (ec == http::error::body_limit) {
      // The client is likely still sending: read and drop its body after answering so it
      // sees the 413 instead of a connection reset.
      drain_after_write_ = true;
      return write_simple(413, front_status(413, "RequestEntityTooLarge",
                                            "the request body exceeds the server's limit of " +
                                              std::to_string(env_->max_body_bytes) + " bytes"),
                          false);
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return write_simple(400, front_status(400, "BadRequest", "malformed HTTP request: " + ec.message()),
                            false);
      return do_close();
    }
    auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    server_request r = to_server_request(req);
    server_response resp;
    try {
      resp = env_->handler(r);
    } catch (const std::exception& e) {
      spdlog::error("apiserver: handler failed on {} {}: {}", r.method, r.target, e.what());
      resp = server_response{};
      resp.status = 500;
      resp.body = front_status(500, "InternalError", std::string("internal error: ") + e.what());
    }
    spdlog::debug("apiserver: {} {} -> {}{}", r.method, r.target, resp.status,
                  resp.stream ? " (stream)" : "");
    if (resp.stream)
      return start_stream(std::move(resp));
    write_response(std::move(resp));
  }

  void write_simple(int status, std::string body, bool keep_alive) {
    server_response resp;
    resp.status = status;
    resp.body = std::move(body);
    keep_alive_ = keep_alive;
    write_response(std::move(resp));
  }

  void write_response(server_response resp) {
    auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(resp.status), version_ ? version_ : 11);
    res->set(http::field::server, "kelos-apiserver");
    res->set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers)
      res->insert(k, v);
    res->body() = std::move(resp.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (!ec && self->drain_after_write_)
                          return self->drain();
                        if (ec || !res->keep_alive())
                          return self->do_close();
                        self->do_read();
                      });
  }

  // Reads and discards whatever the client still sends (bounded by a timeout), then closes.
  void drain() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    beast::get_lowest_layer(stream_).async_read_some(
      net::buffer(discard_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
          return self->do_close();
        self->drain();
      });
  }

  void start_stream(server_response resp) {
    auto res = std::make_shared<http::response<http::empty_body>>(
      static_cast<http::status>(resp.status), version_ ? version_ : 11);
    res->set(http::field::server, "kelos-apiserver");
    res->set(http::field::content_type, resp.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    for (auto& [k, v] : resp.headers)
      res->insert(k, v);
    res->chunked(true);
    // Streams end the connection: the client learns the end from the last chunk.
    res->keep_alive(false);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    beast::get_lowest_layer(stream_).expires_never();
    ++env_->open_streams;
    streaming_ = true;
    auto start = std::move(resp.stream);
    http::async_write_header(
      stream_, *sr,
      [self = this->shared_from_this(), res, sr, start = std::move(start)](beast::error_code ec,
                                                                         std::size_t) {
        if (ec) {
          {
            std::lock_guard<std::mutex> guard(self->mu_);
            self->stream_closed_ = true;
          }
          self->finish_stream();
          return;
        }
        self->header_sent_ = true;
        self->watch_disconnect();
        auto sink = std::make_shared<sink_impl>(self->weak_from_this());
        try {
          start(sink);
        } catch (const std::exception& e) {
          spdlog::error("apiserver: stream start failed: {}", e.what());
          sink->close();
        }
        self->pump();
      });
  }

  // While streaming, a pending read tells us when the client goes away.
  void watch_disconnect() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec)
                                return self->watch_disconnect();
                              {
                                std::lock_guard<std::mutex> guard(self->mu_);
                                self->stream_closed_ = true;
                                self->queue_.clear();
                                self->pending_bytes_ = 0;
                              }
                              self->pump();
                            });
  }

  // Runs on the strand: writes the next queued chunk, or the terminating chunk.
  void pump() {
    if (!header_sent_ || writing_ || finished_)
      return;
    std::unique_lock<std::mutex> lock(mu_);
    if (stream_closed_) {
      lock.unlock();
      return finish_stream();
    }
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      writing_ = true;
      net::async_write(stream_, http::make_chunk(net::buffer(current_)),
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         self->writing_ = false;
                         {
                           std::lock_guard<std::mutex> guard(self->mu_);
                           self->pending_bytes_ -= std::min(self->pending_bytes_, self->current_.size());
                           if (ec)
                             self->stream_closed_ = true;
                         }
                         self->pump();
                       });
      return;
    }
    if (close_requested_) {
      lock.unlock();
      writing_ = true;
      net::async_write(stream_, http::make_chunk_last(),
                       [self = this->shared_from_this()](beast::error_code, std::size_t) {
                         self->writing_ = false;
                         {
                           std::lock_guard<std::mutex> guard(self->mu_);
                           self->stream_closed_ = true;
                         }
                         self->finish_stream();
                       });
    }
  }

  void finish_stream() {
    if (finished_)
      return;
    finished_ = true;
    if (streaming_)
      --env_->open_streams;
    do_close();
  }

  void do_close() {
    if (closed_)
      return;
    closed_ = true;
    beast::error_code ec;
    if constexpr (is_tls) {
      if (streaming_ || drain_after_write_) {
        // A read is still pending (disconnect watch or drain): an SSL shutdown would start a
        // second one. The terminating chunk is already out, so just close the socket.
        beast::get_lowest_layer(stream_).socket().close(ec);
        return;
      }
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
      stream_.socket().close(ec);
    }
  }

  Stream stream_;
  std::shared_ptr<session_env> env_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool drain_after_write_ = false;
  // Streaming state: the flags below are touched on the strand only; the queue under mu_.
  bool streaming_ = false;
  bool header_sent_ = false;
  bool writing_ = false;
  bool finished_ = false;
  std::string current_;
  char discard_[16384];
  mutable std::mutex mu_;
  std::deque<std::string> queue_;
  std::size_t pending_bytes_ = 0;
  bool close_requested_ = false;
  bool stream_closed_ = false;
};

} // namespace kelos::apiserver::detail
