// WAL group commit: concurrent writers share fdatasyncs, nothing is acknowledged before it
// is durable, and a failed sync fails the waiting write and every later one.

#include "k8s/apiserver/object_store.hpp"

#include "tests/unit/apiserver_store_fixture.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace kelos::apiserver;
using namespace kelos::apiserver::testing;
namespace fs = std::filesystem;

namespace {

class StoreGroupCommitTest : public ::testing::Test {
protected:
  fs::path dir;

  void SetUp() override {
    dir = fs::temp_directory_path()
          / ("kelos-gc-" + std::to_string(::getpid()) + "-"
             + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  store_config cfg() {
    auto c = test_config();
    c.data_dir = dir.string();
    c.fsync = true;
    return c;
  }

  std::string read_log() {
    std::ifstream in(dir / "wal.log", std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

constexpr int writers = 8;
constexpr int per_writer = 25;

std::string name_of(int w, int i) { return "cm-w" + std::to_string(w) + "-" + std::to_string(i); }

} // namespace

TEST_F(StoreGroupCommitTest, ConcurrentWritersShareSyncsAndAckOnlyDurableRecords) {
  // The hook models the disk: what the log held when a sync ran is what an OS crash keeps.
  std::mutex image_mu;
  std::string durable_image;
  auto c = cfg();
  c.compact_every = 0; // keep every record in wal.log so the image check sees them all
  c.wal_sync_hook = [&](int fd) {
    std::string img = read_log();
    // A slow disk: makes writers pile up behind the leader, as a real fdatasync does.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    int rc = ::fdatasync(fd);
    std::lock_guard l(image_mu);
    if (rc == 0 && img.size() > durable_image.size())
      durable_image = std::move(img);
    return rc;
  };
  std::set<std::string> acked;
  std::mutex acked_mu;
  int not_durable_acks = 0;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    auto before = (*s)->durability();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([&, w] {
        for (int i = 0; i < per_writer; ++i) {
          auto name = name_of(w, i);
          auto r = (*s)->create(res("configmaps"), "default", configmap(name));
          if (!r)
            continue;
          std::lock_guard l(image_mu);
          if (durable_image.find("\"" + name + "\"") == std::string::npos)
            ++not_durable_acks;
          std::lock_guard l2(acked_mu);
          acked.insert(name);
        }
      });
    for (auto& t : threads)
      t.join();
    auto after = (*s)->durability();
    EXPECT_EQ(after.records - before.records, static_cast<uint64_t>(writers * per_writer));
    EXPECT_FALSE(after.failed);
    EXPECT_EQ(after.failures, 0);
    // Shared syncs: far fewer fdatasyncs than writes when 8 writers run at once.
    EXPECT_LT(after.syncs - before.syncs, static_cast<uint64_t>(writers * per_writer) / 2)
      << "syncs " << after.syncs - before.syncs;
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(writers * per_writer));
  EXPECT_EQ(not_durable_acks, 0) << "a write was acknowledged before its record was synced";
  // Reopen on exactly the synced image (what survives an OS crash): every ack is there.
  {
    std::ofstream out(dir / "wal.log", std::ios::binary | std::ios::trunc);
    out << durable_image;
  }
  auto c2 = cfg();
  auto s = object_store::open(c2);
  ASSERT_TRUE(s) << s.error().message;
  for (auto& name : acked)
    EXPECT_TRUE((*s)->get(res("configmaps"), "default", name)) << name;
}

TEST_F(StoreGroupCommitTest, AcknowledgedWritesSurviveReopenAcrossSnapshots) {
  // Snapshots truncate the log while writers wait for syncs: the byte counter must not
  // go backwards and no acknowledged write may be lost.
  auto c = cfg();
  c.compact_every = 37;
  std::set<std::string> acked;
  std::mutex acked_mu;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([&, w] {
        for (int i = 0; i < per_writer; ++i) {
          auto name = name_of(w, i);
          if ((*s)->create(res("configmaps"), "default", configmap(name))) {
            std::lock_guard l(acked_mu);
            acked.insert(name);
          }
          if (i % 5 == 4 && (*s)->remove(res("configmaps"), "default", name_of(w, i - 1))) {
            std::lock_guard l(acked_mu);
            acked.erase(name_of(w, i - 1));
          }
        }
      });
    for (auto& t : threads)
      t.join();
    EXPECT_FALSE((*s)->durability().failed);
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(writers * (per_writer - per_writer / 5)));
  recovery_report rep;
  auto s = object_store::open(cfg(), &rep);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(rep.loaded_snapshot);
  for (auto& name : acked)
    EXPECT_TRUE((*s)->get(res("configmaps"), "default", name)) << name;
  EXPECT_FALSE((*s)->get(res("configmaps"), "default", name_of(0, 3)));
}

TEST_F(StoreGroupCommitTest, FailedSyncFailsTheWriteAndEveryLaterOne) {
  auto c = cfg();
  bool fail = false;
  c.wal_sync_hook = [&](int fd) {
    if (fail) {
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  auto s = object_store::open(c);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("ok")));
  fail = true;
  auto r = (*s)->create(res("configmaps"), "default", configmap("lost"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 500);
  EXPECT_NE(r.error().message.find("durable"), std::string::npos) << r.error().message;
  fail = false; // the WAL stays failed even though the disk would work again
  auto later = (*s)->create(res("configmaps"), "default", configmap("later"));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, 500);
  auto st = (*s)->durability();
  EXPECT_TRUE(st.failed);
  EXPECT_GE(st.failures, 2);
  // Reads still work.
  EXPECT_TRUE((*s)->get(res("configmaps"), "default", "ok"));
}

// Background compaction: crash points are emulated with the files each one leaves behind.

TEST_F(StoreGroupCommitTest, RotatedLogWithoutSnapshotIsReplayed) {
  // Crash after rotation, before the background snapshot was renamed into place.
  auto c = cfg();
  c.compact_every = 0;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("a" + std::to_string(i))));
    ASSERT_TRUE((*s)->remove(res("configmaps"), "default", "a0"));
  }
  fs::rename(dir / "wal.log", dir / "wal.old.log");
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE((*s)->get(res("configmaps"), "default", "a4"));
    ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("b")));
  }
  EXPECT_TRUE(fs::exists(dir / "wal.old.log"));
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    for (int i = 1; i < 5; ++i)
      EXPECT_TRUE((*s)->get(res("configmaps"), "default", "a" + std::to_string(i))) << i;
    EXPECT_FALSE((*s)->get(res("configmaps"), "default", "a0"));
    EXPECT_TRUE((*s)->get(res("configmaps"), "default", "b"));
    // A synchronous snapshot absorbs the rotated log.
    ASSERT_TRUE((*s)->compact());
  }
  EXPECT_FALSE(fs::exists(dir / "wal.old.log"));
  auto s = object_store::open(c);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE((*s)->get(res("configmaps"), "default", "b"));
  EXPECT_FALSE((*s)->get(res("configmaps"), "default", "a0"));
  EXPECT_EQ((*s)->list(res("configmaps"), "default")->items.size(), 5u);
}

