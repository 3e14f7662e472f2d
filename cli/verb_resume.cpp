// `kelos resume taskspawner NAME`: the inverse of `kelos suspend` (cli/verb_suspend.cpp).

#include "cli/verbs.hpp"

namespace kelos::cli {

int set_suspend(const std::vector<std::string>& args, const environment& env, bool suspend);

int verb_resume(const std::vector<std::string>& args, const environment& env) {
  return set_suspend(args, env, false);
}

} // namespace kelos::cli
