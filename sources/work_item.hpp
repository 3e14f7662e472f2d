#pragma once

/// What a TaskSpawner source discovers, and the pure interface every source implements so
/// that one POLLER actor can drive any of them (seed §3.3, with our additions).
///
/// A source never performs I/O itself. A `discovery` is a small state machine: the poller
/// asks it for the next HTTP request, performs the request (with its own HTTP client,
/// timeouts and TLS), and feeds the answer back, until the discovery is finished. That
/// keeps every source rule (pagination, filters, ETags, rate limits, fallbacks) in pure,
/// table-tested code, and every byte of I/O in the actor.

#include "k8s/time.hpp"
#include "runtime/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kelos::sources {

/// One unit of external work (seed §3.3). Fields a source does not have stay empty.
struct work_item {
  /// Stable identity within the source: the issue/PR number ("42"), the Jira key
  /// ("PROJ-42"), or the cron tick ("20261124-0900"). Task names derive from it.
  std::string id;
  int64_t number = 0;
  std::string title;
  std::string body;
  std::string url;
  std::vector<std::string> labels;
  /// Comment bodies joined with "\n---\n", capped (the newest kept).
  std::string comments;
  /// "Issue" or "PR" (GitHub), the issue type name (Jira); empty means "Issue".
  std::string kind;
  /// Cron only: the tick (RFC 3339) and the expression.
  std::string time;
  std::string schedule;
  /// GitHub with a trigger comment: the newest matching comment's time (retrigger).
  std::optional<k8s::time_point> trigger_time;
};

/// One HTTP request a discovery wants made. `base` is scheme://host[:port] plus any path
/// prefix of the API ("https://ghe.example/api/v3"); `target` is the rest, origin-form
/// with its query already encoded ("/repos/o/r/issues?per_page=100&state=open").
struct source_request {
  std::string method = "GET";
  std::string base;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// The answer to a `source_request` (any status; the discovery decides what it means).
struct source_response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// A discovery in progress. Driven strictly in turn: `next_request`, perform it, then
/// exactly one of `on_response` / `on_transport_error`, then `next_request` again.
class discovery {
public:
  virtual ~discovery() = default;
  /// The next request to make, or nullopt when the discovery is finished.
  virtual std::optional<source_request> next_request() = 0;
  /// The answer to the last request.
  virtual void on_response(const source_response& response) = 0;
  /// The last request failed without an answer (connection, TLS, timeout).
  virtual void on_transport_error(const kelos::error& error) = 0;
  /// Earliest time the next request may be sent (rate limits, Retry-After); nullopt: now.
  virtual std::optional<k8s::time_point> not_before() const { return std::nullopt; }
  /// Once finished with an error: the earliest time the source may be asked again, when
  /// the source said so (a rate limit's reset the discovery gave up waiting for); the poller
  /// starts no cycle before it. nullopt: no constraint.
  virtual std::optional<k8s::time_point> retry_not_before() const { return std::nullopt; }
  /// Once finished: the items (after the source's own filters), or why discovery failed
  /// (the message goes to the TaskSpawner's status, so it names the source and the cause
  /// and never contains a credential).
  virtual kelos::expected<std::vector<work_item>> result() = 0;
};

} // namespace kelos::sources