TEST_F(StoreGroupCommitTest, StaleRotatedLogAfterSnapshotIsSkipped) {
  // Crash after the snapshot rename, before wal.old.log was deleted: its records are older
  // than the snapshot and must not resurrect deleted objects.
  auto c = cfg();
  c.compact_every = 0;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("x" + std::to_string(i))));
  }
  fs::copy_file(dir / "wal.log", dir / "saved.log");
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE((*s)->remove(res("configmaps"), "default", "x0"));
    ASSERT_TRUE((*s)->compact());
    ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("y")));
  }
  fs::rename(dir / "saved.log", dir / "wal.old.log");
  auto s = object_store::open(c);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE((*s)->get(res("configmaps"), "default", "x0"));
  EXPECT_TRUE((*s)->get(res("configmaps"), "default", "x1"));
  EXPECT_TRUE((*s)->get(res("configmaps"), "default", "y"));
}

TEST_F(StoreGroupCommitTest, BackgroundCompactionLeavesSnapshotAndNoRotatedLog) {
  auto c = cfg();
  c.fsync = false;
  c.compact_every = 10;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    for (int i = 0; i < 95; ++i)
      ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("z" + std::to_string(i))));
    // Destruction joins the snapshot writer.
  }
  EXPECT_TRUE(fs::exists(dir / "snapshot"));
  EXPECT_FALSE(fs::exists(dir / "wal.old.log"));
  recovery_report rep;
  auto s = object_store::open(c, &rep);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(rep.loaded_snapshot);
  // The live log holds only what came after the last rotation (how many rotations ran
  // depends on the snapshot thread's timing; a rotation waits for the previous snapshot).
  EXPECT_GT(rep.snapshot_objects, 0u);
  EXPECT_LT(rep.replayed_records, 95u);
  EXPECT_EQ((*s)->list(res("configmaps"), "default")->items.size(), 95u);
}

