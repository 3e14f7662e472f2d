#include "k8s/client/kubeconfig.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <filesystem>
#include <set>

#include "k8s/kinds.hpp"

namespace kelos::k8s::client {

namespace {

namespace fs = std::filesystem;

kelos::error config_error(std::string message) {
  return kelos::make_error(errc::invalid_config, std::move(message));
}

// Reads the fields of one YAML map, collecting the first error with its field path.
class field_reader {
public:
  field_reader(const YAML::Node& node, std::string path, std::string* error)
      : node_(node), path_(std::move(path)), error_(error) {}

  const std::string& path() const { return path_; }

  std::string str(const char* key) {
    auto v = value(key);
    if (!v.IsDefined() || v.IsNull())
      return {};
    if (!v.IsScalar()) {
      fail(key, "expected a string");
      return {};
    }
    return v.Scalar();
  }

  bool boolean(const char* key) {
    auto v = value(key);
    if (!v.IsDefined() || v.IsNull())
      return false;
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
      fail(key, "expected true or false");
    return b;
  }

  /// Decodes a base64 `*-data` field.
  std::string data(const char* key) {
    auto text = str(key);
    if (text.empty())
      return {};
    auto decoded = base64_decode(text);
    if (!decoded) {
      fail(key, "not valid base64");
      return {};
    }
    return std::move(*decoded);
  }

  /// A map or null; anything else is an error.
  YAML::Node map(const char* key) {
    auto v = value(key);
    if (v.IsDefined() && !v.IsNull() && !v.IsMap())
      fail(key, "expected a map");
    return v;
  }

  /// A list or null; anything else is an error.
  YAML::Node list(const char* key) {
    auto v = value(key);
    if (v.IsDefined() && !v.IsNull() && !v.IsSequence())
      fail(key, "expected a list");
    return v;
  }

  void fail(const char* key, const std::string& why) {
    if (error_->empty())
      *error_ = (path_.empty() ? std::string{key} : path_ + "." + key) + ": " + why;
  }

private:
  YAML::Node value(const char* key) const {
    if (!node_.IsDefined() || !node_.IsMap())
      return YAML::Node{YAML::NodeType::Undefined};
    // A missing key yields an *invalid* node whose IsMap() etc. throw; hand out a valid
    // Undefined node instead.
    YAML::Node v = node_[key];
    if (!v.IsDefined())
      return YAML::Node{YAML::NodeType::Undefined};
    return v;
  }

  YAML::Node node_;
  std::string path_;
  std::string* error_;
};

std::string resolve_path(const std::string& value, const fs::path& base_dir) {
  if (value.empty() || fs::path{value}.is_absolute())
    return value;
  return (base_dir / value).lexically_normal().string();
}

std::string file_list(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files)
    out += (out.empty() ? "" : ", ") + f;
  return out.empty() ? "(no files)" : out;
}

bool is_missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 && errno == ENOENT;
}

} // namespace

