#pragma once

#include "k8s/client/backoff.hpp"
#include "k8s/client/http_message.hpp"
#include "k8s/client/list_page.hpp"
#include "k8s/client/store_event.hpp"
#include "k8s/client/watch_event.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// The list-then-watch protocol as a pure state machine (kube-rs `watcher.rs`,
/// client-go reflector). The driver (the KUBE actor) performs the actions it returns
/// and feeds back what happened; the machine never does I/O and never sleeps.
///
/// ```
///   start ──► listing{continue=""} ──page with continue──► listing{continue=t}
///                  │  ▲                                         │
///       last page  │  │ 410 (watch ERROR event, HTTP 410,        │ last page
///    (init_done)   ▼  │      expired continue token)             ▼
///              watching{rv} ◄──────────── clean close: re-watch from rv (no relist)
///                  │  ▲
///                  └──┘ errors / decode failure: wait backoff, re-watch from rv
/// ```
///
/// Guarantees:
/// - Each (re)list emits `init`, `init_apply`×n, `init_done`; a store that swaps at
///   `init_done` therefore drops objects deleted while the watch was down.
/// - The store keeps serving the previous contents during a relist.
/// - BOOKMARK events only advance the resource version; they emit nothing.
/// - Failures wait `backoff.next()` (with jitter); any list page or watch event
///   resets the backoff. A 410 relists at once (the client-go rule).
/// - A clean close re-watches at once, except a close after less than
///   `short_watch` with no event, which counts as a failure (client-go's
///   "very short watch") so a server that hangs up at once is not hammered.
///
/// Caveats: inputs that do not fit the phase (e.g. a late event from a stream the
/// driver already abandoned) are ignored and reported as `logic_error` with no action;
/// the driver must drop stale streams. WatchList (`sendInitialEvents`) is not used.
namespace kelos::k8s {

/// Settings of a watch. Defaults follow client-go/kube-rs.
struct watch_config {
  /// Page size of (re)lists; 0 = unpaginated. Same default as client-go: 500.
  int64_t page_size = 500;
  /// Server-side watch timeout; kube-rs uses 290 s (below common 300 s proxy limits).
  int64_t timeout_seconds = 290;
  /// Ask for BOOKMARK events (cheap resourceVersion progress; fewer 410s after a close).
  bool bookmarks = true;
  /// Selectors for both list and watch.
  std::string label_selector;
  std::string field_selector;
  /// A clean close sooner than this with no event is treated as a failure.
  std::chrono::milliseconds short_watch{1000};
  /// Delays after failures (client-go reflector defaults).
  backoff_config backoff;
};

/// Checks a watch config: page_size, timeout_seconds and short_watch not negative, and
/// a valid backoff. Errors: `invalid_config` naming the field.
kelos::expected<void> validate(const watch_config& cfg);

/// Where the machine is.
enum class watch_phase {
  /// Nothing requested yet (call `start()`).
  empty,
  /// A list page request is outstanding.
  listing,
  /// A watch request is outstanding or streaming.
  watching,
};

/// What the driver must do next.
struct watch_action {
  enum class kind_t {
    /// Nothing new: keep reading the current stream / waiting for the current request.
    none,
    /// Issue a list page request (`continue_token` empty = first page).
    list,
    /// Issue a watch from `resource_version`.
    watch,
  };
  kind_t kind = kind_t::none;
  /// Wait this long before issuing the request (backoff); zero = now.
  std::chrono::milliseconds delay{0};
  /// For `list`: the page to fetch ("" = first page).
  std::string continue_token;
  /// For `watch`: where to start (the last version seen).
  std::string resource_version;

  friend bool operator==(const watch_action&, const watch_action&) = default;
};

/// Input: a list page arrived (HTTP 200, decoded).
struct list_page_received {
  list_page page;
};
/// Input: a list request failed (connection error, non-200 status; `errc::gone` for 410).
struct list_failed {
  kelos::error error;
};
/// Input: one decoded watch event.
struct event_received {
  watch_event event;
};
/// Input: the watch stream ended cleanly (end of chunked body, server timeout).
struct stream_closed {
  /// How long the stream lasted; with no events and shorter than `short_watch` the
  /// close counts as a failure.
  std::chrono::milliseconds lasted{std::chrono::hours{1}};
};
/// Input: the watch request or stream failed (`errc::gone` for an HTTP 410 answer).
struct stream_failed {
  kelos::error error;
};
/// Input: a line of the stream (or a list body) could not be decoded, including a
/// partial last line at close. The driver drops the stream.
struct decode_failed {
  kelos::error error;
};

using watch_input =
  std::variant<list_page_received, list_failed, event_received, stream_closed, stream_failed, decode_failed>;

/// Decodes one NDJSON line into `event_received` or `decode_failed`; with an
/// `event_filter` (from `watch_event_filter`) only the kept parts are built.
watch_input input_from_line(std::string_view line, const filter_node* event_filter = nullptr);

/// The result of one step.
struct watch_step {
  /// Store events to apply, in order.
  std::vector<store_event> events;
  /// The next request to make (or none).
  watch_action next;
  /// The failure behind a backoff or relist, for logging/metrics; nullopt on success.
  std::optional<kelos::error> error;
};

/// Why a first list page is requested, for logs, from the `watch_step::error` that led to
/// it: "first list" (none), "410 Gone: <error>" (`errc::gone`: the version to resume from
/// left the server's history, or a continue token expired) or "the list failed: <error>"
/// (a retry after a list that could not be made: connection lost or refused, 5xx...).
std::string list_cause(const std::optional<kelos::error>& why);

/// The `cause` label of a relist (`kelos_kube_relists_total`) for the same `why`: "expired"
/// (`errc::gone`), "list_failed" (any other error), "" for a first list (no relist).
std::string_view relist_cause_label(const std::optional<kelos::error>& why);

/// The watch state machine. Copyable value; deterministic for a given backoff seed.
class watch_machine {
public:
  explicit watch_machine(watch_config cfg = {});

  /// Begins (or restarts) with a fresh list. Valid in any phase.
  watch_action start();
  /// Feeds one input.
  watch_step step(watch_input input);

  watch_phase phase() const noexcept { return phase_; }
  /// The last resource version seen (list RV, event or bookmark RV); empty before the
  /// first complete list.
  const std::string& resource_version() const noexcept { return rv_; }
  /// The continue token of the outstanding list page.
  const std::string& continue_token() const noexcept { return continue_; }
  const watch_config& config() const noexcept { return cfg_; }

  /// The HTTP request for `action` on `res` in namespace `ns` ("" = all namespaces).
  /// Precondition: `action.kind != none`.
  http_request request_for(const watch_action& action, const resource_info& res, std::string_view ns) const;

private:
  watch_step on(list_page_received&& in);
  watch_step on(list_failed&& in);
  watch_step on(event_received&& in);
  watch_step on(stream_closed&& in);
  watch_step on(stream_failed&& in);
  watch_step on(decode_failed&& in);

  watch_step relist(kelos::error why);
  watch_step rewatch_after_backoff(kelos::error why);
  watch_step ignored(std::string_view input_name) const;

  watch_config cfg_;
  backoff backoff_;
  watch_phase phase_ = watch_phase::empty;
  std::string continue_;
  std::string rv_;
  bool init_sent_ = false;
  bool events_seen_ = false;
};

} // namespace kelos::k8s
