#include "cli/local/demo.hpp"

#include "cli/rest.hpp"
#include "k8s/client/request.hpp"
#include "k8s/resource_registry.hpp"

#include <git2.h>

#include <memory>
#include <thread>

namespace kelos::local {
namespace {

/// libgit2 handles released by RAII.
template <auto Free>
struct git_free {
  template <class T>
  void operator()(T* p) const { Free(p); }
};
template <class T, auto Free>
using git_ptr = std::unique_ptr<T, git_free<Free>>;
using repo_ptr = git_ptr<git_repository, git_repository_free>;
using tree_ptr = git_ptr<git_tree, git_tree_free>;
using builder_ptr = git_ptr<git_treebuilder, git_treebuilder_free>;
using sig_ptr = git_ptr<git_signature, git_signature_free>;
using ref_ptr = git_ptr<git_reference, git_reference_free>;

struct libgit2_session {
  libgit2_session() { git_libgit2_init(); }
  ~libgit2_session() { git_libgit2_shutdown(); }
};

kelos::error libgit2_failure(const std::string& what) {
  const ::git_error* e = git_error_last();
  return {errc::git_failed, what + ": " + (e && e->message ? e->message : "unknown libgit2 error")};
}

constexpr const char* readme =
  "# Kelos local-mode demo\n\n"
  "The demo agent appends each prompt it receives to DEMO.md and commits on a branch.\n";

constexpr const char* demo_prompt =
  "Add a greeting to DEMO.md.\n"
  "This Task is run by the built-in demo agent: it needs no credentials and no network.\n";

const k8s::resource_info& resource(std::string_view api_version, std::string_view kind) {
  static const auto registry = k8s::resource_registry::with_builtins();
  return *registry.by_kind(api_version, kind);
}

} // namespace

kelos::expected<std::string> ensure_demo_repository(const std::filesystem::path& path) {
  libgit2_session session;
  auto url = "file://" + path.string();
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, path.c_str()) == 0) {
    repo_ptr repo{raw};
    return url;
  }
  git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  init.initial_head = "main";
  if (git_repository_init_ext(&raw, path.c_str(), &init) != 0)
    return libgit2_failure("creating " + path.string());
  repo_ptr repo{raw};
  git_oid blob, tree_id, commit;
  if (git_blob_create_from_buffer(&blob, repo.get(), readme, std::char_traits<char>::length(readme)) != 0)
    return libgit2_failure("writing README.md");
  git_treebuilder* tb = nullptr;
  if (git_treebuilder_new(&tb, repo.get(), nullptr) != 0)
    return libgit2_failure("building the tree");
  builder_ptr builder{tb};
  if (git_treebuilder_insert(nullptr, builder.get(), "README.md", &blob, GIT_FILEMODE_BLOB) != 0 ||
      git_treebuilder_write(&tree_id, builder.get()) != 0)
    return libgit2_failure("writing the tree");
  git_tree* t = nullptr;
  if (git_tree_lookup(&t, repo.get(), &tree_id) != 0)
    return libgit2_failure("reading the tree");
  tree_ptr tree{t};
  git_signature* s = nullptr;
  if (git_signature_now(&s, "Kelos", "demo@kelos.dev") != 0)
    return libgit2_failure("signature");
  sig_ptr sig{s};
  if (git_commit_create(&commit, repo.get(), "refs/heads/main", sig.get(), sig.get(), nullptr,
                        "Initial commit of the Kelos demo repository", tree.get(), 0, nullptr) != 0)
    return libgit2_failure("committing");
  return url;
}