kelos::expected<kubeconfig> parse_kubeconfig(std::string_view text, const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path{path}, ec);
  if (ec)
    abs = fs::path{path};
  const fs::path base_dir = abs.parent_path();

  YAML::Node root;
  try {
    root = YAML::Load(std::string{text});
  } catch (const YAML::Exception& e) {
    return config_error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML error: " + e.msg);
  }
  kubeconfig out;
  out.files.push_back(path);
  if (!root.IsDefined() || root.IsNull())
    return out;
  if (!root.IsMap())
    return config_error(path + ": expected a map at the top level");

  std::string err;
  auto failed = [&] { return config_error(path + ": " + err); };
  try {
    field_reader top{root, "", &err};
    out.current_context = top.str("current-context");

    auto clusters = top.list("clusters");
    auto users = top.list("users");
    auto contexts = top.list("contexts");
    if (!err.empty())
      return failed();

    for (size_t i = 0; clusters.IsSequence() && i < clusters.size(); ++i) {
      std::string at = "clusters[" + std::to_string(i) + "]";
      field_reader entry{clusters[i], at, &err};
      if (!clusters[i].IsMap()) {
        err = at + ": expected a map";
        return failed();
      }
      kubeconfig_cluster c;
      c.name = entry.str("name");
      auto body = entry.map("cluster");
      field_reader f{body, at + ".cluster", &err};
      c.server = f.str("server");
      c.certificate_authority = resolve_path(f.str("certificate-authority"), base_dir);
      c.certificate_authority_data = f.data("certificate-authority-data");
      c.insecure_skip_tls_verify = f.boolean("insecure-skip-tls-verify");
      c.tls_server_name = f.str("tls-server-name");
      if (err.empty() && c.name.empty())
        entry.fail("name", "required");
      if (!err.empty())
        return failed();
      c.origin = path + ": " + f.path();
      out.clusters[c.name] = std::move(c); // within one file the last entry wins (as kubectl)
    }

    for (size_t i = 0; users.IsSequence() && i < users.size(); ++i) {
      std::string at = "users[" + std::to_string(i) + "]";
      field_reader entry{users[i], at, &err};
      if (!users[i].IsMap()) {
        err = at + ": expected a map";
        return failed();
      }
      kubeconfig_user u;
      u.name = entry.str("name");
      auto body = entry.map("user");
      field_reader f{body, at + ".user", &err};
      u.client_certificate = resolve_path(f.str("client-certificate"), base_dir);
      u.client_certificate_data = f.data("client-certificate-data");
      u.client_key = resolve_path(f.str("client-key"), base_dir);
      u.client_key_data = f.data("client-key-data");
      u.token = f.str("token");
      u.token_file = resolve_path(f.str("tokenFile"), base_dir);
      u.username = f.str("username");
      u.password = f.str("password");
      if (auto provider = f.map("auth-provider"); provider.IsMap()) {
        field_reader p{provider, f.path() + ".auth-provider", &err};
        u.auth_provider = p.str("name");
        if (u.auth_provider.empty())
          u.auth_provider = "(unnamed)";
      }
      if (auto exec = f.map("exec"); exec.IsMap()) {
        field_reader x{exec, f.path() + ".exec", &err};
        exec_config e;
        e.command = x.str("command");
        // kubectl resolves a command relative to the kubeconfig only when it has a '/'.
        if (e.command.find('/') != std::string::npos)
          e.command = resolve_path(e.command, base_dir);
        e.api_version = x.str("apiVersion");
        e.install_hint = x.str("installHint");
        e.provide_cluster_info = x.boolean("provideClusterInfo");
        e.interactive_mode = x.str("interactiveMode");
        auto args = x.list("args");
        for (size_t a = 0; args.IsSequence() && a < args.size(); ++a) {
          if (!args[a].IsScalar()) {
            x.fail(("args[" + std::to_string(a) + "]").c_str(), "expected a string");
            break;
          }
          e.args.push_back(args[a].Scalar());
        }
        auto env = x.list("env");
        for (size_t v = 0; env.IsSequence() && v < env.size(); ++v) {
          std::string env_at = x.path() + ".env[" + std::to_string(v) + "]";
          if (!env[v].IsMap()) {
            if (err.empty())
              err = env_at + ": expected a map with name and value";
            break;
          }
          field_reader ev{env[v], env_at, &err};
          exec_env_var var{ev.str("name"), ev.str("value")};
          if (err.empty() && var.name.empty())
            ev.fail("name", "required");
          e.env.push_back(std::move(var));
        }
        u.exec = std::move(e);
      }
      if (err.empty() && u.name.empty())
        entry.fail("name", "required");
      if (!err.empty())
        return failed();
      u.origin = path + ": " + f.path();
      out.users[u.name] = std::move(u);
    }

    for (size_t i = 0; contexts.IsSequence() && i < contexts.size(); ++i) {
      std::string at = "contexts[" + std::to_string(i) + "]";
      field_reader entry{contexts[i], at, &err};
      if (!contexts[i].IsMap()) {
        err = at + ": expected a map";
        return failed();
      }
      kubeconfig_context c;
      c.name = entry.str("name");
      auto body = entry.map("context");
      field_reader f{body, at + ".context", &err};
      c.cluster = f.str("cluster");
      c.user = f.str("user");
      c.namespace_ = f.str("namespace");
      if (err.empty() && c.name.empty())
        entry.fail("name", "required");
      if (!err.empty())
        return failed();
      c.origin = path + ": " + f.path();
      out.contexts[c.name] = std::move(c);
    }
  } catch (const YAML::Exception& e) {
    return config_error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML error: " + e.msg);
  }
  return out;
}

