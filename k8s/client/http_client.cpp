// Pool, retries, token handling and threads of the HTTP transport. Beast itself lives in
// http_plain.cpp / http_tls.cpp behind detail::connection, so this TU stays cheap.
#include "k8s/client/http_client.hpp"

#include "k8s/client/http_transport.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace kelos::k8s {

namespace net = boost::asio;
using detail::clock;

kelos::expected<void> validate(const transport_config& cfg) {
  auto bad = [](std::string msg) { return kelos::make_error(errc::invalid_config, "transport: " + std::move(msg)); };
  if (cfg.scheme != "http" && cfg.scheme != "https")
    return bad("scheme must be http or https, got '" + cfg.scheme + "'");
  if (cfg.host.empty())
    return bad("host must not be empty");
  if (cfg.io_threads == 0)
    return bad("io_threads must be at least 1");
  using ms = std::chrono::milliseconds;
  for (auto [name, value] : {std::pair{"connect_timeout", cfg.connect_timeout},
                             std::pair{"tls_handshake_timeout", cfg.tls_handshake_timeout},
                             std::pair{"write_timeout", cfg.write_timeout},
                             std::pair{"response_header_timeout", cfg.response_header_timeout},
                             std::pair{"stream_idle_timeout", cfg.stream_idle_timeout},
                             std::pair{"total_timeout", cfg.total_timeout}}) {
    if (value <= ms::zero())
      return bad(std::string(name) + " must be positive");
  }
  if (cfg.probe_idle_after < ms::zero())
    return bad("probe_idle_after must not be negative");
  if (!cfg.base_path.empty() && cfg.base_path.front() != '/')
    return bad("base_path must start with '/', got '" + cfg.base_path + "'");
  if (cfg.invalidate_token && !cfg.bearer_token)
    return bad("invalidate_token needs bearer_token");
  if (cfg.cached_bearer_token && !cfg.bearer_token)
    return bad("cached_bearer_token needs bearer_token");
  return {};
}

namespace detail {

std::string host_port(std::string_view host, uint16_t port) {
  std::string out;
  if (host.find(':') != std::string_view::npos)
    out.append("[").append(host).append("]");
  else
    out.append(host);
  return out + ":" + std::to_string(port);
}

/// The cancellation side of a stream, implemented by the request operation.
class stream_control {
public:
  virtual ~stream_control() = default;
  virtual void cancel() = 0;
  virtual bool active() const = 0;
};

} // namespace detail

void stream_handle::cancel() {
  if (ctl_)
    ctl_->cancel();
}

bool stream_handle::active() const {
  return ctl_ && ctl_->active();
}

namespace {
class request_op;
} // namespace

class http_client::impl {
public:
  explicit impl(transport_config c) : cfg(std::move(c)), endpoint(detail::host_port(cfg.host, cfg.port)) {}

  transport_config cfg;
  std::string endpoint;
  std::shared_ptr<detail::tls_settings> tls;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::optional<net::thread_pool> token_pool;

  std::atomic<uint64_t> opened{0}, reused{0}, stale_retries{0}, auth_retries{0}, cached_tokens{0}, idle_probes{0};

  std::shared_ptr<detail::connection> new_connection() {
    return tls ? detail::make_tls_connection(ioc, cfg, tls) : detail::make_plain_connection(ioc, cfg);
  }

  /// The most recently used idle connection that is not too old, or nullptr.
  std::shared_ptr<detail::connection> take_idle() {
    std::lock_guard<std::mutex> guard{mu_};
    auto now = clock::now();
    while (!idle_.empty()) {
      auto entry = std::move(idle_.back());
      idle_.pop_back();
      const auto idle = now - entry.since;
      if (idle <= cfg.idle_connection_timeout && entry.conn->reusable() &&
          (idle < cfg.probe_idle_after || probe(*entry.conn)))
        return std::move(entry.conn);
      entry.conn->cancel();
    }
    return nullptr;
  }

  bool probe(detail::connection& c) {
    idle_probes.fetch_add(1, std::memory_order_relaxed);
    return c.peer_alive();
  }

  void put_idle(std::shared_ptr<detail::connection> c) {
    std::lock_guard<std::mutex> guard{mu_};
    if (shutting_down_ || cfg.max_idle_connections == 0) {
      c->cancel();
      return;
    }
    idle_.push_back({std::move(c), clock::now()});
    while (idle_.size() > cfg.max_idle_connections) {
      idle_.front().conn->cancel();
      idle_.pop_front();
    }
  }

  /// Registers a running operation; false when the client is shutting down.
  bool register_op(uint64_t& id, std::weak_ptr<request_op> op) {
    std::lock_guard<std::mutex> guard{mu_};
    if (shutting_down_)
      return false;
    id = ++next_id_;
    active_.emplace(id, std::move(op));
    return true;
  }

