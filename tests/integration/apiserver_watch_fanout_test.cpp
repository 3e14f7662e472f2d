// Watch fan-out: many watchers of one resource with different label selectors and output
// forms (JSON, Table v1, Table v1beta1, bookmarks) each receive exactly the events meant
// for them, while the pump renders each (event, form) once and shares the bytes.

#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/resource_catalog.hpp"
#include "k8s/apiserver/stored_object.hpp"
#include "k8s/apiserver/stream_pump.hpp"
#include "k8s/json.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <memory>
#include "tests/support/raw_http_client.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using kelos::apiserver::api_server;
using kelos::apiserver::api_server_config;
using kelos::k8s::json;

using raw_client = kelos::test::raw_http_client;

std::string request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& accept = "application/json") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\nAccept: " +
                  accept + "\r\n";
  if (!body.empty() || method != "GET")
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

/// Sends one request on `c` and returns the parsed JSON body of its Content-Length response.
json call(raw_client& c, const std::string& method, const std::string& target, const std::string& body = "") {
  c.clear();
  c.send(request(method, target, body));
  std::size_t body_start = 0, length = 0;
  bool ok = c.read_until(
    [&](const std::string& r) {
      auto h = r.find("\r\n\r\n");
      if (h == std::string::npos)
        return false;
      auto cl = r.find("Content-Length: ");
      if (cl == std::string::npos || cl > h)
        return false;
      length = std::stoul(r.substr(cl + 16));
      body_start = h + 4;
      return r.size() >= body_start + length;
    },
    std::chrono::seconds(5));
  if (!ok)
    return json();
  return json::parse(c.received().substr(body_start, length), nullptr, false);
}

/// The payloads of the complete chunks of a chunked body (after the header), in order;
/// sets `ended` when the terminating chunk has arrived.
std::vector<std::string> chunks_of(const std::string& raw, bool& ended) {
  ended = false;
  std::vector<std::string> out;
  auto pos = raw.find("\r\n\r\n");
  if (pos == std::string::npos)
    return out;
  pos += 4;
  while (true) {
    auto eol = raw.find("\r\n", pos);
    if (eol == std::string::npos)
      return out;
    std::size_t size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) {
      ended = true;
      return out;
    }
    if (raw.size() < eol + 2 + size + 2)
      return out;
    out.push_back(raw.substr(eol + 2, size));
    pos = eol + 2 + size + 2;
  }
}

/// Decodes a chunked body (after the header) into its payload; sets `ended` on the last chunk.
std::string dechunk(const std::string& raw, bool& ended) {
  std::string out;
  for (const auto& chunk : chunks_of(raw, ended))
    out += chunk;
  return out;
}

std::vector<json> lines_of(const std::string& payload) {
  std::vector<json> out;
  std::size_t pos = 0;
  while (true) {
    auto nl = payload.find('\n', pos);
    if (nl == std::string::npos)
      break;
    out.push_back(json::parse(payload.substr(pos, nl - pos), nullptr, false));
    pos = nl + 1;
  }
  return out;
}

std::string configmap(const std::string& tier, const std::string& value, const std::string& rv) {
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "a"}, {"labels", {{"tier", tier}}}}},
             {"data", {{"value", value}}}};
  if (!rv.empty())
    cm["metadata"]["resourceVersion"] = rv;
  return cm.dump();
}

/// What one watcher asks for and must get.
struct watcher_spec {
  std::string selector;  // labelSelector ("" = none)
  std::string table;     // "" (JSON), "v1" or "v1beta1"
  bool bookmarks = false;
};

/// An expected (type, RV, data.value) triple; value "" for DELETED checks only type and RV.
struct expected_event {
  std::string type;
  std::string rv;
  std::string value;
};

class ApiServerWatchFanoutTest : public ::testing::Test {
protected:
  void SetUp() override {
    api_server_config cfg;
    cfg.bookmark_interval = std::chrono::milliseconds(100);
    auto s = api_server::start(cfg);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(s).value();
  }
  std::unique_ptr<api_server> server_;
};

