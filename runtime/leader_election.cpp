#include "runtime/leader_election.hpp"

namespace kelos::leader {
namespace {

kelos::error bad(std::string_view what, std::string_view why) {
  return {errc::invalid_config, "leader election " + std::string{what} + ": " + std::string{why}};
}

std::optional<k8s::time_point> time_field(const k8s::json& spec, const char* key) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_string())
    return std::nullopt;
  return k8s::parse_time(it->get<std::string>());
}

int64_t int_field(const k8s::json& spec, const char* key) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_number_integer())
    return 0;
  return it->get<int64_t>();
}

} // namespace

kelos::expected<void> validate(const election_config& cfg) {
  using std::chrono::milliseconds;
  if (cfg.identity.empty())
    return bad("identity", "must not be empty");
  if (cfg.lease_name.empty())
    return bad("lease name", "must not be empty");
  if (cfg.lease_namespace.empty())
    return bad("namespace", "must not be empty");
  if (cfg.lease_duration < milliseconds{1000})
    return bad("lease duration", "must be at least 1s (the Lease holds whole seconds)");
  if (cfg.renew_deadline <= milliseconds{0})
    return bad("renew deadline", "must be positive");
  if (cfg.retry_period <= milliseconds{0})
    return bad("retry period", "must be positive");
  if (cfg.lease_duration <= cfg.renew_deadline)
    return bad("lease duration", "must be greater than the renew deadline");
  if (double(cfg.renew_deadline.count()) <= renew_jitter_factor * double(cfg.retry_period.count()))
    return bad("renew deadline", "must be greater than 1.2 times the retry period");
  return {};
}

lease_record record_from_lease(const k8s::json& lease) {
  lease_record rec;
  if (!lease.is_object())
    return rec;
  auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object())
    return rec;
  if (auto h = spec->find("holderIdentity"); h != spec->end() && h->is_string())
    rec.holder_identity = h->get<std::string>();
  rec.lease_duration_seconds = int_field(*spec, "leaseDurationSeconds");
  rec.acquire_time = time_field(*spec, "acquireTime");
  rec.renew_time = time_field(*spec, "renewTime");
  rec.lease_transitions = int_field(*spec, "leaseTransitions");
  return rec;
}

k8s::json lease_spec(const lease_record& rec) {
  k8s::json spec = k8s::json::object();
  spec["holderIdentity"] = rec.holder_identity;
  spec["leaseDurationSeconds"] = rec.lease_duration_seconds;
  if (rec.acquire_time)
    spec["acquireTime"] = k8s::format_micro_time(*rec.acquire_time);
  if (rec.renew_time)
    spec["renewTime"] = k8s::format_micro_time(*rec.renew_time);
  spec["leaseTransitions"] = rec.lease_transitions;
  return spec;
}

const char* to_string(action a) noexcept {
  switch (a) {
  case action::read: return "read";
  case action::create: return "create";
  case action::update: return "update";
  case action::wait: return "wait";
  case action::lost: return "lost";
  }
  return "?";
}

elector::elector(election_config cfg) : cfg_(std::move(cfg)) {}

lease_record elector::fresh_record(k8s::time_point wall) const {
  lease_record rec;
  rec.holder_identity = cfg_.identity;
  rec.lease_duration_seconds = std::chrono::duration_cast<std::chrono::seconds>(cfg_.lease_duration).count();
  rec.acquire_time = wall;
  rec.renew_time = wall;
  return rec;
}

k8s::json elector::lease_body(const lease_record& rec) const {
  k8s::json body;
  if (observed_lease_.is_object()) {
    body = observed_lease_;
  } else {
    body = {{"apiVersion", "coordination.k8s.io/v1"},
            {"kind", "Lease"},
            {"metadata", {{"name", cfg_.lease_name}, {"namespace", cfg_.lease_namespace}}}};
  }
  body["spec"] = lease_spec(rec);
  return body;
}

void elector::observe(const lease_record& rec, steady_time now) {
  // The clock starts only when the record CHANGES (client-go compares the raw record):
  // a holder that stopped renewing leaves the same record, which then expires.
  if (!observed_ || *observed_ != rec) {
    observed_ = rec;
    observed_time_ = now;
  }
}

bool elector::holds_observed() const {
  return observed_ && observed_->holder_identity == cfg_.identity;
}

bool elector::lease_valid(steady_time now) const {
  if (!observed_)
    return false;
  return observed_time_ + std::chrono::seconds{observed_->lease_duration_seconds} > now;
}

