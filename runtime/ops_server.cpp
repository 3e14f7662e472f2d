#include "runtime/ops_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <chrono>
#include <thread>
#include <vector>

namespace kelos::ops {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

expected<std::optional<bind_address>> parse_bind_address(std::string_view text) {
  if (text.empty() || text == "0")
    return std::optional<bind_address>{};
  std::string quoted = "bind address \"" + std::string{text} + "\"";
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return make_error(errc::invalid_config, quoted + ": missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return make_error(errc::invalid_config, quoted + ": missing port");
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return make_error(errc::invalid_config, quoted + ": missing port");
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos)
      return make_error(errc::invalid_config, quoted + ": too many colons (bracket IPv6 addresses)");
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535)
    return make_error(errc::invalid_config, quoted + ": port must be a number from 0 to 65535");
  return std::optional<bind_address>{bind_address{host.empty() ? "0.0.0.0" : std::string{host},
                                                  static_cast<uint16_t>(value)}};
}

void readiness_flag::set_ready() {
  std::lock_guard lock{mutex_};
  ready_ = true;
  reason_.clear();
}

void readiness_flag::set_not_ready(std::string reason) {
  std::lock_guard lock{mutex_};
  ready_ = false;
  reason_ = std::move(reason);
}

std::optional<std::string> readiness_flag::check() const {
  std::lock_guard lock{mutex_};
  if (ready_)
    return std::nullopt;
  return reason_;
}

namespace {

/// What every connection needs; shared so that sessions never outlive it.
struct endpoints {
  const metrics::registry* registry = nullptr;
  bool health = true;
  readiness_check ready;
};

http::response<http::string_body> respond(const endpoints& ep, const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  auto reply = [&](http::status status, std::string body) {
    res.result(status);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  };

  std::string_view target = req.target();
  auto path = target.substr(0, target.find('?'));
  bool metrics = ep.registry && path == "/metrics";
  bool health = ep.health && (path == "/healthz" || path == "/readyz");
  if (!metrics && !health)
    return reply(http::status::not_found, "404 page not found\n");
  if (req.method() != http::verb::get) {
    res.set(http::field::allow, "GET");
    return reply(http::status::method_not_allowed, "method not allowed\n");
  }
  if (metrics) {
    res.set(http::field::content_type, metrics::text_content_type);
    return reply(http::status::ok, ep.registry->render());
  }
  if (path == "/readyz" && ep.ready) {
    if (auto reason = ep.ready())
      return reply(http::status::service_unavailable, *reason);
  }
  return reply(http::status::ok, "ok");
}

/// One keep-alive connection: read a request, write the answer, repeat.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<const endpoints> ep)
    : stream_(std::move(socket)), ep_(std::move(ep)) {
  }

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

  /// Closes the connection. Only on the io thread, or after it has been joined.
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(64 * 1024); // probes and scrapes send no body
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return close(); // end of stream, timeout, garbage: nothing to answer
    res_ = respond(*ep_, parser_->get());
    http::async_write(stream_, res_, beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec || !res_.keep_alive())
      return close();
    do_read();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<const endpoints> ep_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

} // namespace

struct ops_server::impl {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::shared_ptr<const endpoints> ep;
  /// Open connections, so that stop() can close them; touched only on the io thread
  /// until it is joined.
  std::vector<std::weak_ptr<session>> sessions;
  std::thread thread;
  uint16_t port = 0;
  bool stopped = false;

  void do_accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (!ec) {
        std::erase_if(sessions, [](const auto& w) { return w.expired(); });
        auto s = std::make_shared<session>(std::move(socket), ep);
        sessions.push_back(s);
        s->run();
      }
      do_accept();
    });
  }
};

ops_server::ops_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

ops_server::~ops_server() {
  stop();
}

expected<std::unique_ptr<ops_server>> ops_server::start(ops_server_config config) {
  auto parsed = parse_bind_address(config.address);
  if (!parsed)
    return std::move(parsed).error();
  if (!*parsed)
    return std::unique_ptr<ops_server>{};
  const auto& [host, port] = **parsed;
  const std::string& where = config.address;

  auto p = std::make_unique<impl>();
  p->ep = std::make_shared<const endpoints>(endpoints{config.registry, config.health, std::move(config.ready)});

  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    // A host name, like Go's net.Listen: take the first address it resolves to.
    tcp::resolver resolver{p->ioc};
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty())
      return make_error(errc::invalid_config, "ops server: cannot resolve bind address \"" + where +
                                                "\": " + (ec ? ec.message() : "no addresses"));
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint{address, port};
  p->acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    p->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    p->acceptor.bind(endpoint, ec);
  if (!ec)
    p->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(errc::io_error, "ops server: cannot listen on \"" + where + "\": " + ec.message());
  p->port = p->acceptor.local_endpoint().port();
  p->do_accept();
  p->thread = std::thread([raw = p.get()] { raw->ioc.run(); });
  return std::unique_ptr<ops_server>(new ops_server(std::move(p)));
}

uint16_t ops_server::port() const {
  return impl_->port;
}

void ops_server::stop() {
  if (!impl_ || impl_->stopped)
    return;
  impl_->stopped = true;
  impl_->ioc.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
  // The io thread is gone: close the listener and every connection from here, so that
  // the port is free and peers see EOF as soon as stop() returns.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& w : impl_->sessions)
    if (auto s = w.lock())
      s->close();
  impl_->sessions.clear();
}

} // namespace kelos::ops