TEST_F(ApiServerWatchFanoutTest, EveryWatcherGetsExactlyItsEventsInItsForm) {
  raw_client writer(server_->port());
  ASSERT_TRUE(writer.connected());
  const std::string base = "/api/v1/namespaces/default/configmaps";
  json created = call(writer, "POST", base, configmap("x", "v0", ""));
  ASSERT_TRUE(created.is_object()) << writer.received();
  std::string rv0 = created["metadata"]["resourceVersion"].get<std::string>();

  // 5 kinds of watchers, 6 of each, interleaved so equal forms are not adjacent.
  std::vector<watcher_spec> kinds = {
    {"", "", false}, {"tier=x", "", false}, {"tier=y", "", true}, {"", "v1", false}, {"tier=x", "v1beta1", true}};
  std::vector<watcher_spec> specs;
  for (int i = 0; i < 6; ++i)
    specs.insert(specs.end(), kinds.begin(), kinds.end());
  std::vector<std::unique_ptr<raw_client>> watchers;
  for (const auto& s : specs) {
    auto c = std::make_unique<raw_client>(server_->port());
    ASSERT_TRUE(c->connected());
    std::string target = base + "?watch=1&timeoutSeconds=3&resourceVersion=" + rv0;
    if (!s.selector.empty())
      target += "&labelSelector=" + s.selector;
    if (s.bookmarks)
      target += "&allowWatchBookmarks=true";
    std::string accept =
      s.table.empty() ? "application/json" : "application/json;as=Table;v=" + s.table + ";g=meta.k8s.io";
    c->send(request("GET", target, "", accept));
    watchers.push_back(std::move(c));
  }
  for (auto& c : watchers)
    ASSERT_TRUE(c->read_until([](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; },
                              std::chrono::seconds(5)));

  // tier x -> y (x watchers: DELETED, y: ADDED), y -> x with new data (x: ADDED, y: DELETED),
  // data change within x (x: MODIFIED), delete.
  std::vector<std::string> rvs;
  json r1 = call(writer, "PUT", base + "/a", configmap("y", "v1", rv0));
  ASSERT_TRUE(r1.is_object()) << writer.received();
  rvs.push_back(r1["metadata"]["resourceVersion"]);
  json r2 = call(writer, "PUT", base + "/a", configmap("x", "v2", rvs.back()));
  ASSERT_TRUE(r2.is_object()) << writer.received();
  rvs.push_back(r2["metadata"]["resourceVersion"]);
  json r3 = call(writer, "PUT", base + "/a", configmap("x", "v3", rvs.back()));
  ASSERT_TRUE(r3.is_object()) << writer.received();
  rvs.push_back(r3["metadata"]["resourceVersion"]);
  json r4 = call(writer, "DELETE", base + "/a");
  ASSERT_TRUE(r4.is_object()) << writer.received();
  // The DELETED event's RV is the deletion's RV (one past the last write when the
  // response does not carry it).
  const json* deleted_rv = kelos::k8s::find_path(r4, "metadata.resourceVersion");
  rvs.push_back(deleted_rv && deleted_rv->is_string() && deleted_rv->get<std::string>() != rvs.back()
                  ? deleted_rv->get<std::string>()
                  : std::to_string(std::stoll(rvs.back()) + 1));

  std::vector<expected_event> all = {
    {"MODIFIED", rvs[0], "v1"}, {"MODIFIED", rvs[1], "v2"}, {"MODIFIED", rvs[2], "v3"}, {"DELETED", rvs[3], ""}};
  std::vector<expected_event> in_x = {
    {"DELETED", rvs[0], ""}, {"ADDED", rvs[1], "v2"}, {"MODIFIED", rvs[2], "v3"}, {"DELETED", rvs[3], ""}};
  std::vector<expected_event> in_y = {{"ADDED", rvs[0], "v1"}, {"DELETED", rvs[1], ""}};

  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    SCOPED_TRACE("watcher " + std::to_string(i) + " selector '" + spec.selector + "' table '" + spec.table + "'");
    bool ended = false;
    ASSERT_TRUE(watchers[i]->read_until(
      [&](const std::string& r) {
        dechunk(r, ended);
        return ended;
      },
      std::chrono::seconds(10)))
      << watchers[i]->received();
    auto lines = lines_of(dechunk(watchers[i]->received(), ended));
    const auto& want = spec.selector.empty() ? all : spec.selector == "tier=x" ? in_x : in_y;
    std::vector<json> events;
    for (const auto& l : lines) {
      ASSERT_TRUE(l.is_object());
      if (l["type"] == "BOOKMARK") {
        EXPECT_TRUE(spec.bookmarks);
        // Bookmarks are objects of the watched kind even for Table watches.
        EXPECT_EQ(l["object"]["kind"], "ConfigMap");
        EXPECT_EQ(l["object"]["apiVersion"], "v1");
        continue;
      }
      events.push_back(l);
    }
    ASSERT_EQ(events.size(), want.size()) << watchers[i]->received();
    for (std::size_t e = 0; e < want.size(); ++e) {
      SCOPED_TRACE("event " + std::to_string(e));
      const json& ev = events[e];
      EXPECT_EQ(ev["type"], want[e].type);
      const json& obj = ev["object"];
      if (spec.table.empty()) {
        EXPECT_EQ(obj["apiVersion"], "v1");
        EXPECT_EQ(obj["kind"], "ConfigMap");
        EXPECT_EQ(obj["metadata"]["name"], "a");
        EXPECT_EQ(obj["metadata"]["resourceVersion"], want[e].rv);
        if (!want[e].value.empty()) {
          EXPECT_EQ(obj["data"]["value"], want[e].value);
        }
      } else {
        EXPECT_EQ(obj["kind"], "Table");
        EXPECT_EQ(obj["apiVersion"], "meta.k8s.io/" + spec.table);
        EXPECT_EQ(obj["metadata"]["resourceVersion"], want[e].rv);
        // Column definitions only on a watcher's first row.
        EXPECT_EQ(obj.contains("columnDefinitions") && !obj["columnDefinitions"].empty(), e == 0) << obj.dump();
        ASSERT_TRUE(obj["rows"].is_array());
        ASSERT_EQ(obj["rows"].size(), 1U);
        EXPECT_EQ(obj["rows"][0]["object"]["metadata"]["name"], "a");
        EXPECT_EQ(obj["rows"][0]["object"]["metadata"]["resourceVersion"], want[e].rv);
      }
    }
  }
}

