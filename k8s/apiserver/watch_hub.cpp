#include "k8s/apiserver/watch_hub.hpp"

namespace kelos::apiserver {

const char* to_string(watch_event_type t) noexcept {
  switch (t) {
    case watch_event_type::added: return "ADDED";
    case watch_event_type::modified: return "MODIFIED";
    case watch_event_type::deleted: return "DELETED";
    case watch_event_type::bookmark: return "BOOKMARK";
    case watch_event_type::error: return "ERROR";
  }
  return "ERROR";
}

json watch_event::wire_object() const {
  if (!object)
    return json::object();
  if (type == watch_event_type::error || type == watch_event_type::bookmark)
    return *object;
  const json* rv_field = k8s::find_path(*object, "metadata.resourceVersion");
  std::string want = std::to_string(rv);
  if (rv == 0 || (rv_field != nullptr && rv_field->is_string() && rv_field->get<std::string>() == want))
    return *object;
  json copy = *object;
  copy["metadata"]["resourceVersion"] = want;
  return copy;
}

json watch_event::to_json() const {
  return {{"type", to_string(type)}, {"object", wire_object()}};
}

watch_stream::watch_stream(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::optional<watch_event> watch_stream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty())
    return std::nullopt;
  watch_event ev = std::move(queue_.front());
  queue_.pop_front();
  return ev;
}

std::optional<watch_event> watch_stream::try_next() {
  std::lock_guard lock(mu_);
  if (queue_.empty())
    return std::nullopt;
  watch_event ev = std::move(queue_.front());
  queue_.pop_front();
  return ev;
}

bool watch_stream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool watch_stream::finished() const {
  std::lock_guard lock(mu_);
  return closed_ && queue_.empty();
}

size_t watch_stream::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void watch_stream::close() {
  std::shared_ptr<const std::function<void()>> notify;
  {
    std::lock_guard lock(mu_);
    if (closed_)
      return;
    closed_ = true;
    cv_.notify_all();
    notify = notify_;
  }
  if (notify)
    (*notify)();
}

void watch_stream::set_notify(std::function<void()> fn) {
  std::shared_ptr<const std::function<void()>> notify;
  bool pending = false;
  {
    std::lock_guard lock(mu_);
    notify_ = fn ? std::make_shared<const std::function<void()>>(std::move(fn)) : nullptr;
    notify = notify_;
    pending = !queue_.empty() || closed_;
  }
  if (notify && pending)
    (*notify)();
}

bool watch_stream::push(watch_event ev) {
  std::unique_lock lock(mu_);
  if (closed_)
    return false;
  if (queue_.size() >= capacity_ && ev.type != watch_event_type::error) {
    // Never drop silently: tell the client to relist, then end the stream.
    int64_t last = queue_.empty() ? ev.rv - 1 : queue_.back().rv;
    auto status = api_error::watch_overflow(last, ev.rv - 1, queue_.size()).to_status();
    queue_.push_back({watch_event_type::error, std::make_shared<const json>(std::move(status)), 0});
    closed_ = true;
  } else {
    queue_.push_back(std::move(ev));
    if (queue_.back().type == watch_event_type::error)
      closed_ = true;
  }
  cv_.notify_all();
  bool open = !closed_;
  // Call the consumer's callback without our lock held, so it may pop from this stream.
  auto notify = notify_;
  lock.unlock();
  if (notify)
    (*notify)();
  return open;
}

} // namespace kelos::apiserver