std::string elector::observed_holder() const {
  return observed_ ? observed_->holder_identity : std::string{};
}

bool elector::deadline_passed(steady_time now) const {
  return leading_ && now - last_renew_ >= cfg_.renew_deadline;
}

void elector::drop_leadership() {
  leading_ = false;
  pending_ = pending::none;
}

step elector::begin(steady_time now, k8s::time_point wall) {
  if (deadline_passed(now)) {
    drop_leadership();
    return {action::lost, nullptr, "renew deadline passed without a successful renewal"};
  }
  if (holds_observed() && lease_valid(now) && observed_lease_.is_object()) {
    pending_record_ = fresh_record(wall);
    pending_record_.acquire_time = observed_->acquire_time;
    pending_record_.lease_transitions = observed_->lease_transitions;
    pending_ = pending::fast_update;
    return {action::update, lease_body(pending_record_), "renewing"};
  }
  pending_ = pending::read;
  return {action::read, nullptr, "reading the lease"};
}

step elector::on_read(const std::optional<k8s::json>& lease, steady_time now, k8s::time_point wall) {
  if (deadline_passed(now)) {
    drop_leadership();
    return {action::lost, nullptr, "renew deadline passed without a successful renewal"};
  }
  if (!lease) {
    // Absent (never created, or deleted): create it with this replica as holder.
    observed_lease_ = nullptr;
    pending_record_ = fresh_record(wall);
    pending_ = pending::create;
    return {action::create, lease_body(pending_record_), "creating the lease"};
  }
  auto rec = record_from_lease(*lease);
  observe(rec, now);
  observed_lease_ = *lease;
  if (leading_ && rec.holder_identity != cfg_.identity) {
    drop_leadership();
    return {action::lost, nullptr,
            rec.holder_identity.empty() ? std::string{"the lease was released by someone else"}
                                        : "the lease is now held by " + rec.holder_identity};
  }
  if (!rec.holder_identity.empty() && lease_valid(now) && !holds_observed()) {
    pending_ = pending::none;
    return {action::wait, nullptr, "lease held by " + rec.holder_identity};
  }
  pending_record_ = fresh_record(wall);
  if (holds_observed()) {
    pending_record_.acquire_time = rec.acquire_time;
    pending_record_.lease_transitions = rec.lease_transitions;
  } else {
    pending_record_.lease_transitions = rec.lease_transitions + 1;
  }
  pending_ = pending::update;
  return {action::update, lease_body(pending_record_), holds_observed() ? "renewing" : "acquiring"};
}

bool elector::on_written(const k8s::json& stored, steady_time issued) {
  auto was = pending_;
  pending_ = pending::none;
  if (was == pending::none || was == pending::read)
    return leading_; // a stale answer (the attempt was abandoned)
  if (was == pending::release) {
    observed_ = pending_record_;
    observed_time_ = issued;
    observed_lease_ = stored.is_object() ? stored : k8s::json{};
    return false;
  }
  observed_ = pending_record_;
  observed_time_ = issued;
  observed_lease_ = stored.is_object() ? stored : lease_body(pending_record_);
  leading_ = true;
  last_renew_ = issued;
  return true;
}

step elector::on_failed(errc code, steady_time now) {
  auto was = pending_;
  pending_ = pending::none;
  if (was == pending::release) {
    observed_.reset(); // a candidate again: the next read decides afresh
    return {action::wait, nullptr, std::string{"release failed: "} + kelos::to_string(code)};
  }
  if (deadline_passed(now)) {
    drop_leadership();
    return {action::lost, nullptr, std::string{"renew deadline passed; last failure: "} + kelos::to_string(code)};
  }
  if (was == pending::fast_update) {
    pending_ = pending::read;
    return {action::read, nullptr, std::string{"optimistic renewal failed ("} + kelos::to_string(code) + "), reading the lease"};
  }
  return {action::wait, nullptr, std::string{"lease request failed: "} + kelos::to_string(code)};
}

step elector::release(k8s::time_point wall) {
  if (!leading_ || !holds_observed()) {
    drop_leadership();
    return {action::wait, nullptr, "not leading, nothing to release"};
  }
  lease_record rec;
  rec.lease_duration_seconds = 1;
  rec.acquire_time = wall;
  rec.renew_time = wall;
  rec.lease_transitions = observed_->lease_transitions;
  leading_ = false;
  pending_record_ = rec;
  pending_ = pending::release;
  return {action::update, lease_body(rec), "releasing"};
}

} // namespace kelos::leader
