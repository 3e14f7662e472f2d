#include "k8s/client/in_cluster.hpp"

#include <sys/stat.h>

namespace kelos::k8s::client {

namespace {

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

kelos::expected<rest_config> load_in_cluster(const env_lookup& env, const std::string& root_dir,
                                             const in_cluster_options& options) {
  auto fail = [](const std::string& why) {
    return kelos::make_error(errc::invalid_config, "in-cluster configuration: " + why);
  };
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    return fail("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
  std::string authority = host->find(':') != std::string::npos && host->front() != '['
                              ? "[" + *host + "]:" + *port
                              : *host + ":" + *port;
  auto url = parse_server_url("https://" + authority);
  if (!url)
    return fail(url.error().message);

  std::string root = root_dir;
  while (!root.empty() && root.back() == '/')
    root.pop_back();
  const std::string dir = root + service_account_dir;

  rest_config cfg;
  cfg.server = std::move(*url);
  cfg.tls = true;
  cfg.origin = "in-cluster";

  auto tokens = make_file_token_source(dir + "/token", options.token);
  if (auto first = tokens->current(); !first)
    return fail("service-account token: " + first.error().message);
  cfg.tokens = std::move(tokens);

  const std::string ca_path = dir + "/ca.crt";
  if (exists(ca_path)) {
    auto ca = read_file_bytes(ca_path);
    if (!ca)
      return fail(ca.error().message);
    if (!looks_like_pem(*ca))
      return fail(ca_path + ": not PEM data");
    cfg.ca_pem = std::move(*ca);
  }

  if (auto ns = env("POD_NAMESPACE"); ns && !trim(*ns).empty()) {
    cfg.namespace_ = trim(*ns);
    cfg.namespace_explicit = true;
  } else if (auto file = read_file_bytes(dir + "/namespace"); file && !trim(*file).empty()) {
    cfg.namespace_ = trim(*file);
    cfg.namespace_explicit = true;
  }
  return cfg;
}

} // namespace kelos::k8s::client
