#include "tests/support/loopback_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace kelos::test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

std::string loopback_request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  return {};
}

const loopback_pki& test_pki() {
  static const loopback_pki pki = [] {
    auto check = [](kelos::expected<k8s::tls::cert_and_key> r) {
      if (!r) {
        std::fprintf(stderr, "test PKI generation failed: %s\n", r.error().message.c_str());
        std::abort();
      }
      return std::move(*r);
    };
    loopback_pki p;
    p.ca = check(k8s::tls::make_ca("kelos-test-ca"));
    p.server = check(k8s::tls::issue_server_cert(p.ca, {"localhost"}, {"127.0.0.1"}));
    p.client = check(k8s::tls::issue_client_cert(p.ca, "kelos-test", "system:masters"));
    p.other_ca = check(k8s::tls::make_ca("kelos-other-ca"));
    p.other_client = check(k8s::tls::issue_client_cert(p.other_ca, "intruder", ""));
    return p;
  }();
  return pki;
}

struct loopback_server::impl {
  loopback_handler handler;
  net::io_context ioc; // only owns the sockets; never run (all I/O is blocking)
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls_ctx;
  std::thread accept_thread;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::set<int> live_fds;
  std::vector<std::thread> conn_threads;
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> handled{0};

  /// Sleeps up to `d`; returns true when the server is stopping.
  bool wait(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock{mu};
    return cv.wait_for(lock, d, [this] { return stopping; });
  }

  void wait_until_stopped() {
    std::unique_lock<std::mutex> lock{mu};
    cv.wait(lock, [this] { return stopping; });
  }

  void accept_loop() {
    for (;;) {
      tcp::socket sock{ioc};
      beast::error_code ec;
      acceptor.accept(sock, ec);
      if (ec)
        return;
      std::lock_guard<std::mutex> lock{mu};
      if (stopping)
        return;
      std::size_t number = ++accepted;
      live_fds.insert(sock.native_handle());
      conn_threads.emplace_back([this, s = std::move(sock), number]() mutable { run_connection(std::move(s), number); });
    }
  }

  void run_connection(tcp::socket sock, std::size_t number) {
    const int fd = sock.native_handle();
    if (tls_ctx) {
      ssl::stream<tcp::socket> stream{std::move(sock), *tls_ctx};
      beast::error_code ec;
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) {
        std::string cn;
        if (X509* peer = SSL_get1_peer_certificate(stream.native_handle())) {
          char buf[256] = {};
          X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof(buf));
          cn = buf;
          X509_free(peer);
        }
        serve(stream, number, cn);
      }
      forget(fd);
      beast::error_code ignored;
      stream.next_layer().close(ignored);
    } else {
      serve(sock, number, {});
      forget(fd);
      beast::error_code ignored;
      sock.close(ignored);
    }
  }

  void forget(int fd) {
    std::lock_guard<std::mutex> lock{mu};
    live_fds.erase(fd);
  }

  template <class Stream>
  void serve(Stream& stream, std::size_t number, const std::string& client_cn) {
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec)
        return;
      loopback_request in;
      in.method = std::string(req.method_string());
      in.target = std::string(req.target());
      for (const auto& f : req)
        in.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      in.body = req.body();
      in.connection = number;
      in.client_cert_cn = client_cn;
      ++handled;
      loopback_response out = handler(in);
      if (out.hang_up)
        return;
      if (out.no_response) {
        wait_until_stopped();
        return;
      }
      if (out.delay_before_head.count() > 0 && wait(out.delay_before_head))
        return;
      const bool close = out.close_after || out.until_close || out.abort_mid_stream || !req.keep_alive();
      if (out.until_close) {
        http::response<http::empty_body> res{static_cast<http::status>(out.status), 11};
        for (const auto& [k, v] : out.headers)
          res.set(k, v);
        res.keep_alive(false);
        http::response_serializer<http::empty_body> sr{res};
        http::write_header(stream, sr, ec);
        if (!ec && !out.body.empty())
          net::write(stream, net::buffer(out.body), ec);
        return;
      }
      if (out.chunks.empty()) {
        http::response<http::string_body> res{static_cast<http::status>(out.status), 11};
        for (const auto& [k, v] : out.headers)
          res.set(k, v);
        res.body() = out.body;
        res.keep_alive(!close);
        res.prepare_payload();
        http::write(stream, res, ec);
      } else {
        http::response<http::empty_body> res{static_cast<http::status>(out.status), 11};
        for (const auto& [k, v] : out.headers)
          res.set(k, v);
        res.keep_alive(!close);
        res.chunked(true);
        http::response_serializer<http::empty_body> sr{res};
        http::write_header(stream, sr, ec);
        for (std::size_t i = 0; !ec && i < out.chunks.size(); ++i) {
          if (i > 0 && out.chunk_delay.count() > 0 && wait(out.chunk_delay))
            return;
          net::write(stream, http::make_chunk(net::buffer(out.chunks[i])), ec);
        }
        if (out.abort_mid_stream)
          return;
        if (!ec)
          net::write(stream, http::make_chunk_last(), ec);
      }
      if (ec || close || out.drop_after)
        return;
    }
  }
};

loopback_server::loopback_server(loopback_handler handler, std::optional<loopback_tls> tls)
  : impl_(std::make_unique<impl>()) {
  impl_->handler = std::move(handler);
  if (tls) {
    impl_->tls_ctx.emplace(ssl::context::tls_server);
    auto& ctx = *impl_->tls_ctx;
    ctx.use_certificate_chain(net::buffer(tls->cert_pem));
    ctx.use_private_key(net::buffer(tls->key_pem), ssl::context::pem);
    if (!tls->client_ca_pem.empty()) {
      ctx.add_certificate_authority(net::buffer(tls->client_ca_pem));
      ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
  }
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->accept_thread = std::thread([p = impl_.get()] { p->accept_loop(); });
}

loopback_server::~loopback_server() {
  stop();
}

uint16_t loopback_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::size_t loopback_server::connections_accepted() const {
  return impl_->accepted.load();
}

std::size_t loopback_server::requests_handled() const {
  return impl_->handled.load();
}

void loopback_server::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock{impl_->mu};
    if (impl_->stopping)
      return;
    impl_->stopping = true;
    // shutdown(2) wakes threads blocked in accept/read on these sockets (close would not).
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
    for (int fd : impl_->live_fds)
      ::shutdown(fd, SHUT_RDWR);
  }
  impl_->cv.notify_all();
  if (impl_->accept_thread.joinable())
    impl_->accept_thread.join();
  {
    std::lock_guard<std::mutex> lock{impl_->mu};
    threads = std::move(impl_->conn_threads);
  }
  for (auto& t : threads)
    if (t.joinable())
      t.join();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

} // namespace kelos::test