  void unregister_op(uint64_t id) {
    std::lock_guard<std::mutex> guard{mu_};
    active_.erase(id);
  }

  /// Runs `job` on the token thread; false once shutdown has begun (the job is not run then).
  bool post_token_job(std::function<void()> job) {
    std::lock_guard<std::mutex> guard{mu_};
    if (shutting_down_)
      return false;
    net::post(*token_pool, std::move(job));
    return true;
  }

  bool on_io_thread() const {
    auto me = std::this_thread::get_id();
    for (const auto& t : threads)
      if (t.get_id() == me)
        return true;
    return false;
  }

  void start(std::shared_ptr<request_op> op);
  void shutdown();

private:
  struct idle_entry {
    std::shared_ptr<detail::connection> conn;
    clock::time_point since;
  };
  std::mutex mu_;
  std::deque<idle_entry> idle_;
  std::unordered_map<uint64_t, std::weak_ptr<request_op>> active_;
  uint64_t next_id_ = 0;
  bool shutting_down_ = false;
};

namespace {

/// One request (buffered or streaming) from token fetch to the final callback, including the
/// stale-connection retry and the 401 retry. Steps run on I/O threads (or the token thread for
/// the token callbacks); `mu_` guards the fields that `cancel()` touches from other threads.
class request_op final : public detail::response_sink,
                         public detail::stream_control,
                         public std::enable_shared_from_this<request_op> {
public:
  request_op(http_client::impl& client, http_request req, bool streaming, clock::time_point deadline)
    : client_(client), req_(std::move(req)), streaming_(streaming), deadline_(deadline) {
    what_ = req_.method + " " + req_.path + ": ";
  }

  std::function<void(kelos::expected<http_response>)> on_complete;
  stream_callbacks callbacks;

  void start() {
    if (!client_.register_op(id_, weak_from_this()))
      return fail(kelos::make_error(errc::cancelled, "client is shutting down"));
    registered_ = true;
    next_attempt(false);
  }

  void cancel() override {
    std::shared_ptr<detail::connection> c;
    {
      std::lock_guard<std::mutex> guard{mu_};
      if (finished_ || cancelled_)
        return;
      cancelled_ = true;
      c = conn_;
    }
    // Without a connection the next step notices `cancelled_` and finishes.
    if (c)
      c->cancel();
  }

  bool active() const override {
    std::lock_guard<std::mutex> guard{mu_};
    return !finished_;
  }

  bool on_head(int status, detail::header_list headers) override {
    if (status == 401 && !auth_retried_ && client_.cfg.invalidate_token) {
      retry_auth_ = true;
      return false;
    }
    if (cancelled_)
      return false;
    if (streaming_) {
      if (callbacks.on_response_head)
        callbacks.on_response_head(status, headers);
      return !cancelled_;
    }
    response_.status = status;
    response_.headers = std::move(headers);
    return true;
  }

  bool on_data(std::string_view chunk) override {
    if (cancelled_)
      return false;
    if (!streaming_) {
      response_.body.append(chunk);
      return true;
    }
    if (callbacks.on_data)
      callbacks.on_data(chunk);
    return !cancelled_;
  }

private:
  bool cancelled() const { return cancelled_; }

  void next_attempt(bool invalidate) {
    if (!client_.cfg.bearer_token)
      return acquire(false);
    if (!invalidate && client_.cfg.cached_bearer_token) {
      std::optional<std::string> at_hand;
      try {
        at_hand = client_.cfg.cached_bearer_token();
      } catch (...) {
        // nop: fall back to the token thread, whose callback reports failures
      }
      if (at_hand) {
        token_ = std::move(*at_hand);
        ++client_.cached_tokens;
        return acquire(false);
      }
    }
    // Token sources may block (exec plugins): call them on the token thread, then come back.
    const bool posted = client_.post_token_job([self = shared_from_this(), invalidate] {
      auto& cfg = self->client_.cfg;
      // User callbacks must not throw; if one does, fail this request instead of the process.
      kelos::expected<std::string> token = kelos::make_error(errc::logic_error, "bearer token callback threw");
      try {
        if (invalidate && cfg.invalidate_token)
          cfg.invalidate_token();
        token = cfg.bearer_token();
      } catch (...) {
        // nop: `token` already holds the error
      }
      net::post(self->client_.ioc, [self, token = std::move(token)]() mutable {
        if (!token)
          return self->fail(kelos::make_error(token.error().code, "bearer token: " + token.error().message));
        self->token_ = std::move(*token);
        self->acquire(false);
      });
    });
    if (!posted)
      fail({}); // shutting down
  }

  void acquire(bool force_new) {
    if (cancelled())
      return fail({});
    std::shared_ptr<detail::connection> c = force_new ? nullptr : client_.take_idle();
    const bool reused = c != nullptr;
    if (!c)
      c = client_.new_connection();
    bool was_cancelled = false;
    {
      std::lock_guard<std::mutex> guard{mu_};
      was_cancelled = cancelled_;
      if (!was_cancelled)
        conn_ = c;
    }
    if (was_cancelled) {
      c->cancel();
      return fail({});
    }
    if (reused) {
      ++client_.reused;
      return exchange(std::move(c), true);
    }
    c->async_open(deadline_, [self = shared_from_this(), c](kelos::error err) mutable {
      if (err) {
        self->release(c);
        return self->fail(std::move(err));
      }
      ++self->client_.opened;
      self->exchange(std::move(c), false);
    });
  }

  detail::wire_request make_wire() const {
    const auto& cfg = client_.cfg;
    detail::wire_request w;
    w.method = req_.method;
    std::string target = req_.target();
    if (target.empty() || target.front() != '/')
      target.insert(target.begin(), '/');
    w.target = cfg.base_path + target;
    const bool default_port = (cfg.scheme == "https" && cfg.port == 443) || (cfg.scheme == "http" && cfg.port == 80);
    w.headers.emplace_back("Host", default_port ? (cfg.host.find(':') != std::string::npos ? "[" + cfg.host + "]"
                                                                                           : cfg.host)
                                                : client_.endpoint);
    w.headers.emplace_back("User-Agent", cfg.user_agent);
    for (const auto& h : req_.headers) {
      // The transport owns framing and the Host header.
      if (header_name_equal(h.first, "Host") || header_name_equal(h.first, "Content-Length") ||
          header_name_equal(h.first, "Transfer-Encoding"))
        continue;
      w.headers.push_back(h);
    }
    if (!token_.empty())
      w.headers.emplace_back("Authorization", "Bearer " + token_);
    w.body = req_.body;
    return w;
  }

  void exchange(std::shared_ptr<detail::connection> c, bool reused) {
    const auto& cfg = client_.cfg;
    detail::exchange_limits limits;
    limits.deadline = deadline_;
    limits.write_timeout = cfg.write_timeout;
    limits.header_timeout = cfg.response_header_timeout;
    if (streaming_) {
      limits.idle_timeout = cfg.stream_idle_timeout;
      limits.body_limit = 0;
    } else {
      limits.idle_timeout = std::chrono::hours{24 * 365}; // bounded by the deadline instead
      limits.body_limit = cfg.max_body_bytes;
    }
    c->async_exchange(make_wire(), shared_from_this(), limits,
                      [self = shared_from_this(), c, reused](detail::exchange_result r) mutable {
                        self->on_exchanged(std::move(c), reused, std::move(r));
                      });
  }

  void release(const std::shared_ptr<detail::connection>& c) {
    std::lock_guard<std::mutex> guard{mu_};
    if (conn_ == c)
      conn_.reset();
  }

  void on_exchanged(std::shared_ptr<detail::connection> c, bool reused, detail::exchange_result r) {
    release(c);
    if (retry_auth_) {
      retry_auth_ = false;
      auth_retried_ = true;
      c->cancel();
      ++client_.auth_retries;
      response_ = {};
      return next_attempt(true);
    }
    if (r.err) {
      c->cancel();
      const bool transient = r.err.code == errc::connection_failed;
      if (!cancelled() && reused && !stale_retried_ && transient && r.nothing_received &&
          (r.nothing_written || req_.idempotent)) {
        // The server closed the pooled connection while it sat idle: retry once on a new one.
        stale_retried_ = true;
        ++client_.stale_retries;
        response_ = {};
        return acquire(true);
      }
      return fail(std::move(r.err));
    }
    if (r.stopped_by_sink) {
      c->cancel();
      return fail({});
    }
    if (!streaming_ && r.keep_alive && c->reusable())
      client_.put_idle(std::move(c));
    else
      c->cancel();
    succeed();
  }

  bool mark_finished() {
    std::lock_guard<std::mutex> guard{mu_};
    if (finished_)
      return false;
    finished_ = true;
    conn_.reset();
    return true;
  }

  /// Fails with `err`, or with `errc::cancelled` when the operation was cancelled.
  void fail(kelos::error err) {
    if (!mark_finished())
      return;
    if (cancelled_ || !err)
      err = kelos::make_error(errc::cancelled, "cancelled");
    err.message = what_ + err.message;
    if (registered_)
      client_.unregister_op(id_);
    if (streaming_) {
      if (callbacks.on_done)
        callbacks.on_done(std::move(err));
    } else if (on_complete) {
      on_complete(std::move(err));
    }
  }

  void succeed() {
    if (cancelled_)
      return fail({});
    if (!mark_finished())
      return;
    if (registered_)
      client_.unregister_op(id_);
    if (streaming_) {
      if (callbacks.on_done)
        callbacks.on_done(kelos::error{});
    } else if (on_complete) {
      on_complete(std::move(response_));
    }
  }

  http_client::impl& client_;
  http_request req_;
  const bool streaming_;
  const clock::time_point deadline_;
  std::string what_;
  std::string token_; // never logged
  uint64_t id_ = 0;
  bool registered_ = false;
  http_response response_;
  bool retry_auth_ = false;
  bool auth_retried_ = false;
  bool stale_retried_ = false;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  bool finished_ = false;
  std::shared_ptr<detail::connection> conn_;
};

} // namespace

