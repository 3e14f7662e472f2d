// `kelos run`: create a Task from flags and ~/.kelos/config.yaml (seed §4.2), optionally
// watching it to the end (`-w` exits non-zero when the Task fails).

#include "cli/cli_session.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/request.hpp"

#include <iostream>
#include <random>
#include <thread>

namespace kelos::cli {
namespace {

std::string phase_of(const json& task) {
  return task.contains("status") ? task["status"].value("phase", std::string{}) : std::string{};
}

/// Polls the Task every 2 s, printing `task/<name> <Phase>` on each change; 0 on Succeeded,
/// 1 on Failed (with the Task's message).
int watch_task(session& s, const std::string& name) {
  const auto& res = resource_for(kind::task);
  bool colour = is_terminal(1);
  std::string last;
  int misses = 0;
  while (true) {
    auto task = api_get(s, res, name);
    if (!task) {
      if (task.error().code == errc::not_found || ++misses > 5)
        fail(task.error());
    } else {
      misses = 0;
      auto phase = phase_of(*task);
      if (!phase.empty() && phase != last) {
        last = phase;
        std::string shown = phase;
        if (colour)
          shown = (phase == "Succeeded" ? "\033[32m" : phase == "Failed" ? "\033[31m" : "\033[33m") + phase + "\033[0m";
        std::cout << "task/" << name << " " << shown << std::endl;
      }
      if (phase == "Succeeded")
        return 0;
      if (phase == "Failed") {
        auto message = (*task)["status"].value("message", std::string{});
        std::cerr << "Error: task \"" << name << "\" failed" << (message.empty() ? "" : ": " + message) << "\n";
        return 1;
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds{2});
  }
}

} // namespace

int verb_run(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("run", "Create a Task that runs an AI agent.\n\n"
                             "Examples:\n"
                             "  kelos run -p 'Fix the flaky test in pkg/foo'\n"
                             "  kelos run -p @prompt.md -w          # prompt from a file, wait for the result\n"
                             "  git diff | kelos run -p - --branch fix-foo");
  global_options g;
  add_global_options(*app, g);
  std::string prompt, prompt_file;
  std::optional<std::string> type, secret, credential_type, model, image, name, workspace, agent_config, branch, timeout;
  run_flags f;
  bool watch = false, dry_run = false, yes = false;
  auto* p = app->add_option("-p,--prompt", prompt, "Prompt text; @FILE reads a file, - reads standard input");
  auto* pf = app->add_option("--prompt-file", prompt_file, "Read the prompt from this file (- = standard input)");
  p->excludes(pf);
  app->add_option("-t,--type", type, "Agent type: claude-code, codex, gemini, opencode (default claude-code)");
  app->add_option("--secret", secret, "Name of a Secret holding the agent credentials");
  app->add_option("--credential-type", credential_type, "Credential type: api-key or oauth (default api-key)");
  app->add_option("--model", model, "Model override");
  app->add_option("--image", image, "Agent image override");
  app->add_option("--name", name, "Task name (default task-<5 random characters>)");
  app->add_option("--workspace", workspace, "Workspace name");
  app->add_option("--agent-config", agent_config, "AgentConfig name");
  app->add_option("--depends-on", f.depends_on, "Task that must succeed first (repeatable)");
  app->add_option("--branch", branch, "Git branch the agent works on");
  app->add_option("--timeout", timeout, "Maximum run time as a Go duration (e.g. 30m, 1h); at least 1s");
  app->add_option("--env", f.env, "Extra environment variable NAME=VALUE for the agent (repeatable)");
  app->add_flag("-w,--watch", watch, "Wait for the Task to finish, printing phase changes; exit 1 if it fails");
  app->add_flag("--dry-run", dry_run, "Print the Task as YAML instead of creating anything");
  app->add_flag("-y,--yes", yes, "Replace differing existing credentials/workspace without asking");
  // Repeatable flags accumulate (CLI11 keeps every occurrence of a vector option).
  for (auto* o : {app->get_option("--depends-on"), app->get_option("--env")})
    o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return run_verb(*app, args, [&] {
    if (prompt.empty() && prompt_file.empty())
      fail("a prompt is required: use -p/--prompt TEXT, -p @FILE, -p - or --prompt-file FILE");
    auto read = real_file_reader();
    auto home = home_dir(env);
    if (!prompt_file.empty())
      f.prompt = must(read(expand_home(prompt_file, home)));
    else if (prompt == "-")
      f.prompt = must(read("-"));
    else if (prompt.starts_with("@"))
      f.prompt = must(read(expand_home(std::string_view{prompt}.substr(1), home)));
    else
      f.prompt = prompt;
    f.type = type;
    f.secret = secret;
    f.credential_type = credential_type;
    f.model = model;
    f.image = image;
    f.name = name;
    f.workspace = workspace;
    f.agent_config = agent_config;
    f.branch = branch;
    f.timeout = timeout;
    std::random_device rd;
    auto random_name = random_task_name([&] { return static_cast<uint32_t>(rd()); });
    if (dry_run) {
      // No API calls: the namespace comes from flags and config only (or the kubeconfig if readable).
      auto config = must(load_config(g, env));
      auto s = open_session(g, env);
      auto ns = s ? s->ns : resolve_namespace(g.ns, config, "");
      auto plan = must(plan_run(f, config, ns, random_name, read, home));
      json task = plan.task;
      task["metadata"]["creationTimestamp"] = nullptr;
      task["status"] = json::object();
      std::cout << to_yaml(task);
      return 0;
    }
    auto s = must(open_session(g, env));
    auto plan = must(plan_run(f, s.config, s.ns, random_name, read, home));
    for (const auto& obj : plan.prerequisites)
      must(ensure_object(s, obj, yes, std::cin));
    auto task_name = plan.task["metadata"]["name"].get<std::string>();
    must(rest_call(*s.http, k8s::create_request(resource_for(kind::task), s.ns, plan.task)));
    std::cout << "task/" << task_name << " created" << std::endl;
    if (watch)
      return watch_task(s, task_name);
    return 0;
  });
}

} // namespace kelos::cli
