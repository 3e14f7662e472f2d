#include "actors/kube_actor.hpp"
#include "runtime/caf_error.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/scripted_transport.hpp"

#include <caf/event_based_actor.hpp>

using namespace kelos;
using namespace std::chrono_literals;

namespace {

caf::behavior recorder(caf::event_based_actor*, std::shared_ptr<std::vector<std::string>> log) {
  return {
    [log](atom::apply, const watch_spec&, const k8s::object_ref& ref) { log->push_back("apply " + ref.name); },
    [log](atom::remove, const watch_spec&, const k8s::object_ref& ref) { log->push_back("remove " + ref.name); },
    [log](atom::synced, const watch_spec&) { log->push_back("synced"); },
  };
}

std::string task_json(const std::string& name, const std::string& rv) {
  return k8s::json{{"apiVersion", "kelos.dev/v1alpha1"},
                   {"kind", "Task"},
                   {"metadata", {{"name", name}, {"namespace", "default"}, {"resourceVersion", rv}}}}
    .dump();
}

std::string list_json(std::vector<std::pair<std::string, std::string>> items, const std::string& rv) {
  k8s::json list = {{"kind", "TaskList"}, {"apiVersion", "kelos.dev/v1alpha1"},
                    {"metadata", {{"resourceVersion", rv}}}, {"items", k8s::json::array()}};
  for (auto& [name, irv] : items)
    list["items"].push_back(k8s::json::parse(task_json(name, irv)));
  return list.dump();
}

std::string event_line(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":)" + task_json(name, rv) + "}\n";
}

bool has_query(const k8s::http_request& req, const std::string& key, const std::string& value) {
  for (auto& [k, v] : req.query)
    if (k == key && v == value)
      return true;
  return false;
}

} // namespace

class KubeActorTest : public test::DeterministicTest {
protected:
  KubeActorTest() {
    cfg.qps = 0; // rate limiting has its own unit tests; keep timing simple here
    kube = spawn_kube(sys, transport, cfg);
    control = caf::actor_cast<caf::actor>(kube);
  }
  ~KubeActorTest() override {
    self->send_exit(control, caf::exit_reason::user_shutdown);
    run();
  }

  k8s::http_request get_task(const std::string& name) {
    return k8s::http_request{"GET", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/" + name,
                             {}, {}, {}, false, true};
  }

  /// Answers the one request on the wire with 503 and lets its backoff pass: the retry is
  /// then on the wire.
  void answer_503_and_await_the_retry() {
    transport->answer(503, "overloaded");
    run();
    EXPECT_EQ(transport->unanswered(), 0u) << "the retry waits for its backoff";
    advance(15s);
    ASSERT_EQ(transport->unanswered(), 1u);
  }