kelos::expected<kubeconfig> read_kubeconfig_file(const std::string& path) {
  auto bytes = read_file_bytes(path);
  if (!bytes)
    return config_error("kubeconfig " + bytes.error().message);
  return parse_kubeconfig(*bytes, path);
}

void merge_kubeconfig(kubeconfig& into, kubeconfig later) {
  for (auto& f : later.files)
    into.files.push_back(std::move(f));
  // map::insert keeps an existing key: the first file to define a name wins.
  for (auto& [name, c] : later.clusters)
    into.clusters.insert({name, std::move(c)});
  for (auto& [name, u] : later.users)
    into.users.insert({name, std::move(u)});
  for (auto& [name, c] : later.contexts)
    into.contexts.insert({name, std::move(c)});
  if (into.current_context.empty())
    into.current_context = std::move(later.current_context);
}

kubeconfig_paths kubeconfig_search_paths(std::string_view explicit_path, const env_lookup& env) {
  kubeconfig_paths out;
  if (!explicit_path.empty()) {
    out.files.emplace_back(explicit_path);
    out.explicit_file = true;
    return out;
  }
  if (auto list = env("KUBECONFIG"); list && !list->empty()) {
    std::set<std::string> seen;
    size_t start = 0;
    while (start <= list->size()) {
      auto end = list->find(':', start);
      if (end == std::string::npos)
        end = list->size();
      std::string item = list->substr(start, end - start);
      if (!item.empty() && seen.insert(item).second)
        out.files.push_back(item);
      start = end + 1;
    }
    return out;
  }
  if (auto home = env("HOME"); home && !home->empty())
    out.files.push_back(*home + "/.kube/config");
  return out;
}

kelos::expected<kubeconfig> read_kubeconfig(const kubeconfig_paths& paths) {
  std::optional<kubeconfig> merged;
  for (const auto& file : paths.files) {
    if (!paths.explicit_file && is_missing(file))
      continue;
    auto one = read_kubeconfig_file(file);
    if (!one)
      return std::move(one).error();
    if (!merged)
      merged = std::move(*one);
    else
      merge_kubeconfig(*merged, std::move(*one));
  }
  if (!merged)
    return config_error("no kubeconfig found (looked for " + file_list(paths.files) +
                        "); set KUBECONFIG or pass --kubeconfig");
  return std::move(*merged);
}

