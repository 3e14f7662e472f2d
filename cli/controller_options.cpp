#include "cli/controller_options.hpp"

#include "sources/duration.hpp"

#include <charconv>
#include <map>
#include <functional>

namespace kelos::cli {
namespace {

const std::vector<std::string>& agent_types() {
  static const std::vector<std::string> types{"claude-code", "codex", "gemini", "opencode", "cursor"};
  return types;
}

kelos::error bad(std::string_view flag, std::string_view why) {
  return {errc::invalid_config, std::string{flag} + ": " + std::string{why}};
}

/// A parser for a positive Go duration flag stored in `out`.
std::function<kelos::expected<void>(const std::string&)> leader_duration(std::string flag,
                                                                         std::chrono::milliseconds& out) {
  return [flag, &out](const std::string& v) -> kelos::expected<void> {
    auto d = sources::parse_go_duration(v);
    if (!d || *d <= std::chrono::milliseconds{0})
      return bad(flag, "must be a positive duration such as 15s, got \"" + v + "\"");
    out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    return {};
  };
}

/// client-go's NewLeaderElector rules, named by flag.
kelos::expected<void> check_leader_durations(const controller_options& o) {
  if (o.leader_election_lease_duration < std::chrono::seconds{1})
    return bad("--leader-election-lease-duration", "must be at least 1s");
  if (o.leader_election_lease_duration <= o.leader_election_renew_deadline)
    return bad("--leader-election-lease-duration", "must be greater than --leader-election-renew-deadline");
  if (double(o.leader_election_renew_deadline.count()) <= 1.2 * double(o.leader_election_retry_period.count()))
    return bad("--leader-election-renew-deadline", "must be greater than 1.2 times --leader-election-retry-period");
  return {};
}

kelos::expected<void> check_pull_policy(std::string_view flag, const std::string& v) {
  if (v.empty() || v == "Always" || v == "IfNotPresent" || v == "Never")
    return {};
  return bad(flag, "must be Always, IfNotPresent or Never, got \"" + v + "\"");
}

} // namespace

std::string controller_usage() {
  std::string out =
    "usage: kelos-controller [flags]\n"
    "  --kubeconfig PATH                  kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)\n"
    "  --context NAME                     kubeconfig context\n"
    "  --namespace NS                     watch only this namespace (default: all)\n"
    "  --metrics-bind-address ADDR        Prometheus /metrics (default :8080, 0 disables)\n"
    "  --health-probe-bind-address ADDR   /healthz and /readyz (default :8081, 0 disables)\n"
    "  --kube-api-qps N, --kube-api-burst N  client-side rate limit (default 500, 1000; 0 qps disables)\n"
    "  --dependency-timeout DURATION      fail a Task whose dependency does not exist (default 10m)\n"
    "  --github-api-base-url URL          GitHub API for TaskSpawners (default: from the repository host)\n"
    "  --git-image IMAGE, --git-image-pull-policy POLICY  init container image (default alpine/git:v2.47.2)\n";
  for (const auto& t : agent_types())
    out += "  --" + t + "-image IMAGE, --" + t + "-image-pull-policy POLICY\n";
  out += "  --log-level trace|debug|info|warn|error  (default info)\n"
         "  --log-format text|json             log lines as text or one JSON object per line (default text)\n"
         "  --graceful-shutdown-timeout DURATION  exit within this bound after SIGTERM (default 30s)\n"
         "  --leader-elect[=true|false]        elect one active replica through a Lease (default false)\n"
         "  --leader-election-id NAME          Lease name (default kelos-controller-leader-election)\n"
         "  --leader-election-namespace NS     Lease namespace (default: the pod's namespace, else kelos-system)\n"
         "  --leader-election-lease-duration DURATION  (default 15s)\n"
         "  --leader-election-renew-deadline DURATION  (default 10s)\n"
         "  --leader-election-retry-period DURATION    (default 2s)\n";
  return out;
}

kelos::expected<controller_options> parse_controller_options(const std::vector<std::string>& args) {
  controller_options o;
  std::map<std::string, std::function<kelos::expected<void>(const std::string&)>> flags{
    {"--kubeconfig", [&](const std::string& v) -> kelos::expected<void> { o.kubeconfig = v; return {}; }},
    {"--context", [&](const std::string& v) -> kelos::expected<void> { o.context = v; return {}; }},
    {"--namespace", [&](const std::string& v) -> kelos::expected<void> { o.watch_namespace = v; return {}; }},
    {"--metrics-bind-address", [&](const std::string& v) -> kelos::expected<void> { o.metrics_address = v; return {}; }},
    {"--health-probe-bind-address", [&](const std::string& v) -> kelos::expected<void> { o.health_address = v; return {}; }},
    {"--log-level",
     [&](const std::string& v) -> kelos::expected<void> {
       if (v != "debug" && v != "info" && v != "warn" && v != "error" && v != "trace")
         return bad("--log-level", "must be trace, debug, info, warn or error, got \"" + v + "\"");
       o.log_level = v;
       return {};
     }},
    {"--log-format",
     [&](const std::string& v) -> kelos::expected<void> {
       if (v != "text" && v != "json")
         return bad("--log-format", "must be text or json, got \"" + v + "\"");
       o.log_format = v;
       return {};
     }},
    {"--graceful-shutdown-timeout",
     [&](const std::string& v) -> kelos::expected<void> {
       auto d = sources::parse_go_duration(v);
       if (!d || *d <= std::chrono::milliseconds{0})
         return bad("--graceful-shutdown-timeout", "must be a positive duration such as 30s, got \"" + v + "\"");
       o.graceful_shutdown_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
       return {};
     }},
    {"--kube-api-qps",
     [&](const std::string& v) -> kelos::expected<void> {
       double d = 0;
       auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
       if (ec != std::errc{} || p != v.data() + v.size() || d < 0)
         return bad("--kube-api-qps", "must be a non-negative number, got \"" + v + "\"");
       o.qps = d;
       return {};
     }},
    {"--kube-api-burst",
     [&](const std::string& v) -> kelos::expected<void> {
       int n = 0;
       auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
       if (ec != std::errc{} || p != v.data() + v.size() || n < 1)
         return bad("--kube-api-burst", "must be a positive integer, got \"" + v + "\"");
       o.burst = n;
       return {};
     }},
    {"--dependency-timeout",
     [&](const std::string& v) -> kelos::expected<void> {
       auto d = sources::parse_go_duration(v);
       if (!d || *d <= std::chrono::seconds{0})
         return bad("--dependency-timeout", "must be a positive duration such as 10m or 90s, got \"" + v + "\"");
       o.dependency_timeout = std::chrono::duration_cast<std::chrono::seconds>(*d);
       return {};
     }},
    {"--github-api-base-url",
     [&](const std::string& v) -> kelos::expected<void> {
       if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
         return bad("--github-api-base-url", "must be an http:// or https:// URL, got \"" + v + "\"");
       o.github_api_base_url = v;
       while (o.github_api_base_url.size() > 8 && o.github_api_base_url.back() == '/')
         o.github_api_base_url.pop_back();
       return {};
     }},
    {"--leader-election-id",
     [&](const std::string& v) -> kelos::expected<void> {
       if (v.empty())
         return bad("--leader-election-id", "must not be empty");
       o.leader_election_id = v;
       return {};
     }},
    {"--leader-election-namespace",
     [&](const std::string& v) -> kelos::expected<void> { o.leader_election_namespace = v; return {}; }},
    {"--leader-election-lease-duration", leader_duration("--leader-election-lease-duration", o.leader_election_lease_duration)},
    {"--leader-election-renew-deadline", leader_duration("--leader-election-renew-deadline", o.leader_election_renew_deadline)},
    {"--leader-election-retry-period", leader_duration("--leader-election-retry-period", o.leader_election_retry_period)},
    {"--git-image", [&](const std::string& v) -> kelos::expected<void> { o.images.git.image = v; return {}; }},
    {"--git-image-pull-policy",
     [&](const std::string& v) -> kelos::expected<void> {
       auto ok = check_pull_policy("--git-image-pull-policy", v);
       if (ok)
         o.images.git.pull_policy = v;
       return ok;
     }},
  };
  for (const auto& t : agent_types()) {
    flags["--" + t + "-image"] = [&o, t](const std::string& v) -> kelos::expected<void> {
      if (v.empty())
        return bad("--" + t + "-image", "must not be empty");
      o.images.agents[t].image = v;
      return {};
    };
    flags["--" + t + "-image-pull-policy"] = [&o, t](const std::string& v) -> kelos::expected<void> {
      auto ok = check_pull_policy("--" + t + "-image-pull-policy", v);
      if (ok)
        o.images.agents[t].pull_policy = v;
      return ok;
    };
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    // Boolean flags, Go style: --flag alone means true; --flag=true|false.
    if (a == "--leader-elect") {
      o.leader_elect = true;
      continue;
    }
    if (a.rfind("--leader-elect=", 0) == 0) {
      auto v = a.substr(std::string{"--leader-elect="}.size());
      if (v != "true" && v != "false")
        return bad("--leader-elect", "must be true or false, got \"" + v + "\"");
      o.leader_elect = v == "true";
      continue;
    }
    std::string value;
    bool inline_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    }
    auto it = flags.find(a);
    if (it == flags.end())
      return kelos::error{errc::invalid_config, "unknown flag " + a + " (see --help)"};
    if (!inline_value) {
      if (i + 1 >= args.size())
        return bad(a, "needs a value");
      value = args[++i];
    }
    if (auto r = it->second(value); !r)
      return r.error();
  }
  if (auto ok = check_leader_durations(o); !ok)
    return ok.error();
  return o;
}

} // namespace kelos::cli
