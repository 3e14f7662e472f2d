#include "actors/kube_messages.hpp"

namespace kelos {

std::string watch_spec::to_string() const {
  std::string out = api_version + " " + kind;
  if (!namespace_.empty())
    out += " in " + namespace_;
  if (!label_selector.empty())
    out += " (" + label_selector + ")";
  return out;
}

} // namespace kelos
