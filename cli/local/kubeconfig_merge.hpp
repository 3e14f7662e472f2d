#pragma once

/// Merging the local-mode context into a user's kubeconfig, as `kind` does: the
/// `kelos-local` cluster, user and context entries of our kubeconfig replace entries of
/// the same name in the user's file (or are appended), and the current context becomes
/// `kelos-local`. Everything else in the user's file is kept. Pure: text in, text out.

#include "runtime/error.hpp"

#include <string>
#include <string_view>

namespace kelos::local {

/// Merges the entries named `name` from `ours` (a kubeconfig written by the embedded API
/// server) into `existing` (empty: a new file). Errors (`invalid_config`) say which
/// document and field is malformed; a malformed user file is never overwritten.
kelos::expected<std::string> merge_kubeconfig(std::string_view existing, std::string_view ours,
                                              const std::string& name, bool set_current_context = true);

/// Removes the entries named `name` (and clears current-context if it pointed to them).
kelos::expected<std::string> remove_kubeconfig_entries(std::string_view existing, const std::string& name);

} // namespace kelos::local
