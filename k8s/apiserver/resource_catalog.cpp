#include "k8s/apiserver/resource_catalog.hpp"

#include <spdlog/spdlog.h>

namespace kelos::apiserver {

std::shared_ptr<const catalog_entry> catalog_snapshot::find(std::string_view group,
                                                            std::string_view version,
                                                            std::string_view plural) const {
  for (const auto& e : entries) {
    const auto& i = e->served.info;
    if (i.plural == plural && i.group == group && i.version == version)
      return e;
  }
  return nullptr;
}

resource_catalog::resource_catalog() {
  std::vector<std::shared_ptr<const catalog_entry>> entries;
  for (auto& s : served_builtins()) {
    auto e = std::make_shared<catalog_entry>();
    e->lists = builtin_list_types(s.info.kind);
    e->served = std::move(s);
    entries.push_back(std::move(e));
  }
  publish(std::move(entries));
}

std::shared_ptr<const catalog_snapshot> resource_catalog::snapshot() const {
  std::lock_guard<std::mutex> guard(mu_);
  return current_;
}

void resource_catalog::publish(std::vector<std::shared_ptr<const catalog_entry>> entries) {
  auto snap = std::make_shared<catalog_snapshot>();
  snap->generation = current_ ? current_->generation + 1 : 1;
  for (const auto& e : entries)
    snap->served.push_back(e->served);
  snap->entries = std::move(entries);
  current_ = std::move(snap);
}

std::vector<std::shared_ptr<const catalog_entry>> resource_catalog::set_crd(const crd_definition& crd) {
  std::vector<std::shared_ptr<const catalog_entry>> added;
  for (auto& s : to_served_resources(crd)) {
    auto e = std::make_shared<catalog_entry>();
    e->crd_name = crd.name;
    if (!s.schema.is_null()) {
      auto compiled = compile_schema(s.schema);
      if (compiled) {
        e->lists = list_types_from_schema(*compiled);
        e->schema = std::make_shared<const schema_node>(std::move(compiled).value());
      } else {
        spdlog::warn("apiserver: CRD {} version {}: schema not enforced: {}", crd.name,
                     s.info.version, compiled.error().message);
      }
    }
    e->served = std::move(s);
    added.push_back(std::move(e));
  }
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<std::shared_ptr<const catalog_entry>> entries;
  for (const auto& e : current_->entries)
    if (e->crd_name != crd.name)
      entries.push_back(e);
  for (const auto& e : added)
    entries.push_back(e);
  publish(std::move(entries));
  return added;
}

std::vector<std::shared_ptr<const catalog_entry>> resource_catalog::remove_crd(std::string_view crd_name) {
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<std::shared_ptr<const catalog_entry>> kept, removed;
  for (const auto& e : current_->entries)
    (e->crd_name == crd_name && !crd_name.empty() ? removed : kept).push_back(e);
  if (!removed.empty())
    publish(std::move(kept));
  return removed;
}

} // namespace kelos::apiserver
