#include "runtime/caf_error.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace kelos {

caf::error to_caf_error(const kelos::error& err) {
  if (!err)
    return caf::error{};
  return caf::make_error(err.code, err.message);
}

kelos::error from_caf_error(const caf::error& err) {
  if (!err)
    return {};
  if (err.category() == caf::atom("kelos")) {
    std::string message;
    if (err.context().match_elements<std::string>())
      message = err.context().get_as<std::string>(0);
    return kelos::error{static_cast<errc>(err.code()), std::move(message)};
  }
  if (err.category() == caf::atom("system")
      && err.code() == static_cast<uint8_t>(caf::sec::request_timeout))
    return kelos::error{errc::timeout, "request to actor timed out"};
  return kelos::error{errc::logic_error, caf::to_string(err)};
}

void register_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(caf::atom("kelos"),
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) -> std::string {
                           std::string out = "kelos::";
                           out += to_string(static_cast<errc>(code));
                           if (ctx.match_elements<std::string>()) {
                             out += ": ";
                             out += ctx.get_as<std::string>(0);
                           }
                           return out;
                         });
}

} // namespace kelos
