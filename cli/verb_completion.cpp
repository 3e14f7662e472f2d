// `kelos completion bash|zsh|fish` and the hidden `kelos __complete` the scripts call
// (resource names are listed with a 5 s bound in the resolved namespace).

#include "cli/cli_completion.hpp"
#include "cli/cli_session.hpp"
#include "cli/verbs.hpp"

#include <iostream>

namespace kelos::cli {

int verb_completion(const std::vector<std::string>& args, const environment&) {
  auto app = make_app("completion", "Print a shell completion script (bash, zsh or fish)\n\n"
                                    "  bash:  source <(kelos completion bash)\n"
                                    "  zsh:   source <(kelos completion zsh)\n"
                                    "  fish:  kelos completion fish | source");
  std::string shell;
  app->add_option("shell", shell, "bash, zsh or fish")->required();
  return run_verb(*app, args, [&] {
    std::cout << must(completion_script(shell));
    return 0;
  });
}

int verb_complete(const std::vector<std::string>& args, const environment& env) {
  auto answer = complete_words(args.empty() ? std::vector<std::string>{""} : args);
  const std::string current = args.empty() ? std::string{} : args.back();
  std::vector<std::string> out = answer.values;
  if (answer.names_of) {
    // The namespace and kubeconfig flags already typed apply to the listing.
    global_options g;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      const auto& w = args[i];
      if (i + 2 < args.size()) { // the value is a finished word, not the one being typed
        if (w == "-n" || w == "--namespace")
          g.ns = args[i + 1];
        else if (w == "--kubeconfig")
          g.kubeconfig = args[i + 1];
        else if (w == "--context")
          g.context = args[i + 1];
        else if (w == "--config")
          g.config_path = args[i + 1];
      }
    }
    if (auto s = open_session(g, env))
      if (auto items = api_list(*s, resource_for(*answer.names_of), s->ns, std::chrono::seconds{5}))
        for (const auto& o : *items)
          out.push_back(o["metadata"].value("name", std::string{}));
  }
  for (const auto& v : out)
    if (v.starts_with(current))
      std::cout << v << "\n";
  return 0;
}

} // namespace kelos::cli
