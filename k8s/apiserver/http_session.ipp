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

/// One response waiting its turn (HTTP/1.1 answers in request order).
struct queued_response {
  uint64_t seq = 0;
  server_response resp;
  unsigned version = 11;
  bool keep_alive = true;
  /// Read and drop what the client still sends after this response, then close (413).
  bool drain_after = false;
  /// False while `when_ready` has not completed.
  bool ready = true;
};

/// Responses queued or being written before a connection stops reading ahead.
inline constexpr std::size_t max_outstanding_responses = 16;
/// Capacity of a session's read buffer: one recvmsg takes up to this many bytes.
inline constexpr std::size_t read_buffer_bytes = 16 * 1024;

template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  explicit session(std::shared_ptr<session_env> env, Args&&... args)
    : stream_(std::forward<Args>(args)...), env_(std::move(env)) {
    // Beast reads max(512, capacity - size) bytes at a time, and the parser empties the
    // buffer as it goes, so without a reserve a 3 KB request took six recvmsg calls.
    buffer_.reserve(read_buffer_bytes);
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
      // One posted pump takes everything queued by then: no post per chunk.
      if (pump_posted_)
        return true;
      pump_posted_ = true;
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
    reading_ = true;
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
    // The interim 100 may not overtake an earlier request's response: with one still queued
    // it is skipped and the body read anyway (the client sends it after its own timeout).
    if (beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done()
        && responses_.empty() && !response_writing_) {
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
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset) {
      peer_done_ = true; // answer what is queued, then close
      return flush();
    }
    if (ec == http::error::body_limit) {
      // The client is likely still sending: read and drop its body after answering so it
      // sees the 413 instead of a connection reset.
      return queue_final(413, front_status(413, "RequestEntityTooLarge",
                                           "the request body exceeds the server's limit of " +
                                             std::to_string(env_->max_body_bytes) + " bytes"),
                         true);
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return queue_final(400, front_status(400, "BadRequest", "malformed HTTP request: " + ec.message()),
                           false);
      return do_close();
    }
    auto& req = parser_->get();
    queued_response q;
    q.version = req.version();
    q.keep_alive = req.keep_alive();
    server_request r = to_server_request(req);
    try {
      q.resp = env_->handler(r);
    } catch (const std::exception& e) {
      spdlog::error("apiserver: handler failed on {} {}: {}", r.method, r.target, e.what());
      q.resp = server_response{};
      q.resp.status = 500;
      q.resp.body = front_status(500, "InternalError", std::string("internal error: ") + e.what());
    }
    spdlog::debug("apiserver: {} {} -> {}{}{}", r.method, r.target, q.resp.status,
                  q.resp.stream ? " (stream)" : "", q.resp.when_ready ? " (awaiting durability)" : "");
    // A stream or a closing response ends the connection: nothing after it is read.
    if (q.resp.stream || !q.keep_alive)
      stopped_reading_ = true;
    auto wait = std::move(q.resp.when_ready);
    q.resp.when_ready = nullptr;
    q.ready = !wait;
    q.seq = next_seq_++;
    responses_.push_back(std::move(q));
    if (wait) {
      uint64_t seq = responses_.back().seq;
      try {
        wait([self = this->shared_from_this(), seq](std::optional<std::string> failure) {
          net::post(self->stream_.get_executor(), [self, seq, failure = std::move(failure)]() mutable {
            self->on_ready(seq, std::move(failure));
          });
        });
      } catch (const std::exception& e) {
        spdlog::error("apiserver: cannot wait for durability of {} {}: {}", r.method, r.target, e.what());
        return on_ready(seq, std::string(e.what()));
      }
    }
    flush();
    maybe_read();
  }

  // A response that ends the connection (front errors), after whatever is queued before it.
  void queue_final(int status, std::string body, bool drain_after) {
    stopped_reading_ = true;
    queued_response q;
    q.seq = next_seq_++;
    q.resp.status = status;
    q.resp.body = std::move(body);
    q.version = parser_ ? parser_->get().version() : 11;
    q.keep_alive = false;
    q.drain_after = drain_after;
    responses_.push_back(std::move(q));
    flush();
  }

  // A deferred response's wait is over (strand).
  void on_ready(uint64_t seq, std::optional<std::string> failure) {
    for (auto& q : responses_) {
      if (q.seq != seq)
        continue;
      q.ready = true;
      if (failure) {
        q.resp = server_response{};
        q.resp.status = 500;
        q.resp.body = front_status(500, "InternalError", "the change was not made durable: " + *failure);
      }
      break;
    }
    flush();
  }

  // Reads the next request while responses are outstanding (HTTP/1.1 pipelining), up to a
  // bound: a client that pipelines writes gets them committed while earlier ones sync.
  void maybe_read() {
    if (reading_ || stopped_reading_ || peer_done_ || closed_ || streaming_)
      return;
    if (responses_.size() + (response_writing_ ? 1 : 0) >= max_outstanding_responses)
      return; // resumed when a response has been written
    do_read();
  }

  // Writes the oldest response once it is ready; responses leave in request order.
  void flush() {
    if (response_writing_ || closed_ || streaming_)
      return;
    if (responses_.empty()) {
      if (peer_done_)
        do_close();
      return;
    }
    if (!responses_.front().ready)
      return;
    queued_response q = std::move(responses_.front());
    responses_.pop_front();
    if (q.resp.stream)
      return start_stream(std::move(q));
    write_response(std::move(q));
  }

  void write_response(queued_response q) {
    auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(q.resp.status), q.version ? q.version : 11);
    res->set(http::field::server, "kelos-apiserver");
    res->set(http::field::content_type, q.resp.content_type);
    for (auto& [k, v] : q.resp.headers)
      res->insert(k, v);
    res->body() = std::move(q.resp.body);
    res->keep_alive(q.keep_alive);
    res->prepare_payload();
    response_writing_ = true;
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, drain_after = q.drain_after](
                        beast::error_code ec, std::size_t) {
                        self->response_writing_ = false;
                        if (!ec && drain_after)
                          return self->drain();
                        if (ec || !res->keep_alive())
                          return self->do_close();
                        self->flush();
                        self->maybe_read();
                      });
  }

  // Reads and discards whatever the client still sends (bounded by a timeout), then closes.
  void drain() {
    drain_after_write_ = true;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    beast::get_lowest_layer(stream_).async_read_some(
      net::buffer(discard_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
          return self->do_close();
        self->drain();
      });
  }

  void start_stream(queued_response q) {
    server_response& resp = q.resp;
    auto res = std::make_shared<http::response<http::empty_body>>(
      static_cast<http::status>(resp.status), q.version ? q.version : 11);
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

  // Runs on the strand: writes everything queued as one chunk (up to `max_chunk_bytes`; chunk
  // boundaries carry no meaning in HTTP, and watch events are whole lines), or the terminating
  // chunk. One write for a burst of events saves the sender and the reader a system call each.
  void pump() {
    if (!header_sent_ || writing_ || finished_) {
      std::lock_guard<std::mutex> guard(mu_);
      pump_posted_ = false;
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    pump_posted_ = false;
    if (stream_closed_) {
      lock.unlock();
      return finish_stream();
    }
    if (!queue_.empty()) {
      current_.clear();
      current_bytes_ = 0;
      do {
        current_bytes_ += queue_.front().size();
        current_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } while (!queue_.empty() && current_bytes_ + queue_.front().size() <= max_chunk_bytes);
      lock.unlock();
      buffers_.clear();
      for (const auto& part : current_)
        buffers_.emplace_back(part.data(), part.size());
      writing_ = true;
      net::async_write(stream_, http::make_chunk(buffers_),
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         self->writing_ = false;
                         {
                           std::lock_guard<std::mutex> guard(self->mu_);
                           self->pending_bytes_ -= std::min(self->pending_bytes_, self->current_bytes_);
                           if (ec)
                             self->stream_closed_ = true;
                         }
                         self->current_.clear();
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
      if (streaming_ || drain_after_write_ || reading_ || response_writing_) {
        // A read or a write is still pending (disconnect watch, drain, read-ahead, a response
        // in flight): an SSL shutdown would start a second one. Just close the socket.
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
  // Request/response state, strand only. Handling is sequential in request order; responses
  // wait in `responses_` until ready and leave in the same order.
  std::deque<queued_response> responses_;
  uint64_t next_seq_ = 0;
  bool reading_ = false;
  bool response_writing_ = false;
  bool stopped_reading_ = false;
  bool peer_done_ = false;
  bool closed_ = false;
  bool drain_after_write_ = false;
  // Streaming state: the flags below are touched on the strand only; the queue under mu_.
  bool streaming_ = false;
  bool header_sent_ = false;
  bool writing_ = false;
  bool finished_ = false;
  // Queued chunks are joined into one chunk of at most this many bytes (a single larger
  // chunk is still sent whole).
  static constexpr std::size_t max_chunk_bytes = 256 * 1024;
  std::vector<std::string> current_;
  std::vector<net::const_buffer> buffers_;
  std::size_t current_bytes_ = 0;
  char discard_[16384];
  mutable std::mutex mu_;
  std::deque<std::string> queue_;
  std::size_t pending_bytes_ = 0;
  bool close_requested_ = false;
  bool stream_closed_ = false;
  bool pump_posted_ = false;
};

} // namespace kelos::apiserver::detail
