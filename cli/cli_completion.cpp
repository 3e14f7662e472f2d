#include "cli/cli_completion.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace kelos::cli {

const std::vector<std::string>& verb_names() {
  static const std::vector<std::string> names{"run",  "create", "get",     "delete",     "logs",
                                              "suspend", "resume", "init", "version", "completion",
                                              "up",   "down"};
  return names;
}

namespace {

const std::set<std::string>& value_flags() {
  static const std::set<std::string> flags{
    "-p", "--prompt", "--prompt-file", "-t", "--type", "--secret", "--credential-type", "--model", "--image",
    "--name", "--workspace", "--timeout", "--env", "--agent-config", "--depends-on", "--branch", "--config",
    "--kubeconfig", "-n", "--namespace", "--context", "-o", "--output", "--phase", "--repo", "--ref", "--token",
    "--agents-md", "--skill", "--agent", "--mcp"};
  return flags;
}

const std::map<std::string, std::vector<std::string>>& verb_flags() {
  static const std::vector<std::string> global{"--config", "--kubeconfig", "-n", "--namespace", "--context", "--help"};
  auto with_global = [&](std::vector<std::string> v) {
    v.insert(v.end(), global.begin(), global.end());
    return v;
  };
  static const std::map<std::string, std::vector<std::string>> flags{
    {"run", with_global({"--prompt", "--prompt-file", "--type", "--secret", "--credential-type", "--model", "--image",
                         "--name", "--workspace", "--agent-config", "--depends-on", "--branch", "--timeout", "--env",
                         "--watch", "--dry-run", "--yes"})},
    {"get", with_global({"--output", "--detail", "--watch", "--all-namespaces", "--phase"})},
    {"delete", with_global({"--all"})},
    {"logs", with_global({"--follow"})},
    {"create", with_global({"--repo", "--ref", "--secret", "--token", "--agents-md", "--skill", "--agent", "--mcp",
                            "--dry-run", "--yes"})},
    {"suspend", with_global({})},
    {"resume", with_global({})},
    {"init", {"--config", "--force", "--help"}},
  };
  return flags;
}

std::vector<std::string> kind_words() {
  std::vector<std::string> words;
  for (const auto& k : all_kinds())
    words.insert(words.end(), k.aliases.begin(), k.aliases.end());
  return words;
}

} // namespace

completion_answer complete_words(const std::vector<std::string>& words) {
  completion_answer a;
  if (words.empty())
    return a;
  const std::string& current = words.back();
  // The verb is the first word that is not a (global) flag or a flag's value.
  std::vector<std::string> positionals;
  std::string prev = words.size() >= 2 ? words[words.size() - 2] : std::string{};
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const auto& w = words[i];
    if (w.starts_with("-")) {
      if (value_flags().contains(w) && w.find('=') == std::string::npos)
        ++i;
      continue;
    }
    positionals.push_back(w);
  }
  // A flag's value.
  if (!prev.empty() && value_flags().contains(prev)) {
    if (prev == "-t" || prev == "--type")
      a.values = {"claude-code", "codex", "gemini", "opencode"};
    else if (prev == "--credential-type")
      a.values = {"api-key", "oauth"};
    else if (prev == "-o" || prev == "--output")
      a.values = {"yaml", "json"};
    else if (prev == "--phase")
      a.values = {"Pending", "Running", "Succeeded", "Failed", "Waiting"};
    else if (prev == "--depends-on")
      a.names_of = kind::task;
    else if (prev == "--workspace")
      a.names_of = kind::workspace;
    else if (prev == "--agent-config")
      a.names_of = kind::agentconfig;
    return a;
  }
  if (positionals.empty()) {
    if (current.starts_with("-"))
      a.values = {"--config", "--kubeconfig", "--namespace", "--context", "--help"};
    else
      a.values = verb_names();
    return a;
  }
  const std::string& verb = positionals.front();
  if (current.starts_with("-")) {
    if (auto it = verb_flags().find(verb); it != verb_flags().end())
      a.values = it->second;
    return a;
  }
  auto nth = positionals.size() - 1; // index of the word being typed among the verb's arguments
  if (verb == "get" || verb == "delete") {
    if (nth == 0)
      a.values = kind_words();
    else if (nth == 1)
      if (const auto* k = find_kind(positionals[1]))
        a.names_of = k->k;
  } else if (verb == "suspend" || verb == "resume") {
    if (nth == 0)
      a.values = {"taskspawner", "taskspawners", "ts"};
    else if (nth == 1)
      a.names_of = kind::taskspawner;
  } else if (verb == "logs") {
    if (nth == 0)
      a.names_of = kind::task;
  } else if (verb == "create") {
    if (nth == 0)
      a.values = {"workspace", "ws", "agentconfig", "ac"};
  } else if (verb == "completion") {
    if (nth == 0)
      a.values = {"bash", "zsh", "fish"};
  }
  return a;
}

kelos::expected<std::string> completion_script(std::string_view shell) {
  if (shell == "bash")
    return std::string{R"(# bash completion for kelos. Load it with: source <(kelos completion bash)
_kelos_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\n'
  local candidates
  candidates=$(kelos __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  COMPREPLY=( $(compgen -W "${candidates}" -- "${cur}") )
  if [[ ${#COMPREPLY[@]} -eq 0 && "${cur}" == @* ]]; then
    COMPREPLY=( $(compgen -P @ -f -- "${cur#@}") )
  fi
}
complete -o default -F _kelos_complete kelos
)"};
  if (shell == "zsh")
    return std::string{R"(#compdef kelos
# zsh completion for kelos. Load it with: source <(kelos completion zsh)
_kelos() {
  local -a candidates
  candidates=("${(@f)$(kelos __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(${candidates:#})
  if (( ${#candidates} )); then
    compadd -- "${candidates[@]}"
  else
    _files
  fi
}
if [ "$funcstack[1]" = "_kelos" ]; then
  _kelos "$@"
else
  compdef _kelos kelos
fi
)"};
  if (shell == "fish")
    return std::string{R"(# fish completion for kelos. Load it with: kelos completion fish | source
function __kelos_complete
    set -l tokens (commandline -opc) (commandline -ct)
    kelos __complete $tokens[2..-1] 2>/dev/null
end
complete -c kelos -f -a '(__kelos_complete)'
)"};
  return kelos::error{errc::invalid_spec, "unsupported shell \"" + std::string{shell} + "\": must be one of bash, zsh, fish"};
}

} // namespace kelos::cli
