#include "k8s/apiserver/wal.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kelos::apiserver {

namespace {

constexpr const char* log_name = "wal.log";
constexpr const char* snapshot_name = "snapshot";
constexpr const char* old_log_name = "wal.old.log";
constexpr uint32_t max_record = 256u * 1024u * 1024u;

// Slicing-by-8 tables: t[0] is the classic byte table; t[k][i] is the CRC of byte i followed
// by k zero bytes, so eight input bytes fold in with eight independent lookups.
using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

crc_tables make_tables() {
  crc_tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (size_t k = 1; k < 8; ++k)
    for (uint32_t i = 0; i < 256; ++i)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  return t;
}

uint32_t load_le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8
         | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

kelos::error io_error(const std::string& what) {
  return kelos::make_error(errc::io_error, what + ": " + std::strerror(errno));
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string frame(const std::string& payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  put_u32(out, crc32(payload));
  out += payload;
  return out;
}

// The payload of one record: compact JSON `{"g","op","r","rv","o"}` for a put (the
// object's text spliced in last when the record carries it; `{"g","o","op","r","rv"}` when
// serialised from the tree), `{"g","n","ns","op","r","rv"}` for a delete. Readers look keys
// up by name.
std::string encode(const wal_record& r) {
  if (r.op == wal_record::kind::put) {
    if (!r.object_text)
      return k8s::json{{"op", "put"}, {"rv", r.rv}, {"g", r.group}, {"r", r.plural}, {"o", *r.object}}
        .dump();
    std::string out = k8s::json{{"op", "put"}, {"rv", r.rv}, {"g", r.group}, {"r", r.plural}}.dump();
    out.pop_back();
    out.append(",\"o\":").append(*r.object_text).append(1, '}');
    return out;
  }
  return k8s::json{{"op", "del"}, {"rv", r.rv}, {"g", r.group}, {"r", r.plural},
                   {"ns", r.namespace_}, {"n", r.name}}
    .dump();
}

bool decode(const k8s::json& j, wal_record& r) {
  if (!j.is_object())
    return false;
  std::string op = k8s::get_string(j, "op");
  r.rv = k8s::get_int(j, "rv");
  r.group = k8s::get_string(j, "g");
  r.plural = k8s::get_string(j, "r");
  if (op == "put") {
    auto it = j.find("o");
    if (it == j.end() || !it->is_object())
      return false;
    r.op = wal_record::kind::put;
    r.object = std::make_shared<const k8s::json>(*it);
    const k8s::json* meta = k8s::find_path(*r.object, "metadata");
    r.namespace_ = meta ? k8s::get_string(*meta, "namespace") : "";
    r.name = meta ? k8s::get_string(*meta, "name") : "";
    return !r.name.empty();
  }
  if (op == "del") {
    r.op = wal_record::kind::remove;
    r.namespace_ = k8s::get_string(j, "ns");
    r.name = k8s::get_string(j, "n");
    return !r.name.empty();
  }
  return false;
}

bool write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string read_file(const std::string& path, bool& exists) {
  std::ifstream in(path, std::ios::binary);
  exists = static_cast<bool>(in);
  if (!exists)
    return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses framed records from `data`; stops at the first bad one and returns its offset in
// `good_end` (data.size() when all is well) with the reason in `problem`.
template <class F>
void scan(const std::string& data, size_t& good_end, std::string& problem, F&& on_payload) {
  size_t off = 0;
  while (off < data.size()) {
    if (data.size() - off < 8) {
      problem = "truncated record header";
      break;
    }
    uint32_t len = get_u32(data.data() + off);
    uint32_t crc = get_u32(data.data() + off + 4);
    if (len > max_record) {
      problem = "implausible record length " + std::to_string(len);
      break;
    }
    if (data.size() - off - 8 < len) {
      problem = "truncated record payload";
      break;
    }
    std::string_view payload(data.data() + off + 8, len);
    if (crc32(payload) != crc) {
      problem = "CRC mismatch";
      break;
    }
    auto j = k8s::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !on_payload(j)) {
      problem = "undecodable record";
      break;
    }
    off += 8 + len;
  }
  good_end = off;
}

void sync_dir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

} // namespace

uint32_t crc32(std::string_view data) noexcept {
  static const crc_tables t = make_tables();
  uint32_t c = 0xFFFFFFFFu;
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint32_t lo = load_le32(p) ^ c;
    uint32_t hi = load_le32(p + 4);
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24]
        ^ t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; n > 0; ++p, --n)
    c = t[0][(c ^ *p) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

wal::wal(std::string dir, bool fsync, int fd) : dir_(std::move(dir)), fsync_(fsync), fd_(fd) {}

wal::~wal() {
  {
    std::lock_guard lock(sync_mu_);
    stopping_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable())
    syncer_.join(); // answers every pending callback first
  if (fd_ >= 0)
    ::close(fd_);
}

kelos::expected<std::unique_ptr<wal>> wal::open(
  const std::string& dir, bool fsync, const std::function<void(const wal_record&)>& on_record,
  wal_recovery& recovery) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return kelos::make_error(errc::io_error, "cannot create data dir " + dir + ": " + ec.message());
  // Snapshot: produced atomically, so any damage is a hard error rather than a tail to cut.
  bool exists = false;
  std::string snap = read_file(dir + "/" + snapshot_name, exists);
  if (exists) {
    size_t end = 0;
    std::string problem;
    bool header = true;
    scan(snap, end, problem, [&](const k8s::json& j) {
      if (header) {
        header = false;
        recovery.snapshot_rv = k8s::get_int(j, "rv");
        return j.is_object() && j.contains("rv");
      }
      wal_record r;
      if (!decode(j, r) || r.op != wal_record::kind::put)
        return false;
      on_record(r);
      ++recovery.snapshot_objects;
      return true;
    });
    if (!problem.empty() || header)
      return kelos::make_error(errc::io_error, "snapshot " + dir + "/" + snapshot_name
                                                 + " is damaged: "
                                                 + (problem.empty() ? "empty" : problem));
    recovery.loaded_snapshot = true;
  }
  // A rotated log whose background snapshot never completed: it was fully synced before the
  // rotation, so any damage is a hard error (skipping it would lose records).
  std::string old_log = read_file(dir + "/" + old_log_name, exists);
  bool has_old = exists;
  if (has_old) {
    size_t old_end = 0;
    std::string old_problem;
    scan(old_log, old_end, old_problem, [&](const k8s::json& j) {
      wal_record r;
      if (!decode(j, r))
        return false;
      if (r.rv > recovery.snapshot_rv) {
        on_record(r);
        ++recovery.replayed_records;
      }
      return true;
    });
    if (!old_problem.empty())
      return kelos::make_error(errc::io_error, "rotated log " + dir + "/" + old_log_name
                                                 + " is damaged: " + old_problem);
  }
  std::string log_path = dir + "/" + log_name;
  std::string log = read_file(log_path, exists);
  size_t end = 0;
  std::string problem;
  size_t records = 0;
  scan(log, end, problem, [&](const k8s::json& j) {
    wal_record r;
    if (!decode(j, r))
      return false;
    ++records;
    if (r.rv > recovery.snapshot_rv) {
      on_record(r);
      ++recovery.replayed_records;
    }
    return true;
  });
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("cannot open " + log_path);
  if (end < log.size()) {
    recovery.truncated_tail = true;
    recovery.truncated_at = end;
    recovery.problem = problem + " at byte " + std::to_string(end) + " of "
                       + std::to_string(log.size());
    if (::ftruncate(fd, static_cast<off_t>(end)) != 0) {
      ::close(fd);
      return io_error("cannot truncate " + log_path);
    }
    ::fsync(fd);
  }
  auto w = std::unique_ptr<wal>(new wal(dir, fsync, fd));
  w->size_ = end;
  w->since_snapshot_ = records;
  w->old_log_ = has_old;
  return w;
}

