// `kelos delete <kind> NAME|--all` (seed §4.2).

#include "cli/cli_session.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/request.hpp"

#include <iostream>

namespace kelos::cli {

int verb_delete(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("delete", "Delete Tasks, TaskSpawners, Workspaces or AgentConfigs");
  global_options g;
  add_global_options(*app, g);
  app->require_subcommand(1, 1);
  std::string name;
  bool all = false;
  std::vector<std::pair<const kind_info*, CLI::App*>> subs;
  for (const auto& k : all_kinds()) {
    auto* sub = app->add_subcommand(k.singular, "Delete " + k.plural);
    sub->set_help_flag("-h,--help", "Show this help");
    for (std::size_t i = 1; i < k.aliases.size(); ++i)
      sub->alias(k.aliases[i]);
    sub->add_option("name", name, "The " + k.singular + " to delete");
    sub->add_flag("--all", all, "Delete every " + k.singular + " in the namespace");
    subs.emplace_back(&k, sub);
  }
  return run_verb(*app, args, [&] {
    const kind_info* k = nullptr;
    for (auto [info, sub] : subs)
      if (sub->parsed())
        k = info;
    if (!name.empty() && all)
      fail("cannot specify a " + k->singular + " name together with --all");
    if (name.empty() && !all)
      fail("specify a " + k->singular + " name or --all");
    auto s = must(open_session(g, env));
    const auto& res = resource_for(k->k);
    std::vector<std::string> names;
    if (all) {
      for (const auto& o : must(api_list(s, res, s.ns)))
        names.push_back(o["metadata"]["name"].get<std::string>());
      if (names.empty()) {
        std::cout << "No " << k->plural << " found\n";
        return 0;
      }
    } else {
      names.push_back(name);
    }
    for (const auto& n : names) {
      auto r = rest_call(*s.http, k8s::delete_request(res, s.ns, n));
      if (!r && !(all && r.error().code == errc::not_found))
        fail(r.error());
      std::cout << k->singular << "/" << n << " deleted\n";
    }
    return 0;
  });
}

} // namespace kelos::cli