namespace {

// Lets a running background snapshot finish (a rotation that comes due meanwhile is put off
// to a later write), so that the compaction count depends on the rule alone.
void settle(object_store& s) {
  for (int i = 0; i < 2000 && s.durability().compacting; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

} // namespace

// A snapshot writes every live object, so the log is compacted every `compact_every` records
// only while the store is small. Once it holds more objects than that, a compaction waits for
// as many records as there are objects: a store that only grows replays no more than one
// record per object and is not compacted again, updates of a large store compact once per
// store-sized batch, and a store of few objects updated often compacts every `compact_every`.
TEST_F(StoreGroupCommitTest, CompactionWaitsForAsManyRecordsAsLiveObjects) {
  auto c = cfg();
  c.fsync = false;
  c.compact_every = 10;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("grow" + std::to_string(i))));
      settle(**s);
    }
    const auto grown = (*s)->durability().compactions;
    EXPECT_GE(grown, 1u);
    EXPECT_LE(grown, 2u) << "one compaction every 10 records would make 30";
    for (int round = 0; round < 2; ++round)
      for (int i = 0; i < 300; ++i) {
        auto w = (*s)->mutate(res("configmaps"), "default", "grow" + std::to_string(i),
                              [round](const json* cur) -> api_result<json> {
                                json next = *cur;
                                next["data"] = {{"round", std::to_string(round)}};
                                return next;
                              });
        ASSERT_TRUE(w) << w.error().message;
        settle(**s);
      }
    const auto updated = (*s)->durability().compactions - grown;
    EXPECT_GE(updated, 1u) << "600 updates of 300 objects";
    EXPECT_LE(updated, 2u);
  }
  std::filesystem::remove_all(dir);
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("hot")));
    for (int i = 0; i < 100; ++i) {
      auto w = (*s)->mutate(res("configmaps"), "default", "hot", [i](const json* cur) -> api_result<json> {
        json next = *cur;
        next["data"] = {{"i", std::to_string(i)}};
        return next;
      });
      ASSERT_TRUE(w) << w.error().message;
      settle(**s);
    }
    EXPECT_GE((*s)->durability().compactions, 9u) << "a small store compacts every compact_every records";
  }
  recovery_report rep;
  auto s = object_store::open(c, &rep);
  ASSERT_TRUE(s) << s.error().message;
  auto hot = (*s)->get(res("configmaps"), "default", "hot");
  ASSERT_TRUE(hot);
  EXPECT_EQ((*hot.value())["data"]["i"], "99");
}

// Deferred durability (the HTTP front's path): writes in a deferred scope return without
// waiting for the sync; `when_durable` answers once the covering fdatasync has run.

namespace {

// A disk whose fdatasync blocks while the test holds the gate closed (bounded wait).
struct gated_disk {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  int syncs = 0;
  bool fail = false;

  int sync(int fd) {
    std::unique_lock l(mu);
    ++syncs;
    cv.notify_all();
    cv.wait_for(l, std::chrono::seconds(10), [&] { return open; });
    if (fail) {
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  }
  void release() {
    std::lock_guard l(mu);
    open = true;
    cv.notify_all();
  }
  void close() {
    std::lock_guard l(mu);
    open = false;
    syncs = 0;
  }
  bool wait_for_sync(int n) {
    std::unique_lock l(mu);
    return cv.wait_for(l, std::chrono::seconds(10), [&] { return syncs >= n; });
  }
};

// Records a when_durable answer for a bounded wait.
struct answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<kelos::expected<void>> result;