// While events keep coming, a watch stream is written at most once per
// `watch_batch_interval`: a burst that arrives within the interval after a write goes out
// as one chunk (with no batching, each event of a burst of sequential writes goes out on
// its own). The interval is long here so that the burst's five creates surely fit in it.
TEST(ApiServerWatchBatchTest, ABurstOfEventsGoesOutAsOneChunk) {
  api_server_config cfg;
  cfg.watch_batch_interval = std::chrono::seconds(1);
  auto started = api_server::start(cfg);
  ASSERT_TRUE(started) << started.error().message;
  auto server = std::move(started).value();
  const std::string base = "/api/v1/namespaces/default/configmaps";
  raw_client writer(server->port());
  raw_client watcher(server->port());
  ASSERT_TRUE(writer.connected() && watcher.connected());
  watcher.send(request("GET", base + "?watch=1&timeoutSeconds=30"));
  ASSERT_TRUE(watcher.read_until([](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; },
                                 std::chrono::seconds(5)));

  auto events_received = [&] {
    std::size_t n = 0;
    bool ended = false;
    for (const auto& c : chunks_of(watcher.received(), ended))
      n += lines_of(c).size();
    return n;
  };
  auto make = [](const std::string& name) {
    return json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}}.dump();
  };
  ASSERT_TRUE(call(writer, "POST", base, make("first")).is_object()) << writer.received();
  ASSERT_TRUE(watcher.read_until([&](const std::string&) { return events_received() >= 1; }, std::chrono::seconds(5)));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(call(writer, "POST", base, make("burst-" + std::to_string(i))).is_object()) << writer.received();
  ASSERT_TRUE(watcher.read_until([&](const std::string&) { return events_received() >= 6; }, std::chrono::seconds(10)))
    << watcher.received();

  bool ended = false;
  auto chunks = chunks_of(watcher.received(), ended);
  ASSERT_EQ(chunks.size(), 2U) << watcher.received();
  auto first = lines_of(chunks[0]);
  auto burst = lines_of(chunks[1]);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0]["object"]["metadata"]["name"], "first");
  ASSERT_EQ(burst.size(), 5U);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(burst[i]["type"], "ADDED");
    EXPECT_EQ(burst[i]["object"]["metadata"]["name"], "burst-" + std::to_string(i));
  }
}

