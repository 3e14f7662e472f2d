#include "actors/jobs/job_sync.hpp"

#include "k8s/object_meta.hpp"

#include <algorithm>
#include <chrono>

namespace kelos::jobs {
namespace {

using k8s::json;

const json& field(const json& j, const char* key) {
  static const json null;
  if (!j.is_object())
    return null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

std::optional<int64_t> opt_int(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_integer())
    return v.get<int64_t>();
  if (v.is_number())
    return static_cast<int64_t>(v.get<double>());
  return std::nullopt;
}

std::optional<k8s::time_point> opt_time(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_string())
    return std::nullopt;
  return k8s::parse_time(v.get_ref<const std::string&>());
}

json* find_condition(json& conditions, std::string_view type) {
  for (auto& c : conditions)
    if (c.is_object() && k8s::get_string(c, "type") == type)
      return &c;
  return nullptr;
}

const json* find_condition(const json& conditions, std::string_view type) {
  if (!conditions.is_array())
    return nullptr;
  for (const auto& c : conditions)
    if (c.is_object() && k8s::get_string(c, "type") == type)
      return &c;
  return nullptr;
}

bool condition_true(const json& conditions, std::string_view type) {
  const json* c = find_condition(conditions, type);
  return c && k8s::get_string(*c, "status") == "True";
}

/// A JobCondition as upstream's `newCondition` writes it.
json new_condition(std::string_view type, std::string_view status, std::string_view reason,
                   std::string_view message, k8s::time_point now) {
  auto t = k8s::format_time(now);
  json c = {{"type", type}, {"status", status}, {"lastProbeTime", t}, {"lastTransitionTime", t}};
  if (!reason.empty())
    c["reason"] = reason;
  if (!message.empty())
    c["message"] = message;
  return c;
}

/// Upstream `ensureJobConditionStatus`: replaces a condition whose status, reason or
/// message differs; appends a missing one unless its status is False. True when changed.
bool ensure_condition(json& conditions, std::string_view type, std::string_view status, std::string_view reason,
                      std::string_view message, k8s::time_point now) {
  if (json* c = find_condition(conditions, type)) {
    if (k8s::get_string(*c, "status") != status || k8s::get_string(*c, "reason") != reason ||
        k8s::get_string(*c, "message") != message) {
      *c = new_condition(type, status, reason, message, now);
      return true;
    }
    return false;
  }
  if (status == "False")
    return false;
  conditions.push_back(new_condition(type, status, reason, message, now));
  return true;
}

/// One owned pod, classified.
struct pod_info {
  std::string name;
  std::string uid;
  std::string phase;
  /// deletionTimestamp set, or our DELETE already sent.
  bool deleting = false;
  bool ready = false;
  bool scheduled = false;
  int64_t restarts = 0;
  std::optional<k8s::time_point> created;

  bool terminal() const { return phase == "Succeeded" || phase == "Failed"; }
};

int64_t restart_count(const json& statuses) {
  int64_t n = 0;
  if (statuses.is_array())
    for (const auto& s : statuses)
      n += k8s::get_int(s, "restartCount");
  return n;
}

pod_info classify(const json& pod, const sync_context& ctx) {
  pod_info p;
  const json& meta = field(pod, "metadata");
  const json& status = field(pod, "status");
  p.name = k8s::get_string(meta, "name");
  p.uid = k8s::get_string(meta, "uid");
  p.phase = k8s::get_string(status, "phase");
  p.deleting = field(meta, "deletionTimestamp").is_string() || ctx.deleting.count(p.uid) > 0;
  if (const json* ready = find_condition(field(status, "conditions"), "Ready"))
    p.ready = k8s::get_string(*ready, "status") == "True";
  p.scheduled = !k8s::get_string(field(pod, "spec"), "nodeName").empty();
  p.restarts = restart_count(field(status, "initContainerStatuses")) + restart_count(field(status, "containerStatuses"));
  p.created = opt_time(meta, "creationTimestamp");
  return p;
}

/// Upstream `pastBackoffLimitOnFailure`: container restarts of running or pending pods
/// against the limit, for `restartPolicy: OnFailure` only.
bool past_backoff_limit_on_failure(const json& spec, const std::vector<pod_info>& pods, int64_t limit) {
  if (k8s::get_string(field(field(spec, "template"), "spec"), "restartPolicy") != "OnFailure")
    return false;
  int64_t restarts = 0;
  for (const auto& p : pods)
    if (p.phase == "Running" || p.phase == "Pending")
      restarts += p.restarts;
  return limit == 0 ? restarts > 0 : restarts >= limit;
}

/// The order in which excess active pods are deleted (after upstream's `ActivePods`
/// sort): unscheduled, then not running, then not ready, then the newest.
bool delete_before(const pod_info* a, const pod_info* b) {
  if (a->scheduled != b->scheduled)
    return !a->scheduled;
  bool ar = a->phase == "Running", br = b->phase == "Running";
  if (ar != br)
    return !ar;
  if (a->ready != b->ready)
    return !a->ready;
  return a->created.value_or(k8s::time_point{}) > b->created.value_or(k8s::time_point{});
}

void set_counter(json& status, const char* key, int64_t value) {
  // Go's omitempty on int32 counters: zero is left out.
  if (value == 0)
    status.erase(key);
  else
    status[key] = value;
}

void plan_ttl(const json& job, const sync_context& ctx, sync_plan& p) {
  auto ttl = opt_int(field(job, "spec"), "ttlSecondsAfterFinished");
  if (!ttl)
    return;
  const json& status = field(job, "status");
  const json& conditions = field(status, "conditions");
  std::optional<k8s::time_point> finished;
  for (const char* type : {"Complete", "Failed"})
    if (condition_true(conditions, type))
      finished = opt_time(*find_condition(conditions, type), "lastTransitionTime");
  if (!finished)
    finished = opt_time(status, "completionTime");
  auto due = finished.value_or(ctx.now) + std::chrono::seconds{*ttl};
  if (ctx.now >= due)
    p.delete_job = true;
  else
    p.wake_at = due;
}

} // namespace

