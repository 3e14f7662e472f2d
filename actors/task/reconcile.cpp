#include "actors/task/reconcile.hpp"

#include "actors/task/output_parser.hpp"

#include <algorithm>

namespace kelos::task {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string in_quotes(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

bool is_terminal(std::string_view phase) {
  return phase == k8s::task_phase::succeeded || phase == k8s::task_phase::failed;
}

/// A plan that moves the Task to Waiting with `message` (no write when already so).
plan waiting(const k8s::task& t, std::string message) {
  plan p;
  if (t.status.phase == k8s::task_phase::waiting && t.status.message == message)
    return p;
  k8s::task_status next = t.status;
  next.phase = std::string{k8s::task_phase::waiting};
  next.message = std::move(message);
  p.actions.emplace_back(write_status{std::move(next)});
  return p;
}

plan waiting_for(const k8s::task& t, std::string_view kind, const std::string& name,
                 std::string_view detail = {}) {
  std::string message = "Waiting for " + std::string{kind} + " " + in_quotes(name);
  message += detail.empty() ? std::string{" to be created"} : std::string{detail};
  plan p = waiting(t, std::move(message));
  p.actions.emplace_back(watch_reference{k8s::object_ref{std::string{kind}, t.meta.namespace_, name}});
  return p;
}

std::optional<double> seconds_between(const std::optional<k8s::time_point>& from, k8s::time_point to) {
  if (!from)
    return std::nullopt;
  return std::chrono::duration<double>(to - *from).count();
}

/// A terminal transition: status, event, metrics.
plan fail(const k8s::task& t, k8s::time_point now, std::string message, std::string reason,
          std::string event_message, bool count) {
  plan p;
  k8s::task_status next = t.status;
  next.phase = std::string{k8s::task_phase::failed};
  next.message = std::move(message);
  next.completion_time = now;
  p.actions.emplace_back(write_status{std::move(next)});
  p.actions.emplace_back(emit_event{"Warning", std::move(reason), std::move(event_message)});
  if (count)
    p.actions.emplace_back(count_completed{std::string{k8s::task_phase::failed},
                                           seconds_between(t.status.start_time, now)});
  return p;
}

/// TTL of a terminal Task: delete when due, else requeue for the remaining time.
void apply_ttl(const k8s::task& t, k8s::time_point now, plan& p) {
  if (!t.spec.ttl_seconds_after_finished)
    return;
  // Objects written by older controllers may lack completionTime: fall back to the
  // latest time the Task is known to have existed, so the TTL still expires.
  k8s::time_point finished =
    t.status.completion_time.value_or(t.status.start_time.value_or(t.meta.creation_timestamp.value_or(now)));
  auto due = finished + std::chrono::seconds{*t.spec.ttl_seconds_after_finished};
  if (now >= due) {
    p.actions.emplace_back(emit_event{"Normal", "TaskExpired", "Deleting Task due to TTL expiration"});
    p.actions.emplace_back(delete_task{});
    return;
  }
  auto remaining = duration_cast<milliseconds>(due - now) + milliseconds{1};
  p.requeue_after = p.requeue_after ? std::min(*p.requeue_after, remaining) : remaining;
}

bool owned_by(const k8s::job_view& job, const k8s::task& t) {
  const auto* owner = job.meta.controller_owner();
  return owner && owner->kind == "Task" && (t.meta.uid.empty() || owner->uid == t.meta.uid);
}

/// The Job's failure, for the Task message ("Task failed: DeadlineExceeded: ...").
/// Kubernetes 1.31+ sets FailureTarget (same reason) while the pods terminate and Failed
/// only afterwards, so a Job may count a failed pod before it has a Failed condition.
std::string failure_message(const k8s::job_view& job) {
  const auto* failed = k8s::find_condition(job.conditions, "Failed");
  if (!failed || failed->status != "True")
    failed = k8s::find_condition(job.conditions, "FailureTarget");
  if (!failed || failed->status != "True" || failed->reason.empty())
    return "Task failed";
  std::string out = "Task failed: " + failed->reason;
  if (!failed->message.empty())
    out += ": " + failed->message;
  return out;
}

/// Outputs captured from `log` into `next`; returns whether anything was found.
bool capture(const std::string& log, k8s::task_status& next) {
  auto outputs = parse_outputs(log);
  if (outputs.empty())
    return false;
  next.results = results_from_outputs(outputs);
  next.outputs = std::move(outputs);
  return true;
}

void add_capture_steps(const k8s::task& t, const k8s::task_status& next, plan& p) {
  p.actions.emplace_back(emit_event{"Normal", "OutputsCaptured",
                                    "Captured " + std::to_string(next.outputs.size()) + " outputs and " +
                                        std::to_string(next.results.size()) + " results from agent"});
  if (!next.results.empty())
    p.actions.emplace_back(count_usage{next.results});
  (void)t;
}

bool outputs_empty(const k8s::task_status& s) { return s.outputs.empty() && s.results.empty(); }

bool within_capture_window(const k8s::task& t, k8s::time_point now, const reconcile_config& cfg) {
  if (!t.status.completion_time)
    return false;
  return now < *t.status.completion_time + cfg.output_retry_window;
}

need_log log_question(const observation& obs, const reconcile_config& cfg) {
  return need_log{obs.pod->meta.name, obs.task->spec.type, cfg.output_log_tail_lines};
}

/// A terminal Task with a Job: late output capture, then TTL.
decision decide_finished(const observation& obs, const reconcile_config& cfg) {
  const auto& t = *obs.task;
  plan p;
  if (outputs_empty(t.status) && obs.pod && within_capture_window(t, obs.now, cfg)) {
    if (!obs.log)
      return log_question(obs, cfg);
    k8s::task_status next = t.status;
    if (capture(*obs.log, next)) {
      p.actions.emplace_back(write_status{next});
      add_capture_steps(t, next, p);
    } else {
      auto window_end = *t.status.completion_time + cfg.output_retry_window;
      auto until_end = duration_cast<milliseconds>(window_end - obs.now) + milliseconds{1};
      p.requeue_after = std::min<milliseconds>(cfg.output_retry_interval, until_end);
    }
  }
  apply_ttl(t, obs.now, p);
  return p;
}

/// Status from an existing Job (seed §2.3).
decision decide_with_job(const observation& obs, const reconcile_config& cfg) {
  const auto& t = *obs.task;
  const auto& job = *obs.job;
  if (!owned_by(job, t)) {
    // Reported once: the status write wakes the Task again, and failing it anew on every
    // pass would write a new completionTime, event and count each time, forever.
    if (is_terminal(t.status.phase)) {
      plan p;
      apply_ttl(t, obs.now, p);
      return p;
    }
    plan p = fail(t, obs.now, "Job " + in_quotes(job.meta.name) + " exists but is not controlled by this Task",
                  "JobConflict", "Job " + job.meta.name + " exists but is not controlled by this Task", true);
    // The lock may have been granted just before our create met the foreign Job.
    p.actions.emplace_back(release_branch{});
    return p;
  }
  if (is_terminal(t.status.phase))
    return decide_finished(obs, cfg);

  k8s::task_status next = t.status;
  if (next.job_name.empty())
    next.job_name = job.meta.name;
  if (next.pod_name.empty() && obs.pod)
    next.pod_name = obs.pod->meta.name;

  bool succeeded = job.succeeded > 0 || job.is_complete();
  bool failed = !succeeded && (job.failed > 0 || job.is_failed());
  plan p;
  if (succeeded || failed) {
    if (obs.pod && !obs.log)
      return log_question(obs, cfg);
    next.phase = std::string{succeeded ? k8s::task_phase::succeeded : k8s::task_phase::failed};
    next.message = succeeded ? "Task completed successfully" : failure_message(job);
    next.completion_time = obs.now;
    if (!next.start_time && job.start_time)
      next.start_time = job.start_time;
    bool captured = obs.log && capture(*obs.log, next);
    p.actions.emplace_back(write_status{next});
    if (succeeded)
      p.actions.emplace_back(emit_event{"Normal", "TaskSucceeded", "Task completed successfully"});
    else
      p.actions.emplace_back(emit_event{"Warning", "TaskFailed", next.message});
    p.actions.emplace_back(count_completed{next.phase, seconds_between(next.start_time, obs.now)});
    p.actions.emplace_back(release_branch{});
    if (captured)
      add_capture_steps(t, next, p);
    else if (obs.pod)
      p.requeue_after = cfg.output_retry_interval;
    if (captured || !obs.pod)
      apply_ttl(k8s::task{t.meta, t.spec, next}, obs.now, p);
    return p;
  }
  if (job.active > 0 && t.status.phase != k8s::task_phase::running) {
    next.phase = std::string{k8s::task_phase::running};
    next.message.clear();
    next.start_time = obs.now;
    p.actions.emplace_back(write_status{std::move(next)});
    p.actions.emplace_back(emit_event{"Normal", "TaskRunning", "Task started running"});
    return p;
  }
  // Empty or Waiting with our Job: the write that recorded the creation was lost (conflict
  // after create_job). Record it now, with the event and metric that write would have led to.
  if (next.phase.empty() || next.phase == k8s::task_phase::waiting) {
    next.phase = std::string{k8s::task_phase::pending};
    next.message.clear();
  }
  if (!(next == t.status))
    p.actions.emplace_back(write_status{std::move(next)});
  if (t.status.job_name.empty()) {
    p.actions.emplace_back(emit_event{"Normal", "TaskCreated", "Created Job " + job.meta.name + " for task"});
    p.actions.emplace_back(count_created{});
  }
  return p;
}

/// No Job yet: dependencies, references, branch, then create.
decision decide_without_job(const observation& obs, const reconcile_config& cfg) {
  const auto& t = *obs.task;
  if (is_terminal(t.status.phase)) {
    plan p;
    p.actions.emplace_back(release_branch{});
    apply_ttl(t, obs.now, p);
    return p;
  }

  std::string prompt = t.spec.prompt;
  if (!t.spec.depends_on.empty()) {
    if (!obs.dependencies)
      return need_dependencies{};
    const auto& verdict = *obs.dependencies;
    switch (verdict.what) {
      case dependency_verdict::kind::failed:
        return fail(t, obs.now, verdict.message, "DependencyFailed", verdict.message, true);
      case dependency_verdict::kind::waiting:
        return waiting(t, verdict.message);
      case dependency_verdict::kind::ready:
        break;
    }
    prompt = resolve_prompt(t.spec.prompt, obs.dependency_data);
  }

  if (obs.workspace == ref_state::missing)
    return waiting_for(t, "Workspace", *t.spec.workspace_ref);
  if (obs.workspace_secret == ref_state::missing)
    return waiting_for(t, "Secret", obs.workspace_spec->secret_name,
                       " (Workspace " + in_quotes(*t.spec.workspace_ref) + " secretRef) to be created");
  if (obs.agent_config == ref_state::missing)
    return waiting_for(t, "AgentConfig", *t.spec.agent_config_ref);
  if (obs.credentials_secret == ref_state::missing)
    return waiting_for(t, "Secret", t.spec.credentials.secret_name, " (credentials) to be created");

  plan p;
  if (!t.spec.branch.empty()) {
    if (!obs.branch)
      return need_branch{branch_key_of(t)};
    if (!obs.branch->granted)
      return waiting(t, obs.branch->message);
    // With the plan that creates the Job, so once per Job: a Task that first waited for a
    // dependency or the lock is no longer in its first phase here, and must still be warned.
    if (!t.spec.workspace_ref)
      p.actions.emplace_back(emit_event{"Warning", "BranchWithoutWorkspace",
                                        "Branch " + in_quotes(t.spec.branch) +
                                            " is set but workspaceRef is not configured, branch checkout "
                                            "will be skipped"});
  }

  // GitHub App credentials become a short-lived installation token, right before the Job
  // is created (after the branch wait, so the token is as fresh as possible).
  std::optional<k8s::workspace_spec> with_token;
  if (obs.workspace_spec && obs.workspace_secret_is_github_app) {
    if (!obs.github_token)
      return need_github_token{obs.workspace_spec->secret_name, parse_github_repo(obs.workspace_spec->repo).host};
    const auto& answer = *obs.github_token;
    if (answer.secret.empty()) {
      std::string message = "Failed to resolve GitHub token: " + answer.error;
      if (answer.transient) {
        plan retry = waiting(t, message + " (retrying)");
        retry.requeue_after = std::chrono::seconds{30};
        return retry;
      }
      plan failed = fail(t, obs.now, message, "GitHubTokenFailed", message, true);
      failed.actions.emplace_back(release_branch{});
      k8s::task finished = t;
      finished.status.completion_time = obs.now;
      apply_ttl(finished, obs.now, failed);
      return failed;
    }
    with_token = *obs.workspace_spec;
    with_token->secret_name = answer.secret;
  }

  job_inputs in{&t, with_token ? &*with_token : obs.workspace_spec, obs.agent_config_spec, prompt};
  auto job = build_job(in, cfg.images);
  if (!job) {
    std::string message = "Failed to build Job: " + job.error().message;
    plan failed = fail(t, obs.now, message, "JobBuildFailed", message, true);
    failed.actions.emplace_back(release_branch{});
    k8s::task finished = t;
    finished.status.completion_time = obs.now;
    apply_ttl(finished, obs.now, failed);
    return failed;
  }
  std::string job_name = t.meta.name;
  p.actions.emplace_back(create_job{std::move(*job)});
  k8s::task_status next = t.status;
  next.phase = std::string{k8s::task_phase::pending};
  next.job_name = job_name;
  next.message.clear();
  p.actions.emplace_back(write_status{std::move(next)});
  p.actions.emplace_back(emit_event{"Normal", "TaskCreated", "Created Job " + job_name + " for task"});
  p.actions.emplace_back(count_created{});
  return p;
}

} // namespace

branch_key branch_key_of(const k8s::task& t) {
  return branch_key{t.meta.namespace_, t.spec.workspace_ref.value_or(""), t.spec.branch};
}

decision decide(const observation& obs, const reconcile_config& cfg) {
  const auto& t = *obs.task;
  if (t.meta.is_deleting()) {
    plan p;
    if (!t.meta.has_finalizer(task_finalizer))
      return p;
    p.actions.emplace_back(release_branch{});
    // The Job named after the Task, unless the cache shows someone else controls it.
    if (obs.job && owned_by(*obs.job, t))
      p.actions.emplace_back(delete_job{obs.job->meta.uid});
    else if (!obs.job && !t.status.job_name.empty())
      p.actions.emplace_back(delete_job{});
    p.actions.emplace_back(remove_finalizer{});
    return p;
  }
  if (!t.meta.has_finalizer(task_finalizer)) {
    // The finalizer is written first, in the same plan as whatever the Task needs next
    // (for a new Task: the Job, its status and event), so a Task costs one reconcile
    // pass, not two. Questions are answered before anything is written; the answer
    // comes back here and gets the finalizer in front of its plan.
    k8s::task finalized = t;
    finalized.meta.finalizers.emplace_back(task_finalizer);
    observation with_finalizer = obs;
    with_finalizer.task = &finalized;
    auto next = decide(with_finalizer, cfg);
    if (auto* p = std::get_if<plan>(&next))
      p->actions.insert(p->actions.begin(), add_finalizer{});
    return next;
  }
  if (obs.job)
    return decide_with_job(obs, cfg);
  return decide_without_job(obs, cfg);
}

} // namespace kelos::task