// An event that carries its committed text goes out as that text (no second serialisation);
// a form that changes the object (a Table, another RV) is rendered from the tree.
TEST(WatchRenderTest, SplicesTheCommittedTextWhenTheObjectGoesOutAsStored) {
  using namespace kelos::apiserver;
  resource_catalog catalog;
  auto cm = catalog.snapshot()->find("", "v1", "configmaps");
  ASSERT_TRUE(cm);
  json tree = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "a"}, {"resourceVersion", "7"}}}};
  auto obj = std::make_shared<const json>(tree);
  watch_event plain{watch_event_type::added, obj, 7};
  watch_event with_text{watch_event_type::added, obj, 7, std::make_shared<const stored_object>(obj->dump())};
  EXPECT_EQ(render_watch_event(with_text, *cm, false, "v1", false), render_watch_event(plain, *cm, false, "v1", false));
  // The text is what goes out: a marker text proves the tree was not serialised.
  watch_event marked{watch_event_type::added, obj, 7, std::make_shared<const stored_object>(R"({"marker":1})")};
  EXPECT_EQ(render_watch_event(marked, *cm, false, "v1", false), "{\"object\":{\"marker\":1},\"type\":\"ADDED\"}\n");
  // Another RV on the wire, or a Table: rendered from the tree.
  watch_event later{watch_event_type::deleted, obj, 9, marked.stored};
  EXPECT_EQ(render_watch_event(later, *cm, false, "v1", false).find("marker"), std::string::npos);
  EXPECT_EQ(render_watch_event(marked, *cm, true, "v1", true).find("marker"), std::string::npos);
}

// The cache itself: equal inputs share bytes, any differing input renders anew, and every
// answer equals `render_watch_event`.
TEST(WatchRenderCacheTest, SharesOnlyIdenticalRenderings) {
  using namespace kelos::apiserver;
  resource_catalog catalog;
  auto cm = catalog.snapshot()->find("", "v1", "configmaps");
  ASSERT_TRUE(cm);
  auto obj = std::make_shared<const json>(json{{"apiVersion", "v1"},
                                               {"kind", "ConfigMap"},
                                               {"metadata", {{"name", "a"}, {"resourceVersion", "7"}}},
                                               {"data", {{"k", "v"}}}});
  watch_event modified{watch_event_type::modified, obj, 7};
  watch_event added{watch_event_type::added, obj, 7};
  watch_event deleted_later{watch_event_type::deleted, obj, 9};
  watch_render_cache cache;
  std::string first = cache.render(modified, cm, false, "v1", false);
  EXPECT_EQ(first, render_watch_event(modified, *cm, false, "v1", false));
  EXPECT_EQ(first.back(), '\n');
  EXPECT_EQ(cache.render(modified, cm, false, "v1", false), first);
  EXPECT_EQ(cache.hits(), 1U);
  EXPECT_EQ(cache.render(added, cm, false, "v1", false), render_watch_event(added, *cm, false, "v1", false));
  std::string del = cache.render(deleted_later, cm, false, "v1", false);
  EXPECT_EQ(del, render_watch_event(deleted_later, *cm, false, "v1", false));
  EXPECT_NE(del.find("\"resourceVersion\":\"9\""), std::string::npos) << del;
  std::string table = cache.render(modified, cm, true, "v1", true);
  EXPECT_EQ(table, render_watch_event(modified, *cm, true, "v1", true));
  EXPECT_NE(table.find("columnDefinitions"), std::string::npos);
  EXPECT_EQ(cache.render(modified, cm, true, "v1", false), render_watch_event(modified, *cm, true, "v1", false));
  EXPECT_EQ(cache.render(modified, cm, true, "v1beta1", false),
            render_watch_event(modified, *cm, true, "v1beta1", false));
  EXPECT_EQ(cache.hits(), 1U);
  EXPECT_EQ(cache.misses(), 6U);
  // Survives one generation change, not two unused ones.
  cache.next_generation();
  EXPECT_EQ(cache.render(modified, cm, false, "v1", false), first);
  EXPECT_EQ(cache.hits(), 2U);
  cache.next_generation();
  cache.next_generation();
  EXPECT_EQ(cache.render(modified, cm, false, "v1", false), first);
  EXPECT_EQ(cache.hits(), 2U);
  // An object stored under another apiVersion is rewritten, not sent as is.
  auto old_version = std::make_shared<const json>(json{{"apiVersion", "v0"}, {"metadata", {{"resourceVersion", "7"}}}});
  watch_event other{watch_event_type::modified, old_version, 7};
  std::string rewritten = cache.render(other, cm, false, "v1", false);
  EXPECT_EQ(rewritten, R"({"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"7"}},"type":"MODIFIED"})"
                       "\n");
}

} // namespace