kelos::expected<void> wal::append(const wal_record& rec) {
  auto pos = append_buffered(rec);
  if (!pos)
    return std::move(pos).error();
  return wait_durable(*pos);
}

kelos::expected<uint64_t> wal::append_buffered(const wal_record& rec) {
  if (failed())
    return kelos::make_error(errc::io_error, "write-ahead log " + dir_ + " has failed earlier");
  std::string data = frame(encode(rec));
  if (!write_all(fd_, data)) {
    auto err = io_error("cannot append to " + dir_ + "/" + log_name);
    // Drop a partial record so that the next append does not land behind garbage.
    (void)::ftruncate(fd_, static_cast<off_t>(size_));
    return err;
  }
  size_ += data.size();
  ++since_snapshot_;
  records_.fetch_add(1, std::memory_order_relaxed);
  // Release: a leader that reads this position has the bytes in the page cache already.
  return written_.fetch_add(data.size(), std::memory_order_acq_rel) + data.size();
}

kelos::error wal::failure_locked() const {
  return kelos::make_error(errc::io_error,
                           failure_.empty() ? "write-ahead log " + dir_ + " has failed" : failure_);
}

kelos::expected<void> wal::wait_durable(uint64_t pos) {
  std::unique_lock lock(sync_mu_);
  for (;;) {
    if (failed_.load(std::memory_order_acquire))
      return failure_locked();
    if (!fsync_ || durable_ >= pos)
      return {};
    if (syncing_) {
      sync_cv_.wait(lock);
      continue;
    }
    lead_sync(lock);
  }
}

