#include "k8s/client/rest_config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "k8s/client/in_cluster.hpp"
#include "k8s/client/kubeconfig.hpp"

namespace kelos::k8s::client {

env_lookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string{name}.c_str());
    if (v == nullptr)
      return std::nullopt;
    return std::string{v};
  };
}

std::string server_url::authority() const {
  std::string h = is_ipv6() ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string server_url::to_string() const { return scheme + "://" + authority() + base_path; }

kelos::expected<server_url> parse_server_url(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return kelos::make_error(errc::invalid_config,
                             "server URL \"" + std::string{text} + "\": " + why);
  };
  server_url url;
  std::string_view rest = text;
  if (auto p = rest.find("://"); p != std::string_view::npos) {
    for (char c : rest.substr(0, p))
      url.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    rest.remove_prefix(p + 3);
  } else {
    url.scheme = "https"; // kubectl's default for "host:port"
  }
  if (url.scheme != "https" && url.scheme != "http")
    return fail("scheme must be http or https");
  if (rest.find_first_of("?#") != std::string_view::npos)
    return fail("queries and fragments are not allowed");
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return fail("user info is not allowed");

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail("unterminated IPv6 literal");
    url.host = std::string{authority.substr(1, close - 1)};
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail("unexpected text after IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty())
        return fail("empty port");
    }
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      return fail("IPv6 literals must be in brackets");
    url.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty())
        return fail("empty port");
    }
  }
  if (url.host.empty())
    return fail("missing host");
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535)
        return fail("invalid port");
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535)
      return fail("invalid port");
    url.port = static_cast<uint16_t>(port);
  } else {
    url.port = url.scheme == "https" ? 443 : 80;
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  url.base_path = std::string{path};
  return url;
}

kelos::expected<std::string> read_file_bytes(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    int err = errno;
    return kelos::make_error(errc::io_error,
                             "cannot read " + path + ": " + std::strerror(err ? err : ENOENT));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad())
    return kelos::make_error(errc::io_error, "cannot read " + path + ": read failed");
  return out.str();
}

bool looks_like_pem(std::string_view bytes) {
  return bytes.find("-----BEGIN ") != std::string_view::npos;
}

kelos::expected<rest_config> load_rest_config(const load_options& options) {
  env_lookup env = options.env ? options.env : process_env();
  kubeconfig_overrides overrides;
  overrides.context = options.context;
  overrides.namespace_ = options.namespace_;

  bool have_kubeconfig_env = false;
  if (auto v = env("KUBECONFIG"); v && !v->empty())
    have_kubeconfig_env = true;
  if (options.kubeconfig_path.empty() && !have_kubeconfig_env) {
    if (auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty()) {
      auto cfg = load_in_cluster(env, options.in_cluster_root);
      if (cfg && !options.namespace_.empty()) {
        cfg->namespace_ = options.namespace_;
        cfg->namespace_explicit = true;
      }
      return cfg;
    }
  }
  return load_kubeconfig(kubeconfig_search_paths(options.kubeconfig_path, env), overrides);
}

} // namespace kelos::k8s::client
