// Plain-TCP instantiation of the transport (kept apart from TLS so both compile in parallel).
#include "k8s/client/http_connection_impl.hpp"

namespace kelos::k8s::detail {

namespace {

class plain_connection final : public basic_connection<beast::tcp_stream> {
public:
  plain_connection(net::io_context& ioc, const transport_config& cfg) : basic_connection(ioc, cfg) {}
};

} // namespace

std::shared_ptr<connection> make_plain_connection(net::io_context& ioc, const transport_config& cfg) {
  return std::make_shared<plain_connection>(ioc, cfg);
}

} // namespace kelos::k8s::detail
