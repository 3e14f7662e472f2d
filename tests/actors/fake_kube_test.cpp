#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/fake_kube.hpp"

#include <caf/event_based_actor.hpp>

using namespace kelos;

namespace {

// Records the notifications a subscriber receives.
caf::behavior recorder(caf::event_based_actor*, std::shared_ptr<std::vector<std::string>> log) {
  return {
    [log](atom::apply, const watch_spec&, const k8s::object_ref& ref) { log->push_back("apply " + ref.name); },
    [log](atom::remove, const watch_spec&, const k8s::object_ref& ref) { log->push_back("remove " + ref.name); },
    [log](atom::synced, const watch_spec&) { log->push_back("synced"); },
  };
}

k8s::json task(const std::string& name) {
  return {{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "Task"},
          {"metadata", {{"name", name}, {"namespace", "default"}}}};
}

} // namespace

class FakeKubeTest : public test::DeterministicTest {
protected:
  std::shared_ptr<test::fake_kube_script> script = std::make_shared<test::fake_kube_script>();
  watch_spec tasks{"kelos.dev/v1alpha1", "Task", "", ""};
};

TEST_F(FakeKubeTest, AnswersScriptedCallsInOrderAndRecordsSurprises) {
  script->expect("GET", "/api/v1/namespaces/default/pods/p", k8s::json::object({{"kind", "Pod"}}))
    .expect_error("POST", "/apis/batch/v1/namespaces/default/jobs", errc::already_exists, "exists");
  auto kube = test::spawn_fake_kube(sys, script);
  k8s::http_request get{"GET", "/api/v1/namespaces/default/pods/p", {}, {}, {}, false, true};
  self->send(kube, atom::call::value, get);
  run();
  self->receive([](const json_doc& j) { ASSERT_TRUE(j.value.is_object()) << j.value.dump(); EXPECT_EQ(j.value["kind"], "Pod"); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
  k8s::http_request post{"POST", "/apis/batch/v1/namespaces/default/jobs", {}, {}, "{}", false, false};
  self->send(kube, atom::call::value, post);
  run();
  self->receive([](const json_doc&) { FAIL() << "expected an error"; },
                [](caf::error& e) { EXPECT_EQ(from_caf_error(e).code, errc::already_exists); });
  EXPECT_TRUE(script->satisfied());
  self->send(kube, atom::call::value, get);
  run();
  self->receive([](const json_doc&) { FAIL() << "unexpected call must fail"; },
                [](caf::error& e) { EXPECT_EQ(from_caf_error(e).code, errc::logic_error); });
  EXPECT_FALSE(script->satisfied());
  EXPECT_EQ(script->unexpected, std::vector<std::string>{"GET /api/v1/namespaces/default/pods/p"});
  self->send_exit(caf::actor_cast<caf::actor>(kube), caf::exit_reason::user_shutdown);
  run();
}

TEST_F(FakeKubeTest, NotifiesSubscribersLikeTheKubeActor) {
  auto kube = test::spawn_fake_kube(sys, script);
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  auto control = caf::actor_cast<caf::actor>(kube);
  self->send(control, atom::apply::value, tasks, json_doc{task("a")});
  self->send(control, atom::synced::value, tasks);
  run();
  self->send(kube, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  self->send(control, atom::apply::value, tasks, json_doc{task("b")});
  self->send(control, atom::remove::value, tasks, json_doc{task("a")});
  run();
  EXPECT_EQ(*log, (std::vector<std::string>{"apply a", "synced", "apply b", "remove a"}));
  self->send(kube, atom::list::value, tasks, std::string{"default"});
  run();
  self->receive([](const object_list& l) { ASSERT_EQ(l.items.size(), 1u); EXPECT_EQ(l.items[0]["metadata"]["name"], "b"); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
  self->send_exit(control, caf::exit_reason::user_shutdown);
  run();
}
