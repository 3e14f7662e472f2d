// kelos-capture: run by an agent image's entrypoint after the agent exits, in the agent's
// working directory. Prints the outputs block (branch, PRs, commit, base branch, usage) on
// stdout for the controller to read from the pod log (seed §5). Always exits 0: a capture
// problem must never turn a successful agent run into a failed Task. Diagnostics go to
// stderr only.
//
// Environment: KELOS_AGENT_TYPE (usage rules), KELOS_BASE_BRANCH, KELOS_UPSTREAM_REPO, and
// KELOS_AGENT_OUTPUT (the agent's JSON lines, default /tmp/agent-output.jsonl).

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "cli/capture/markers.hpp"
#include "cli/capture/repo_info.hpp"
#include "cli/capture/run_command.hpp"
#include "cli/capture/usage.hpp"

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0')
    return std::nullopt;
  return std::string{v};
}

kelos::capture::capture_facts collect() {
  using namespace kelos::capture;
  capture_facts facts;
  const repo_info info = inspect_repo(".");
  if (info.is_repo) {
    facts.branch = info.branch;
    if (facts.branch && !facts.branch->empty()) {
      facts.pr_urls = find_pr_urls(*facts.branch, "");
      if (auto upstream = env("KELOS_UPSTREAM_REPO")) {
        auto more = find_pr_urls(*facts.branch, *upstream);
        facts.pr_urls.insert(facts.pr_urls.end(), more.begin(), more.end());
      }
    }
    facts.commit = info.commit;
  }
  facts.base_branch = base_branch(env("KELOS_BASE_BRANCH"), info);
  if (auto acc = make_usage_accumulator(env("KELOS_AGENT_TYPE").value_or(""))) {
    const std::string path = env("KELOS_AGENT_OUTPUT").value_or("/tmp/agent-output.jsonl");
    for_each_file_line(path, max_line_bytes, [&](std::string_view line) { acc->add_line(line); });
    facts.usage = acc->result();
  }
  return facts;
}

} // namespace

int main() {
  std::signal(SIGPIPE, SIG_IGN); // a closed stdout must not change the exit status
  try {
    const std::string block = kelos::capture::marker_block(kelos::capture::result_lines(collect()));
    if (!block.empty()) {
      std::fwrite(block.data(), 1, block.size(), stdout);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kelos-capture: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "kelos-capture: unexpected error\n");
  }
  return 0;
}
