#include "actors/spawner/spawner_supervisor.hpp"

#include "actors/spawner/github_credentials.hpp"
#include "actors/spawner/spawner_actor.hpp"
#include "k8s/taskspawner_types.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace kelos::spawner {
namespace {

using k8s::json;
/// (namespace, name)
using key = std::pair<std::string, std::string>;

struct supervisor_state {
  kube_actor kube;
  std::shared_ptr<const spawner_context> ctx;
  std::shared_ptr<std::atomic<bool>> ready_flag;
  caf::actor credentials;
  std::set<watch_spec> unsynced;
  bool ready = false;
  std::map<key, caf::actor> spawners;
  std::map<caf::actor_addr, key> by_addr;
  /// Spawners waiting for their Task list, with the newest object seen.
  std::map<key, json> starting;
  /// Task (ns, name) -> the spawner named by its label.
  std::map<key, std::string> task_owner;

  ~supervisor_state() {
    for (auto& [k, a] : spawners)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    if (credentials)
      caf::anon_send_exit(credentials, caf::exit_reason::user_shutdown);
  }
  static inline const char* name = "kelos.spawner-supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

std::string label_of(const json& task) {
  auto* labels = k8s::find_path(task, "metadata.labels");
  if (!labels || !labels->is_object())
    return {};
  return k8s::get_string(*labels, std::string{k8s::taskspawner_label}.c_str());
}

key key_of(const json& object) {
  auto meta = k8s::parse_object_meta(object);
  return {meta.namespace_, meta.name};
}

void spawn_one(self_ptr self, const key& k, const json& object, std::vector<json> tasks) {
  auto& st = self->state;
  auto a = spawn_spawner(self, st.kube, st.credentials, st.ctx, object, std::move(tasks));
  self->monitor(a);
  st.by_addr[a.address()] = k;
  st.spawners[k] = a;
}

/// Starts spawners for `objects` with their Tasks from the cache.
void start_spawners(self_ptr self, std::vector<json> objects) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::list::value, spawned_tasks_spec(*st.ctx), std::string{})
    .then(
      [=](object_list& list) {
        auto& st = self->state;
        std::map<key, std::vector<json>> by_spawner;
        for (auto& t : list.items) {
          auto owner = label_of(t);
          auto k = key_of(t);
          if (owner.empty())
            continue;
          st.task_owner[k] = owner;
          by_spawner[{k.first, owner}].push_back(std::move(t));
        }
        for (const auto& object : objects) {
          auto k = key_of(object);
          auto it = st.starting.find(k);
          if (it == st.starting.end() || st.spawners.count(k))
            continue; // removed meanwhile, or already running
          json latest = std::move(it->second);
          st.starting.erase(it);
          spawn_one(self, k, latest, std::move(by_spawner[k]));
        }
      },
      [=](caf::error& err) {
        logging::error({"spawner controller", "Tasks"}, "listing: {}", from_caf_error(err).render());
        for (const auto& object : objects)
          self->state.starting.erase(key_of(object));
      });
}

void become_ready(self_ptr self) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::list::value, taskspawners_spec(*st.ctx), std::string{})
    .then(
      [=](object_list& list) {
        auto& st = self->state;
        st.ready = true;
        for (const auto& o : list.items)
          st.starting[key_of(o)] = o;
        logging::info({"spawner controller", ""}, "caches synced, running {} TaskSpawners", list.items.size());
        start_spawners(self, std::move(list.items));
        if (st.ready_flag)
          st.ready_flag->store(true);
      },
      [=](caf::error& err) {
        logging::error({"spawner controller", "TaskSpawners"}, "listing: {}", from_caf_error(err).render());
        self->quit(err);
      });
}

void on_spawner(self_ptr self, const k8s::object_ref& ref) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::get::value, taskspawners_spec(*st.ctx), ref)
    .then(
      [=](json_doc& doc) {
        auto& st = self->state;
        if (doc.value.is_null())
          return;
        key k{ref.namespace_, ref.name};
        if (auto it = st.spawners.find(k); it != st.spawners.end()) {
          self->send(it->second, atom::init::value, json_doc{doc.value});
          return;
        }
        bool first = !st.starting.count(k);
        st.starting[k] = doc.value;
        if (first)
          start_spawners(self, {doc.value});
      },
      [=](caf::error&) {});
}

void on_task(self_ptr self, const k8s::object_ref& ref) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::get::value, spawned_tasks_spec(*st.ctx), ref)
    .then(
      [=](json_doc& doc) {
        auto& st = self->state;
        if (doc.value.is_null())
          return;
        auto owner = label_of(doc.value);
        if (owner.empty())
          return;
        st.task_owner[{ref.namespace_, ref.name}] = owner;
        if (auto it = st.spawners.find({ref.namespace_, owner}); it != st.spawners.end())
          self->send(it->second, atom::apply::value, json_doc{std::move(doc.value)});
      },
      [=](caf::error&) {});
}

