// `kelos uninstall`: removes what `kelos install` applied. Unlike the original it first makes
// sure no Task or TaskSpawner is left (refusing, or with --force deleting them while the
// controller still runs to release their finalizers), so the CRDs never hang Terminating.

#include "cli/cli_session.hpp"
#include "cli/install_client.hpp"
#include "cli/install_manifest.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/request.hpp"
#include "sources/duration.hpp"

#include <iostream>
#include <thread>

namespace kelos::cli {

namespace {

struct leftover {
  const kind_info* kind;
  std::vector<json> objects;
};

const kind_info& info_of(kind k) {
  for (const auto& i : all_kinds())
    if (i.k == k)
      return i;
  std::abort();
}

/// The Tasks and TaskSpawners of every namespace, TaskSpawners first (deleting them first
/// stops new Tasks). A kind whose CRD is not installed has none.
std::vector<leftover> leftovers(session& s) {
  std::vector<leftover> out;
  for (kind k : {kind::taskspawner, kind::task}) {
    auto items = api_list(s, resource_for(k), "");
    if (!items && items.error().code != errc::not_found)
      fail(items.error());
    out.push_back({&info_of(k), items ? std::move(*items) : std::vector<json>{}});
  }
  return out;
}

std::size_t count(const std::vector<leftover>& l) {
  std::size_t n = 0;
  for (const auto& x : l)
    n += x.objects.size();
  return n;
}

std::string describe(const std::vector<leftover>& l) {
  std::string text;
  for (auto it = l.rbegin(); it != l.rend(); ++it) {
    if (it->objects.empty())
      continue;
    if (!text.empty())
      text += " and ";
    const auto& meta = it->objects.front()["metadata"];
    text += std::to_string(it->objects.size()) + " " + (it->objects.size() == 1 ? it->kind->singular : it->kind->plural) +
            " (e.g. " + meta.value("namespace", std::string{}) + "/" + meta.value("name", std::string{}) + ")";
  }
  return text;
}

void for_each_object(const std::vector<leftover>& l, const std::function<void(const k8s::resource_info&, const json&)>& fn) {
  for (const auto& x : l)
    for (const auto& o : x.objects)
      fn(resource_for(x.kind->k), o);
}

/// --force: deletes them and waits while the controller releases their finalizers; what is
/// still there after `wait` (no controller running) has its finalizers removed.
void delete_leftovers(session& s, std::vector<leftover> l, std::chrono::nanoseconds wait) {
  std::cout << "Deleting " << describe(l) << "\n" << std::flush;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (count(l) > 0 && std::chrono::steady_clock::now() < deadline) {
    for_each_object(l, [&](const k8s::resource_info& res, const json& o) {
      const auto& meta = o["metadata"];
      if (meta.contains("deletionTimestamp"))
        return;
      auto r = rest_call(*s.http, k8s::delete_request(res, meta.value("namespace", std::string{}),
                                                      meta.value("name", std::string{})));
      if (!r && r.error().code != errc::not_found)
        fail(r.error());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
    l = leftovers(s);
  }
  if (count(l) == 0)
    return;
  std::cout << "Removing the finalizers of " << describe(l) << " (the controller did not release them)\n"
            << std::flush;
  for_each_object(l, [&](const k8s::resource_info& res, const json& o) {
    const auto& meta = o["metadata"];
    auto ns = meta.value("namespace", std::string{});
    auto name = meta.value("name", std::string{});
    auto req = must(k8s::patch_request(res, ns, name, k8s::patch_type::merge, R"({"metadata":{"finalizers":null}})"));
    if (auto r = rest_call(*s.http, std::move(req)); !r && r.error().code != errc::not_found)
      fail(r.error());
    if (auto r = rest_call(*s.http, k8s::delete_request(res, ns, name)); !r && r.error().code != errc::not_found)
      fail(r.error());
  });
}

} // namespace

int verb_uninstall(const std::vector<std::string>& args, const environment& env) {
  auto app = make_app("uninstall", "Remove the Kelos controller and CRDs from the current cluster");
  global_options g;
  add_global_options(*app, g);
  bool force = false;
  std::string timeout = "2m";
  app->add_flag("--force", force, "Delete remaining Tasks and TaskSpawners (all namespaces) instead of refusing");
  app->add_option("--timeout", timeout, "With --force, how long the controller may take to release them (default 2m)");
  return run_verb(*app, args, [&] {
    auto wait = must(sources::parse_go_duration(timeout));
    auto docs = must(split_manifest(embedded_install_manifest()));
    auto s = must(open_session(g, env));
    auto left = leftovers(s);
    if (count(left) > 0 && !force)
      fail(describe(left) + " still exist; delete them first (kelos delete task --all -n <namespace>) so the "
           "controller can release their finalizers, or pass --force to delete them in every namespace");
    if (count(left) > 0)
      delete_leftovers(s, std::move(left), wait);
    manifest_client client{s};
    std::cout << "Removing kelos controller\n" << std::flush;
    for (auto it = docs.rbegin(); it != docs.rend(); ++it)
      if (!it->is_crd())
        must(client.remove(*it));
    std::cout << "Removing kelos CRDs\n" << std::flush;
    for (const auto& d : docs)
      if (d.is_crd())
        must(client.remove(d));
    std::cout << "Kelos uninstalled successfully\n";
    return 0;
  });
}

} // namespace kelos::cli
