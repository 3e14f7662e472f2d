#pragma once

// GitHub App installation tokens for Tasks whose Workspace Secret holds App credentials
// (kelos-seed §2.1 createJob step 2, §3.8). The exchange is a blocking HTTPS call, so it
// runs in a detached worker actor (its own thread), never on a CAF worker. The token is
// stored in Secret `<task>-github-token` (key GITHUB_TOKEN), controlled by the Task so it
// is garbage-collected with it. Tokens never appear in logs, events or status.

#include "actors/task/task_messages.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <functional>

namespace kelos::task {

/// The token Secret is rewritten with a new token this long before the old one expires
/// (installation tokens live one hour), for as long as the Task is neither `Succeeded` nor
/// `Failed` and still exists; a failed refresh is retried after `github_token_refresh_retry`,
/// which is also the shortest time between two refreshes.
inline constexpr std::chrono::minutes github_token_refresh_margin{10};
inline constexpr std::chrono::seconds github_token_refresh_retry{30};

/// The name of the token Secret of a Task.
std::string github_token_secret_name(const std::string& task_name);

/// Reads the App credentials from `q.secret`, exchanges them, writes the token Secret and
/// calls `done` with the outcome (on the calling actor). On success it also starts (or
/// updates) a refresher actor linked to the calling TASK actor, which exchanges the
/// credentials again and rewrites the Secret `github_token_refresh_margin` before each
/// token expires, and stops once the Task finished, was deleted or was replaced (another
/// UID), or when the TASK actor stops. The clock is `ctx.now` when set.
void resolve_github_token(caf::event_based_actor* self, const kube_actor& kube, const controller_context& ctx,
                          const k8s::task& t, const need_github_token& q,
                          std::function<void(github_token_answer)> done);

} // namespace kelos::task
