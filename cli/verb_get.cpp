// `kelos get <kind> [NAME]`: tables, detail views (-d), YAML/JSON (-o), all namespaces (-A),
// phase filters for tasks and a watch (-w) that prints every change. Seed §4.2.

#include "cli/cli_session.hpp"
#include "cli/cli_watch.hpp"
#include "cli/rest.hpp"
#include "k8s/client/request.hpp"
#include "cli/verbs.hpp"

#include <iostream>
#include <map>
#include <thread>

namespace kelos::cli {
namespace {

const std::vector<std::string> phases{"Pending", "Running", "Succeeded", "Failed", "Waiting"};

struct get_flags {
  bool all_namespaces = false;
  std::string output;
  bool detail = false;
  bool watch = false;
  std::vector<std::string> phase;
  std::string name;
};

std::string resource_version(const json& o) {
  return o.contains("metadata") ? o["metadata"].value("resourceVersion", std::string{}) : std::string{};
}

std::string key_of(const json& o) {
  const auto& m = o.at("metadata");
  return m.value("namespace", std::string{}) + "/" + m.value("name", std::string{});
}

void print_objects(const kind_info& k, const std::vector<json>& items, const get_flags& f, bool single, bool header) {
  if (f.output == "yaml" || f.output == "json") {
    json value;
    if (single) {
      value = items.front();
    } else {
      value = json{{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", k.api_kind + "List"}, {"items", items},
                   {"metadata", json::object()}};
    }
    value = without_managed_fields(std::move(value));
    std::cout << (f.output == "yaml" ? to_yaml(value) : to_json_text(value));
    return;
  }
  std::cout << format_table(table_rows(k.k, items, k8s::now(), f.all_namespaces, header));
}

int get_kind(const kind_info& k, const get_flags& f, const global_options& g, const environment& env) {
  if (!f.output.empty() && f.output != "yaml" && f.output != "json")
    fail("unknown output format \"" + f.output + "\": must be one of yaml, json");
  if (!f.name.empty() && f.all_namespaces)
    fail("a resource cannot be retrieved by name across all namespaces");
  if (f.detail && f.name.empty())
    fail("--detail needs a " + k.singular + " name");
  for (const auto& p : f.phase)
    if (std::find(phases.begin(), phases.end(), p) == phases.end())
      fail("unknown phase \"" + p + "\": must be one of Pending, Running, Succeeded, Failed, Waiting");
  auto s = must(open_session(g, env));
  const auto& res = resource_for(k.k);
  auto fetch = [&]() -> std::vector<json> {
    if (!f.name.empty())
      return {must(api_get(s, res, f.name))};
    auto items = must(api_list(s, res, f.all_namespaces ? std::string{} : s.ns));
    if (!f.phase.empty())
      std::erase_if(items, [&](const json& t) {
        auto phase = t.contains("status") ? t["status"].value("phase", std::string{}) : std::string{};
        return std::find(f.phase.begin(), f.phase.end(), phase) == f.phase.end();
      });
    return items;
  };
  auto items = fetch();
  if (f.detail) {
    std::vector<json> same_ns;
    if (k.k == kind::task)
      if (auto all = api_list(s, res, s.ns))
        same_ns = *all;
    std::cout << detail_view(k.k, items.front(), k8s::now(), same_ns);
    return 0;
  }
  if (items.empty() && f.output.empty() && !f.watch)
    std::cerr << "No " << k.plural << " found"
              << (f.all_namespaces ? std::string{} : " in " + s.ns + " namespace") << ".\n";
  else
    print_objects(k, items, f, !f.name.empty(), true);
  if (!f.watch)
    return 0;
  // Watch: a real watch from the list's resourceVersion. Each change is printed once (a
  // relist after 410 Gone or a broken stream prints only objects that changed meanwhile).
  std::map<std::string, std::string> seen;
  for (const auto& o : items)
    seen[key_of(o)] = resource_version(o);
  std::cout << std::flush;
  auto print_changes = [&](const std::vector<json>& changed) {
    if (changed.empty())
      return;
    if (f.output == "yaml")
      for (const auto& o : changed)
        std::cout << "---\n" << to_yaml(without_managed_fields(o));
    else if (f.output == "json")
      for (const auto& o : changed)
        std::cout << to_json_text(without_managed_fields(o));
    else
      print_objects(k, changed, f, false, false);
    std::cout << std::flush;
  };
  auto wanted = [&](const json& o) {
    if (f.phase.empty())
      return true;
    auto phase = o.contains("status") ? o["status"].value("phase", std::string{}) : std::string{};
    return std::find(f.phase.begin(), f.phase.end(), phase) != f.phase.end();
  };
  auto relist = [&]() -> std::string {
    auto list = rest_call(*s.http, k8s::list_request(res, f.all_namespaces ? std::string{} : s.ns));
    if (!list)
      return {};
    std::vector<json> changed;
    for (auto& o : (*list)["items"]) {
      if ((!f.name.empty() && o["metadata"].value("name", std::string{}) != f.name) || !wanted(o))
        continue;
      auto& rv = seen[key_of(o)];
      if (rv != resource_version(o)) {
        rv = resource_version(o);
        changed.push_back(std::move(o));
      }
    }
    print_changes(changed);
    return k8s::resource_version_of(*list);
  };
  std::string from = relist();
  auto pause = std::chrono::milliseconds{500};
  while (true) {
    if (from.empty()) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds{8000});
      from = relist();
      continue;
    }
    k8s::watch_options wo;
    wo.resource_version = from;
    if (!f.name.empty())
      wo.field_selector = "metadata.name=" + f.name;
    blocking_watch w(*s.http, k8s::watch_request(res, f.all_namespaces ? std::string{} : s.ns, wo));
    while (true) {
      auto it = w.next(std::chrono::seconds{60});
      if (!it)
        continue;
      if (auto* end = std::get_if<blocking_watch::ended>(&*it)) {
        if (end->error)
          std::cerr << "kelos: watch interrupted (" << end->error.render() << "); resuming\n";
        break; // a clean end (server timeout) resumes from `from`
      }
      auto& ev = std::get<k8s::watch_event>(*it);
      if (ev.type == k8s::watch_event_type::error) {
        if (!ev.is_gone())
          std::cerr << "kelos: watch error: " << k8s::error_of(ev).render() << "; relisting\n";
        from.clear(); // 410 Gone or another error: relist before watching again
        break;
      }
      if (auto rv = ev.resource_version(); !rv.empty())
        from = rv;
      if (ev.type == k8s::watch_event_type::bookmark)
        continue;
      pause = std::chrono::milliseconds{500};
      auto key = key_of(ev.object);
      if (ev.type == k8s::watch_event_type::deleted) {
        if (seen.erase(key))
          print_changes({ev.object});
        continue;
      }
      if (!wanted(ev.object)) {
        seen.erase(key);
        continue;
      }
      auto& rv = seen[key];
      if (rv == resource_version(ev.object))
        continue;
      rv = resource_version(ev.object);
      print_changes({ev.object});
    }
  }
}

} // namespace

