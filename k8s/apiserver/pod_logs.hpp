#pragma once

#include "k8s/time.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace kelos::apiserver {

/// Log text of pod containers, as a kubelet would keep it. The local node (or a test)
/// appends text per container and marks a container finished when it exits; the HTTP
/// layer serves `pods/log` from here.
///
/// Guarantees: lines are kept in append order with their append time (for `sinceTime`,
/// `sinceSeconds` and `timestamps`); readers see whole appended chunks.
/// Caveat: memory only; nothing is persisted with `--data-dir`.
class pod_log_store {
public:
  /// Options of one read (query parameters of `pods/log`).
  struct read_options {
    std::optional<int64_t> tail_lines;
    std::optional<k8s::time_point> since;
    bool timestamps = false;
    std::optional<int64_t> limit_bytes;
  };
  /// What a read returns.
  struct read_result {
    std::string text;
    /// Index of the next unread line (pass back as `from` to follow).
    std::size_t next = 0;
    /// True when the container has finished (no more text will come).
    bool finished = false;
  };

  /// Appends text to a container's log. A missing trailing newline is added per call.
  void append(std::string_view ns, std::string_view pod, std::string_view container,
              std::string_view text);
  /// Marks a container as finished: follow streams end after the last line.
  void finish(std::string_view ns, std::string_view pod, std::string_view container);
  /// Forgets every container of a pod.
  void remove_pod(std::string_view ns, std::string_view pod);
  /// Reads lines starting at index `from`; tail/since apply only when `from` is 0.
  read_result read(std::string_view ns, std::string_view pod, std::string_view container,
                   std::size_t from, const read_options& opts) const;

private:
  struct line {
    k8s::time_point time;
    std::string text;
  };
  struct container_log {
    std::vector<line> lines;
    bool finished = false;
  };
  using key = std::tuple<std::string, std::string, std::string>;

  mutable std::mutex mu_;
  std::map<key, container_log> logs_;
};

} // namespace kelos::apiserver
