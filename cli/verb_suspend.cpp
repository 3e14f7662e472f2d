// `kelos suspend taskspawner NAME` (and `kelos resume`, cli/verb_resume.cpp): set
// spec.suspend with an Update retried on conflict; idempotent (seed §4.2).

#include "cli/cli_session.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/request.hpp"

#include <iostream>

namespace kelos::cli {

int set_suspend(const std::vector<std::string>& args, const environment& env, bool suspend) {
  std::string verb = suspend ? "suspend" : "resume";
  auto app = make_app(verb, suspend ? "Stop a TaskSpawner from creating Tasks" : "Let a suspended TaskSpawner create Tasks again");
  global_options g;
  add_global_options(*app, g);
  app->require_subcommand(1, 1);
  std::string name;
  auto* sub = app->add_subcommand("taskspawner", suspend ? "Suspend a TaskSpawner" : "Resume a TaskSpawner");
  sub->alias("taskspawners");
  sub->alias("ts");
  sub->set_help_flag("-h,--help", "Show this help");
  sub->add_option("name", name, "TaskSpawner name")->required();
  return run_verb(*app, args, [&] {
    auto s = must(open_session(g, env));
    const auto& res = resource_for(kind::taskspawner);
    for (int attempt = 0;; ++attempt) {
      auto ts = must(api_get(s, res, name));
      bool current = ts["spec"].value("suspend", false);
      if (current == suspend) {
        std::cout << "taskspawner/" << name << (suspend ? " is already suspended" : " is not suspended") << "\n";
        return 0;
      }
      ts["spec"]["suspend"] = suspend;
      auto r = rest_call(*s.http, k8s::update_request(res, s.ns, name, ts));
      if (r) {
        std::cout << "taskspawner/" << name << (suspend ? " suspended" : " resumed") << "\n";
        return 0;
      }
      if (r.error().code != errc::conflict || attempt >= 5)
        fail(r.error());
    }
  });
}

int verb_suspend(const std::vector<std::string>& args, const environment& env) {
  return set_suspend(args, env, true);
}

} // namespace kelos::cli