void wal::lead_sync(std::unique_lock<std::mutex>& lock) {
  // One fdatasync covers every byte written before it starts.
  syncing_ = true;
  uint64_t target = written();
  lock.unlock();
  int rc = sync_hook ? sync_hook(fd_) : ::fdatasync(fd_);
  int saved = errno;
  syncs_.fetch_add(1, std::memory_order_relaxed);
  lock.lock();
  syncing_ = false;
  if (rc != 0) {
    errno = saved;
    failure_ = io_error("cannot fdatasync " + dir_ + "/" + log_name).message;
    failed_.store(true, std::memory_order_release);
  } else {
    durable_ = std::max(durable_, target);
  }
  sync_cv_.notify_all(); // blocking waiters, the sync thread, drain_callbacks
}

void wal::when_durable(uint64_t pos, std::function<void(kelos::expected<void>)> done) {
  std::unique_lock lock(sync_mu_);
  if (failed_.load(std::memory_order_acquire)) {
    auto err = failure_locked();
    lock.unlock();
    done(std::move(err));
    return;
  }
  if (!fsync_ || durable_ >= pos) {
    lock.unlock();
    done({});
    return;
  }
  callbacks_.emplace(pos, std::move(done));
  if (!syncer_.joinable())
    syncer_ = std::thread([this] { sync_loop(); });
  sync_cv_.notify_all();
}

void wal::drain_callbacks() {
  std::unique_lock lock(sync_mu_);
  sync_cv_.wait(lock, [&] { return callbacks_.empty() && firing_ == 0; });
}

void wal::sync_loop() {
  std::unique_lock lock(sync_mu_);
  for (;;) {
    // Wake for callbacks a finished sync (or a failure) has answered, or to lead a sync.
    sync_cv_.wait(lock, [&] {
      if (callbacks_.empty())
        return stopping_;
      return !syncing_ || failed_.load(std::memory_order_acquire)
             || callbacks_.begin()->first <= durable_;
    });
    if (callbacks_.empty())
      return; // stopping, nothing left to answer
    // Answer everything already durable (or everything, once the WAL has failed).
    bool failed = failed_.load(std::memory_order_acquire);
    auto end = failed ? callbacks_.end() : callbacks_.upper_bound(durable_);
    if (end != callbacks_.begin()) {
      std::vector<std::function<void(kelos::expected<void>)>> ready;
      for (auto it = callbacks_.begin(); it != end; ++it)
        ready.push_back(std::move(it->second));
      callbacks_.erase(callbacks_.begin(), end);
      std::optional<kelos::error> err;
      if (failed)
        err = failure_locked();
      ++firing_;
      lock.unlock();
      for (auto& done : ready) {
        if (err)
          done(*err);
        else
          done({});
      }
      lock.lock();
      --firing_;
      sync_cv_.notify_all(); // drain_callbacks
      continue;
    }
    if (syncing_)
      continue; // a blocking waiter's sync is under way; its end wakes us
    lead_sync(lock); // exactly as a blocking waiter would
  }
}

