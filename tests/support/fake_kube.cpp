#include "tests/support/fake_kube.hpp"

#include "runtime/caf_error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

namespace kelos::test {

fake_kube_script& fake_kube_script::expect(std::string method, std::string path, k8s::json reply) {
  expected.push_back({std::move(method), std::move(path), std::move(reply), {}, std::nullopt});
  return *this;
}

fake_kube_script& fake_kube_script::expect_error(std::string method, std::string path, errc code,
                                                 std::string message) {
  expected.push_back({std::move(method), std::move(path), nullptr,
                      kelos::error{code, std::move(message)}, std::nullopt});
  return *this;
}

namespace {

std::string key_of(const k8s::json& obj) {
  auto ref = k8s::ref_of(obj);
  return ref.namespace_ + "/" + ref.name;
}

const expected_call* match(fake_kube_script& s, const k8s::http_request& req) {
  s.calls.push_back(req);
  if (s.next < s.expected.size() && s.expected[s.next].method == req.method
      && s.expected[s.next].path == req.path)
    return &s.expected[s.next++];
  s.unexpected.push_back(req.method + " " + req.path);
  return nullptr;
}

/// The expectation a call matched, or what to answer instead: an error for a call the
/// script did not expect, or the scripted error.
kelos::expected<const expected_call*> scripted(fake_kube_script& s, const k8s::http_request& req) {
  auto m = match(s, req);
  if (!m)
    return make_error(errc::logic_error, "unexpected call " + req.method + " " + req.path);
  if (m->error)
    return m->error;
  return m;
}

caf::behavior fake_kube(caf::event_based_actor* self, std::shared_ptr<fake_kube_script> s) {
  auto notify = [self, s](const watch_spec& spec, auto atom_value, const k8s::json& obj) {
    for (auto& sub : s->subscribers[spec])
      self->send(sub, atom_value, spec, k8s::ref_of(obj));
  };
  return {
    [s](atom::call, const k8s::http_request& req) -> caf::result<json_doc> {
      auto m = scripted(*s, req);
      if (!m)
        return to_caf_error(m.error());
      return json_doc{(*m)->reply};
    },
    [s](atom::call_text, const k8s::http_request& req) -> caf::result<std::string> {
      auto m = scripted(*s, req);
      if (!m)
        return to_caf_error(m.error());
      if ((*m)->raw)
        return (*m)->raw->body;
      return (*m)->reply.is_null() ? std::string{} : (*m)->reply.dump();
    },
    [s](atom::call_raw, const k8s::http_request& req) -> caf::result<k8s::http_response> {
      auto m = scripted(*s, req);
      if (!m)
        return to_caf_error(m.error());
      if ((*m)->raw)
        return *(*m)->raw;
      return k8s::http_response{200, {}, (*m)->reply.dump()};
    },
    [self, s](atom::subscribe, const watch_spec& spec, const caf::actor& sub) {
      s->subscribers[spec].push_back(sub);
      for (auto& [key, obj] : s->caches[spec])
        self->send(sub, atom::apply::value, spec, k8s::ref_of(obj));
      if (s->synced[spec])
        self->send(sub, atom::synced::value, spec);
      return atom::ok::value;
    },
    [s](atom::unsubscribe, const watch_spec& spec, const caf::actor& sub) {
      auto& subs = s->subscribers[spec];
      subs.erase(std::remove(subs.begin(), subs.end(), sub), subs.end());
    },
    [s](atom::get, const watch_spec& spec, const k8s::object_ref& ref) {
      ++s->reads[spec];
      auto& cache = s->caches[spec];
      auto it = cache.find(ref.namespace_ + "/" + ref.name);
      return json_doc{it == cache.end() ? k8s::json(nullptr) : it->second};
    },
    [s](atom::list, const watch_spec& spec, const std::string& ns) {
      object_list out;
      for (auto& [key, obj] : s->caches[spec])
        if (ns.empty() || k8s::ref_of(obj).namespace_ == ns)
          out.items.push_back(obj);
      return out;
    },
    // Test controls.
    [s, notify](atom::apply, const watch_spec& spec, const json_doc& doc) {
      s->caches[spec][key_of(doc.value)] = doc.value;
      notify(spec, atom::apply::value, doc.value);
    },
    [s, notify](atom::remove, const watch_spec& spec, const json_doc& doc) {
      s->caches[spec].erase(key_of(doc.value));
      notify(spec, atom::remove::value, doc.value);
    },
    [self, s](atom::synced, const watch_spec& spec) {
      s->synced[spec] = true;
      for (auto& sub : s->subscribers[spec])
        self->send(sub, atom::synced::value, spec);
    },
  };
}

} // namespace

kube_actor spawn_fake_kube(caf::actor_system& sys, std::shared_ptr<fake_kube_script> script) {
  return caf::actor_cast<kube_actor>(sys.spawn(fake_kube, std::move(script)));
}

} // namespace kelos::test
