#pragma once

/// Builders for the objects `kelos create` makes (seed §4.2). Pure: `@file` values are
/// read through the `file_reader`.

#include "cli/cli_config.hpp"

#include <string>
#include <vector>

namespace kelos::cli {

struct workspace_flags {
  std::string name, repo, ref, secret, token;
};

/// The Workspace and, with `--token`, its Secret `<name>-credentials` (key GITHUB_TOKEN).
/// Errors: --secret with --token.
kelos::expected<std::vector<owned_object>> plan_workspace(const workspace_flags& flags, const std::string& ns);

struct agentconfig_flags {
  std::string name;
  std::string agents_md;            // content or @file
  std::vector<std::string> skills;  // name=content|@file
  std::vector<std::string> agents;  // name=content|@file
  std::vector<std::string> mcp;     // name=<JSON>|@file
};

/// The AgentConfig: skills and agents in one plugin named `kelos`; MCP servers whose JSON
/// parses, with `type` stdio, http or sse, and unique names.
kelos::expected<json> plan_agentconfig(const agentconfig_flags& flags, const std::string& ns, const file_reader& read,
                                       std::string_view home);

/// `content` or, for `@path`, the file's content (with `~` expansion).
kelos::expected<std::string> content_or_file(const std::string& value, const file_reader& read, std::string_view home);

} // namespace kelos::cli
