#include "k8s/apiserver/json_depth.hpp"

namespace kelos::apiserver {

size_t json_nesting_depth(std::string_view text) noexcept {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > deepest)
          deepest = depth;
        break;
      case '}':
      case ']':
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

} // namespace kelos::apiserver