kelos::expected<std::string> branch_head(const std::filesystem::path& path, const std::string& branch) {
  libgit2_session session;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return libgit2_failure("opening " + path.string());
  repo_ptr repo{raw};
  git_reference* r = nullptr;
  auto name = "refs/heads/" + branch;
  int rc = git_reference_lookup(&r, repo.get(), name.c_str());
  if (rc == GIT_ENOTFOUND)
    return std::string{};
  if (rc != 0)
    return libgit2_failure("reading " + name);
  ref_ptr ref{r};
  git_reference* resolved_raw = nullptr;
  if (git_reference_resolve(&resolved_raw, ref.get()) != 0)
    return libgit2_failure("resolving " + name);
  ref_ptr resolved{resolved_raw};
  char sha[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(sha, sizeof sha, git_reference_target(resolved.get()));
  return std::string{sha};
}

kelos::expected<demo_result> run_demo(k8s::http_client& http, const std::filesystem::path& repos_dir,
                                      const std::string& ns, std::chrono::seconds timeout,
                                      const std::function<void(const std::string&)>& say) {
  auto repo_path = repos_dir / "demo.git";
  auto url = ensure_demo_repository(repo_path);
  if (!url)
    return url.error();
  say("demo repository: " + *url);

  k8s::json secret = {{"apiVersion", "v1"}, {"kind", "Secret"},
                      {"metadata", {{"name", "kelos-demo-credentials"}, {"namespace", ns}}},
                      {"stringData", {{"ANTHROPIC_API_KEY", "not-needed-by-the-demo-agent"}}}};
  k8s::json workspace = {{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "Workspace"},
                         {"metadata", {{"name", "kelos-demo"}, {"namespace", ns}}},
                         {"spec", {{"repo", *url}, {"ref", "main"}}}};
  k8s::json task = {{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "Task"},
                    {"metadata", {{"generateName", "kelos-demo-"}, {"namespace", ns}}},
                    {"spec",
                     {{"type", "claude-code"},
                      {"image", demo_agent_image},
                      {"prompt", demo_prompt},
                      {"branch", "kelos-demo"},
                      {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", "kelos-demo-credentials"}}}}},
                      {"workspaceRef", {{"name", "kelos-demo"}}}}}};
  for (const auto* obj : {&secret, &workspace}) {
    auto r = cli::create_or_update(http, resource((*obj)["apiVersion"].get<std::string>(), (*obj)["kind"].get<std::string>()), *obj);
    if (!r)
      return r.error();
  }
  const auto& tasks = resource("kelos.dev/v1alpha1", "Task");
  auto created = cli::rest_call(http, k8s::create_request(tasks, ns, task));
  if (!created)
    return created.error();
  demo_result out;
  out.task = (*created)["metadata"]["name"].get<std::string>();
  say("created Task " + ns + "/" + out.task + " (follow it with: kubectl get task " + out.task + " -w)");

  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_phase;
  while (true) {
    auto current = cli::rest_call(http, k8s::get_request(tasks, ns, out.task));
    if (!current)
      return current.error();
    const auto& status = (*current).value("status", k8s::json::object());
    auto phase = status.value("phase", std::string{});
    if (phase != last_phase && !phase.empty()) {
      auto message = status.value("message", std::string{});
      say("Task " + out.task + ": " + phase + (message.empty() ? "" : " (" + message + ")"));
      last_phase = phase;
    }
    if (phase == "Succeeded" || phase == "Failed") {
      out.phase = phase;
      out.message = status.value("message", std::string{});
      if (status.contains("results") && status["results"].is_object())
        for (auto it = status["results"].begin(); it != status["results"].end(); ++it)
          if (it.value().is_string())
            out.results[it.key()] = it.value().get<std::string>();
      auto pod = status.value("podName", std::string{});
      if (!pod.empty()) {
        k8s::log_options lo;
        lo.container = "claude-code";
        auto log = http.send_sync(k8s::pod_logs_request(ns, pod, lo), std::chrono::seconds{10});
        if (log && log->status == 200) {
          say("agent log (kubectl logs " + pod + " -c claude-code):");
          std::size_t start = 0;
          while (start < log->body.size()) {
            auto end = log->body.find('\n', start);
            if (end == std::string::npos)
              end = log->body.size();
            say("  | " + log->body.substr(start, end - start));
            start = end + 1;
          }
        }
      }
      return out;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return kelos::error{errc::timeout, "Task " + out.task + " did not finish within " +
                                             std::to_string(timeout.count()) + " s (last phase: " +
                                             (last_phase.empty() ? "none" : last_phase) + ")"};
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
  }
}

} // namespace kelos::local
