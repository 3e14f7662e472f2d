#include "k8s/apiserver/http_server.hpp"

#include "k8s/apiserver/http_session.ipp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <thread>
#include <vector>

namespace kelos::apiserver {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace detail {

void start_plain_session(net::ip::tcp::socket socket, std::shared_ptr<session_env> env) {
  std::make_shared<session<beast::tcp_stream>>(std::move(env), std::move(socket))->run();
}

} // namespace detail

struct http_server::impl {
  net::io_context ioc;
  net::ip::tcp::acceptor acceptor{net::make_strand(ioc)};
  std::optional<net::ssl::context> ssl;
  std::shared_ptr<detail::session_env> env = std::make_shared<detail::session_env>();
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc),
                          [this](beast::error_code ec, net::ip::tcp::socket socket) {
                            if (ec == net::error::operation_aborted || !acceptor.is_open())
                              return;
                            if (!ec) {
                              // As Go's net/http: without it, a small response or watch event
                              // written behind an unacknowledged one waits for the peer's
                              // delayed ACK (40 ms on Linux).
                              beast::error_code ignored;
                              socket.set_option(net::ip::tcp::no_delay(true), ignored);
                              if (ssl)
                                detail::start_tls_session(std::move(socket), *ssl, env);
                              else
                                detail::start_plain_session(std::move(socket), env);
                            }
                            do_accept();
                          });
  }
};

http_server::http_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

http_server::~http_server() {
  stop();
}

expected<std::unique_ptr<http_server>> http_server::start(http_server_config config,
                                                          request_handler handler) {
  auto p = std::make_unique<impl>();
  p->env->handler = std::move(handler);
  p->env->max_body_bytes = config.max_body_bytes;
  if (!config.tls_cert_pem.empty() && !config.tls_key_pem.empty()) {
    try {
      p->ssl.emplace(net::ssl::context::tls_server);
      p->ssl->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3);
      p->ssl->use_certificate_chain(net::buffer(config.tls_cert_pem));
      p->ssl->use_private_key(net::buffer(config.tls_key_pem), net::ssl::context::pem);
    } catch (const std::exception& e) {
      return make_error(errc::invalid_config, std::string("TLS material does not load: ") + e.what());
    }
  }
  beast::error_code ec;
  auto address = net::ip::make_address(config.address, ec);
  if (ec)
    return make_error(errc::invalid_config, "bad listen address " + config.address);
  net::ip::tcp::endpoint ep{address, config.port};
  p->acceptor.open(ep.protocol(), ec);
  if (!ec)
    p->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    p->acceptor.bind(ep, ec);
  if (!ec)
    p->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(errc::io_error, "cannot listen on " + config.address + ":" +
                                        std::to_string(config.port) + ": " + ec.message());
  p->port = p->acceptor.local_endpoint().port();
  p->do_accept();
  int n = std::max(1, config.io_threads);
  for (int i = 0; i < n; ++i)
    p->threads.emplace_back([raw = p.get()] { raw->ioc.run(); });
  return std::unique_ptr<http_server>(new http_server(std::move(p)));
}

uint16_t http_server::port() const {
  return impl_->port;
}

bool http_server::tls() const {
  return impl_->ssl.has_value();
}

void http_server::stop() {
  if (!impl_ || impl_->stopped)
    return;
  impl_->stopped = true;
  net::post(impl_->acceptor.get_executor(), [p = impl_.get()] {
    beast::error_code ec;
    p->acceptor.close(ec);
  });
  // Give open streams a moment to flush their terminating chunk.
  for (int i = 0; i < 200 && impl_->env->open_streams.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
}

} // namespace kelos::apiserver