void stop_spawner(self_ptr self, const key& k) {
  auto& st = self->state;
  st.starting.erase(k);
  auto it = st.spawners.find(k);
  if (it == st.spawners.end())
    return;
  self->demonitor(it->second);
  st.by_addr.erase(it->second.address());
  self->send_exit(it->second, caf::exit_reason::user_shutdown);
  st.spawners.erase(it);
  logging::info({"spawner controller", k.first + "/" + k.second}, "TaskSpawner is gone; its spawner stopped");
}

caf::behavior supervisor(self_ptr self, kube_actor kube, std::shared_ptr<const spawner_context> ctx,
                         std::shared_ptr<std::atomic<bool>> ready) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.ctx = std::move(ctx);
  st.ready_flag = std::move(ready);
  st.credentials = spawn_credentials(self->home_system(), st.kube, st.ctx);
  auto me = caf::actor_cast<caf::actor>(self);
  for (auto spec : {taskspawners_spec(*st.ctx), spawned_tasks_spec(*st.ctx), spawner_workspaces_spec(*st.ctx),
                    spawner_secrets_spec(*st.ctx)}) {
    st.unsynced.insert(spec);
    self->request(st.kube, caf::infinite, atom::subscribe::value, spec, me)
      .then([](atom::ok) {},
            [=](caf::error& err) {
              logging::error({"spawner controller", spec.to_string()}, "subscribing: {}", from_caf_error(err).render());
              self->quit(err);
            });
  }
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.by_addr.find(msg.source);
    if (it == st.by_addr.end())
      return;
    key k = it->second;
    st.by_addr.erase(it);
    st.spawners.erase(k);
    logging::error({"spawner controller", k.first + "/" + k.second}, "spawner stopped ({}); restarting it",
                   caf::to_string(msg.reason));
    on_spawner(self, k8s::object_ref{"TaskSpawner", k.first, k.second});
  });
  return {
    [=](atom::apply, const watch_spec& spec, const k8s::object_ref& ref) {
      auto& st = self->state;
      if (!st.ready)
        return; // the first list covers it
      if (spec.kind == "TaskSpawner") {
        on_spawner(self, ref);
      } else if (spec.kind == "Task") {
        on_task(self, ref);
      } else if (spec.kind == "Workspace") {
        for (auto& [k, a] : st.spawners)
          if (k.first == ref.namespace_)
            self->send(a, atom::wake::value, std::string{"Workspace"}, ref.name);
      } else if (spec.kind == "Secret") {
        self->send(st.credentials, atom::remove::value, ref.namespace_, ref.name);
      }
    },
    [=](atom::remove, const watch_spec& spec, const k8s::object_ref& ref) {
      auto& st = self->state;
      if (spec.kind == "TaskSpawner") {
        stop_spawner(self, {ref.namespace_, ref.name});
      } else if (spec.kind == "Task") {
        auto it = st.task_owner.find({ref.namespace_, ref.name});
        if (it == st.task_owner.end())
          return;
        auto owner = it->second;
        st.task_owner.erase(it);
        if (auto s = st.spawners.find({ref.namespace_, owner}); s != st.spawners.end())
          self->send(s->second, atom::remove::value, ref.name);
      } else if (spec.kind == "Secret") {
        self->send(st.credentials, atom::remove::value, ref.namespace_, ref.name);
      }
    },
    [=](atom::synced, const watch_spec& spec) {
      auto& st = self->state;
      if (st.unsynced.erase(spec) && st.unsynced.empty() && !st.ready)
        become_ready(self);
    },
  };
}

} // namespace

watch_spec taskspawners_spec(const spawner_context& ctx) {
  return {std::string{k8s::kelos_api_version}, "TaskSpawner", ctx.watch_namespace, ""};
}
watch_spec spawned_tasks_spec(const spawner_context& ctx) {
  return {std::string{k8s::kelos_api_version}, "Task", ctx.watch_namespace, std::string{k8s::taskspawner_label}};
}
watch_spec spawner_workspaces_spec(const spawner_context& ctx) {
  return {std::string{k8s::kelos_api_version}, "Workspace", ctx.watch_namespace, ""};
}
watch_spec spawner_secrets_spec(const spawner_context& ctx) { return {"v1", "Secret", ctx.watch_namespace, ""}; }

caf::actor spawn_spawner_supervisor(caf::actor_system& sys, kube_actor kube, std::shared_ptr<const spawner_context> ctx,
                                    std::shared_ptr<std::atomic<bool>> ready) {
  return sys.spawn(supervisor, std::move(kube), std::move(ctx), std::move(ready));
}

} // namespace kelos::spawner
