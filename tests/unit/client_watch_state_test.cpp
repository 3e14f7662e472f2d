#include "k8s/client/line_decoder.hpp"
#include "k8s/client/store.hpp"
#include "k8s/client/watch_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kelos::k8s;
using namespace std::chrono_literals;
using kind = store_event::kind_t;
using act = watch_action::kind_t;

namespace {

json obj(const std::string& name, const std::string& rv) {
  return {{"kind", "Task"}, {"metadata", {{"namespace", "d"}, {"name", name}, {"resourceVersion", rv}}}};
}

watch_input page(std::vector<json> items, std::string rv, std::string cont = {}) {
  return list_page_received{list_page{std::move(items), std::move(rv), std::move(cont)}};
}

watch_input event(watch_event_type t, json o) { return event_received{watch_event{t, std::move(o)}}; }

watch_input added(const std::string& n, const std::string& rv) { return event(watch_event_type::added, obj(n, rv)); }
watch_input modified(const std::string& n, const std::string& rv) {
  return event(watch_event_type::modified, obj(n, rv));
}
watch_input deleted(const std::string& n, const std::string& rv) { return event(watch_event_type::deleted, obj(n, rv)); }
watch_input bookmark(const std::string& rv) {
  return event(watch_event_type::bookmark, json{{"kind", "Task"}, {"metadata", {{"resourceVersion", rv}}}});
}
watch_input error_event(int code, const std::string& reason) {
  return event(watch_event_type::error, make_status(code, reason, "msg"));
}

watch_config test_config() {
  watch_config c;
  c.backoff.initial = 100ms;
  c.backoff.max = 1000ms;
  c.backoff.jitter = jitter_mode::none;
  return c;
}

watch_action list_at(std::string cont, std::chrono::milliseconds delay = 0ms) {
  return watch_action{act::list, delay, std::move(cont), {}};
}
watch_action watch_at(std::string rv, std::chrono::milliseconds delay = 0ms) {
  return watch_action{act::watch, delay, {}, std::move(rv)};
}
watch_action nothing() { return watch_action{}; }

std::vector<kind> kinds(const watch_step& s) {
  std::vector<kind> out;
  for (const auto& e : s.events) out.push_back(e.kind);
  return out;
}

/// Starts a machine and completes a one-page list of `names` at rv "10".
watch_machine synced_machine(std::vector<std::string> names = {"a"}) {
  watch_machine m(test_config());
  m.start();
  std::vector<json> items;
  for (auto& n : names) items.push_back(obj(n, "5"));
  m.step(page(std::move(items), "10"));
  return m;
}

struct script_row {
  const char* what;
  watch_input input;
  std::vector<kind> events;
  watch_action next;
  watch_phase phase;
  std::string rv;
  bool error;
};

void run_script(watch_machine& m, std::vector<script_row> rows) {
  for (auto& r : rows) {
    auto s = m.step(std::move(r.input));
    EXPECT_EQ(kinds(s), r.events) << r.what;
    EXPECT_EQ(s.next, r.next) << r.what << " (got kind " << static_cast<int>(s.next.kind) << " delay "
                              << s.next.delay.count() << " rv " << s.next.resource_version << " cont "
                              << s.next.continue_token << ")";
    EXPECT_EQ(m.phase(), r.phase) << r.what;
    EXPECT_EQ(m.resource_version(), r.rv) << r.what;
    EXPECT_EQ(s.error.has_value(), r.error) << r.what;
  }
}

} // namespace

TEST(WatchState, StartsWithFirstListPage) {
  watch_machine m(test_config());
  EXPECT_EQ(m.phase(), watch_phase::empty);
  EXPECT_EQ(m.start(), list_at(""));
  EXPECT_EQ(m.phase(), watch_phase::listing);
}

TEST(WatchState, SinglePageListThenWatch) {
  watch_machine m(test_config());
  m.start();
  auto s = m.step(page({obj("a", "3"), obj("b", "4")}, "10"));
  EXPECT_EQ(kinds(s), (std::vector<kind>{kind::init, kind::init_apply, kind::init_apply, kind::init_done}));
  EXPECT_EQ(s.events[1].object["metadata"]["name"], "a");
  EXPECT_EQ(s.next, watch_at("10"));
  EXPECT_EQ(m.phase(), watch_phase::watching);
  EXPECT_FALSE(s.error);
}

