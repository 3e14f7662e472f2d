#include "k8s/apiserver/stream_pump.hpp"

#include "k8s/apiserver/table.hpp"

#include <spdlog/spdlog.h>

namespace kelos::apiserver {

std::string render_watch_event(const watch_event& ev, const catalog_entry& res, bool table,
                               const std::string& table_version, bool with_columns) {
  json line = json::object();
  line["type"] = to_string(ev.type);
  if (ev.type == watch_event_type::error) {
    line["object"] = ev.object ? *ev.object : json::object();
  } else {
    json obj = ev.wire_object();
    if (obj.is_object()) {
      // Every served version shares storage: only apiVersion differs on the way out.
      obj["apiVersion"] = res.served.info.api_version();
      if (!obj.contains("kind"))
        obj["kind"] = res.served.info.kind;
    }
    if (table && ev.type != watch_event_type::bookmark) {
      table_options opts;
      opts.with_column_definitions = with_columns;
      opts.version = table_version;
      json meta = json::object();
      meta["resourceVersion"] = std::to_string(ev.rv);
      line["object"] = to_table(res.served, {obj}, meta, opts);
    } else {
      line["object"] = std::move(obj);
    }
  }
  std::string out = line.dump();
  out.push_back('\n');
  return out;
}

stream_pump::stream_pump(object_store& store, pod_log_store& logs,
                         std::chrono::milliseconds bookmark_interval, const resource_catalog* catalog)
  : store_(store), logs_(logs), catalog_(catalog), bookmark_interval_(bookmark_interval) {
  thread_ = std::thread([this] { run(); });
}

stream_pump::~stream_pump() {
  stop();
}

void stream_pump::wake() {
  {
    std::lock_guard<std::mutex> guard(mu_);
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
      watch_state w{job, false, std::chrono::steady_clock::now()};
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

bool stream_pump::step_watch(watch_state& w, std::chrono::steady_clock::time_point now) {
  auto& job = w.job;
  if (job.sink->closed()) {
    store_.stop_watch(job.stream);
    return false;
  }
  if (job.sink->pending_bytes() < max_pending_bytes) {
    for (int n = 0; n < 1000; ++n) {
      auto ev = job.stream->try_next();
      if (!ev)
        break;
      bool columns = job.table && !w.sent_columns && ev->type != watch_event_type::bookmark &&
                     ev->type != watch_event_type::error;
      if (columns)
        w.sent_columns = true;
      job.sink->write(render_watch_event(*ev, *job.resource, job.table, job.table_version, columns));
    }
  }
  if (job.stream->finished()) {
    job.sink->close();
    return false;
  }
  if (now >= job.deadline) {
    store_.stop_watch(job.stream);
    while (auto ev = job.stream->try_next())
      job.sink->write(render_watch_event(*ev, *job.resource, job.table, job.table_version, false));
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
  auto r = logs_.read(l.ns, l.pod, l.container, l.next, l.options);
  l.next = r.next;
  if (!r.text.empty())
    l.sink->write(std::move(r.text));
  if (r.finished) {
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
  while (!stopping) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return woken_; });
      woken_ = false;
      stopping = stopping_;
      watches.splice(watches.end(), new_watches_);
      logs.splice(logs.end(), new_logs_);
    }
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
    for (auto it = watches.begin(); it != watches.end();)
      it = step_watch(*it, now) ? std::next(it) : watches.erase(it);
    for (auto it = logs.begin(); it != logs.end();)
      it = step_log(*it) ? std::next(it) : logs.erase(it);
  }
  // Graceful end: flush what is queued, then the terminating chunk.
  for (auto& w : watches) {
    store_.stop_watch(w.job.stream);
    while (auto ev = w.job.stream->try_next())
      w.job.sink->write(render_watch_event(*ev, *w.job.resource, w.job.table, w.job.table_version, false));
    w.job.sink->close();
  }
  for (auto& l : logs)
    l.sink->close();
}

} // namespace kelos::apiserver
