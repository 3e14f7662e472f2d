#include "cli/rest.hpp"

#include "actors/kube_transport.hpp"
#include "k8s/client/request.hpp"
#include "k8s/client/rest_config.hpp"
#include "k8s/status.hpp"

namespace kelos::cli {

kelos::expected<k8s::json> rest_call(k8s::http_client& http, k8s::http_request req, std::chrono::milliseconds timeout) {
  auto what = req.method + " " + req.path;
  auto resp = http.send_sync(std::move(req), timeout);
  if (!resp)
    return resp.error();
  if (resp->status < 200 || resp->status >= 300)
    return k8s::error_from_response(resp->status, resp->body, what);
  if (resp->body.empty())
    return k8s::json{};
  auto body = k8s::json::parse(resp->body, nullptr, false);
  if (body.is_discarded())
    return kelos::error{errc::parse_error, what + ": the answer is not JSON"};
  return body;
}

kelos::expected<k8s::json> create_or_update(k8s::http_client& http, const k8s::resource_info& res,
                                            const k8s::json& object) {
  const auto& meta = object.at("metadata");
  std::string ns = res.namespaced ? meta.value("namespace", std::string{"default"}) : std::string{};
  auto created = rest_call(http, k8s::create_request(res, ns, object));
  if (created || created.error().code != errc::already_exists)
    return created;
  auto name = meta.at("name").get<std::string>();
  auto current = rest_call(http, k8s::get_request(res, ns, name));
  if (!current)
    return current;
  auto desired = *current;
  for (auto it = object.begin(); it != object.end(); ++it)
    if (it.key() != "metadata" && it.key() != "status")
      desired[it.key()] = it.value();
  for (const char* field : {"labels", "annotations"})
    if (meta.contains(field))
      desired["metadata"][field] = meta[field];
  if (desired == *current)
    return current;
  return rest_call(http, k8s::update_request(res, ns, name, desired));
}

kelos::expected<std::shared_ptr<k8s::http_client>> client_for_kubeconfig(const std::string& path,
                                                                         const std::string& context) {
  k8s::client::load_options lo;
  lo.kubeconfig_path = path;
  lo.context = context;
  auto rest = k8s::client::load_rest_config(lo);
  if (!rest)
    return rest.error();
  auto client = k8s::http_client::make(transport_config_from(*rest));
  if (!client)
    return client.error();
  return std::shared_ptr<k8s::http_client>{std::move(*client)};
}

} // namespace kelos::cli