TEST(WatchState, EveryEdgeInOrder) {
  watch_machine m(test_config());
  ASSERT_EQ(m.start(), list_at(""));
  run_script(m, {
    {"page 1 of 2", page({obj("a", "3")}, "10", "c1"), {kind::init, kind::init_apply}, list_at("c1"),
     watch_phase::listing, "10", false},
    {"page 2 fails", list_failed{kelos::make_error(kelos::errc::connection_failed, "reset")}, {},
     list_at("c1", 100ms), watch_phase::listing, "10", true},
    {"page 2 fails again", list_failed{kelos::make_error(kelos::errc::server_unavailable, "503")}, {},
     list_at("c1", 200ms), watch_phase::listing, "10", true},
    {"page 2 of 2", page({obj("b", "4")}, "10"), {kind::init_apply, kind::init_done}, watch_at("10"),
     watch_phase::watching, "10", false},
    {"added", added("c", "11"), {kind::apply}, nothing(), watch_phase::watching, "11", false},
    {"modified", modified("a", "12"), {kind::apply}, nothing(), watch_phase::watching, "12", false},
    {"deleted", deleted("b", "13"), {kind::remove}, nothing(), watch_phase::watching, "13", false},
    {"bookmark", bookmark("20"), {}, nothing(), watch_phase::watching, "20", false},
    {"clean close", stream_closed{}, {}, watch_at("20"), watch_phase::watching, "20", false},
    {"stream error", stream_failed{kelos::make_error(kelos::errc::connection_failed, "eof")}, {},
     watch_at("20", 100ms), watch_phase::watching, "20", true},
    {"500 error event", error_event(500, "InternalError"), {}, watch_at("20", 200ms), watch_phase::watching, "20",
     true},
    {"event resets backoff", added("d", "21"), {kind::apply}, nothing(), watch_phase::watching, "21", false},
    {"decode failure", decode_failed{kelos::make_error(kelos::errc::parse_error, "partial")}, {},
     watch_at("21", 100ms), watch_phase::watching, "21", true},
    {"410 in stream", error_event(410, "Expired"), {}, list_at(""), watch_phase::listing, "21", true},
    {"relist page", page({obj("a", "30")}, "30"), {kind::init, kind::init_apply, kind::init_done}, watch_at("30"),
     watch_phase::watching, "30", false},
    {"HTTP 410 on watch", stream_failed{kelos::make_error(kelos::errc::gone, "too old")}, {}, list_at(""),
     watch_phase::listing, "30", true},
    {"relist after HTTP 410", page({}, "31"), {kind::init, kind::init_done}, watch_at("31"), watch_phase::watching,
     "31", false},
  });
}

TEST(WatchState, BookmarkOnlyUpdatesResourceVersion) {
  auto m = synced_machine();
  auto s = m.step(bookmark("99"));
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(s.next, nothing());
  EXPECT_EQ(m.resource_version(), "99");
  // The next watch starts from the bookmark.
  EXPECT_EQ(m.step(stream_closed{}).next, watch_at("99"));
}

TEST(WatchState, ErrorGoneInStreamRelistsWithoutBackoff) {
  auto m = synced_machine();
  auto s = m.step(error_event(410, "Expired"));
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(s.next, list_at(""));
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->code, kelos::errc::gone);
  // A relist starts with init again.
  auto p = m.step(page({obj("x", "1")}, "50"));
  EXPECT_EQ(kinds(p), (std::vector<kind>{kind::init, kind::init_apply, kind::init_done}));
}

TEST(WatchState, HttpGoneOnWatchRelists) {
  auto m = synced_machine();
  auto s = m.step(stream_failed{kelos::make_error(kelos::errc::gone, "410")});
  EXPECT_EQ(s.next, list_at(""));
  EXPECT_EQ(m.phase(), watch_phase::listing);
}

TEST(WatchState, CleanCloseRewatchesFromLastVersionWithoutRelist) {
  auto m = synced_machine();
  m.step(modified("a", "15"));
  auto s = m.step(stream_closed{5000ms});
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(s.next, watch_at("15"));
  EXPECT_FALSE(s.error);
}

