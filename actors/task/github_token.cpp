#include "actors/task/github_token.hpp"

#include "k8s/client/request.hpp"
#include "k8s/kinds.hpp"
#include "runtime/caf_error.hpp"
#include "sources/github/app_auth.hpp"
#include "sources/github/token_client.hpp"
#include "runtime/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

namespace kelos::task {
namespace {

using k8s::json;

const k8s::resource_info& secrets() { return resource_of("v1", "Secret"); }

bool transient(errc code) {
  return code == errc::connection_failed || code == errc::timeout || code == errc::server_unavailable;
}

/// The worker: one blocking exchange on its own thread, then it stops.
caf::behavior token_worker(caf::event_based_actor* self) {
  return {
    [=](atom::get, const std::string& app_id, const std::string& installation_id, const std::string& key,
        const std::string& api_base, const std::string& ca_pem) -> caf::result<std::string, int64_t> {
      github::token_client_options opts;
      opts.ca_pem = ca_pem;
      auto token = github::fetch_installation_token(github::app_credentials{app_id, installation_id, key}, api_base,
                                                    k8s::now(), opts);
      self->quit();
      if (!token)
        return to_caf_error(token.error());
      return caf::make_result(std::move(token->token), int64_t(token->expires_at.time_since_epoch().count()));
    },
  };
}

/// What a token Secret is made from: the Task it belongs to and where its token comes from.
struct token_job {
  std::string ns, task, uid;
  /// The Workspace's App Secret and the API to exchange it at.
  std::string app_secret, api_base, ca_pem;
};

json token_secret(const token_job& job, const std::string& token) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", github_token_secret_name(job.task)},
            {"namespace", job.ns},
            {"labels", {{"app.kubernetes.io/managed-by", "kelos-controller"}, {"kelos.dev/task", job.task}}},
            {"ownerReferences", json::array({{{"apiVersion", std::string{k8s::kelos_api_version}},
                                              {"kind", "Task"},
                                              {"name", job.task},
                                              {"uid", job.uid},
                                              {"controller", true},
                                              {"blockOwnerDeletion", true}}})}}},
          {"type", "Opaque"},
          {"data", {{"GITHUB_TOKEN", k8s::base64_encode(token)}}}};
}

using stored_fn = std::function<void(kelos::expected<k8s::time_point>)>;

/// Reads the App Secret, exchanges it for an installation token on a detached worker and
/// creates (or, when it exists, patches) the token Secret; `done` gets the token's expiry.
void exchange_and_store(caf::event_based_actor* self, const kube_actor& kube, const token_job& job, stored_fn done) {
  auto fail = [done](const kelos::error& e) { done(e); };
  self->request(kube, caf::infinite, atom::call::value, k8s::get_request(secrets(), job.ns, job.app_secret))
    .then(
      [=](json_doc& doc) {
        auto secret = k8s::parse_secret(doc.value);
        if (!secret) {
          fail(secret.error());
          return;
        }
        auto creds = github::parse_app_credentials(secret->data);
        if (!creds) {
          fail(creds.error());
          return;
        }
        auto worker = self->home_system().spawn<caf::detached>(token_worker);
        self->request(worker, std::chrono::seconds{60}, atom::get::value, creds->app_id, creds->installation_id,
                      creds->private_key_pem, job.api_base, job.ca_pem)
          .then(
            [=](std::string& token, int64_t expires_us) {
              auto body = token_secret(job, token);
              const k8s::time_point expires{std::chrono::microseconds{expires_us}};
              auto on_error = [=](caf::error& err) { fail(from_caf_error(err)); };
              auto stored = [=](json_doc&) { done(expires); };
              self->request(kube, caf::infinite, atom::call::value, k8s::create_request(secrets(), job.ns, body))
                .then(stored, [=](caf::error& err) {
                  if (from_caf_error(err).code != errc::already_exists) {
                    fail(from_caf_error(err));
                    return;
                  }
                  json patch = {{"data", body["data"]}};
                  auto req = k8s::patch_request(secrets(), job.ns, github_token_secret_name(job.task),
                                                k8s::patch_type::merge, patch.dump());
                  self->request(kube, caf::infinite, atom::call::value, std::move(*req)).then(stored, on_error);
                });
            },
            [=](caf::error& err) { fail(from_caf_error(err)); });
      },
      [=](caf::error& err) { fail(from_caf_error(err)); });
}

// ---- refreshing the token Secret of a running Task ------------------------------------

struct refresher_state {
  kube_actor kube;
  token_job job;
  std::function<k8s::time_point()> now;
  k8s::time_point expires_at;
  /// Only the newest timer counts.
  int64_t generation = 0;
  static inline const char* name = "kelos.github-token-refresher";
};

using refresher_ptr = caf::stateful_actor<refresher_state>*;

/// One refresher per TASK actor (by address), linked to it; the entry goes when it stops.
std::mutex refreshers_mu;
std::map<caf::actor_addr, caf::actor> refreshers;

/// When the token Secret is rewritten: `github_token_refresh_margin` before expiry. A token
/// already inside the margin is refreshed halfway to its expiry, but never sooner than
/// `github_token_refresh_retry` from now (a clock far off GitHub's must not turn into a loop).
k8s::time_point refresh_time(k8s::time_point expires_at, k8s::time_point now) {
  auto at = expires_at - github_token_refresh_margin;
  if (at > now)
    return at;
  auto half = (expires_at - now) / 2;
  return now + std::max<std::chrono::microseconds>(half, github_token_refresh_retry);
}

