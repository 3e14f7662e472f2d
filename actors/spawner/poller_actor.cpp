#include "actors/spawner/poller_actor.hpp"

#include "actors/kube_transport.hpp"
#include "actors/spawner/cycle.hpp"
#include "k8s/client/http_client.hpp"
#include "k8s/client/rest_config.hpp"
#include "k8s/kinds.hpp"
#include "k8s/taskspawner_types.hpp"
#include "runtime/caf_error.hpp"
#include "sources/cron_source.hpp"
#include "sources/duration.hpp"
#include "sources/jira/jira_source.hpp"
#include "sources/spawn_template.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <cmath>
#include <map>
#include <mutex>
#include <random>

namespace kelos::spawner {

/// One fetch result travelling back to the poller.
struct fetch_answer {
  uint64_t cycle = 0;
  std::optional<sources::source_response> response;
  kelos::error error;
};

} // namespace kelos::spawner

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::spawner::fetch_answer)

namespace kelos::spawner {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

class http_fetcher final : public source_fetcher {
public:
  http_fetcher(std::string ca_pem, milliseconds timeout) : ca_pem_(std::move(ca_pem)), timeout_(timeout) {}

  void fetch(const sources::source_request& r,
             std::function<void(kelos::expected<sources::source_response>)> done) override {
    auto client = client_for(r.base);
    if (!client) {
      done(client.error());
      return;
    }
    k8s::http_request req;
    req.method = r.method;
    req.path = r.target; // origin-form, query already encoded
    req.headers = r.headers;
    req.body = r.body;
    req.idempotent = r.method == "GET";
    (*client)->send(std::move(req), [done = std::move(done)](kelos::expected<k8s::http_response> resp) {
      if (!resp) {
        done(resp.error());
        return;
      }
      done(sources::source_response{resp->status, std::move(resp->headers), std::move(resp->body)});
    });
  }

private:
  kelos::expected<std::shared_ptr<k8s::http_client>> client_for(const std::string& base) {
    std::lock_guard<std::mutex> guard{mutex_};
    if (auto it = clients_.find(base); it != clients_.end())
      return it->second;
    auto url = k8s::client::parse_server_url(base);
    if (!url)
      return kelos::error{errc::invalid_config, "source API base \"" + base + "\": " + url.error().message};
    k8s::client::rest_config rc;
    rc.server = *url;
    rc.tls = url->scheme == "https";
    rc.ca_pem = ca_pem_;
    rc.user_agent = "kelos";
    auto cfg = transport_config_from(rc);
    cfg.connect_timeout = std::min(cfg.connect_timeout, timeout_);
    cfg.tls_handshake_timeout = std::min(cfg.tls_handshake_timeout, timeout_);
    cfg.write_timeout = std::min(cfg.write_timeout, timeout_);
    cfg.response_header_timeout = std::min(cfg.response_header_timeout, timeout_);
    cfg.total_timeout = timeout_;
    cfg.max_body_bytes = 64ull << 20;
    cfg.max_idle_connections = 2;
    auto client = k8s::http_client::make(std::move(cfg));
    if (!client)
      return client.error();
    std::shared_ptr<k8s::http_client> shared = std::move(*client);
    clients_.emplace(base, shared);
    return shared;
  }

