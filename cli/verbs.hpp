#pragma once

/// The verbs of the `kelos` command line, one file per verb (cli/verb_<name>.cpp). Each
/// takes its arguments without the program and verb names and returns the exit code:
/// 0 success, 1 failure, 2 bad usage.

#include <map>
#include <string>
#include <vector>

namespace kelos::cli {

using environment = std::map<std::string, std::string>;

/// The process environment as a map (parsers take it explicitly, for tests).
environment current_environment();

int verb_up(const std::vector<std::string>& args, const environment& env);
int verb_down(const std::vector<std::string>& args, const environment& env);

} // namespace kelos::cli
