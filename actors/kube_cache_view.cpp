#include "actors/kube_cache_view.hpp"

namespace kelos {

std::optional<k8s::json> kube_cache_view::get(const watch_spec& spec, const k8s::object_ref& ref) const {
  k8s::compact_object copy;
  {
    std::shared_lock lock{mutex_};
    auto it = caches_.find(spec);
    if (it == caches_.end())
      return std::nullopt;
    const auto* obj = it->second->get(ref.namespace_, ref.name);
    if (obj == nullptr)
      return k8s::json(nullptr);
    copy.text = obj->text; // decode outside the lock: the writer waits only for the copy
  }
  return copy.decode();
}

void kube_cache_view::publish(const watch_spec& spec, const cache* c) {
  std::unique_lock lock{mutex_};
  caches_.insert_or_assign(spec, c);
}

void kube_cache_view::withdraw(const watch_spec& spec) {
  std::unique_lock lock{mutex_};
  caches_.erase(spec);
}

} // namespace kelos