int verb_get(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("get", "Show Tasks, TaskSpawners, Workspaces or AgentConfigs");
  global_options g;
  add_global_options(*app, g);
  get_flags f;
  app->add_flag("-A,--all-namespaces", f.all_namespaces, "List across all namespaces");
  app->require_subcommand(1, 1);
  std::vector<std::pair<const kind_info*, CLI::App*>> subs;
  for (const auto& k : all_kinds()) {
    auto* sub = app->add_subcommand(k.singular, "Show " + k.plural);
    sub->set_help_flag("-h,--help", "Show this help");
    for (std::size_t i = 1; i < k.aliases.size(); ++i)
      sub->alias(k.aliases[i]);
    sub->add_option("name", f.name, "Show only this " + k.singular);
    sub->add_option("-o,--output", f.output, "Output format: yaml or json");
    sub->add_flag("-d,--detail", f.detail, "Show every field of one " + k.singular);
    sub->add_flag("-w,--watch", f.watch, "Keep printing each change (add, update, delete) until interrupted");
    sub->add_flag("-A,--all-namespaces", f.all_namespaces, "List across all namespaces");
    if (k.k == kind::task)
      sub->add_option("--phase", f.phase, "Only tasks in these phases (Pending, Running, Succeeded, Failed, Waiting)")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    subs.emplace_back(&k, sub);
  }
  return run_verb(*app, args, [&] {
    for (auto [k, sub] : subs)
      if (sub->parsed())
        return get_kind(*k, f, g, env);
    fail("must specify a resource type");
  });
}

} // namespace kelos::cli
