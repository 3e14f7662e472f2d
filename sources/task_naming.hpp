#pragma once

/// The names of the Tasks a TaskSpawner creates (issue 6: "Task names").
///
/// The seed names a spawned Task `<spawner>-<item id>` verbatim, so Jira keys (`PROJ-42`,
/// upper case) and long spawner names produce invalid names and no Task is ever created
/// (seed §3.2 step 4, §11 item 1). Here the name is made valid, deterministically, and
/// distinct items of one spawner never share a name.

#include <string>
#include <string_view>

namespace kelos::sources {

/// Longest spawned Task name. Task names become Job names and the `job-name` /
/// `batch.kubernetes.io/job-name` pod label values, which Kubernetes caps at 63 characters.
inline constexpr std::size_t max_spawned_task_name = 63;

/// The name of the Task spawned by `spawner` for the work item `item_id`.
///
/// Rules (documented in docs/taskspawner-sources.md, "Task naming"):
/// 1. The base is `<spawner>-<item_id>` with ASCII letters lowercased.
/// 2. Every byte other than `a-z`, `0-9` and `-` (including `.`, `_`, `/`, spaces and every
///    byte of a non-ASCII character) becomes `-`; runs of `-` collapse to one; leading and
///    trailing `-` are trimmed. The result is a DNS-1123 label, which is also a valid
///    subdomain, object name and label value.
/// 3. When rule 2 changed anything, or the result is longer than 63 characters, the name is
///    `<readable part>-<hash>`: `hash` is 8 lowercase hex digits of the 32-bit FNV-1a hash
///    of `spawner + '\0' + item_id` (the original strings), and the readable part is cut to
///    54 characters, taking from the spawner part first while keeping at least 27 of its
///    characters, so the id stays readable. Lowercasing alone adds no hash: item ids that
///    differ only in case do not occur within one source (Jira keys are upper case,
///    GitHub ids and cron ticks are digits).
///
/// Guarantees: the result is non-empty, at most 63 characters, matches
/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, and depends only on the two arguments. Two item ids of
/// one spawner give the same name only if they are equal ignoring ASCII case, or on a
/// 32-bit hash collision between two ids that both needed a hash.
///
/// Examples: (`fix-bugs`, `42`) → `fix-bugs-42`; (`jira`, `PROJ-42`) → `jira-proj-42`;
/// (`nightly`, `20261124-0900`) → `nightly-20261124-0900`; (`s`, `a_b`) → `s-a-b-<hash>`.
std::string spawned_task_name(std::string_view spawner, std::string_view item_id);

} // namespace kelos::sources