  std::function<void(kelos::expected<void>)> callback() {
    return [this](kelos::expected<void> r) {
      std::lock_guard l(mu);
      result = std::move(r);
      cv.notify_all();
    };
  }
  bool arrived(std::chrono::milliseconds within) {
    std::unique_lock l(mu);
    return cv.wait_for(l, within, [&] { return result.has_value(); });
  }
};

// Creates ConfigMaps `names` in one deferred scope; returns the WAL position they need
// (0 after a failed create, which is reported).
uint64_t deferred_creates(object_store& store, const std::vector<std::string>& names) {
  object_store::deferred_durability deferred;
  for (auto& name : names)
    if (auto r = store.create(res("configmaps"), "default", configmap(name)); !r) {
      ADD_FAILURE() << "create " << name << ": " << r.error().message;
      return 0;
    }
  return deferred.position();
}

} // namespace

TEST_F(StoreGroupCommitTest, DeferredWritesReturnBeforeTheSyncAndAreAnsweredAfterIt) {
  gated_disk disk;
  auto c = cfg();
  c.wal_sync_hook = [&](int fd) { return disk.sync(fd); };
  auto s = object_store::open(c);
  ASSERT_TRUE(s) << s.error().message;
  disk.close();
  uint64_t position = deferred_creates(**s, {"d0", "d1", "d2", "d3", "d4"});
  EXPECT_GT(position, 0u);
  EXPECT_EQ(disk.syncs, 0) << "nothing waited, so nothing synced yet";
  EXPECT_TRUE((*s)->get(res("configmaps"), "default", "d4")) << "committed and visible";
  answer a;
  (*s)->when_durable(position, a.callback());
  ASSERT_TRUE(disk.wait_for_sync(1));
  EXPECT_FALSE(a.arrived(std::chrono::milliseconds(50))) << "answered before its sync ran";
  disk.release();
  ASSERT_TRUE(a.arrived(std::chrono::seconds(10)));
  EXPECT_TRUE(*a.result);
  EXPECT_EQ(disk.syncs, 1) << "one sync covers all five deferred writes";
  // Already durable: answered at once on the calling thread.
  answer again;
  (*s)->when_durable(position, again.callback());
  EXPECT_TRUE(again.arrived(std::chrono::milliseconds(0)));
}

TEST_F(StoreGroupCommitTest, DeferredWriteWhoseSyncFailsGetsTheErrorAndTheStoreRefusesLaterWrites) {
  gated_disk disk;
  auto c = cfg();
  c.wal_sync_hook = [&](int fd) { return disk.sync(fd); };
  auto s = object_store::open(c);
  ASSERT_TRUE(s) << s.error().message;
  disk.fail = true;
  uint64_t position = deferred_creates(**s, {"lost"});
  ASSERT_GT(position, 0u);
  answer a;
  (*s)->when_durable(position, a.callback());
  ASSERT_TRUE(a.arrived(std::chrono::seconds(10)));
  ASSERT_FALSE(*a.result);
  EXPECT_NE(a.result->error().message.find("fdatasync"), std::string::npos) << a.result->error().message;
  auto st = (*s)->durability();
  EXPECT_TRUE(st.failed);
  EXPECT_EQ(st.failures, 1);
  auto later = (*s)->create(res("configmaps"), "default", configmap("later"));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, 500);
}

TEST_F(StoreGroupCommitTest, NestedDeferredScopesHandTheirPositionOutward) {
  auto s = object_store::open(cfg());
  ASSERT_TRUE(s) << s.error().message;
  object_store::deferred_durability outer;
  uint64_t inner_position = 0;
  {
    object_store::deferred_durability inner;
    ASSERT_TRUE((*s)->create(res("configmaps"), "default", configmap("n")));
    inner_position = inner.position();
  }
  EXPECT_GT(inner_position, 0u);
  EXPECT_EQ(outer.position(), inner_position);
}

TEST_F(StoreGroupCommitTest, ClosingTheStoreAnswersPendingCallbacks) {
  gated_disk disk;
  auto c = cfg();
  c.wal_sync_hook = [&](int fd) { return disk.sync(fd); };
  answer a;
  {
    auto s = object_store::open(c);
    ASSERT_TRUE(s) << s.error().message;
    disk.close();
    uint64_t position = deferred_creates(**s, {"p"});
    ASSERT_GT(position, 0u);
    (*s)->when_durable(position, a.callback());
    std::thread opener([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      disk.release();
    });
    s->reset(); // destroys the store: must sync and answer first
    opener.join();
    EXPECT_TRUE(a.arrived(std::chrono::milliseconds(0))) << "destroyed with a callback unanswered";
  }
  ASSERT_TRUE(a.result && *a.result);
}