  std::string ca_pem_;
  milliseconds timeout_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<k8s::http_client>> clients_;
};

struct poller_state {
  caf::actor owner;
  kube_actor kube;
  caf::actor credentials;
  std::shared_ptr<const spawner_context> ctx;
  std::shared_ptr<source_fetcher> fetcher;
  k8s::task_spawner spawner;
  github::github_cache cache;
  std::optional<k8s::time_point> cursor;
  std::unique_ptr<sources::discovery> discovery;
  uint64_t cycle = 0;
  bool polling = false;
  bool repoll = false;
  int failures = 0;
  /// No cycle starts before this (a rate limit a failed discovery gave up waiting for).
  std::optional<k8s::time_point> blocked_until;
  uint64_t timer = 0;
  std::mt19937_64 rng{std::random_device{}()};
  static inline const char* name = "kelos.spawner-poller";
};

using self_ptr = caf::stateful_actor<poller_state>*;

void start_cycle(self_ptr self);

milliseconds poll_interval(const poller_state& st) {
  auto d = sources::parse_poll_interval(st.spawner.spec.poll_interval);
  return d ? duration_cast<milliseconds>(*d) : duration_cast<milliseconds>(sources::default_poll_interval);
}

void schedule(self_ptr self, milliseconds delay) {
  auto& st = self->state;
  ++st.timer;
  self->delayed_send(self, std::max(delay, milliseconds{0}), atom::tick::value, st.timer);
}

void schedule_next(self_ptr self, bool failed) {
  auto& st = self->state;
  auto interval = poll_interval(st);
  if (failed) {
    double factor = std::pow(2.0, std::min(st.failures - 1, 20));
    auto cap = std::max(st.ctx->error_backoff_max, interval);
    schedule(self, std::min(cap, milliseconds{int64_t(double(interval.count()) * factor)}));
    return;
  }
  if (st.spawner.spec.cron) {
    auto now = st.ctx->clock();
    if (auto tick = sources::next_cron_tick(st.spawner.spec.cron->schedule, now)) {
      schedule(self, duration_cast<milliseconds>(*tick - now) + std::chrono::seconds{1});
      return;
    }
  }
  double jitter = std::clamp(st.ctx->poll_jitter, 0.0, 0.9);
  double factor = 1.0;
  if (jitter > 0)
    factor = std::uniform_real_distribution<double>{1.0 - jitter, 1.0 + jitter}(st.rng);
  schedule(self, milliseconds{int64_t(double(interval.count()) * factor)});
}

void finish(self_ptr self, kelos::expected<std::vector<sources::work_item>> result) {
  auto& st = self->state;
  st.blocked_until = !result && st.discovery ? st.discovery->retry_not_before() : std::nullopt;
  st.discovery.reset();
  st.polling = false;
  discovery_outcome out;
  out.finished = st.ctx->clock();
  if (result) {
    out.items = std::move(*result);
    st.failures = 0;
    st.cursor = out.finished;
  } else {
    out.error = result.error();
    ++st.failures;
  }
  bool failed = out.error.has_value();
  self->send(st.owner, atom::response::value, std::move(out));
  if (st.repoll) {
    st.repoll = false;
    start_cycle(self);
    return;
  }
  schedule_next(self, failed);
}

void drive(self_ptr self) {
  auto& st = self->state;
  if (!st.discovery)
    return;
  if (auto nb = st.discovery->not_before()) {
    auto now = st.ctx->clock();
    if (*nb > now) {
      self->delayed_send(self, duration_cast<milliseconds>(*nb - now) + milliseconds{1}, atom::retry::value, st.cycle);
      return;
    }
  }
  auto req = st.discovery->next_request();
  if (!req) {
    finish(self, st.discovery->result());
    return;
  }
  caf::actor me = caf::actor_cast<caf::actor>(self);
  uint64_t cycle = st.cycle;
  st.fetcher->fetch(*req, [me, cycle](kelos::expected<sources::source_response> r) {
    fetch_answer a;
    a.cycle = cycle;
    if (r)
      a.response = std::move(*r);
    else
      a.error = r.error();
    caf::anon_send(me, atom::response::value, std::move(a));
  });
}

void make_and_drive(self_ptr self, const std::string& workspace_repo, source_credentials creds) {
  auto& st = self->state;
  discovery_input in;
  in.spawner = &st.spawner;
  in.workspace_repo = workspace_repo;
  in.credentials = std::move(creds);
  in.cursor = st.cursor;
  in.cache = &st.cache;
  in.github_api_base = st.ctx->github_api_base;
  in.now = st.ctx->clock();
  auto d = st.ctx->make_discovery(in);
  if (!d) {
    finish(self, d.error());
    return;
  }
  st.discovery = std::move(*d);
  drive(self);
}

void with_credentials(self_ptr self, const std::string& workspace_repo, const std::string& workspace_secret) {
  auto& st = self->state;
  const auto& spec = st.spawner.spec;
  std::string secret = spec.jira ? spec.jira->secret_name : spec.github_issues ? workspace_secret : std::string{};
  auto api_base = source_api_base(st.spawner, workspace_repo, st.ctx->github_api_base);
  uint64_t cycle = st.cycle;
  self->request(st.credentials, std::chrono::seconds{90}, atom::get::value, st.spawner.meta.namespace_, secret, api_base)
    .then(
      [=](source_credentials& creds) {
        if (self->state.cycle == cycle)
          make_and_drive(self, workspace_repo, std::move(creds));
      },
      [=](caf::error& err) {
        if (self->state.cycle == cycle)
          finish(self, from_caf_error(err));
      });
}

void start_cycle(self_ptr self) {
  auto& st = self->state;
  if (st.polling) {
    st.repoll = true;
    return;
  }
  if (st.blocked_until) {
    // Wakes, spec changes and the backoff all wait for the source's reset.
    auto now = st.ctx->clock();
    if (*st.blocked_until > now) {
      schedule(self, duration_cast<milliseconds>(*st.blocked_until - now) + milliseconds{1});
      return;
    }
    st.blocked_until.reset();
  }
  st.polling = true;
  ++st.cycle;
  ++st.timer; // a pending tick is obsolete
  const auto& ws = st.spawner.spec.task_template.spec.workspace_ref;
  if (!ws || ws->empty() || st.spawner.spec.cron) {
    with_credentials(self, "", "");
    return;
  }
  uint64_t cycle = st.cycle;
  std::string ws_name = *ws;
  k8s::object_ref ref{"Workspace", st.spawner.meta.namespace_, ws_name};
  self->request(st.kube, caf::infinite, atom::get::value, spawner_workspaces_spec(*st.ctx), ref)
    .then(
      [=](json_doc& doc) {
        if (self->state.cycle != cycle)
          return;
        if (doc.value.is_null()) {
          finish(self, kelos::error{errc::not_found, "Workspace " + ws_name + " not found"});
          return;
        }
        auto w = k8s::parse_workspace(doc.value);
        with_credentials(self, w.repo, w.secret);
      },
      [=](caf::error& err) {
        if (self->state.cycle == cycle)
          finish(self, from_caf_error(err));
      });
}

void configure(self_ptr self, const k8s::json& object) {
  auto& st = self->state;
  auto decoded = k8s::decode_task_spawner(object);
  if (!decoded)
    return; // the spawner reports undecodable objects
  bool first = st.spawner.meta.uid.empty();
  bool source_changed = !first && (decoded->spec.github_issues != st.spawner.spec.github_issues
                                   || decoded->spec.jira != st.spawner.spec.jira);
  st.spawner = std::move(*decoded);
  if (first) {
    st.cursor = st.spawner.status.last_discovery_time;
  }
  if (source_changed)
    st.cache.clear();
}

caf::behavior poller(self_ptr self, caf::actor owner, kube_actor kube, caf::actor credentials,
                     std::shared_ptr<const spawner_context> ctx, json_doc spawner) {
  auto& st = self->state;
  st.owner = std::move(owner);
  st.kube = std::move(kube);
  st.credentials = std::move(credentials);
  st.ctx = std::move(ctx);
  st.fetcher = st.ctx->make_fetcher ? st.ctx->make_fetcher()
                                    : make_http_fetcher(st.ctx->source_ca_pem, st.ctx->source_timeout);
  configure(self, spawner.value);
  self->send(self, atom::wake::value);
  return {
    [=](atom::init, const json_doc& doc) {
      configure(self, doc.value);
      start_cycle(self);
    },
    [=](atom::wake) { start_cycle(self); },
    [=](atom::tick, uint64_t timer) {
      if (timer == self->state.timer)
        start_cycle(self);
    },
    [=](atom::retry, uint64_t cycle) {
      if (cycle == self->state.cycle)
        drive(self);
    },
    [=](atom::response, fetch_answer& a) {
      auto& st = self->state;
      // Every answer counts, also one for a cycle that was superseded meanwhile.
      if (st.ctx->metrics && st.spawner.spec.github_issues)
        st.ctx->metrics->record_github_answer(st.spawner.meta.namespace_ + "/" + st.spawner.meta.name,
                                              a.response ? a.response->status : 0,
                                              a.response ? a.response->headers : decltype(a.response->headers){});
      if (a.cycle != st.cycle || !st.discovery)
        return;
      if (a.response)
        st.discovery->on_response(*a.response);
      else
        st.discovery->on_transport_error(a.error);
      drive(self);
    },
  };
}

} // namespace