  /// Answers the `n` requests `t` has on the wire with 200, takes the `n` replies, and stops
  /// `kube`: the end of every test that spawns a KUBE actor of its own.
  void answer_all_and_stop(test::scripted_transport& t, const kube_actor& k, int n) {
    for (int i = 0; i < n; ++i) {
      t.answer(200, task_json("x", "1"));
      run();
    }
    for (int i = 0; i < n; ++i)
      self->receive([](const json_doc&) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
    self->send_exit(k, caf::exit_reason::user_shutdown);
    run();
  }

  std::shared_ptr<test::scripted_transport> transport = std::make_shared<test::scripted_transport>();
  kube_config cfg;
  kube_actor kube;
  caf::actor control;
  watch_spec tasks{"kelos.dev/v1alpha1", "Task", "", ""};
};

TEST_F(KubeActorTest, CallRepliesWithParsedJson) {
  self->send(kube, atom::call::value, get_task("a"));
  run();
  ASSERT_EQ(transport->unanswered(), 1u);
  EXPECT_EQ(transport->next_send()->request.path, "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/a");
  transport->answer(200, task_json("a", "7"));
  run();
  self->receive([](const json_doc& d) { EXPECT_EQ(d.value["metadata"]["resourceVersion"], "7"); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
}

TEST_F(KubeActorTest, CallTurnsStatusBodiesIntoErrorsWithTheServerMessage) {
  self->send(kube, atom::call::value, get_task("nope"));
  run();
  transport->answer(404, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound",
    "message":"tasks.kelos.dev \"nope\" not found","code":404})");
  run();
  self->receive([](const json_doc&) { FAIL() << "expected not_found"; },
                [](caf::error& e) {
                  auto err = from_caf_error(e);
                  EXPECT_EQ(err.code, errc::not_found);
                  EXPECT_EQ(err.message, "GET /apis/kelos.dev/v1alpha1/namespaces/default/tasks/nope: "
                                         "tasks.kelos.dev \"nope\" not found");
                });
}

TEST_F(KubeActorTest, CallTextRepliesWithTheBodyUnparsed) {
  self->send(kube, atom::call_text::value, get_task("a"));
  run();
  ASSERT_EQ(transport->unanswered(), 1u);
  const auto body = task_json("a", "7");
  transport->answer(200, body);
  run();
  self->receive([&](const std::string& text) { EXPECT_EQ(text, body); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
}

TEST_F(KubeActorTest, CallTextRetriesAndFailsAsCallDoes) {
  self->send(kube, atom::call_text::value, get_task("a"));
  run();
  ASSERT_NO_FATAL_FAILURE(answer_503_and_await_the_retry());
  transport->answer(409, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"AlreadyExists",
    "message":"tasks.kelos.dev \"a\" already exists","code":409})");
  run();
  self->receive([](const std::string&) { FAIL() << "expected already_exists"; },
                [](caf::error& e) {
                  auto err = from_caf_error(e);
                  EXPECT_EQ(err.code, errc::already_exists);
                  EXPECT_EQ(err.message, "GET /apis/kelos.dev/v1alpha1/namespaces/default/tasks/a: "
                                         "tasks.kelos.dev \"a\" already exists");
                });
  EXPECT_EQ(transport->sends.size(), 2u);
}

TEST_F(KubeActorTest, IdempotentCallsAreRetriedAfterBackoff) {
  self->send(kube, atom::call::value, get_task("a"));
  run();
  ASSERT_NO_FATAL_FAILURE(answer_503_and_await_the_retry());
  transport->fail(errc::connection_failed, "connect 127.0.0.1:1: Connection refused");
  run();
  advance(15s);
  ASSERT_EQ(transport->unanswered(), 1u);
  transport->answer(200, task_json("a", "9"));
  run();
  self->receive([](const json_doc& d) { EXPECT_EQ(d.value["metadata"]["name"], "a"); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_EQ(transport->sends.size(), 3u);
}

TEST_F(KubeActorTest, CreatesAreNotRetriedOnServerErrors) {
  k8s::http_request post{"POST", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks", {}, {}, "{}", false, false};
  self->send(kube, atom::call::value, post);
  run();
  transport->answer(500, R"({"kind":"Status","code":500,"reason":"InternalError","message":"boom"})");
  run();
  advance(30s);
  EXPECT_EQ(transport->sends.size(), 1u);
  self->receive([](const json_doc&) { FAIL() << "expected an error"; },
                [](caf::error& e) { EXPECT_EQ(from_caf_error(e).code, errc::server_unavailable); });
}

TEST_F(KubeActorTest, AtMostMaxInFlightRequestsAreOnTheWireAndTheRestGoInOrder) {
  auto limited_transport = std::make_shared<test::scripted_transport>();
  kube_config limited_cfg = cfg;
  limited_cfg.max_in_flight = 2;
  auto limited = spawn_kube(sys, limited_transport, limited_cfg);
  for (const char* name : {"a", "b", "c", "d", "e"})
    self->send(limited, atom::call::value, get_task(name));
  run();
  ASSERT_EQ(limited_transport->sends.size(), 2u);
  std::vector<std::string> order;
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    EXPECT_LE(limited_transport->unanswered(), 2u);
    auto path = limited_transport->next_send()->request.path;
    order.push_back(path.substr(path.rfind('/') + 1));
    limited_transport->answer(200, task_json(name, "1"));
    run();
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(limited_transport->sends.size(), 5u);
  for (int i = 0; i < 5; ++i)
    self->receive([](const json_doc&) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  // A transport failure frees its slot too.
  self->send(limited, atom::call::value, get_task("f"));
  self->send(limited, atom::call::value, get_task("g"));
  self->send(limited, atom::call::value, get_task("h"));
  run();
  ASSERT_EQ(limited_transport->unanswered(), 2u);
  limited_transport->fail(errc::connection_failed, "refused");
  run();
  advance(15s);
  EXPECT_EQ(limited_transport->unanswered(), 2u) << "h took the slot; f's retry waits behind it";
  self->send_exit(limited, caf::exit_reason::user_shutdown);
  run();
}

TEST_F(KubeActorTest, EventsDrawOnTheirOwnRateLimitBucket) {
  auto limited_transport = std::make_shared<test::scripted_transport>();
  kube_config limited_cfg = cfg;
  limited_cfg.qps = 1;
  limited_cfg.burst = 1;
  auto limited = spawn_kube(sys, limited_transport, limited_cfg);
  k8s::http_request event{"POST", "/api/v1/namespaces/default/events", {}, {}, "{}", false, false};
  self->send(limited, atom::call::value, get_task("a"));
  self->send(limited, atom::call::value, get_task("b"));
  self->send(limited, atom::call::value, event);
  self->send(limited, atom::call::value, event);
  run();
  ASSERT_EQ(limited_transport->sends.size(), 2u) << "one token in each bucket";
  EXPECT_EQ(limited_transport->sends[0]->request.path, get_task("a").path);
  EXPECT_EQ(limited_transport->sends[1]->request.path, event.path) << "not queued behind the Task GET";
  advance(1s);
  EXPECT_EQ(limited_transport->sends.size(), 4u) << "one more token in each bucket after a second";
  answer_all_and_stop(*limited_transport, limited, 4);
}

// Delayed calls share one pacing timer: each goes out once due, never before, in the order
// the rate limiter gave them.
TEST_F(KubeActorTest, RateLimitedCallsGoOutWhenDueAndInOrder) {
  auto limited_transport = std::make_shared<test::scripted_transport>();
  kube_config limited_cfg = cfg;
  limited_cfg.qps = 100; // a token every 10 ms
  limited_cfg.burst = 1;
  auto limited = spawn_kube(sys, limited_transport, limited_cfg);
  for (auto name : {"a", "b", "c", "d", "e"})
    self->send(limited, atom::call::value, get_task(name));
  run();
  ASSERT_EQ(limited_transport->sends.size(), 1u) << "the burst";
  advance(std::chrono::milliseconds{9});
  EXPECT_EQ(limited_transport->sends.size(), 1u) << "b is due at 10 ms, not before";
  advance(std::chrono::milliseconds{1});
  EXPECT_EQ(limited_transport->sends.size(), 2u);
  advance(std::chrono::milliseconds{30});
  ASSERT_EQ(limited_transport->sends.size(), 5u);
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(limited_transport->sends[i]->request.path, get_task(std::string(1, static_cast<char>('a' + i))).path);
  answer_all_and_stop(*limited_transport, limited, 5);
}

TEST_F(KubeActorTest, CallRawReturnsAnyStatus) {
  k8s::http_request logs{"GET", "/api/v1/namespaces/default/pods/p/log", {}, {}, {}, false, true};
  self->send(kube, atom::call_raw::value, logs);
  run();
  transport->answer(200, "line 1\nline 2\n");
  run();
  self->receive([](const k8s::http_response& r) { EXPECT_EQ(r.body, "line 1\nline 2\n"); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
}

TEST_F(KubeActorTest, SubscribeListsThenWatchesAndNotifiesByReference) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  self->send(kube, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  ASSERT_EQ(transport->unanswered(), 1u);
  auto list = transport->next_send()->request;
  EXPECT_EQ(list.path, "/apis/kelos.dev/v1alpha1/tasks");
  EXPECT_TRUE(has_query(list, "limit", "500"));
  EXPECT_TRUE(log->empty()) << "nothing before the first list";
  transport->answer(200, list_json({{"a", "5"}, {"b", "6"}}, "10"));
  run();
  EXPECT_EQ(*log, (std::vector<std::string>{"apply a", "apply b", "synced"}));
  ASSERT_EQ(transport->streams.size(), 1u);
  auto& watch = transport->last_stream();
  EXPECT_TRUE(has_query(watch.request, "resourceVersion", "10"));
  EXPECT_TRUE(has_query(watch.request, "watch", "true"));
  watch.callbacks.on_response_head(200, {});
  // One event split across two chunks, then two events in one chunk.
  auto added = event_line("ADDED", "c", "11");
  watch.callbacks.on_data(added.substr(0, 17));
  run();
  EXPECT_EQ(log->size(), 3u) << "a partial line is held back";
  watch.callbacks.on_data(added.substr(17) + event_line("MODIFIED", "a", "12") + event_line("DELETED", "b", "13"));
  run();
  EXPECT_EQ(*log, (std::vector<std::string>{"apply a", "apply b", "synced", "apply c", "apply a", "remove b"}));
  self->send(kube, atom::get::value, tasks, k8s::object_ref{"Task", "default", "a"});
  run();
  self->receive([](const json_doc& d) { EXPECT_EQ(d.value["metadata"]["resourceVersion"], "12"); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
  self->send(kube, atom::list::value, tasks, std::string{});
  run();
  self->receive([](const object_list& l) { EXPECT_EQ(l.items.size(), 2u); },
                [](caf::error& e) { FAIL() << caf::to_string(e); });
}

TEST_F(KubeActorTest, GoneInsideTheStreamRelistsAndReportsMissedDeletes) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  self->send(kube, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error&) {});
  transport->answer(200, list_json({{"a", "5"}, {"b", "6"}, {"c", "7"}}, "10"));
  run();
  auto& first = transport->last_stream();
  first.callbacks.on_response_head(200, {});
  first.callbacks.on_data(
    R"x({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version: 10 (20)"}})x"
    "\n");
  run();
  EXPECT_TRUE(first.cancelled) << "the stale stream is dropped";
  ASSERT_EQ(transport->unanswered(), 1u) << "410 relists at once";
  log->clear();
  // While we were away: a deleted, b unchanged, c changed, d added.
  transport->answer(200, list_json({{"b", "6"}, {"c", "21"}, {"d", "22"}}, "25"));
  run();
  EXPECT_EQ(*log, (std::vector<std::string>{"apply c", "apply d", "remove a", "synced"}));
  ASSERT_EQ(transport->streams.size(), 2u);
  EXPECT_TRUE(has_query(transport->last_stream().request, "resourceVersion", "25"));
}

TEST_F(KubeActorTest, CleanCloseRewatchesFromTheLastVersionWithoutRelisting) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  self->send(kube, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error&) {});
  transport->answer(200, list_json({{"a", "5"}}, "10"));
  run();
  auto& s1 = transport->last_stream();
  s1.callbacks.on_response_head(200, {});
  s1.callbacks.on_data(R"({"type":"BOOKMARK","object":{"kind":"Task","apiVersion":"kelos.dev/v1alpha1","metadata":{"resourceVersion":"40"}}})"
                       "\n");
  run();
  advance(5s); // the stream lived long enough to count as healthy
  s1.ended = true;
  s1.callbacks.on_done(kelos::error{});
  run();
  EXPECT_EQ(transport->unanswered(), 0u) << "no relist";
  ASSERT_EQ(transport->streams.size(), 2u);
  EXPECT_TRUE(has_query(transport->last_stream().request, "resourceVersion", "40"));
}

TEST_F(KubeActorTest, SubscribersShareOneWatchAndLateOnesGetTheCache) {
  auto log1 = std::make_shared<std::vector<std::string>>();
  auto log2 = std::make_shared<std::vector<std::string>>();
  auto sub1 = spawn(recorder, log1);
  auto sub2 = spawn(recorder, log2);
  self->send(kube, atom::subscribe::value, tasks, sub1);
  run();
  self->receive([](atom::ok) {}, [](caf::error&) {});
  transport->answer(200, list_json({{"a", "5"}}, "10"));
  run();
  self->send(kube, atom::subscribe::value, tasks, sub2);
  run();
  self->receive([](atom::ok) {}, [](caf::error&) {});
  EXPECT_EQ(transport->sends.size(), 1u);
  EXPECT_EQ(transport->streams.size(), 1u);
  EXPECT_EQ(*log2, (std::vector<std::string>{"apply a", "synced"}));
  self->send(kube, atom::unsubscribe::value, tasks, sub1);
  self->send(kube, atom::unsubscribe::value, tasks, sub2);
  run();
  EXPECT_TRUE(transport->last_stream().cancelled) << "the watch stops with its last subscriber";
}

TEST_F(KubeActorTest, PublishedCachesAreReadDirectlyUntilTheirWatchEnds) {
  auto view = std::make_shared<kube_cache_view>();
  auto published_transport = std::make_shared<test::scripted_transport>();
  kube_config published_cfg = cfg;
  published_cfg.cache_view = view;
  auto published = spawn_kube(sys, published_transport, published_cfg);
  const k8s::object_ref a{"Task", "default", "a"};
  EXPECT_FALSE(view->get(tasks, a)) << "nothing published before a subscription";
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  self->send(published, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  published_transport->answer(200, list_json({{"a", "5"}}, "10"));
  run();
  auto listed = view->get(tasks, a);
  ASSERT_TRUE(listed);
  EXPECT_EQ((*listed)["metadata"]["resourceVersion"], "5");
  auto missing = view->get(tasks, k8s::object_ref{"Task", "default", "zz"});
  ASSERT_TRUE(missing) << "a published cache answers for objects it does not hold";
  EXPECT_TRUE(missing->is_null());
  auto& watch = published_transport->last_stream();
  watch.callbacks.on_response_head(200, {});
  watch.callbacks.on_data(event_line("MODIFIED", "a", "12"));
  run();
  ASSERT_EQ(log->back(), "apply a");
  EXPECT_EQ((*view->get(tasks, a))["metadata"]["resourceVersion"], "12") << "the change is visible by the notification";
  EXPECT_FALSE(view->get(watch_spec{"batch/v1", "Job", "", ""}, k8s::object_ref{"Job", "default", "a"}))
    << "an unwatched spec has no published cache";
  self->send(published, atom::unsubscribe::value, tasks, sub);
  run();
  EXPECT_FALSE(view->get(tasks, a)) << "withdrawn with the watch";
  // Subscribing again publishes again; the actor's exit withdraws it.
  self->send(published, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error& e) { FAIL() << caf::to_string(e); });
  published_transport->answer(200, list_json({{"a", "20"}}, "20"));
  run();
  ASSERT_TRUE(view->get(tasks, a));
  self->send_exit(published, caf::exit_reason::user_shutdown);
  run();
  EXPECT_FALSE(view->get(tasks, a)) << "withdrawn when the KUBE actor ends";
}

TEST_F(KubeActorTest, WatchErrorsBackOffBeforeRetrying) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  self->send(kube, atom::subscribe::value, tasks, sub);
  run();
  self->receive([](atom::ok) {}, [](caf::error&) {});
  transport->answer(503, "unavailable");
  run();
  EXPECT_EQ(transport->unanswered(), 0u) << "a failed list waits for its backoff";
  advance(60s);
  ASSERT_EQ(transport->unanswered(), 1u);
  transport->answer(200, list_json({}, "3"));
  run();
  EXPECT_EQ(*log, std::vector<std::string>{"synced"});
}

TEST_F(KubeActorTest, UnknownKindsAreRejected) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto sub = spawn(recorder, log);
  self->send(kube, atom::subscribe::value, watch_spec{"example.com/v1", "Widget", "", ""}, sub);
  run();
  self->receive([](atom::ok) { FAIL() << "expected an error"; },
                [](caf::error& e) { EXPECT_EQ(from_caf_error(e).code, errc::invalid_spec); });
}

TEST(KubeConfig, ValidationNamesTheField) {
  kube_config cfg;
  cfg.burst = 0;
  auto r = validate(cfg);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("kube.burst"), std::string::npos);
}
