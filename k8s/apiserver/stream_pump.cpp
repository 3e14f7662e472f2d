#include "k8s/apiserver/stream_pump.hpp"

#include "k8s/apiserver/stored_object.hpp"
#include "k8s/apiserver/table.hpp"

#include <spdlog/spdlog.h>

namespace kelos::apiserver {

namespace {

// The line as `json{{"object",...},{"type",...}}.dump()` writes it (nlohmann objects are
// key-sorted maps, so "object" comes first), without building the outer object: that
// would deep-copy the event object. `body` is the object's compact JSON.
std::string make_line_text(const char* type, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 32);
  out += "{\"object\":";
  out += body;
  out += ",\"type\":\"";
  out += type;
  out += "\"}\n";
  return out;
}

std::string make_line(const char* type, const json& object) { return make_line_text(type, object.dump()); }

// Whether the stored object can go out unchanged: it is already what `wire_object()` plus
// the apiVersion/kind rewrite below would produce.
bool sendable_as_is(const watch_event& ev, const catalog_entry& res) {
  if (!ev.object || !served_as_stored(*ev.object, res.served.info.api_version()))
    return false;
  const json& obj = *ev.object;
  if (ev.rv == 0)
    return true;
  const json* rv_field = k8s::find_path(obj, "metadata.resourceVersion");
  return rv_field != nullptr && rv_field->is_string() &&
         rv_field->get_ref<const std::string&>() == std::to_string(ev.rv);
}

} // namespace

std::string render_watch_event(const watch_event& ev, const catalog_entry& res, bool table,
                               const std::string& table_version, bool with_columns) {
  const char* type = to_string(ev.type);
  if (ev.type == watch_event_type::error)
    return ev.object ? make_line(type, *ev.object) : make_line(type, json::object());
  bool as_table = table && ev.type != watch_event_type::bookmark;
  if (!as_table && sendable_as_is(ev, res))
    return ev.stored ? make_line_text(type, ev.stored->text()) : make_line(type, *ev.object);
  json obj = ev.wire_object();
  if (obj.is_object()) {
    // Every served version shares storage: only apiVersion differs on the way out.
    obj["apiVersion"] = res.served.info.api_version();
    if (!obj.contains("kind"))
      obj["kind"] = res.served.info.kind;
  }
  if (!as_table)
    return make_line(type, obj);
  table_options opts;
  opts.with_column_definitions = with_columns;
  opts.version = table_version;
  json meta = json::object();
  meta["resourceVersion"] = std::to_string(ev.rv);
  return make_line(type, to_table(res.served, {std::move(obj)}, meta, opts));
}

std::size_t watch_render_cache::key_hash::operator()(const key& k) const noexcept {
  std::size_t h = std::hash<const void*>{}(k.object);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(std::hash<int64_t>{}(k.rv));
  mix(static_cast<std::size_t>(k.type));
  mix(std::hash<const void*>{}(k.resource));
  mix((k.table ? 2U : 0U) | (k.with_columns ? 1U : 0U));
  if (k.table)
    mix(std::hash<std::string>{}(k.table_version));
  return h;
}

const std::string& watch_render_cache::render(const watch_event& ev,
                                              const std::shared_ptr<const catalog_entry>& res, bool table,
                                              const std::string& table_version, bool with_columns) {
  // Bookmarks and errors are built per watcher: nothing to share.
  if (ev.type == watch_event_type::bookmark || ev.type == watch_event_type::error || !ev.object) {
    ++misses_;
    scratch_ = render_watch_event(ev, *res, table, table_version, with_columns);
    return scratch_;
  }
  key k{ev.object.get(), ev.rv, ev.type, res.get(), table, table && with_columns,
        table ? table_version : std::string()};
  if (auto it = current_.find(k); it != current_.end()) {
    ++hits_;
    return it->second.bytes;
  }
  if (auto it = previous_.find(k); it != previous_.end()) {
    ++hits_;
    // Still in use: carry it into the current generation.
    auto node = previous_.extract(it);
    current_bytes_ += node.mapped().bytes.size();
    return current_.insert(std::move(node)).position->second.bytes;
  }
  ++misses_;
  if (current_.size() >= max_entries || current_bytes_ >= max_bytes)
    next_generation();
  std::string bytes = render_watch_event(ev, *res, table, table_version, with_columns);
  current_bytes_ += bytes.size();
  auto it = current_.emplace(std::move(k), entry{ev.object, res, std::move(bytes)}).first;
  return it->second.bytes;
}

void watch_render_cache::next_generation() {
  previous_ = std::move(current_);
  current_.clear();
  current_bytes_ = 0;
}

stream_pump::stream_pump(object_store& store, pod_log_store& logs,
                         std::chrono::milliseconds bookmark_interval, const resource_catalog* catalog,
                         std::chrono::microseconds batch_interval)
  : store_(store), logs_(logs), catalog_(catalog), bookmark_interval_(bookmark_interval),
    batch_interval_(batch_interval) {
  thread_ = std::thread([this] { run(); });
}

stream_pump::~stream_pump() {
  stop();
}

void stream_pump::wake() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (woken_)
      return; // already signalled: the pump's next pass sees this event too
    woken_ = true;
  }
  cv_.notify_one();
}

void stream_pump::add_watch(watch_job job) {
  // The store calls notify under the stream lock: it only flags and signals. Never call
  // into the stream or the store under mu_ (lock order is stream lock -> mu_).
  job.stream->set_notify([this] { wake(); });
  bool refused = false;
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (stopping_) {
      refused = true;
    } else {
      watch_state w{job, true, false, std::chrono::steady_clock::now()};
      new_watches_.push_back(std::move(w));
      woken_ = true;
    }
  }
  if (refused) {
    store_.stop_watch(job.stream);
    job.sink->close();
    return;
  }
  cv_.notify_one();
}

