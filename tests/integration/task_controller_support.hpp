#pragma once

// Shared pieces of the Task controller scenarios (task_controller_*_test.cpp): object
// builders, readers of Jobs, Events and metrics, and a fixture that starts the embedded
// API server plus a controller and creates one credentials Secret holding every agent's
// key. Every wait is bounded (`eventually`).

#include "tests/support/controller_harness.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kelos::test::tc {

using k8s::json;

/// The credentials Secret every `task()` refers to; it holds each agent type's key.
inline constexpr const char* credentials = "agent-credentials";

/// A Task in "default": claude-code, api-key credentials `credentials`, prompt "Do it",
/// with `spec` fields set on top (a null value removes the field) and `labels`.
json task(const std::string& name, const json& spec = json::object(),
          const std::map<std::string, std::string>& labels = {});
/// A Workspace in "default" with `spec` as given.
json workspace(const std::string& name, const json& spec);
/// An AgentConfig in "default" with `spec` as given.
json agent_config(const std::string& name, const json& spec);
/// An Opaque Secret in "default" (stringData).
json secret(const std::string& name, const std::map<std::string, std::string>& data);

/// Creates `obj`; a failure is a test failure. Returns whether it was created.
bool create(controller_harness& h, const json& obj);

/// The Task object / its `status` (empty object when absent) / the Job named `name`.
std::optional<json> task_of(controller_harness& h, const std::string& name);
json status_of(controller_harness& h, const std::string& name);
std::optional<json> job_of(controller_harness& h, const std::string& name);

/// The Job's agent container (containers[0]) and the init container `name` (null if absent).
json agent_container(const json& job);
json init_container(const json& job, const std::string& name);
/// Names of the Job's init containers, in order.
std::vector<std::string> init_container_names(const json& job);
/// The env entry `name` of `container`, null when absent.
json env_of(const json& container, const std::string& name);
/// `value` of a literal env entry, "" when absent.
std::string env_value(const json& container, const std::string& name);
/// "<secret>/<key>" of an env entry taken from a Secret, "" when absent.
std::string env_secret(const json& container, const std::string& name);

/// Sum of `count` over the Events of Task `name` with `reason` (the recorder patches
/// `count` on repeats instead of creating new Events).
int event_count(controller_harness& h, const std::string& name, const std::string& reason);
/// Waits (bounded) until the Events of Task `name` with `reason` count exactly `n` (events
/// are posted asynchronously, after the status write they describe).
::testing::AssertionResult has_events(controller_harness& h, const std::string& name, const std::string& reason, int n);
/// Message of the first Event of Task `name` with `reason`, "" when none.
std::string event_message(controller_harness& h, const std::string& name, const std::string& reason);

/// Value of one metric series, e.g.
/// `kelos_task_created_total{namespace="default",type="codex"}`; 0 when absent.
double metric(const controller_harness& h, const std::string& series);
/// `kelos_task_created_total` / `kelos_task_completed_total` of `type` in "default".
double created_metric(const controller_harness& h, const std::string& type);
double completed_metric(const controller_harness& h, const std::string& type, const std::string& phase);

/// Waits (bounded) until Task `name` has `phase`; on timeout the failure names the phase seen.
::testing::AssertionResult reaches_phase(controller_harness& h, const std::string& name, const std::string& phase);
/// Waits (bounded) until Task `name` has `phase` and `message`.
::testing::AssertionResult reaches(controller_harness& h, const std::string& name, const std::string& phase,
                                   const std::string& message);
/// Waits (bounded) until the Job of `name` exists.
::testing::AssertionResult gets_job(controller_harness& h, const std::string& name);
/// Waits (bounded) until Task `name` is gone.
::testing::AssertionResult disappears(controller_harness& h, const std::string& name);

/// Task `waiter` is Waiting with `message` and has no Job until `blocker` runs to success
/// (with one output line); then it gets its Job and turns Pending.
::testing::AssertionResult held_back_until_success(controller_harness& h, const std::string& waiter,
                                                   const std::string& message, const std::string& blocker);

/// Changes a label of Task `name` (metadata only), which makes the controller reconcile it.
bool touch(controller_harness& h, const std::string& name);

/// Plays kubelet and the Job controller up to Running (pod + active=1).
bool start_running(controller_harness& h, const std::string& name);
/// Marks the Job of `name` failed (with `reason` on the Failed condition).
bool fail_job(controller_harness& h, const std::string& name, const std::string& reason = {});

/// Starts the API server and the controller of `h` and creates the credentials Secret.
bool start(controller_harness& h);

/// Fixture: a started harness `h` with the credentials Secret.
class TaskScenario : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(start(h)); }
  controller_harness h;
};

} // namespace kelos::test::tc
