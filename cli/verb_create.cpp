// `kelos create workspace|agentconfig NAME`: make a Workspace (with its token Secret) or an
// AgentConfig from flags (seed §4.2). There is no `create taskspawner`.

#include "cli/cli_resources.hpp"
#include "cli/cli_session.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/request.hpp"

#include <iostream>

namespace kelos::cli {

int verb_create(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("create", "Create a Workspace or an AgentConfig");
  global_options g;
  add_global_options(*app, g);
  app->require_subcommand(0, 1);

  workspace_flags wf;
  bool ws_dry = false, ws_yes = false;
  auto* ws = app->add_subcommand("workspace", "Create a Workspace (a git repository agents clone)");
  ws->alias("ws");
  ws->add_option("name", wf.name, "Workspace name")->required();
  ws->add_option("--repo", wf.repo, "Repository URL (https://, git:// or git@)")->required();
  ws->add_option("--ref", wf.ref, "Branch, tag or commit to clone (default: the remote's default branch)");
  ws->add_option("--secret", wf.secret, "Existing Secret with GITHUB_TOKEN or GitHub App keys");
  ws->add_option("--token", wf.token, "GitHub token; creates Secret <name>-credentials");
  ws->add_flag("--dry-run", ws_dry, "Print the Workspace as YAML instead of creating it");
  ws->add_flag("-y,--yes", ws_yes, "Replace a differing existing token Secret without asking");

  agentconfig_flags af;
  bool ac_dry = false;
  auto* ac = app->add_subcommand("agentconfig", "Create an AgentConfig (instructions, skills, agents, MCP servers)");
  ac->alias("ac");
  ac->add_option("name", af.name, "AgentConfig name")->required();
  ac->add_option("--agents-md", af.agents_md, "Instructions for the agent (text or @FILE)");
  ac->add_option("--skill", af.skills, "Skill NAME=CONTENT or NAME=@FILE (repeatable)");
  ac->add_option("--agent", af.agents, "Sub-agent NAME=CONTENT or NAME=@FILE (repeatable)");
  ac->add_option("--mcp", af.mcp, "MCP server NAME=JSON or NAME=@FILE; JSON needs \"type\": stdio, http or sse (repeatable)");
  ac->add_flag("--dry-run", ac_dry, "Print the AgentConfig as YAML instead of creating it");
  for (auto* o : {ac->get_option("--skill"), ac->get_option("--agent"), ac->get_option("--mcp")})
    o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  for (auto* sub : {ws, ac})
    sub->set_help_flag("-h,--help", "Show this help");

  return run_verb(*app, args, [&] {
    auto print_dry = [](json obj) {
      obj["metadata"]["creationTimestamp"] = nullptr;
      std::cout << to_yaml(obj);
    };
    if (ws->parsed()) {
      if (ws_dry) {
        auto config = must(load_config(g, env));
        auto objects = must(plan_workspace(wf, resolve_namespace(g.ns, config, "")));
        print_dry(objects.back().object);
        return 0;
      }
      auto s = must(open_session(g, env));
      auto objects = must(plan_workspace(wf, s.ns));
      for (std::size_t i = 0; i + 1 < objects.size(); ++i)
        must(ensure_object(s, objects[i], ws_yes, std::cin));
      must(rest_call(*s.http, k8s::create_request(resource_for(kind::workspace), s.ns, objects.back().object)));
      std::cout << "workspace/" << wf.name << " created\n";
      return 0;
    }
    if (ac->parsed()) {
      auto read = real_file_reader();
      if (ac_dry) {
        auto config = must(load_config(g, env));
        print_dry(must(plan_agentconfig(af, resolve_namespace(g.ns, config, ""), read, home_dir(env))));
        return 0;
      }
      auto s = must(open_session(g, env));
      auto object = must(plan_agentconfig(af, s.ns, read, s.home));
      must(rest_call(*s.http, k8s::create_request(resource_for(kind::agentconfig), s.ns, object)));
      std::cout << "agentconfig/" << af.name << " created\n";
      return 0;
    }
    std::cerr << app->help();
    fail("must specify a resource type (workspace or agentconfig)");
  });
}

} // namespace kelos::cli
