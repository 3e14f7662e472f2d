#include "actors/task/github_token.hpp"

#include "k8s/client/request.hpp"
#include "k8s/kinds.hpp"
#include "runtime/caf_error.hpp"
#include "sources/github/app_auth.hpp"
#include "sources/github/token_client.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

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
        const std::string& api_base, const std::string& ca_pem) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      github::token_client_options opts;
      opts.ca_pem = ca_pem;
      auto token = github::fetch_installation_token(github::app_credentials{app_id, installation_id, key}, api_base,
                                                    k8s::now(), opts);
      if (token)
        rp.deliver(std::move(token->token));
      else
        rp.deliver(to_caf_error(token.error()));
      self->quit();
      return rp;
    },
  };
}

json token_secret(const k8s::task& t, const std::string& token) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", github_token_secret_name(t.meta.name)},
            {"namespace", t.meta.namespace_},
            {"labels", {{"app.kubernetes.io/managed-by", "kelos-controller"}, {"kelos.dev/task", t.meta.name}}},
            {"ownerReferences", json::array({{{"apiVersion", std::string{k8s::kelos_api_version}},
                                              {"kind", "Task"},
                                              {"name", t.meta.name},
                                              {"uid", t.meta.uid},
                                              {"controller", true},
                                              {"blockOwnerDeletion", true}}})}}},
          {"type", "Opaque"},
          {"data", {{"GITHUB_TOKEN", k8s::base64_encode(token)}}}};
}

} // namespace

std::string github_token_secret_name(const std::string& task_name) { return task_name + "-github-token"; }

void resolve_github_token(caf::event_based_actor* self, const kube_actor& kube, const controller_context& ctx,
                          const k8s::task& t, const need_github_token& q,
                          std::function<void(github_token_answer)> done) {
  auto fail = [done](const kelos::error& e) { done(github_token_answer{{}, e.message, transient(e.code)}); };
  std::string api_base = ctx.github_api_base.empty() ? github::api_base_for_host(q.repo_host) : ctx.github_api_base;
  std::string ca_pem = ctx.github_ca_pem;
  std::string ns = t.meta.namespace_;
  self->request(kube, caf::infinite, atom::call::value, k8s::get_request(secrets(), ns, q.secret))
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
                      creds->private_key_pem, api_base, ca_pem)
          .then(
            [=](std::string& token) {
              auto body = token_secret(t, token);
              auto on_error = [=](caf::error& err) { fail(from_caf_error(err)); };
              auto stored = [=](json_doc&) { done(github_token_answer{github_token_secret_name(t.meta.name), {}, false}); };
              self->request(kube, caf::infinite, atom::call::value, k8s::create_request(secrets(), ns, body))
                .then(stored, [=](caf::error& err) {
                  if (from_caf_error(err).code != errc::already_exists) {
                    fail(from_caf_error(err));
                    return;
                  }
                  json patch = {{"data", body["data"]}};
                  auto req = k8s::patch_request(secrets(), ns, github_token_secret_name(t.meta.name),
                                                k8s::patch_type::merge, patch.dump());
                  self->request(kube, caf::infinite, atom::call::value, std::move(*req)).then(stored, on_error);
                });
            },
            [=](caf::error& err) { fail(from_caf_error(err)); });
      },
      [=](caf::error& err) { fail(from_caf_error(err)); });
}

} // namespace kelos::task
