#include "cli/local/up_options.hpp"

#include <charconv>
#include <functional>

namespace kelos::local {
namespace {

kelos::error bad(std::string_view flag, std::string_view why) {
  return {errc::invalid_config, std::string{flag} + ": " + std::string{why}};
}

std::string env_or(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? std::string{} : it->second;
}

kelos::expected<local_paths> default_paths(const std::map<std::string, std::string>& env) {
  if (auto kelos_home = env_or(env, "KELOS_HOME"); !kelos_home.empty())
    return local_paths{std::filesystem::path{kelos_home} / "local"};
  auto home = env_or(env, "HOME");
  if (home.empty())
    return bad("--home", "neither --home, $KELOS_HOME nor $HOME is set");
  return local_paths{std::filesystem::path{home} / ".kelos" / "local"};
}

using handler = std::function<kelos::expected<void>(const std::string&)>;

/// Walks `args`: `--flag value`, `--flag=value`, and boolean switches.
kelos::expected<void> walk(const std::vector<std::string>& args, const std::map<std::string, handler>& valued,
                           const std::map<std::string, std::function<void()>>& switches) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (auto s = switches.find(flag); s != switches.end()) {
      if (has_value)
        return bad(flag, "takes no value");
      s->second();
      continue;
    }
    auto v = valued.find(flag);
    if (v == valued.end())
      return kelos::error{errc::invalid_config, "unknown flag \"" + flag + "\" (see --help)"};
    if (!has_value) {
      if (i + 1 >= args.size())
        return bad(flag, "needs a value");
      value = args[++i];
    }
    if (auto r = v->second(value); !r)
      return r.error();
  }
  return {};
}

kelos::expected<std::filesystem::path> absolute_dir(std::string_view flag, const std::string& v) {
  if (v.empty())
    return bad(flag, "must not be empty");
  std::error_code ec;
  auto p = std::filesystem::absolute(v, ec);
  if (ec)
    return bad(flag, ec.message());
  return p.lexically_normal();
}

/// A flag whose value is a path, stored absolute and normalised.
handler absolute_path_into(std::string_view flag, std::string& target) {
  return [flag, &target](const std::string& v) -> kelos::expected<void> {
    auto p = absolute_dir(flag, v);
    if (!p)
      return p.error();
    target = p->string();
    return {};
  };
}

} // namespace

std::string default_user_kubeconfig(const std::map<std::string, std::string>& env) {
  auto list = env_or(env, "KUBECONFIG");
  if (auto first = list.substr(0, list.find(':')); !first.empty())
    return first;
  auto home = env_or(env, "HOME");
  return home.empty() ? std::string{} : home + "/.kube/config";
}

kelos::expected<up_options> parse_up_options(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env) {
  up_options o;
  std::string home_flag;
  std::map<std::string, handler> valued{
    {"--home", [&](const std::string& v) -> kelos::expected<void> {
       auto p = absolute_dir("--home", v);
       if (!p)
         return p.error();
       home_flag = p->string();
       return {};
     }},
    {"--port",
     [&](const std::string& v) -> kelos::expected<void> {
       unsigned n = 0;
       auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
       if (ec != std::errc{} || p != v.data() + v.size() || n > 65535)
         return bad("--port", "must be a port number 0-65535, got \"" + v + "\"");
       o.port = static_cast<uint16_t>(n);
       return {};
     }},
    {"--kubeconfig", [&](const std::string& v) -> kelos::expected<void> {
       if (v.empty())
         return bad("--kubeconfig", "must not be empty");
       o.merge_kubeconfig = v;
       return {};
     }},
    {"--image-map", absolute_path_into("--image-map", o.image_map)},
    {"--writable-path", [&](const std::string& v) -> kelos::expected<void> {
       auto p = absolute_dir("--writable-path", v);
       if (!p)
         return p.error();
       if (*p == "/")
         return bad("--writable-path", "refusing to make the whole host root writable");
       o.writable_paths.push_back(p->string());
       return {};
     }},
    {"--agents-dir", absolute_path_into("--agents-dir", o.agents_dir)},
    {"--capture-binary", absolute_path_into("--capture-binary", o.capture_binary)},
    {"--log-level", [&](const std::string& v) -> kelos::expected<void> {
       if (v != "debug" && v != "info" && v != "warn" && v != "error" && v != "trace")
         return bad("--log-level", "must be trace, debug, info, warn or error, got \"" + v + "\"");
       o.log_level = v;
       return {};
     }},
  };
  std::map<std::string, std::function<void()>> switches{
    {"--detach", [&] { o.detach = true; }},
    {"-d", [&] { o.detach = true; }},
    {"--demo", [&] { o.demo = true; }},
    {"--tls", [&] { o.tls = true; }},
    {"--no-kubeconfig-merge", [&] { o.merge = false; }},
    {"--help", [&] { o.help = true; }},
    {"-h", [&] { o.help = true; }},
  };
  if (auto r = walk(args, valued, switches); !r)
    return r.error();
  if (!home_flag.empty()) {
    o.paths.root = home_flag;
  } else if (!o.help) {
    auto p = default_paths(env);
    if (!p)
      return p.error();
    o.paths = *p;
  }
  if (o.merge && o.merge_kubeconfig.empty())
    o.merge_kubeconfig = default_user_kubeconfig(env);
  return o;
}

