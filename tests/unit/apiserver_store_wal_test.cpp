#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/wal.hpp"

#include "tests/unit/apiserver_store_fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace kelos::apiserver;
using namespace kelos::apiserver::testing;
namespace fs = std::filesystem;

namespace {

class StoreWalTest : public ::testing::Test {
protected:
  fs::path dir;

  void SetUp() override {
    dir = fs::temp_directory_path()
          / ("kelos-wal-" + std::to_string(::getpid()) + "-"
             + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  store_config cfg() {
    auto c = test_config();
    c.data_dir = dir.string();
    c.fsync = false; // fsync is exercised by one test; it is slow on a shared disk
    return c;
  }

  std::unique_ptr<object_store> open(recovery_report* rep = nullptr, store_config c = {}) {
    if (c.data_dir.empty())
      c = cfg();
    auto s = object_store::open(c, rep);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  uintmax_t log_size() { return fs::file_size(dir / "wal.log"); }
};

} // namespace

TEST(WalCrcTest, KnownVector) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

// The sliced implementation equals the bit-at-a-time definition for every length and
// alignment (the 8-byte loop, the tail, and both together).
TEST(WalCrcTest, MatchesTheBitwiseDefinitionAtEveryLengthAndOffset) {
  auto bitwise = [](std::string_view data) {
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char ch : data) {
      c ^= ch;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
  };
  std::string data;
  for (int i = 0; i < 80; ++i)
    data.push_back(static_cast<char>((i * 131 + 7) & 0xFF));
  for (size_t off = 0; off < 8; ++off)
    for (size_t len = 0; off + len <= data.size(); ++len) {
      std::string_view slice(data.data() + off, len);
      ASSERT_EQ(crc32(slice), bitwise(slice)) << "offset " << off << " length " << len;
    }
}

TEST_F(StoreWalTest, ReopenRestoresStateAndRVsContinue) {
  int64_t rv = 0;
  {
    auto c = cfg();
    c.fsync = true;
    auto s = open(nullptr, c);
    ASSERT_TRUE(s->create(res("tasks"), "default", task("a", {{"x", 1}})));
    ASSERT_TRUE(s->create(res("tasks"), "default", task("b")));
    ASSERT_TRUE(s->remove(res("tasks"), "default", "b"));
    rv = s->current_rv();
    // Destroyed without any clean shutdown step.
  }
  recovery_report rep;
  auto s = open(&rep);
  EXPECT_FALSE(rep.truncated_tail);
  EXPECT_EQ(rep.resource_version, rv);
  EXPECT_EQ(s->current_rv(), rv);
  auto a = s->get(res("tasks"), "default", "a");
  ASSERT_TRUE(a);
  EXPECT_EQ((**a)["spec"]["x"], 1);
  EXPECT_FALSE(s->get(res("tasks"), "default", "b"));
  EXPECT_TRUE(s->get(res("namespaces"), "", "default"));
  auto c = s->create(res("tasks"), "default", task("c"));
  ASSERT_TRUE(c);
  EXPECT_EQ(rv_num(*c->object), rv + 1);
  // A watch from before the restart is too old: the event log starts empty.
  auto w = s->watch(res("tasks"), "default", {std::to_string(rv - 1), "", "", false, false, 0});
  ASSERT_TRUE(w);
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].type, watch_event_type::error);
}

TEST_F(StoreWalTest, TruncatedTailIsCutAtLastGoodRecord) {
  int64_t rv_before_last = 0;
  {
    auto s = open();
    ASSERT_TRUE(s->create(res("tasks"), "default", task("a")));
    rv_before_last = s->current_rv();
    ASSERT_TRUE(s->create(res("tasks"), "default", task("b")));
  }
  auto full = log_size();
  fs::resize_file(dir / "wal.log", full - 5);
  recovery_report rep;
  auto s = open(&rep);
  EXPECT_TRUE(rep.truncated_tail);
  EXPECT_NE(rep.problem.find("truncated"), std::string::npos) << rep.problem;
  EXPECT_LT(rep.truncated_at, full);
  EXPECT_EQ(log_size(), rep.truncated_at);
  EXPECT_TRUE(s->get(res("tasks"), "default", "a"));
  EXPECT_FALSE(s->get(res("tasks"), "default", "b"));
  EXPECT_EQ(s->current_rv(), rv_before_last);
  ASSERT_TRUE(s->create(res("tasks"), "default", task("b")));
  s.reset();
  recovery_report again;
  auto s2 = open(&again);
  EXPECT_FALSE(again.truncated_tail);
  EXPECT_TRUE(s2->get(res("tasks"), "default", "b"));
}

TEST_F(StoreWalTest, CorruptTailByteIsDetectedByCrc) {
  {
    auto s = open();
    ASSERT_TRUE(s->create(res("tasks"), "default", task("a")));
    ASSERT_TRUE(s->create(res("tasks"), "default", task("b", {{"payload", "xxxxxxxxxxxxxxxx"}})));
  }
  {
    std::fstream f(dir / "wal.log", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(log_size() - 10));
    f.put('#');
  }
  recovery_report rep;
  auto s = open(&rep);
  EXPECT_TRUE(rep.truncated_tail);
  EXPECT_NE(rep.problem.find("CRC mismatch"), std::string::npos) << rep.problem;
  EXPECT_TRUE(s->get(res("tasks"), "default", "a"));
  EXPECT_FALSE(s->get(res("tasks"), "default", "b"));
}

TEST_F(StoreWalTest, CompactionWritesSnapshotAndKeepsState) {
  int64_t rv = 0;
  {
    auto c = cfg();
    c.compact_every = 5;
    auto s = open(nullptr, c);
    for (int i = 0; i < 12; ++i)
      ASSERT_TRUE(s->create(res("configmaps"), "default", configmap("c" + std::to_string(i))));
    ASSERT_TRUE(s->remove(res("configmaps"), "default", "c0"));
    rv = s->current_rv();
  }
  EXPECT_TRUE(fs::exists(dir / "snapshot"));
  recovery_report rep;
  auto s = open(&rep);
  EXPECT_TRUE(rep.loaded_snapshot);
  EXPECT_GT(rep.snapshot_objects, 0u);
  EXPECT_LT(rep.replayed_records, 13u);
  EXPECT_EQ(s->current_rv(), rv);
  auto l = s->list(res("configmaps"), "default");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->items.size(), 11u);
  ASSERT_TRUE(s->compact());
  EXPECT_EQ(log_size(), 0u);
}

