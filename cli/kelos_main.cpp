// kelos: the command line. `kelos <verb> [flags]`; each verb lives in cli/verb_<name>.cpp.

#include "cli/verbs.hpp"

#include <functional>
#include <iostream>

extern char** environ;

namespace kelos::cli {

environment current_environment() {
  environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq != std::string::npos)
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

} // namespace kelos::cli

namespace {

struct verb {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>&, const kelos::cli::environment&)> run;
};

const std::vector<verb>& verbs() {
  static const std::vector<verb> all{
    {"up", "run Kelos on this machine with no cluster (local mode)", kelos::cli::verb_up},
    {"down", "stop a local-mode Kelos started with `kelos up --detach`", kelos::cli::verb_down},
  };
  return all;
}

void usage(std::ostream& os) {
  os << "usage: kelos <command> [flags]\n\ncommands:\n";
  for (const auto& v : verbs())
    os << "  " << v.name << std::string(10 - std::string{v.name}.size(), ' ') << v.summary << "\n";
  os << "\n`kelos <command> --help` describes a command's flags.\n";
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  for (const auto& v : verbs())
    if (name == v.name)
      return v.run(std::vector<std::string>(argv + 2, argv + argc), kelos::cli::current_environment());
  std::cerr << "kelos: unknown command \"" << name << "\"\n\n";
  usage(std::cerr);
  return 2;
}
