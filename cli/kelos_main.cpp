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
    {"run", "create a Task (an AI agent run); -w waits for its outcome", kelos::cli::verb_run},
    {"create", "create a Workspace or an AgentConfig", kelos::cli::verb_create},
    {"get", "show tasks, taskspawners, workspaces or agentconfigs", kelos::cli::verb_get},
    {"delete", "delete tasks, taskspawners, workspaces or agentconfigs", kelos::cli::verb_delete},
    {"logs", "show (-f: follow) a Task's agent output", kelos::cli::verb_logs},
    {"suspend", "stop a TaskSpawner from creating Tasks", kelos::cli::verb_suspend},
    {"resume", "let a suspended TaskSpawner create Tasks again", kelos::cli::verb_resume},
    {"init", "write a commented ~/.kelos/config.yaml", kelos::cli::verb_init},
    {"install", "install the Kelos CRDs and controller into the cluster", kelos::cli::verb_install},
    {"uninstall", "remove the Kelos controller and CRDs from the cluster", kelos::cli::verb_uninstall},
    {"version", "print the kelos version", kelos::cli::verb_version},
    {"completion", "print a bash, zsh or fish completion script", kelos::cli::verb_completion},
  };
  return all;
}

void usage(std::ostream& os) {
  os << "usage: kelos <command> [flags]\n\ncommands:\n";
  for (const auto& v : verbs())
    os << "  " << v.name << std::string(12 - std::string{v.name}.size(), ' ') << v.summary << "\n";
  os << "\nglobal flags (API commands): --config FILE, --kubeconfig FILE, -n/--namespace NS, --context NAME\n"
     << "`kelos <command> --help` describes a command's flags.\n";
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  // Global flags may come before the command (`kelos -n team get tasks`): they are handed
  // to the command, whose parser knows them.
  std::vector<std::string> leading;
  int i = 1;
  while (i < argc) {
    std::string a = argv[i];
    bool global_with_value = a == "--config" || a == "--kubeconfig" || a == "-n" || a == "--namespace" || a == "--context";
    bool global_joined = a.starts_with("--config=") || a.starts_with("--kubeconfig=") || a.starts_with("--namespace=") ||
                         a.starts_with("--context=");
    if (global_with_value && i + 1 < argc) {
      leading.push_back(a);
      leading.push_back(argv[i + 1]);
      i += 2;
    } else if (global_joined) {
      leading.push_back(a);
      ++i;
    } else {
      break;
    }
  }
  if (i >= argc) {
    usage(std::cerr);
    return 2;
  }
  std::string name = argv[i];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  if (name == "__complete")
    return kelos::cli::verb_complete(std::vector<std::string>(argv + i + 1, argv + argc), kelos::cli::current_environment());
  for (const auto& v : verbs())
    if (name == v.name) {
      std::vector<std::string> args(argv + i + 1, argv + argc);
      args.insert(args.begin(), leading.begin(), leading.end());
      return v.run(args, kelos::cli::current_environment());
    }
  std::cerr << "kelos: unknown command \"" << name << "\"\n\n";
  usage(std::cerr);
  return 2;
}
