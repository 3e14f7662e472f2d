#include "cli/cli_watch.hpp"

#include "k8s/client/line_decoder.hpp"

namespace kelos::cli {

struct blocking_watch::shared {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<k8s::watch_event> events;
  std::optional<kelos::error> end;
  int status = 0;
  std::string error_body;
  k8s::line_decoder lines;

  void finish(kelos::error e) {
    std::lock_guard<std::mutex> lock(mu);
    if (!end)
      end = std::move(e);
    cv.notify_all();
  }
};

blocking_watch::blocking_watch(k8s::http_client& http, k8s::http_request req)
  : state_(std::make_shared<shared>()) {
  auto st = state_;
  k8s::stream_callbacks cb;
  cb.on_response_head = [st](int status, const auto&) {
    std::lock_guard<std::mutex> lock(st->mu);
    st->status = status;
  };
  cb.on_data = [st](std::string_view chunk) {
    std::lock_guard<std::mutex> lock(st->mu);
    if (st->end)
      return;
    if (st->status < 200 || st->status >= 300) {
      if (st->error_body.size() < 64 * 1024)
        st->error_body.append(chunk);
      return;
    }
    auto fed = st->lines.feed(chunk, [&](std::string_view line) {
      if (line.empty() || st->end)
        return;
      auto ev = k8s::decode_watch_event(line);
      if (!ev) {
        st->end = ev.error();
        return;
      }
      st->events.push_back(std::move(*ev));
    });
    if (!fed && !st->end)
      st->end = fed.error();
    st->cv.notify_all();
  };
  cb.on_done = [st](kelos::error e) {
    int status;
    std::string body;
    {
      std::lock_guard<std::mutex> lock(st->mu);
      status = st->status;
      body = st->error_body;
    }
    if (!e && (status < 200 || status >= 300))
      e = kelos::error{errc::http_error, "watch answered HTTP " + std::to_string(status) + ": " + body};
    st->finish(std::move(e));
  };
  handle_ = http.stream(std::move(req), std::move(cb));
}

blocking_watch::~blocking_watch() {
  handle_.cancel();
}

std::optional<blocking_watch::item> blocking_watch::next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait_for(lock, timeout, [&] { return !state_->events.empty() || state_->end.has_value(); });
  if (!state_->events.empty()) {
    auto ev = std::move(state_->events.front());
    state_->events.pop_front();
    return item{std::move(ev)};
  }
  if (state_->end)
    return item{ended{*state_->end}};
  return std::nullopt;
}

} // namespace kelos::cli
