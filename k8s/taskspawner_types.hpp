#pragma once

/// C++ types of the TaskSpawner kind (kelos.dev/v1alpha1, seed §1.4), in the style of
/// `k8s/kelos_types.hpp`: strict about JSON types, lenient about absence, errors naming the
/// field path. The task template reuses the Task decoder and validator (a template is a
/// Task spec without a prompt, plus `promptTemplate`), so both kinds agree on every shared
/// field.

#include "k8s/kelos_types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kelos::k8s {

/// `status.phase` values (seed: Pending, Running, Failed, Suspended).
namespace spawner_phase {
inline constexpr std::string_view pending = "Pending";
inline constexpr std::string_view running = "Running";
inline constexpr std::string_view failed = "Failed";
inline constexpr std::string_view suspended = "Suspended";
} // namespace spawner_phase

/// The label every spawned Task carries (value: the TaskSpawner's name).
inline constexpr std::string_view taskspawner_label = "kelos.dev/taskspawner";

/// `spec.when.githubIssues`.
struct github_issues_when {
  std::string repo;
  std::vector<std::string> types; // empty = ["issues"]
  std::vector<std::string> labels;
  std::vector<std::string> exclude_labels;
  std::string state; // empty = "open"
  std::string trigger_comment;
  std::vector<std::string> exclude_comments;
  std::string assignee;
  std::string author;
  std::vector<std::string> priority_labels;
  friend bool operator==(const github_issues_when&, const github_issues_when&) = default;
};

/// `spec.when.cron`.
struct cron_when {
  std::string schedule;
  friend bool operator==(const cron_when&, const cron_when&) = default;
};

/// `spec.when.jira`.
struct jira_when {
  std::string base_url;
  std::string project;
  std::string jql;
  std::string secret_name; // secretRef.name
  friend bool operator==(const jira_when&, const jira_when&) = default;
};

/// `spec.taskTemplate`: a Task spec without `prompt` (left empty) plus `promptTemplate`.
/// `spec.branch` holds the branch *template*.
struct task_template_spec {
  task_spec spec;
  std::string prompt_template;
  friend bool operator==(const task_template_spec&, const task_template_spec&) = default;
};

struct task_spawner_spec {
  std::optional<github_issues_when> github_issues;
  std::optional<cron_when> cron;
  std::optional<jira_when> jira;
  task_template_spec task_template;
  std::string poll_interval; // empty = 5m
  std::optional<int32_t> max_concurrency; // 0 or absent = unlimited
  bool suspend = false;
  std::optional<int32_t> max_total_tasks; // 0 or absent = unlimited
  friend bool operator==(const task_spawner_spec&, const task_spawner_spec&) = default;

  /// "githubIssues", "jira", "cron" or "" (the seed's precedence when several are set).
  std::string source_kind() const;
};

/// A `metav1.Condition`.
struct spawner_condition {
  std::string type;
  std::string status; // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;
  std::optional<time_point> last_transition_time;
  friend bool operator==(const spawner_condition&, const spawner_condition&) = default;
};

struct task_spawner_status {
  std::string phase;
  std::string deployment_name;
  std::string cron_job_name;
  int64_t total_discovered = 0;
  int64_t total_tasks_created = 0;
  int64_t active_tasks = 0;
  std::optional<time_point> last_discovery_time;
  std::string message;
  std::vector<spawner_condition> conditions;
  friend bool operator==(const task_spawner_status&, const task_spawner_status&) = default;

  const spawner_condition* condition(std::string_view type) const;
};

struct task_spawner {
  object_meta meta;
  task_spawner_spec spec;
  task_spawner_status status;
};

/// Decodes a whole TaskSpawner. Errors are errc::invalid_spec starting with the field path
/// (`spec.taskTemplate.podOverrides.env[0].name: expected string, got number`).
kelos::expected<task_spawner> decode_task_spawner(const json& object);

/// Complete object / spec / status with empty optional fields omitted; times are whole
/// seconds (metav1.Time), so decode(encode(x)) == x for whole-second times.
json encode(const task_spawner& s);
json encode_spec(const task_spawner_spec& s);
json encode_status(const task_spawner_status& s);
/// The `spec.taskTemplate` object.
json encode(const task_template_spec& t);

/// What the CRD schema and its CEL rules enforce (exactly one source, workspaceRef with
/// githubIssues, enums, minimums, required fields, the shared Task rules under
/// `spec.taskTemplate`). Runtime checks (cron syntax, pollInterval, template syntax) are
/// the spawner's (actors/spawner/cycle.hpp). Each problem starts with its field path.
std::vector<std::string> validate(const task_spawner_spec& s);

/// meta.SetStatusCondition: replaces the condition of the same type, keeping its
/// lastTransitionTime unless the status changed; appends a new one stamped `now`.
void set_condition(std::vector<spawner_condition>& conditions, spawner_condition c, time_point now);

} // namespace kelos::k8s
