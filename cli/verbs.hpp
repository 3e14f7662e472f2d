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

// The API verbs (cli/verbs.cmake); `kelos <verb> --help` describes each.
int verb_run(const std::vector<std::string>& args, const environment& env);
int verb_create(const std::vector<std::string>& args, const environment& env);
int verb_get(const std::vector<std::string>& args, const environment& env);
int verb_delete(const std::vector<std::string>& args, const environment& env);
int verb_logs(const std::vector<std::string>& args, const environment& env);
int verb_suspend(const std::vector<std::string>& args, const environment& env);
int verb_resume(const std::vector<std::string>& args, const environment& env);
int verb_init(const std::vector<std::string>& args, const environment& env);
int verb_version(const std::vector<std::string>& args, const environment& env);
int verb_completion(const std::vector<std::string>& args, const environment& env);
// cli/verbs_install.cmake: the embedded deploy/install.yaml, applied and removed.
int verb_install(const std::vector<std::string>& args, const environment& env);
int verb_uninstall(const std::vector<std::string>& args, const environment& env);
/// Hidden `kelos __complete <words...>`: the candidates the completion scripts offer.
int verb_complete(const std::vector<std::string>& args, const environment& env);

} // namespace kelos::cli
