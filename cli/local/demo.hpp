#pragma once

/// The bundled local-mode demo: a local git repository, a Workspace pointing at it with a
/// `file://` URL, and a Task run by the built-in demo agent, which edits a file and
/// commits on a branch. Needs no credentials and no network.

#include "k8s/client/http_client.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace kelos::local {

/// The demo agent's image; the local node's image map runs deploy/agents/demo for it.
inline constexpr const char* demo_agent_image = "ghcr.io/kelos-dev/kelos-demo-agent:latest";

/// Creates (or reuses) a bare repository at `path` whose `main` branch holds a README.
/// Returns the `file://` URL.
kelos::expected<std::string> ensure_demo_repository(const std::filesystem::path& path);

/// The SHA `refs/heads/<branch>` points to in the repository at `path`, empty if absent.
kelos::expected<std::string> branch_head(const std::filesystem::path& path, const std::string& branch);

/// What a finished demo Task left behind.
struct demo_result {
  std::string task;
  std::string phase;
  std::string message;
  std::map<std::string, std::string> results;
};

/// Creates the demo Secret, Workspace and a new Task in `ns`, then follows the Task until
/// it finishes or `timeout` passes, reporting phase changes and the agent's log through
/// `say`.
kelos::expected<demo_result> run_demo(k8s::http_client& http, const std::filesystem::path& repos_dir,
                                      const std::string& ns, std::chrono::seconds timeout,
                                      const std::function<void(const std::string&)>& say);

} // namespace kelos::local