bool is_finished(const json& job) {
  const json& conditions = field(field(job, "status"), "conditions");
  return condition_true(conditions, "Complete") || condition_true(conditions, "Failed");
}

std::string controlling_job(const json& pod) {
  const json& refs = field(field(pod, "metadata"), "ownerReferences");
  if (!refs.is_array())
    return {};
  for (const auto& r : refs)
    if (k8s::get_bool(r, "controller") && k8s::get_string(r, "kind") == "Job" &&
        k8s::get_string(r, "apiVersion") == "batch/v1")
      return k8s::get_string(r, "name");
  return {};
}

json pod_for(const json& job, const std::string& node_name) {
  const json& meta = field(job, "metadata");
  const json& tmpl = field(field(job, "spec"), "template");
  const json& tmeta = field(tmpl, "metadata");
  auto name = k8s::get_string(meta, "name");
  auto uid = k8s::get_string(meta, "uid");
  json labels = field(tmeta, "labels").is_object() ? field(tmeta, "labels") : json::object();
  for (auto [key, value] : {std::pair{label_controller_uid, uid}, std::pair{label_job_name, name},
                            std::pair{legacy_label_controller_uid, uid}, std::pair{legacy_label_job_name, name}})
    if (!labels.contains(key))
      labels[std::string{key}] = value;
  json pmeta = {{"generateName", name + "-"},
                {"namespace", k8s::get_string(meta, "namespace")},
                {"labels", std::move(labels)},
                {"ownerReferences", json::array({{{"apiVersion", "batch/v1"},
                                                  {"kind", "Job"},
                                                  {"name", name},
                                                  {"uid", uid},
                                                  {"controller", true},
                                                  {"blockOwnerDeletion", true}}})}};
  for (const char* key : {"annotations", "finalizers"})
    if (const json& v = field(tmeta, key); !v.is_null() && !v.empty())
      pmeta[key] = v;
  json spec = field(tmpl, "spec").is_object() ? field(tmpl, "spec") : json::object();
  if (!node_name.empty() && k8s::get_string(spec, "nodeName").empty())
    spec["nodeName"] = node_name;
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(pmeta)}, {"spec", std::move(spec)}};
}

