// The TLS instantiation of the session template lives in its own TU so the plain and
// TLS halves compile in parallel (DEPENDENCIES.md §7).
#include "k8s/apiserver/http_session.ipp"

#include <boost/beast/ssl.hpp>

namespace kelos::apiserver::detail {

void start_tls_session(net::ip::tcp::socket socket, net::ssl::context& ctx,
                       std::shared_ptr<session_env> env) {
  std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(std::move(env), std::move(socket), ctx)
    ->run();
}

} // namespace kelos::apiserver::detail