// The log and the snapshot write each object's stored text verbatim: after a reopen (log
// replay) and after a compaction (snapshot) every object reads back exactly as it was
// acknowledged, numbers, unicode and nesting included.
TEST_F(StoreWalTest, ObjectsReadBackExactlyAfterReplayAndAfterSnapshot) {
  auto payload = json::parse(R"({"k":"héllo ✓","quote":"a\"b\\c","n":[-3,0,18446744073709551615,0.1,1e300],
                                "deep":{"a":{"b":[{"c":null},true]}}})");
  std::vector<json> written;
  {
    auto s = open();
    for (int i = 0; i < 4; ++i) {
      json cm = configmap("c" + std::to_string(i));
      cm["data"] = {{"i", std::to_string(i)}};
      cm["extra"] = payload;
      auto r = s->create(res("configmaps"), "default", cm);
      ASSERT_TRUE(r) << r.error().message;
    }
    auto upd = s->mutate(res("configmaps"), "default", "c1", [](const json* cur) -> api_result<json> {
      json next = *cur;
      next["data"]["i"] = "updated";
      return next;
    });
    ASSERT_TRUE(upd);
    ASSERT_TRUE(s->remove(res("configmaps"), "default", "c2"));
    auto l = s->list(res("configmaps"), "default");
    ASSERT_TRUE(l);
    for (auto& item : l->items)
      written.push_back(*item);
  }
  ASSERT_EQ(written.size(), 3u);
  auto read_back = [&](object_store& s) {
    auto l = s.list(res("configmaps"), "default");
    EXPECT_TRUE(l);
    std::vector<json> out;
    for (auto& item : l->items)
      out.push_back(*item);
    return out;
  };
  {
    auto s = open();
    EXPECT_EQ(read_back(*s), written) << "after log replay";
    ASSERT_TRUE(s->compact());
  }
  recovery_report rep;
  auto s = open(&rep);
  EXPECT_TRUE(rep.loaded_snapshot);
  EXPECT_EQ(rep.replayed_records, 0u);
  EXPECT_EQ(read_back(*s), written) << "after snapshot load";
}