TEST(WatchState, VeryShortEmptyWatchBacksOff) {
  auto m = synced_machine();
  auto s = m.step(stream_closed{10ms});
  EXPECT_EQ(s.next, watch_at("10", 100ms));
  EXPECT_TRUE(s.error);
  // With an event the same short close is normal.
  m.step(added("b", "11"));
  EXPECT_EQ(m.step(stream_closed{10ms}).next, watch_at("11"));
}

TEST(WatchState, BackoffGrowsToCapAndResetsAfterSuccess) {
  auto m = synced_machine();
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 6; ++i)
    delays.push_back(m.step(stream_failed{kelos::make_error(kelos::errc::connection_failed, "x")}).next.delay);
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms}));
  m.step(bookmark("12"));
  EXPECT_EQ(m.step(stream_failed{kelos::make_error(kelos::errc::connection_failed, "x")}).next, watch_at("12", 100ms));
}

TEST(WatchState, PartialLineAtCloseBecomesDecodeFailure) {
  auto m = synced_machine();
  line_decoder d;
  std::vector<watch_input> inputs;
  auto fed = d.feed(R"({"type":"ADDED","object":{"metadata":{"namespace":"d","name":"n","resourceVersion":"11"}}})"
                    "\n"
                    R"({"type":"MODIFIED","object":{"metadata":{"name")",
                    [&](std::string_view line) { inputs.push_back(input_from_line(line)); });
  ASSERT_TRUE(fed);
  auto fin = d.finish();
  ASSERT_FALSE(fin);
  inputs.push_back(decode_failed{fin.error()});
  ASSERT_EQ(inputs.size(), 2u);
  auto s1 = m.step(std::move(inputs[0]));
  EXPECT_EQ(kinds(s1), (std::vector<kind>{kind::apply}));
  auto s2 = m.step(std::move(inputs[1]));
  EXPECT_TRUE(s2.events.empty());
  // The half event is dropped; the watch resumes after the last complete one.
  EXPECT_EQ(s2.next, watch_at("11", 100ms));
}

TEST(WatchState, GarbageLineBecomesDecodeFailure) {
  auto in = input_from_line("{not json");
  ASSERT_TRUE(std::holds_alternative<decode_failed>(in));
  auto m = synced_machine();
  auto s = m.step(std::move(in));
  EXPECT_EQ(s.next, watch_at("10", 100ms));
}

TEST(WatchState, ExpiredContinueTokenRestartsList) {
  watch_machine m(test_config());
  m.start();
  m.step(page({obj("a", "1")}, "10", "c1"));
  auto s = m.step(list_failed{kelos::make_error(kelos::errc::gone, "continue expired")});
  EXPECT_EQ(s.next, list_at(""));
  auto again = m.step(page({obj("b", "1")}, "11"));
  EXPECT_EQ(kinds(again), (std::vector<kind>{kind::init, kind::init_apply, kind::init_done}));
}

TEST(WatchState, GoneOnFirstPageBacksOff) {
  watch_machine m(test_config());
  m.start();
  auto s = m.step(list_failed{kelos::make_error(kelos::errc::gone, "odd server")});
  EXPECT_EQ(s.next, list_at("", 100ms));
}

TEST(WatchState, DecodeFailureWhileListingRetriesPage) {
  watch_machine m(test_config());
  m.start();
  m.step(page({}, "10", "c1"));
  auto s = m.step(decode_failed{kelos::make_error(kelos::errc::parse_error, "bad list")});
  EXPECT_EQ(s.next, list_at("c1", 100ms));
}

TEST(WatchState, StaleInputsAreIgnored) {
  watch_machine m(test_config());
  auto s0 = m.step(added("a", "1"));
  EXPECT_EQ(s0.next, nothing());
  ASSERT_TRUE(s0.error);
  EXPECT_EQ(s0.error->code, kelos::errc::logic_error);

  m.start();
  auto s1 = m.step(added("a", "1"));
  EXPECT_TRUE(s1.events.empty());
  EXPECT_EQ(s1.next, nothing());
  EXPECT_EQ(m.phase(), watch_phase::listing);
  EXPECT_EQ(m.step(stream_closed{}).next, nothing());

  auto w = synced_machine();
  auto s2 = w.step(page({obj("z", "1")}, "99"));
  EXPECT_TRUE(s2.events.empty());
  EXPECT_EQ(w.resource_version(), "10");
}

