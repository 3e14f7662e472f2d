#include "actors/spawner/github_credentials.hpp"

#include "k8s/client/request.hpp"
#include "k8s/kinds.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/caf_error.hpp"
#include "sources/github/app_auth.hpp"
#include "sources/github/token_client.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <tuple>

namespace kelos::spawner {
namespace {

using promise = caf::typed_response_promise<source_credentials>;

struct token_key {
  std::string ns, secret, app, installation, api_base;
  friend bool operator<(const token_key& a, const token_key& b) {
    return std::tie(a.ns, a.secret, a.app, a.installation, a.api_base)
           < std::tie(b.ns, b.secret, b.app, b.installation, b.api_base);
  }
};

struct credentials_state {
  kube_actor kube;
  std::shared_ptr<const spawner_context> ctx;
  std::map<token_key, github::installation_token> tokens;
  std::map<token_key, std::vector<promise>> waiting;
  static inline const char* name = "kelos.spawner-credentials";
};

using self_ptr = caf::stateful_actor<credentials_state>*;

/// One blocking exchange on its own thread, then it stops.
caf::behavior exchange_worker(caf::event_based_actor* self, std::shared_ptr<const spawner_context> ctx) {
  return {
    [=](atom::get, const std::string& app_id, const std::string& installation_id, const std::string& key,
        const std::string& api_base) -> caf::result<std::string, int64_t> {
      github::app_credentials creds{app_id, installation_id, key};
      kelos::expected<github::installation_token> token =
        ctx->exchange_token ? ctx->exchange_token(creds, api_base) : [&] {
          github::token_client_options opts;
          opts.ca_pem = ctx->source_ca_pem;
          return github::fetch_installation_token(creds, api_base, k8s::now(), opts);
        }();
      self->quit();
      if (!token)
        return to_caf_error(token.error());
      return caf::make_result(std::move(token->token),
                              int64_t(token->expires_at.time_since_epoch().count()));
    },
  };
}

const k8s::resource_info& secrets() {
  static const auto registry = k8s::resource_registry::with_builtins();
  return *registry.by_kind("v1", "Secret");
}

std::string value(const k8s::secret_view& s, const char* key) {
  auto it = s.data.find(key);
  return it == s.data.end() ? std::string{} : it->second;
}

void finish(self_ptr self, const token_key& key, const kelos::expected<github::installation_token>& token) {
  auto it = self->state.waiting.find(key);
  if (it == self->state.waiting.end())
    return;
  auto waiters = std::move(it->second);
  self->state.waiting.erase(it);
  if (token)
    self->state.tokens[key] = *token;
  for (auto& p : waiters) {
    if (token)
      p.deliver(source_credentials{token->token, {}});
    else
      p.deliver(to_caf_error(token.error()));
  }
}

void app_token(self_ptr self, token_key key, const github::app_credentials& creds, promise p) {
  auto& st = self->state;
  auto now = st.ctx->clock();
  if (auto it = st.tokens.find(key); it != st.tokens.end()) {
    if (it->second.expires_at - now > st.ctx->token_refresh_margin) {
      p.deliver(source_credentials{it->second.token, {}});
      return;
    }
    st.tokens.erase(it);
  }
  auto& queue = st.waiting[key];
  queue.push_back(std::move(p));
  if (queue.size() > 1)
    return; // an exchange is already running
  auto worker = self->home_system().spawn<caf::detached>(exchange_worker, st.ctx);
  self->request(worker, std::chrono::seconds{60}, atom::get::value, creds.app_id, creds.installation_id,
                creds.private_key_pem, key.api_base)
    .then(
      [=](std::string& token, int64_t expires_us) {
        github::installation_token t{std::move(token), k8s::time_point{std::chrono::microseconds{expires_us}}};
        logging::info({"github credentials", key.ns + "/" + key.secret}, "GitHub App installation token refreshed");
        finish(self, key, t);
      },
      [=](caf::error& err) {
        auto e = from_caf_error(err);
        logging::warn({"github credentials", key.ns + "/" + key.secret}, "GitHub App token: {}", e.message);
        finish(self, key, e);
      });
}

caf::behavior credentials(self_ptr self, kube_actor kube, std::shared_ptr<const spawner_context> ctx) {
  self->state.kube = std::move(kube);
  self->state.ctx = std::move(ctx);
  return {
    [=](atom::get, const std::string& ns, const std::string& secret,
        const std::string& api_base) -> caf::result<source_credentials> {
      if (secret.empty())
        return source_credentials{};
      auto p = self->make_response_promise<source_credentials>();
      self->request(self->state.kube, caf::infinite, atom::call::value, k8s::get_request(secrets(), ns, secret))
        .then(
          [=](json_doc& doc) mutable {
            auto parsed = k8s::parse_secret(doc.value);
            if (!parsed) {
              p.deliver(to_caf_error(kelos::error{errc::invalid_spec, "Secret " + ns + "/" + secret + ": "
                                                                          + parsed.error().message}));
              return;
            }
            if (github::is_github_app(parsed->data)) {
              auto creds = github::parse_app_credentials(parsed->data);
              if (!creds) {
                p.deliver(to_caf_error(kelos::error{errc::invalid_spec, "Secret " + ns + "/" + secret + ": "
                                                                            + creds.error().message}));
                return;
              }
              app_token(self, token_key{ns, secret, creds->app_id, creds->installation_id, api_base}, *creds,
                        std::move(p));
              return;
            }
            source_credentials out;
            out.token = value(*parsed, "GITHUB_TOKEN");
            if (out.token.empty()) {
              out.token = value(*parsed, "JIRA_TOKEN");
              out.user = value(*parsed, "JIRA_USER");
            }
            p.deliver(std::move(out));
          },
          [=](caf::error& err) mutable {
            auto e = from_caf_error(err);
            p.deliver(to_caf_error(kelos::error{e.code, "reading Secret " + ns + "/" + secret + ": " + e.message}));
          });
      return p;
    },
    [=](atom::remove, const std::string& ns, const std::string& secret) {
      auto& tokens = self->state.tokens;
      for (auto it = tokens.begin(); it != tokens.end();)
        it = it->first.ns == ns && it->first.secret == secret ? tokens.erase(it) : std::next(it);
    },
  };
}

} // namespace

caf::actor spawn_credentials(caf::actor_system& sys, kube_actor kube, std::shared_ptr<const spawner_context> ctx) {
  return sys.spawn(credentials, std::move(kube), std::move(ctx));
}

} // namespace kelos::spawner