void stream_pump::add_log(log_job job) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (stopping_) {
      job.sink->close();
      return;
    }
    new_logs_.push_back(std::move(job));
    woken_ = true;
  }
  cv_.notify_one();
}

void stream_pump::close_all() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  woken_ = true;
  lock.unlock();
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void stream_pump::stop() {
  close_all();
}

const std::string& stream_pump::render(watch_state& w, const watch_event& ev, bool with_columns) {
  auto& job = w.job;
  if (w.shared)
    return render_cache_.render(ev, job.resource, job.table, job.table_version, with_columns);
  direct_ = render_watch_event(ev, *job.resource, job.table, job.table_version, with_columns);
  return direct_;
}

void stream_pump::mark_shared(std::list<watch_state>& watches) {
  std::unordered_map<const catalog_entry*, int> per_resource;
  for (const auto& w : watches)
    ++per_resource[w.job.resource.get()];
  for (auto& w : watches)
    w.shared = per_resource[w.job.resource.get()] > 1;
}

void stream_pump::drain_watch(watch_state& w) {
  auto& job = w.job;
  std::string batch;
  while (auto ev = job.stream->try_next())
    batch += render(w, *ev, false);
  if (!batch.empty())
    job.sink->write(std::move(batch));
}

bool stream_pump::step_watch(watch_state& w, std::chrono::steady_clock::time_point now) {
  auto& job = w.job;
  if (job.sink->closed()) {
    store_.stop_watch(job.stream);
    return false;
  }
  if (job.sink->pending_bytes() < max_pending_bytes) {
    // Everything this watcher has queued goes out as one chunk: one lock of the
    // connection and one post to its executor instead of one per event.
    std::string batch;
    for (int n = 0; n < 1000; ++n) {
      auto ev = job.stream->try_next();
      if (!ev)
        break;
      bool columns = job.table && !w.sent_columns && ev->type != watch_event_type::bookmark &&
                     ev->type != watch_event_type::error;
      if (columns)
        w.sent_columns = true;
      batch += render(w, *ev, columns);
    }
    if (!batch.empty())
      job.sink->write(std::move(batch));
  }
  if (job.stream->finished()) {
    job.sink->close();
    return false;
  }
  if (now >= job.deadline) {
    store_.stop_watch(job.stream);
    drain_watch(w);
    job.sink->close();
    return false;
  }
  if (job.bookmarks && now - w.last_bookmark >= bookmark_interval_) {
    w.last_bookmark = now;
    store_.request_bookmark(job.stream);
  }
  return true;
}

bool stream_pump::step_log(log_job& l) {
  if (l.sink->closed())
    return false;
  bool pod_gone = false;
  if (l.resource) {
    auto pod = store_.get(l.resource->served.info, l.ns, l.pod);
    const json* meta = pod ? k8s::find_path(**pod, "metadata") : nullptr;
    pod_gone = !meta || k8s::get_string(*meta, "uid") != l.uid;
  }
  auto r = logs_.read(l.ns, l.pod, l.container, l.next, l.options);
  l.next = r.next;
  if (!r.text.empty())
    l.sink->write(std::move(r.text));
  if (r.finished || pod_gone) {
    l.sink->close();
    return false;
  }
  return true;
}

void stream_pump::run() {
  std::list<watch_state> watches;
  std::list<log_job> logs;
  bool stopping = false;
  uint64_t catalog_generation = 0;
  auto last_drain = std::chrono::steady_clock::time_point{};
  while (!stopping) {
    bool watches_changed = false;
    bool woke = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return woken_; });
      // Drained less than batch_interval_ ago: let this burst gather. While woken_ stays
      // set, producers do not signal again, so the wait costs no wake-ups.
      if (woken_ && !stopping_ && std::chrono::steady_clock::now() < last_drain + batch_interval_)
        cv_.wait_until(lock, last_drain + batch_interval_, [this] { return stopping_; });
      woke = woken_;
      woken_ = false;
      stopping = stopping_;
      watches_changed = !new_watches_.empty();
      watches.splice(watches.end(), new_watches_);
      logs.splice(logs.end(), new_logs_);
    }
    if (watches_changed)
      mark_shared(watches);
    auto now = std::chrono::steady_clock::now();
    if (catalog_) {
      auto snap = catalog_->snapshot();
      if (snap->generation != catalog_generation) {
        catalog_generation = snap->generation;
        for (auto& w : watches) {
          const auto& info = w.job.resource->served.info;
          if (w.job.resource->served.from_crd && !snap->find(info.group, info.version, info.plural))
            w.job.deadline = now; // ends at this step, like an expired timeoutSeconds
        }
      }
    }
    const auto watch_count = watches.size();
    for (auto it = watches.begin(); it != watches.end();)
      it = step_watch(*it, now) ? std::next(it) : watches.erase(it);
    if (watches.size() != watch_count)
      mark_shared(watches);
    for (auto it = logs.begin(); it != logs.end();)
      it = step_log(*it) ? std::next(it) : logs.erase(it);
    render_cache_.next_generation();
    if (woke) // an idle round (timers only) does not delay the next event
      last_drain = std::chrono::steady_clock::now();
  }
  // Graceful end: flush what is queued, then the terminating chunk.
  for (auto& w : watches) {
    store_.stop_watch(w.job.stream);
    drain_watch(w);
    w.job.sink->close();
  }
  for (auto& l : logs)
    l.sink->close();
}

} // namespace kelos::apiserver