void schedule_refresh(refresher_ptr self, k8s::time_point at) {
  auto& st = self->state;
  auto delay = std::max<std::chrono::microseconds>(at - st.now(), std::chrono::microseconds{0});
  self->delayed_send(self, delay, atom::tick::value, ++st.generation);
}

bool task_finished_or_gone(const json& task, const std::string& uid) {
  const json* status = k8s::find_path(task, "status.phase");
  const std::string phase = status && status->is_string() ? status->get<std::string>() : std::string{};
  return k8s::get_string(task.value("metadata", json::object()), "uid") != uid ||
         k8s::find_path(task, "metadata.deletionTimestamp") != nullptr || phase == k8s::task_phase::succeeded ||
         phase == k8s::task_phase::failed;
}

void refresh(refresher_ptr self) {
  auto& st = self->state;
  const auto& tasks = resource_of(k8s::kelos_api_version, "Task");
  self->request(st.kube, caf::infinite, atom::call::value, k8s::get_request(tasks, st.job.ns, st.job.task))
    .then(
      [=](json_doc& doc) {
        auto& st = self->state;
        if (task_finished_or_gone(doc.value, st.job.uid)) {
          self->quit();
          return;
        }
        exchange_and_store(self, st.kube, st.job, [=](kelos::expected<k8s::time_point> expires) {
          auto& st = self->state;
          if (!expires) {
            logging::warn({"github token refresher", st.job.ns + "/" + st.job.task},
                          "refreshing GitHub token Secret {}: {} (retrying in 30 s)",
                          github_token_secret_name(st.job.task), expires.error().message);
            schedule_refresh(self, st.now() + github_token_refresh_retry);
            return;
          }
          st.expires_at = *expires;
          logging::info({"github token refresher", st.job.ns + "/" + st.job.task},
                        "refreshed GitHub token Secret {} (expires {})", github_token_secret_name(st.job.task),
                        k8s::format_time(*expires));
          schedule_refresh(self, refresh_time(*expires, st.now()));
        });
      },
      [=](caf::error& err) {
        auto& st = self->state;
        auto e = from_caf_error(err);
        if (e.code == errc::not_found) {
          self->quit();
          return;
        }
        logging::warn({"github token refresher", st.job.ns + "/" + st.job.task},
                      "reading the Task before refreshing its GitHub token: {} (retrying in 30 s)", e.message);
        schedule_refresh(self, st.now() + github_token_refresh_retry);
      });
}

caf::behavior token_refresher(refresher_ptr self, kube_actor kube, token_job job,
                              std::function<k8s::time_point()> now, caf::actor_addr owner) {
  self->state.kube = std::move(kube);
  self->state.job = std::move(job);
  self->state.now = std::move(now);
  self->attach_functor([owner] {
    std::lock_guard lock{refreshers_mu};
    refreshers.erase(owner);
  });
  return {
    [=](atom::apply, int64_t expires_us) {
      auto& st = self->state;
      st.expires_at = k8s::time_point{std::chrono::microseconds{expires_us}};
      schedule_refresh(self, refresh_time(st.expires_at, st.now()));
    },
    [=](atom::tick, int64_t generation) {
      if (generation == self->state.generation)
        refresh(self);
    },
  };
}

/// Starts (or updates) the refresher of the calling TASK actor's token Secret.
void keep_fresh(caf::event_based_actor* self, const kube_actor& kube, std::function<k8s::time_point()> now,
                const token_job& job, k8s::time_point expires_at) {
  caf::actor refresher;
  {
    std::lock_guard lock{refreshers_mu};
    if (auto it = refreshers.find(self->address()); it != refreshers.end())
      refresher = it->second;
  }
  if (!refresher) {
    refresher = self->spawn<caf::linked>(token_refresher, kube, job, std::move(now), self->address());
    std::lock_guard lock{refreshers_mu};
    refreshers[self->address()] = refresher;
  }
  self->send(refresher, atom::apply::value, int64_t(expires_at.time_since_epoch().count()));
}

} // namespace

std::string github_token_secret_name(const std::string& task_name) { return task_name + "-github-token"; }

void resolve_github_token(caf::event_based_actor* self, const kube_actor& kube, const controller_context& ctx,
                          const k8s::task& t, const need_github_token& q,
                          std::function<void(github_token_answer)> done) {
  token_job job;
  job.ns = t.meta.namespace_;
  job.task = t.meta.name;
  job.uid = t.meta.uid;
  job.app_secret = q.secret;
  job.api_base = ctx.github_api_base.empty() ? github::api_base_for_host(q.repo_host) : ctx.github_api_base;
  job.ca_pem = ctx.github_ca_pem;
  std::function<k8s::time_point()> now = ctx.now ? ctx.now : [] { return k8s::now(); };
  exchange_and_store(self, kube, job, [=](kelos::expected<k8s::time_point> expires) {
    if (!expires) {
      done(github_token_answer{{}, expires.error().message, transient(expires.error().code)});
      return;
    }
    keep_fresh(self, kube, now, job, *expires);
    done(github_token_answer{github_token_secret_name(job.task), {}, false});
  });
}

} // namespace kelos::task