kelos::expected<rest_config> resolve_kubeconfig(const kubeconfig& config,
                                                const kubeconfig_overrides& overrides) {
  const std::string files = file_list(config.files);
  const std::string& ctx_name =
      overrides.context.empty() ? config.current_context : overrides.context;
  if (ctx_name.empty())
    return config_error("no current-context is set in " + files + " and no context was given");
  auto ctx_it = config.contexts.find(ctx_name);
  if (ctx_it == config.contexts.end())
    return config_error("context \"" + ctx_name + "\" not found in " + files);
  const kubeconfig_context& ctx = ctx_it->second;
  const std::string in_ctx = " (context \"" + ctx_name + "\")";

  const std::string& cluster_name = overrides.cluster.empty() ? ctx.cluster : overrides.cluster;
  if (cluster_name.empty())
    return config_error(ctx.origin + ".cluster: context \"" + ctx_name + "\" names no cluster");
  auto cluster_it = config.clusters.find(cluster_name);
  if (cluster_it == config.clusters.end())
    return config_error("cluster \"" + cluster_name + "\"" + in_ctx + " not found in " + files);
  const kubeconfig_cluster& cluster = cluster_it->second;

  const kubeconfig_user* user = nullptr;
  const std::string& user_name = overrides.user.empty() ? ctx.user : overrides.user;
  if (!user_name.empty()) {
    auto user_it = config.users.find(user_name);
    if (user_it == config.users.end())
      return config_error("user \"" + user_name + "\"" + in_ctx + " not found in " + files);
    user = &user_it->second;
  }

  rest_config cfg;
  cfg.origin = "kubeconfig " + files + in_ctx;

  // Server.
  const std::string& server = overrides.server.empty() ? cluster.server : overrides.server;
  if (server.empty())
    return config_error(cluster.origin + ".server: cluster \"" + cluster_name + "\"" + in_ctx +
                        " has no server");
  auto url = parse_server_url(server);
  if (!url)
    return config_error(cluster.origin + ".server: " + url.error().message);
  cfg.server = std::move(*url);
  cfg.tls = cfg.server.scheme == "https";

  // Certificate authority: data beats file (client-go); the override beats both.
  auto load_pem = [](const std::string& origin, const char* field,
                     const std::string& file) -> kelos::expected<std::string> {
    auto bytes = read_file_bytes(file);
    if (!bytes)
      return config_error(origin + "." + field + ": " + bytes.error().message);
    if (!looks_like_pem(*bytes))
      return config_error(origin + "." + field + ": " + file + " does not contain PEM data");
    return std::move(*bytes);
  };
  auto check_pem = [](const std::string& origin, const char* field,
                      const std::string& data) -> kelos::expected<void> {
    if (!looks_like_pem(data))
      return config_error(origin + "." + field + ": not PEM data");
    return {};
  };
  if (!overrides.certificate_authority.empty()) {
    auto ca = load_pem("override", "certificate-authority", overrides.certificate_authority);
    if (!ca)
      return std::move(ca).error();
    cfg.ca_pem = std::move(*ca);
  } else if (!cluster.certificate_authority_data.empty()) {
    if (auto ok = check_pem(cluster.origin, "certificate-authority-data",
                            cluster.certificate_authority_data);
        !ok)
      return ok.error();
    cfg.ca_pem = cluster.certificate_authority_data;
  } else if (!cluster.certificate_authority.empty()) {
    auto ca = load_pem(cluster.origin, "certificate-authority", cluster.certificate_authority);
    if (!ca)
      return std::move(ca).error();
    cfg.ca_pem = std::move(*ca);
  }
  if (overrides.insecure_skip_tls_verify) {
    cfg.insecure_skip_tls_verify = *overrides.insecure_skip_tls_verify;
    if (cfg.insecure_skip_tls_verify && overrides.certificate_authority.empty())
      cfg.ca_pem.clear(); // kubectl: --insecure-skip-tls-verify drops the configured CA
  } else {
    cfg.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  }
  if (cfg.insecure_skip_tls_verify && !cfg.ca_pem.empty())
    return config_error(cluster.origin + ".insecure-skip-tls-verify: cannot be combined with a "
                        "certificate authority");
  cfg.tls_server_name =
      overrides.tls_server_name.empty() ? cluster.tls_server_name : overrides.tls_server_name;

  // Credentials.
  if (user != nullptr) {
    if (!user->auth_provider.empty())
      return config_error(user->origin + ".auth-provider: auth provider \"" + user->auth_provider +
                          "\" is not supported; use an exec credential plugin");
    if (!user->client_certificate_data.empty()) {
      if (auto ok = check_pem(user->origin, "client-certificate-data",
                              user->client_certificate_data);
          !ok)
        return ok.error();
      cfg.client_cert_pem = user->client_certificate_data;
    } else if (!user->client_certificate.empty()) {
      auto pem = load_pem(user->origin, "client-certificate", user->client_certificate);
      if (!pem)
        return std::move(pem).error();
      cfg.client_cert_pem = std::move(*pem);
    }
    if (!user->client_key_data.empty()) {
      if (auto ok = check_pem(user->origin, "client-key-data", user->client_key_data); !ok)
        return ok.error();
      cfg.client_key_pem = user->client_key_data;
    } else if (!user->client_key.empty()) {
      auto pem = load_pem(user->origin, "client-key", user->client_key);
      if (!pem)
        return std::move(pem).error();
      cfg.client_key_pem = std::move(*pem);
    }
    if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
      return config_error(user->origin + ": " +
                          (cfg.client_cert_pem.empty() ? "client-key needs client-certificate"
                                                       : "client-certificate needs client-key"));
    cfg.username = user->username;
    cfg.password = user->password;
  }

  if (!overrides.token.empty()) {
    cfg.tokens = make_static_token_source(overrides.token);
  } else if (user != nullptr && !user->token.empty()) {
    cfg.tokens = make_static_token_source(user->token);
  } else if (user != nullptr && !user->token_file.empty()) {
    auto source = make_file_token_source(user->token_file, overrides.token_file);
    if (auto first = source->current(); !first)
      return config_error(user->origin + ".tokenFile: " + first.error().message);
    cfg.tokens = std::move(source);
  } else if (user != nullptr && user->exec) {
    const exec_config& exec = *user->exec;
    const std::string at = user->origin + ".exec";
    if (exec.command.empty())
      return config_error(at + ".command: required");
    if (exec.api_version.empty())
      return config_error(at + ".apiVersion: required");
    if (!is_supported_exec_api_version(exec.api_version))
      return config_error(at + ".apiVersion: unsupported \"" + exec.api_version +
                          "\" (supported: client.authentication.k8s.io/v1, "
                          "client.authentication.k8s.io/v1beta1)");
    if (!exec.interactive_mode.empty() && exec.interactive_mode != "Never" &&
        exec.interactive_mode != "IfAvailable" && exec.interactive_mode != "Always")
      return config_error(at + ".interactiveMode: must be Never, IfAvailable or Always");
    if (exec.interactive_mode == "Always")
      return config_error(at + ".interactiveMode: Always needs a terminal; Kelos never runs "
                          "plugins interactively");
    exec_cluster_info info{cfg.server.to_string(), cfg.ca_pem, cfg.insecure_skip_tls_verify,
                           cfg.tls_server_name};
    // Keep the server as written (kubectl passes it through unchanged).
    info.server = server;
    cfg.tokens = make_exec_token_source(exec, std::move(info), overrides.exec);
  }

  if (!overrides.namespace_.empty()) {
    cfg.namespace_ = overrides.namespace_;
    cfg.namespace_explicit = true;
  } else if (!ctx.namespace_.empty()) {
    cfg.namespace_ = ctx.namespace_;
    cfg.namespace_explicit = true;
  }
  if (!overrides.user_agent.empty())
    cfg.user_agent = overrides.user_agent;
  return cfg;
}

kelos::expected<rest_config> load_kubeconfig(const kubeconfig_paths& paths,
                                             const kubeconfig_overrides& overrides) {
  auto merged = read_kubeconfig(paths);
  if (!merged)
    return std::move(merged).error();
  return resolve_kubeconfig(*merged, overrides);
}

kelos::expected<rest_config> load_kubeconfig(const std::vector<std::string>& files,
                                             const kubeconfig_overrides& overrides) {
  return load_kubeconfig(kubeconfig_paths{files, false}, overrides);
}

} // namespace kelos::k8s::client