void http_client::impl::start(std::shared_ptr<request_op> op) {
  // Always hop onto an I/O thread so nothing (not even a failure callback) runs on the caller's.
  net::post(ioc, [op = std::move(op)] { op->start(); });
}

void http_client::impl::shutdown() {
  std::vector<std::shared_ptr<request_op>> ops;
  {
    std::lock_guard<std::mutex> guard{mu_};
    shutting_down_ = true;
    for (auto& [id, weak] : active_)
      if (auto op = weak.lock())
        ops.push_back(std::move(op));
    for (auto& e : idle_)
      e.conn->cancel();
    idle_.clear();
  }
  for (auto& op : ops)
    op->cancel();
  ops.clear();
  // Token calls in flight finish and post back; the operations then see the cancellation.
  if (token_pool)
    token_pool->join();
  work.reset();
  for (auto& t : threads)
    if (t.joinable())
      t.join();
}

kelos::expected<std::unique_ptr<http_client>> http_client::make(transport_config cfg) {
  if (auto ok = validate(cfg); !ok)
    return ok.error();
  if (cfg.port == 0)
    cfg.port = cfg.scheme == "https" ? 443 : 80;
  while (cfg.base_path.size() > 1 && cfg.base_path.back() == '/')
    cfg.base_path.pop_back();
  if (cfg.base_path == "/")
    cfg.base_path.clear();
  auto p = std::make_shared<impl>(std::move(cfg));
  if (p->cfg.scheme == "https") {
    auto tls = detail::make_tls_settings(p->cfg);
    if (!tls)
      return tls.error();
    p->tls = std::move(*tls);
  }
  if (p->cfg.bearer_token)
    p->token_pool.emplace(1);
  p->work.emplace(p->ioc.get_executor());
  for (std::size_t i = 0; i < p->cfg.io_threads; ++i)
    p->threads.emplace_back([raw = p.get()] { raw->ioc.run(); });
  return std::unique_ptr<http_client>(new http_client(std::move(p)));
}