std::shared_ptr<source_fetcher> make_http_fetcher(std::string ca_pem, std::chrono::milliseconds timeout) {
  return std::make_shared<http_fetcher>(std::move(ca_pem), timeout);
}

std::string source_api_base(const k8s::task_spawner& s, const std::string& workspace_repo,
                            const std::string& github_api_base) {
  if (s.spec.github_issues) {
    auto target = github::resolve_github_target(workspace_repo, s.spec.github_issues->repo, github_api_base);
    return target ? target->api_base : std::string{};
  }
  if (s.spec.jira)
    return s.spec.jira->base_url;
  return {};
}

kelos::expected<std::unique_ptr<sources::discovery>> make_source_discovery(const discovery_input& in) {
  const auto& s = *in.spawner;
  const auto& tmpl = s.spec.task_template;
  if (s.spec.github_issues) {
    const auto& g = *s.spec.github_issues;
    auto target = github::resolve_github_target(in.workspace_repo, g.repo, in.github_api_base);
    if (!target)
      return target.error();
    github::github_source_config cfg;
    cfg.api_base = target->api_base;
    cfg.owner = target->owner;
    cfg.repo = target->repo;
    cfg.token = in.credentials.token;
    cfg.types = g.types;
    cfg.labels = g.labels;
    cfg.exclude_labels = g.exclude_labels;
    cfg.state = g.state;
    cfg.assignee = g.assignee;
    cfg.author = g.author;
    cfg.trigger_comment = g.trigger_comment;
    cfg.exclude_comments = g.exclude_comments;
    cfg.template_uses_comments = sources::template_uses_comments(tmpl.prompt_template)
                                 || (!tmpl.spec.branch.empty() && sources::template_uses_comments(tmpl.spec.branch));
    return github::make_github_discovery(cfg, *in.cache, in.now);
  }
  if (s.spec.jira) {
    sources::jira_source_config cfg;
    cfg.base_url = s.spec.jira->base_url;
    cfg.project = s.spec.jira->project;
    cfg.jql = s.spec.jira->jql;
    cfg.user = in.credentials.user;
    cfg.token = in.credentials.token;
    if (auto ok = sources::validate(cfg); !ok)
      return ok.error();
    return sources::make_jira_discovery(cfg, in.now);
  }
  if (s.spec.cron) {
    sources::cron_source_config cfg;
    cfg.schedule = s.spec.cron->schedule;
    cfg.last_discovery_time = in.cursor ? in.cursor : s.status.last_discovery_time;
    cfg.creation_timestamp = s.meta.creation_timestamp;
    return sources::make_cron_discovery(cfg, in.now);
  }
  return kelos::error{errc::invalid_spec, "spec.when: no source set"};
}

caf::actor spawn_poller(caf::local_actor* parent, caf::actor owner, kube_actor kube, caf::actor credentials,
                        std::shared_ptr<const spawner_context> ctx, const k8s::json& spawner) {
  return parent->spawn(poller, std::move(owner), std::move(kube), std::move(credentials), std::move(ctx),
                       json_doc{spawner});
}

} // namespace kelos::spawner