kelos::expected<down_options> parse_down_options(const std::vector<std::string>& args,
                                                 const std::map<std::string, std::string>& env) {
  down_options o;
  std::string home_flag;
  std::map<std::string, handler> valued{
    {"--home", [&](const std::string& v) -> kelos::expected<void> {
       auto p = absolute_dir("--home", v);
       if (!p)
         return p.error();
       home_flag = p->string();
       return {};
     }},
    {"--timeout", [&](const std::string& v) -> kelos::expected<void> {
       int n = 0;
       auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
       if (ec != std::errc{} || p != v.data() + v.size() || n < 1 || n > 3600)
         return bad("--timeout", "must be 1-3600 seconds, got \"" + v + "\"");
       o.timeout_seconds = n;
       return {};
     }},
  };
  std::map<std::string, std::function<void()>> switches{{"--help", [&] { o.help = true; }}, {"-h", [&] { o.help = true; }}};
  if (auto r = walk(args, valued, switches); !r)
    return r.error();
  if (!home_flag.empty()) {
    o.paths.root = home_flag;
  } else if (!o.help) {
    auto p = default_paths(env);
    if (!p)
      return p.error();
    o.paths = *p;
  }
  return o;
}

std::string up_usage() {
  return "usage: kelos up [flags]\n"
         "Runs Kelos on this machine with no cluster: an embedded Kubernetes-compatible API server,\n"
         "a Job controller, a local node that runs pods in bubblewrap sandboxes, and the Kelos\n"
         "controller. kubectl and the kelos CLI work against it through the kelos-local context.\n"
         "  --home DIR              state directory (default $KELOS_HOME/local or ~/.kelos/local)\n"
         "  --port N                API server port on 127.0.0.1 (default 0: a free port)\n"
         "  --tls                   serve HTTPS with a generated CA\n"
         "  -d, --detach            run in the background (pid and log file in the state directory)\n"
         "  --demo                  create a demo repository, Workspace and Task, and follow it\n"
         "  --kubeconfig FILE       kubeconfig that gets the kelos-local context\n"
         "                          (default: first file of $KUBECONFIG, else ~/.kube/config)\n"
         "  --no-kubeconfig-merge   leave the user's kubeconfig alone (DIR/kubeconfig is always written)\n"
         "  --image-map FILE        how images run locally (default: the built-in map)\n"
         "  --writable-path DIR     host directory pods may write, repeatable (DIR/repos always is)\n"
         "  --agents-dir DIR        directory holding <type>/kelos_entrypoint.sh\n"
         "  --capture-binary FILE   kelos-capture to bind into agent pods\n"
         "  --log-level LEVEL       trace, debug, info, warn or error (default info)\n";
}

std::string down_usage() {
  return "usage: kelos down [--home DIR] [--timeout SECONDS]\n"
         "Stops a `kelos up` running in the background (SIGTERM, then SIGKILL after the timeout).\n"
         "Objects are kept; the next `kelos up` resumes unfinished work.\n";
}

} // namespace kelos::local