http_client::http_client(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

http_client::~http_client() {
  impl_->shutdown();
}

void http_client::send(http_request req, std::function<void(kelos::expected<http_response>)> done) {
  auto deadline = clock::now() + impl_->cfg.total_timeout;
  auto op = std::make_shared<request_op>(*impl_, std::move(req), false, deadline);
  op->on_complete = std::move(done);
  impl_->start(std::move(op));
}

stream_handle http_client::stream(http_request req, stream_callbacks callbacks) {
  auto op = std::make_shared<request_op>(*impl_, std::move(req), true, clock::time_point::max());
  op->callbacks = std::move(callbacks);
  impl_->start(op);
  return stream_handle{std::move(op)};
}

kelos::expected<http_response> http_client::send_sync(http_request req, std::chrono::milliseconds timeout) {
  if (impl_->on_io_thread())
    return kelos::make_error(errc::logic_error, "http_client::send_sync called on an I/O thread");
  auto promise = std::make_shared<std::promise<kelos::expected<http_response>>>();
  auto future = promise->get_future();
  auto op = std::make_shared<request_op>(*impl_, std::move(req), false, clock::now() + timeout);
  op->on_complete = [promise](kelos::expected<http_response> r) { promise->set_value(std::move(r)); };
  impl_->start(std::move(op));
  // The request is bounded by the deadline; the grace only covers a slow token source.
  if (future.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready)
    return kelos::make_error(errc::timeout, "request to " + endpoint() + " timed out after " +
                                              std::to_string(timeout.count()) + " ms");
  return future.get();
}

std::string http_client::endpoint() const {
  return impl_->cfg.scheme + "://" + impl_->endpoint;
}

http_client_stats http_client::stats() const {
  return {impl_->opened.load(), impl_->reused.load(), impl_->stale_retries.load(), impl_->auth_retries.load(),
          impl_->cached_tokens.load(), impl_->idle_probes.load()};
}

} // namespace kelos::k8s