sync_plan sync_job(const json& job, const std::vector<json>& all_pods, const sync_context& ctx) {
  sync_plan p;
  const json& meta = field(job, "metadata");
  const json& spec = field(job, "spec");
  const json& old_status = field(job, "status");
  const auto uid = k8s::get_string(meta, "uid");
  p.ledger = ctx.ledger.job_uid == uid ? ctx.ledger : job_ledger{uid, false, {}, {}};
  if (is_finished(job)) {
    plan_ttl(job, ctx, p);
    return p;
  }
  auto& ledger = p.ledger;

  std::vector<pod_info> pods;
  for (const auto& pod : all_pods) {
    const json& refs = field(field(pod, "metadata"), "ownerReferences");
    bool owned = false;
    if (refs.is_array())
      for (const auto& r : refs)
        owned = owned || (k8s::get_bool(r, "controller") && k8s::get_string(r, "uid") == uid);
    if (owned)
      pods.push_back(classify(pod, ctx));
  }

  json status = old_status.is_object() ? old_status : json::object();
  json conditions = field(status, "conditions").is_array() ? status["conditions"] : json::array();
  int64_t succeeded = k8s::get_int(status, "succeeded");
  int64_t failed = k8s::get_int(status, "failed");

  // Counting (see the header): seed, vanished tracked pods, newly terminal pods.
  std::set<std::string> present;
  for (const auto& pod : pods)
    present.insert(pod.uid);
  if (!ledger.initialized) {
    int64_t ps = 0, pf = 0;
    for (const auto& pod : pods)
      if (pod.terminal()) {
        (pod.phase == "Succeeded" ? ps : pf)++;
        ledger.counted.insert(pod.uid);
      }
    succeeded = std::max(succeeded, ps);
    failed = std::max(failed, pf);
    ledger.tracked.clear();
    ledger.initialized = true;
  }
  for (const auto& t : ledger.tracked)
    if (!present.count(t) && ledger.counted.insert(t).second)
      ++failed;
  for (const auto& pod : pods) {
    // Pods we deleted were decided on when the DELETE was sent (suspend and excess
    // deletions are no failures; a failing Job counts them below).
    if (!pod.terminal() || ledger.counted.count(pod.uid) || ctx.deleting.count(pod.uid))
      continue;
    (pod.phase == "Succeeded" ? succeeded : failed)++;
    ledger.counted.insert(pod.uid);
  }

  std::vector<const pod_info*> active_pods;
  int64_t terminating = 0;
  int64_t ready = 0;
  for (const auto& pod : pods) {
    if (pod.terminal())
      continue;
    if (pod.deleting) {
      ++terminating;
    } else {
      active_pods.push_back(&pod);
      ready += pod.ready ? 1 : 0;
    }
  }
  int64_t active = static_cast<int64_t>(active_pods.size());
  std::set<std::string> removed;
  auto remove_pod = [&](const pod_info& pod) {
    p.remove.push_back({pod.name, pod.uid});
    removed.insert(pod.uid);
    ++terminating;
    --active;
    ready -= pod.ready ? 1 : 0;
  };

  const bool suspended = k8s::get_bool(spec, "suspend");
  if (!status.contains("startTime") && !suspended) {
    status["startTime"] = k8s::format_time(ctx.now);
    p.transitions.emplace_back("Started");
  }
  auto start = opt_time(status, "startTime");

  // Is the Job finishing? An interim condition from an earlier sync decides; otherwise
  // the backoff limit, then the deadline.
  enum class finishing { no, success, failure } fin = finishing::no;
  std::string reason, message;
  if (const json* c = find_condition(conditions, "SuccessCriteriaMet"); c && k8s::get_string(*c, "status") == "True") {
    fin = finishing::success;
  } else if (const json* f = find_condition(conditions, "FailureTarget"); f && k8s::get_string(*f, "status") == "True") {
    fin = finishing::failure;
    reason = k8s::get_string(*f, "reason");
    message = k8s::get_string(*f, "message");
  } else {
    int64_t backoff_limit = opt_int(spec, "backoffLimit").value_or(6);
    auto deadline = opt_int(spec, "activeDeadlineSeconds");
    if (failed > backoff_limit || past_backoff_limit_on_failure(spec, pods, backoff_limit)) {
      fin = finishing::failure;
      reason = "BackoffLimitExceeded";
      message = "Job has reached the specified backoff limit";
    } else if (deadline && start && !suspended && ctx.now - *start >= std::chrono::seconds{*deadline}) {
      fin = finishing::failure;
      reason = "DeadlineExceeded";
      message = "Job was active longer than specified deadline";
    } else if (deadline && start && !suspended) {
      p.wake_at = *start + std::chrono::seconds{*deadline};
    }
    if (fin == finishing::failure) {
      conditions.push_back(new_condition("FailureTarget", "True", reason, message, ctx.now));
      p.transitions.push_back("FailureTarget (" + reason + ")");
    }
  }

  bool finished_now = false;
  auto complete = [&] {
    if (!condition_true(conditions, "SuccessCriteriaMet")) {
      conditions.push_back(new_condition("SuccessCriteriaMet", "True", "CompletionsReached",
                                         "Reached expected number of succeeded pods", ctx.now));
      p.transitions.emplace_back("SuccessCriteriaMet");
    }
    if (terminating == 0) {
      conditions.push_back(new_condition("Complete", "True", "CompletionsReached",
                                         "Reached expected number of succeeded pods", ctx.now));
      status["completionTime"] = k8s::format_time(ctx.now);
      p.transitions.emplace_back("Complete");
      finished_now = true;
    }
  };

  if (fin == finishing::failure) {
    // Every pod that did not succeed counts as failed; active ones are deleted.
    for (const auto& pod : pods) {
      if (pod.phase == "Succeeded" || ledger.counted.count(pod.uid))
        continue;
      ++failed;
      ledger.counted.insert(pod.uid);
    }
    for (const auto* pod : active_pods)
      remove_pod(*pod);
    if (terminating == 0) {
      ensure_condition(conditions, "Failed", "True", reason, message, ctx.now);
      p.transitions.push_back("Failed (" + reason + ")");
      finished_now = true;
    }
  } else if (fin == finishing::success) {
    for (const auto* pod : active_pods)
      remove_pod(*pod);
    complete();
  } else {
    const bool manage = !field(meta, "deletionTimestamp").is_string();
    // Both unset: 1/1. Only parallelism set: a work queue (no completions).
    bool defaults = !spec.contains("completions") && !spec.contains("parallelism");
    auto completions = defaults ? std::optional<int64_t>{1} : opt_int(spec, "completions");
    if (manage && suspended) {
      for (const auto* pod : active_pods)
        remove_pod(*pod);
    } else if (manage) {
      int64_t parallelism = std::max<int64_t>(0, opt_int(spec, "parallelism").value_or(1));
      int64_t want = completions ? std::clamp<int64_t>(*completions - succeeded, 0, parallelism)
                                 : (succeeded > 0 ? active : parallelism);
      if (active > want) {
        std::sort(active_pods.begin(), active_pods.end(), delete_before);
        for (int64_t i = 0, n = active - want; i < n; ++i)
          remove_pod(*active_pods[static_cast<size_t>(i)]);
      } else if (const json& pspec = field(field(spec, "template"), "spec"); pspec.is_object()) {
        // A pod being deleted is never replaced while it exists.
        for (int64_t i = 0, n = want - active - terminating; i < n; ++i) {
          p.create.push_back(pod_for(job, ctx.node_name));
          ++active;
        }
      }
    }
    bool done = active == 0 && (completions ? succeeded >= *completions : succeeded > 0);
    if (done) {
      complete();
    } else if (manage && suspended) {
      if (ensure_condition(conditions, "Suspended", "True", "JobSuspended", "Job suspended", ctx.now))
        p.transitions.emplace_back("Suspended");
    } else if (manage) {
      if (ensure_condition(conditions, "Suspended", "False", "JobResumed", "Job resumed", ctx.now)) {
        p.transitions.emplace_back("Resumed");
        // The deadline counts from the resume (upstream resets startTime).
        status["startTime"] = k8s::format_time(ctx.now);
      }
    }
  }

  // The next sync finds the finished Job and applies its TTL.
  if (finished_now || fin != finishing::no)
    p.wake_at.reset();
  if (auto ttl = opt_int(spec, "ttlSecondsAfterFinished"); finished_now && ttl)
    p.wake_at = ctx.now + std::chrono::seconds{*ttl};

  // The ledger: counted uids still present, and every live pod we did not delete.
  for (auto it = ledger.counted.begin(); it != ledger.counted.end();)
    it = present.count(*it) ? std::next(it) : ledger.counted.erase(it);
  ledger.tracked.clear();
  for (const auto& pod : pods)
    if (!pod.terminal() && !ledger.counted.count(pod.uid) && !ctx.deleting.count(pod.uid) && !removed.count(pod.uid))
      ledger.tracked.insert(pod.uid);

  set_counter(status, "active", active);
  set_counter(status, "succeeded", succeeded);
  set_counter(status, "failed", failed);
  status["ready"] = ready;
  status["terminating"] = terminating;
  if (!status.contains("uncountedTerminatedPods"))
    status["uncountedTerminatedPods"] = json::object();
  if (conditions.empty())
    status.erase("conditions");
  else
    status["conditions"] = std::move(conditions);
  if (status != old_status)
    p.status = std::move(status);
  return p;
}

} // namespace kelos::jobs