kelos::expected<void> wal::put_snapshot(
  int64_t rv, const std::function<void(const std::function<void(const wal_record&)>&)>& for_each) {
  std::string tmp = dir_ + "/" + snapshot_name + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("cannot create " + tmp);
  std::string buf = frame(k8s::json{{"rv", rv}}.dump());
  bool ok = true;
  for_each([&](const wal_record& r) {
    buf += frame(encode(r));
    if (buf.size() > (1u << 20)) {
      ok = ok && write_all(fd, buf);
      buf.clear();
    }
  });
  ok = ok && write_all(fd, buf);
  ok = ok && (!fsync_ || ::fsync(fd) == 0);
  ::close(fd);
  if (!ok)
    return io_error("cannot write " + tmp);
  std::string final_path = dir_ + "/" + snapshot_name;
  if (::rename(tmp.c_str(), final_path.c_str()) != 0)
    return io_error("cannot rename " + tmp);
  if (fsync_)
    sync_dir(dir_);
  return {};
}

kelos::expected<void> wal::write_snapshot(
  int64_t rv, const std::function<void(const std::function<void(const wal_record&)>&)>& for_each) {
  if (auto ok = put_snapshot(rv, for_each); !ok)
    return ok;
  // Records up to `rv` are now in the snapshot; replay would skip them anyway.
  if (::ftruncate(fd_, 0) != 0)
    return io_error("cannot truncate " + dir_ + "/" + log_name);
  if (fsync_)
    ::fsync(fd_);
  size_ = 0;
  since_snapshot_ = 0;
  if (old_log_.load(std::memory_order_acquire)) {
    // Everything in the rotated log is in the snapshot now.
    if (::unlink((dir_ + "/" + old_log_name).c_str()) == 0 || errno == ENOENT) {
      old_log_.store(false, std::memory_order_release);
      if (fsync_)
        sync_dir(dir_);
    }
  }
  {
    // The snapshot was fsync'd and holds every record written so far.
    std::lock_guard lock(sync_mu_);
    durable_ = std::max(durable_, written());
  }
  sync_cv_.notify_all();
  return {};
}

kelos::expected<void> wal::rotate() {
  if (has_old_log())
    return kelos::make_error(errc::conflict, "a background snapshot is still pending");
  if (failed())
    return kelos::make_error(errc::io_error, "write-ahead log " + dir_ + " has failed earlier");
  // Keep group-commit leaders off fd_ while it is synced and replaced.
  std::unique_lock lock(sync_mu_);
  sync_cv_.wait(lock, [&] { return !syncing_; });
  syncing_ = true;
  lock.unlock();
  std::string log_path = dir_ + "/" + log_name;
  std::string old_path = dir_ + "/" + old_log_name;
  kelos::expected<void> out;
  int nfd = -1;
  bool sync_failed = false;
  // Every record of the old log must be durable before the log is renamed: from now on only
  // the old file holds them and nobody syncs it again.
  if ((fsync_ ? ::fdatasync(fd_) : 0) != 0) {
    sync_failed = true;
    out = io_error("cannot fdatasync " + log_path);
  } else if (::rename(log_path.c_str(), old_path.c_str()) != 0) {
    out = io_error("cannot rename " + log_path);
  } else {
    nfd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (nfd < 0) {
      out = io_error("cannot create " + log_path);
      // Put the old log back so appends continue where they were.
      (void)::rename(old_path.c_str(), log_path.c_str());
    } else if (fsync_) {
      // Both names must be durable before records in the new file are acknowledged.
      sync_dir(dir_);
    }
  }
  if (nfd >= 0) {
    ::close(fd_);
    fd_ = nfd;
    size_ = 0;
    since_snapshot_ = 0;
    old_log_.store(true, std::memory_order_release);
  }
  lock.lock();
  syncing_ = false;
  if (nfd >= 0 && out) {
    durable_ = std::max(durable_, written());
  } else if (sync_failed) {
    // A failed sync leaves the page cache in an unknown state: refuse further writes.
    failure_ = out.error().message;
    failed_.store(true, std::memory_order_release);
  }
  sync_cv_.notify_all();
  return out;
}

kelos::expected<void> wal::write_snapshot_file(int64_t rv, const std::vector<wal_record>& objects) {
  auto ok = put_snapshot(rv, [&](const std::function<void(const wal_record&)>& emit) {
    for (auto& r : objects)
      emit(r);
  });
  if (!ok)
    return ok;
  // Only now is the rotated log redundant (its records all have rv <= `rv`).
  if (::unlink((dir_ + "/" + old_log_name).c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove " + dir_ + "/" + old_log_name);
  if (fsync_)
    sync_dir(dir_);
  old_log_.store(false, std::memory_order_release);
  return {};
}

} // namespace kelos::apiserver
