// `kelos version`.

#include "cli/cli_session.hpp"
#include "cli/verbs.hpp"

#include <iostream>

#ifndef KELOS_VERSION
#define KELOS_VERSION "latest"
#endif

namespace kelos::cli {

int verb_version(const std::vector<std::string>& args, const environment&) {
  auto app = make_app("version", "Print the kelos version");
  return run_verb(*app, args, [] {
    std::cout << KELOS_VERSION << "\n";
    return 0;
  });
}

} // namespace kelos::cli