TEST(WatchState, RelistReplacesStoreContents) {
  auto st = make_json_store();
  watch_machine m(test_config());
  m.start();
  st.apply_events(m.step(page({obj("a", "1"), obj("b", "2")}, "10")).events);
  ASSERT_TRUE(st.synced());
  ASSERT_EQ(st.size(), 2u);

  // The watch breaks with 410; meanwhile "a" was deleted and "c" created.
  st.apply_events(m.step(error_event(410, "Expired")).events);
  st.apply_events(m.step(page({obj("b", "2")}, "20", "c1")).events);
  // Mid-relist the old contents are still served.
  EXPECT_NE(st.get("d", "a"), nullptr);
  EXPECT_TRUE(st.initializing());
  st.apply_events(m.step(page({obj("c", "19")}, "20")).events);
  EXPECT_EQ(st.get("d", "a"), nullptr);
  EXPECT_NE(st.get("d", "b"), nullptr);
  EXPECT_NE(st.get("d", "c"), nullptr);
  EXPECT_EQ(st.size(), 2u);
}

TEST(WatchState, RequestsFollowConfig) {
  auto cfg = test_config();
  cfg.page_size = 2;
  cfg.label_selector = "app=x";
  static const auto reg = resource_registry::with_builtins();
  const auto* tasks = reg.by_resource("kelos.dev", "v1alpha1", "tasks");
  ASSERT_NE(tasks, nullptr);
  watch_machine m(cfg);
  EXPECT_EQ(m.request_for(list_at("c1"), *tasks, "d").target(),
            "/apis/kelos.dev/v1alpha1/namespaces/d/tasks?labelSelector=app%3Dx&limit=2&continue=c1");
  auto w = m.request_for(watch_at("42"), *tasks, "");
  EXPECT_EQ(w.target(), "/apis/kelos.dev/v1alpha1/tasks?labelSelector=app%3Dx&resourceVersion=42"
                        "&allowWatchBookmarks=true&timeoutSeconds=290&watch=true");
  EXPECT_TRUE(w.streaming);
}

TEST(WatchState, ValidateConfig) {
  EXPECT_TRUE(validate(watch_config{}));
  auto c = test_config();
  c.page_size = -1;
  auto r = validate(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("page_size"), std::string::npos);
  auto d = test_config();
  d.backoff.factor = 0;
  EXPECT_FALSE(validate(d));
}

TEST(WatchState, ListCauseTellsWhyAFirstPageIsListed) {
  EXPECT_EQ(list_cause(std::nullopt), "first list");
  // A 410 from a watch relists at once; the step's error is the cause.
  auto m = synced_machine();
  auto gone = m.step(stream_failed{kelos::make_error(kelos::errc::gone, "too old resource version: 5")});
  ASSERT_EQ(gone.next.kind, watch_action::kind_t::list);
  EXPECT_EQ(list_cause(gone.error).rfind("410 Gone: ", 0), 0u) << list_cause(gone.error);
  EXPECT_NE(list_cause(gone.error).find("too old resource version: 5"), std::string::npos);
  // A first page that could not be listed is retried (after a backoff).
  auto failed = m.step(list_failed{kelos::make_error(kelos::errc::connection_failed, "refused")});
  ASSERT_EQ(failed.next.kind, watch_action::kind_t::list);
  EXPECT_EQ(list_cause(failed.error).rfind("the list failed: ", 0), 0u) << list_cause(failed.error);
  EXPECT_NE(list_cause(failed.error).find("refused"), std::string::npos);
}

TEST(WatchState, RelistCauseLabelSortsTheCausesForTheMetric) {
  EXPECT_EQ(relist_cause_label(std::nullopt), "");
  auto m = synced_machine();
  auto gone = m.step(stream_failed{kelos::make_error(kelos::errc::gone, "too old resource version: 5")});
  EXPECT_EQ(relist_cause_label(gone.error), "expired");
  auto failed = m.step(list_failed{kelos::make_error(kelos::errc::connection_failed, "refused")});
  EXPECT_EQ(relist_cause_label(failed.error), "list_failed");
}
