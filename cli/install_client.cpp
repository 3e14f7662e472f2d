#include "cli/install_client.hpp"

#include "cli/rest.hpp"
#include "k8s/client/request.hpp"

#include <thread>

namespace kelos::cli {

kelos::expected<k8s::resource_info> manifest_client::resource(const manifest_doc& doc) {
  auto it = discovery_.find(doc.api_version);
  if (it == discovery_.end()) {
    k8s::http_request req;
    req.method = "GET";
    req.path = discovery_path(doc.api_version);
    req.headers.emplace_back("Accept", "application/json");
    auto list = rest_call(*s_.http, std::move(req));
    if (!list && list.error().code != errc::not_found)
      return list.error();
    // A group the server does not serve at all answers 404: no resources.
    it = discovery_.emplace(doc.api_version, list ? *list : k8s::json::object()).first;
  }
  return resource_from_discovery(it->second, doc.api_version, doc.kind);
}

kelos::expected<void> manifest_client::apply(const manifest_doc& doc) {
  auto res = resource(doc);
  if (!res)
    return kelos::error{res.error().code, doc.label() + ": " + res.error().message};
  k8s::patch_options opts;
  opts.field_manager = "kelos";
  opts.force = true;
  auto req = k8s::patch_request(*res, res->namespaced ? doc.ns : "", doc.name, k8s::patch_type::apply, doc.text, opts);
  if (!req)
    return req.error();
  auto r = rest_call(*s_.http, std::move(*req));
  if (!r)
    return kelos::error{r.error().code, "applying " + doc.label() + ": " + r.error().message};
  return {};
}

kelos::expected<bool> manifest_client::remove(const manifest_doc& doc) {
  auto res = resource(doc);
  if (!res)
    return res.error().code == errc::not_found ? kelos::expected<bool>{false} : kelos::expected<bool>{res.error()};
  k8s::delete_options opts;
  opts.propagation_policy = "Background";
  auto r = rest_call(*s_.http, k8s::delete_request(*res, res->namespaced ? doc.ns : "", doc.name, opts));
  if (!r && r.error().code == errc::not_found)
    return false;
  if (!r)
    return kelos::error{r.error().code, "deleting " + doc.label() + ": " + r.error().message};
  return true;
}

kelos::expected<void> manifest_client::wait_established(const std::vector<manifest_doc>& docs,
                                                        std::chrono::milliseconds timeout) {
  const auto& crds = builtin_resource("CustomResourceDefinition");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& d : docs) {
    if (!d.is_crd())
      continue;
    while (true) {
      auto crd = rest_call(*s_.http, k8s::get_request(crds, "", d.name));
      if (crd && crd_established(*crd))
        break;
      if (!crd && crd.error().code != errc::not_found)
        return crd.error();
      if (std::chrono::steady_clock::now() >= deadline)
        return kelos::error{errc::timeout, "CRD " + d.name + " was not Established within " +
                                               std::to_string(timeout.count() / 1000) + "s"};
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
  }
  return {};
}

} // namespace kelos::cli
