#pragma once

/// A watch stream consumed synchronously, for command-line verbs (`kelos get -w`): the
/// stream's callbacks run on the client's I/O thread and queue decoded events; the verb's
/// thread takes them with a timeout. One object per watch request.

#include "k8s/client/http_client.hpp"
#include "k8s/client/watch_event.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>

namespace kelos::cli {

class blocking_watch {
public:
  /// The stream ended: `error` is empty (code none) for a clean end of the body (server
  /// timeout), otherwise why (connection failure, non-2xx answer, undecodable line).
  struct ended {
    kelos::error error;
  };
  using item = std::variant<k8s::watch_event, ended>;

  /// Starts `req` (a `watch_request`) on `http`. `http` must outlive the watch.
  blocking_watch(k8s::http_client& http, k8s::http_request req);
  /// Cancels the stream (never blocks on the network).
  ~blocking_watch();
  blocking_watch(const blocking_watch&) = delete;
  blocking_watch& operator=(const blocking_watch&) = delete;

  /// The next event or the end, waiting at most `timeout`; nullopt when nothing came. After
  /// `ended` has been returned, every later call returns it again.
  std::optional<item> next(std::chrono::milliseconds timeout);

private:
  struct shared;
  std::shared_ptr<shared> state_;
  k8s::stream_handle handle_;
};

} // namespace kelos::cli
