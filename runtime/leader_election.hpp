#pragma once

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go's
/// `tools/leaderelection` does it, as a PURE state machine: the caller reads and writes
/// the Lease and feeds the answers in; the machine decides what to write and whether this
/// replica leads. No CAF, no I/O, no clocks of its own (both clocks are arguments).
///
/// Semantics kept from client-go (`tryAcquireOrRenew`, `isLeaseValid`, `release`):
/// - The record is the Lease spec: holderIdentity, leaseDurationSeconds, acquireTime,
///   renewTime (MicroTime, RFC 3339 with microseconds) and leaseTransitions.
/// - Expiry is judged by the OBSERVER's own monotonic clock: a record is valid until
///   `observed_time + leaseDurationSeconds`, where observed_time is when this replica last
///   saw the record change. renewTime is never compared with the local wall clock, so
///   clock skew between replicas cannot make two leaders. A replica that starts and finds
///   a stale record still waits one full lease duration from its first sight of it.
/// - A candidate takes the Lease when it is absent (create), has no holder (released), or
///   its record has not changed for the record's lease duration; leaseTransitions counts
///   changes of holder. The holder renews keeping acquireTime and leaseTransitions.
/// - The holder first tries an optimistic PUT on the object it last wrote (fast path);
///   on any failure it reads the Lease and decides again (slow path).
/// - Release (clean shutdown): holderIdentity "", leaseDurationSeconds 1, acquireTime and
///   renewTime now, leaseTransitions kept; a candidate then acquires at its next attempt.
///
/// Stricter than client-go, on purpose (only the leader reconciles):
/// - Leadership is lost when no renewal was sent successfully within renew_deadline of
///   the previous successful one (client-go allows renew_deadline from the start of the
///   failing round, i.e. up to one retry period more), and at once when a read shows the
///   Lease naming another holder (client-go keeps retrying until the deadline).
/// Since renew_deadline < lease_duration and a follower starts counting only after the
/// renewal it saw was written, the old leader stops before any follower may take over.

#include "k8s/json.hpp"
#include "k8s/time.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace kelos::leader {

using steady_time = std::chrono::steady_clock::time_point;

/// What one elector competes for and how.
struct election_config {
  std::string lease_namespace;
  std::string lease_name;
  /// This replica's holderIdentity (kelos-controller: hostname + "_" + random suffix).
  std::string identity;
  /// client-go / controller-runtime defaults: 15 s, 10 s, 2 s.
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

/// client-go's JitterFactor (1.2): renew_deadline must exceed retry_period times it.
inline constexpr double renew_jitter_factor = 1.2;

/// Checks a configuration like client-go's NewLeaderElector: every duration at least
/// 1 s (lease) or positive, lease_duration > renew_deadline > 1.2 * retry_period, a
/// non-empty identity, namespace and name. Errors: `invalid_config` naming the setting.
kelos::expected<void> validate(const election_config& cfg);

/// The election record of a Lease spec (client-go's LeaderElectionRecord).
struct lease_record {
  std::string holder_identity;
  int64_t lease_duration_seconds = 0;
  std::optional<k8s::time_point> acquire_time;
  std::optional<k8s::time_point> renew_time;
  int64_t lease_transitions = 0;

  friend bool operator==(const lease_record&, const lease_record&) = default;
};

/// The record in `lease["spec"]`. Missing or malformed fields read as empty/zero (the
/// API server validates Leases; a foreign writer's odd value must not stop the election).
lease_record record_from_lease(const k8s::json& lease);

/// The Lease spec for `rec` (client-go's LeaderElectionRecordToLeaseSpec): holderIdentity
/// (also when ""), leaseDurationSeconds, acquireTime and renewTime as MicroTime,
/// leaseTransitions. Absent times are left out.
k8s::json lease_spec(const lease_record& rec);

/// What the caller does next.
enum class action {
  /// GET the Lease and pass the answer to `on_read`.
  read,
  /// POST `body` (a new Lease), then `on_written` or `on_failed`.
  create,
  /// PUT `body` (carries the resourceVersion last seen), then `on_written` or `on_failed`.
  update,
  /// Nothing to do until the next attempt (`begin`) one retry period later.
  wait,
  /// Leadership is lost: stop reconciling now. The machine is a candidate again.
  lost,
};

/// "read", "create", "update", "wait" or "lost".
const char* to_string(action a) noexcept;

struct step {
  action what = action::wait;
  /// The Lease object to write (create/update); null otherwise.
  k8s::json body;
  /// Why, for logs: "lease held by X", "acquiring", "renewing", "renew deadline passed"...
  std::string reason;
};

/// One replica's view of the election. Drive it once per retry period:
///   begin → (read → on_read) → (create/update → on_written | on_failed)
/// A caller never has two requests outstanding; `begin` while one is outstanding is a
/// programming error (it starts a new attempt and the old answer must be dropped).
class elector {
public:
  explicit elector(election_config cfg);

  /// Starts an attempt: `lost` when leading and the renew deadline has passed; the
  /// fast-path `update` when the last record written is ours and still valid; else `read`.
  step begin(steady_time now, k8s::time_point wall);

  /// The GET answered with `lease`, or with 404 (nullopt). Decides create / update / wait,
  /// or `lost` when leading and the Lease names someone else (or the deadline passed).
  step on_read(const std::optional<k8s::json>& lease, steady_time now, k8s::time_point wall);

  /// The create/update was stored; `stored` is the server's answer (new resourceVersion),
  /// `issued` when the request was sent (the leader counts its deadline from there).
  /// Returns true when this replica leads afterwards.
  bool on_written(const k8s::json& stored, steady_time issued);

  /// The read or write failed with `code`. After a failed fast-path update: `read` (the
  /// slow path). Otherwise `wait`, or `lost` when leading past the renew deadline.
  step on_failed(errc code, steady_time now);

  /// True when leading and no renewal succeeded within renew_deadline (checked by a timer
  /// while a request is outstanding, so a hung request cannot extend leadership).
  bool deadline_passed(steady_time now) const;

  /// Declares leadership lost (the caller's own reason, e.g. a deadline timer): the
  /// machine becomes a candidate and forgets its outstanding request.
  void drop_leadership();

  /// The release write for a clean shutdown: `update` with holderIdentity "",
  /// leaseDurationSeconds 1, acquireTime = renewTime = `wall`, leaseTransitions kept;
  /// `wait` when this replica does not lead (nothing to release). Leadership ends here,
  /// whatever the write's outcome: the caller has already stopped reconciling.
  step release(k8s::time_point wall);

  /// True between a successful acquire and `lost` / `release`.
  bool leading() const noexcept { return leading_; }
  /// The holder of the last record observed ("" when none or released).
  std::string observed_holder() const;
  /// True when the last observed record is valid at `now` by the observed-time rule.
  bool lease_valid(steady_time now) const;
  const election_config& config() const noexcept { return cfg_; }

private:
  enum class pending { none, read, fast_update, create, update, release };

  lease_record fresh_record(k8s::time_point wall) const;
  k8s::json lease_body(const lease_record& rec) const;
  void observe(const lease_record& rec, steady_time now);
  bool holds_observed() const;

  election_config cfg_;
  std::optional<lease_record> observed_;
  steady_time observed_time_{};
  /// The Lease object last read or stored (base of every PUT: metadata, resourceVersion).
  k8s::json observed_lease_;
  bool leading_ = false;
  steady_time last_renew_{};
  pending pending_ = pending::none;
  lease_record pending_record_;
};

} // namespace kelos::leader
