#include "cli/cli_resources.hpp"

#include <set>

namespace kelos::cli {

kelos::expected<std::string> content_or_file(const std::string& value, const file_reader& read, std::string_view home) {
  if (!value.starts_with("@"))
    return value;
  return read(expand_home(std::string_view{value}.substr(1), home));
}

kelos::expected<std::vector<owned_object>> plan_workspace(const workspace_flags& flags, const std::string& ns) {
  if (flags.repo.empty())
    return kelos::error{errc::invalid_spec, "--repo is required"};
  if (!flags.secret.empty() && !flags.token.empty())
    return kelos::error{errc::invalid_spec, "--secret and --token cannot be used together"};
  std::vector<owned_object> objects;
  json spec{{"repo", flags.repo}};
  if (!flags.ref.empty())
    spec["ref"] = flags.ref;
  std::string secret = flags.secret;
  if (!flags.token.empty()) {
    secret = flags.name + "-credentials";
    objects.push_back({"secret", make_secret(secret, ns, {{"GITHUB_TOKEN", flags.token}})});
  }
  if (!secret.empty())
    spec["secretRef"] = {{"name", secret}};
  objects.push_back({"workspace",
                     json{{"apiVersion", "kelos.dev/v1alpha1"},
                          {"kind", "Workspace"},
                          {"metadata", {{"name", flags.name}, {"namespace", ns}}},
                          {"spec", spec}}});
  return objects;
}

namespace {

kelos::expected<std::pair<std::string, std::string>> split_named(const std::string& flag, const std::string& value) {
  auto eq = value.find('=');
  if (eq == std::string::npos || eq == 0)
    return kelos::error{errc::invalid_spec, "invalid " + flag + " \"" + value + "\": must be name=content or name=@file"};
  return std::pair{value.substr(0, eq), value.substr(eq + 1)};
}

} // namespace

kelos::expected<json> plan_agentconfig(const agentconfig_flags& flags, const std::string& ns, const file_reader& read,
                                       std::string_view home) {
  json spec = json::object();
  if (!flags.agents_md.empty()) {
    auto md = content_or_file(flags.agents_md, read, home);
    if (!md)
      return kelos::error{md.error().code, "--agents-md: " + md.error().message};
    spec["agentsMD"] = *md;
  }
  json plugin{{"name", "kelos"}};
  for (auto [flag, list, field] : {std::tuple{"--skill", &flags.skills, "skills"},
                                   std::tuple{"--agent", &flags.agents, "agents"}}) {
    for (const auto& item : *list) {
      auto named = split_named(flag, item);
      if (!named)
        return named.error();
      auto content = content_or_file(named->second, read, home);
      if (!content)
        return kelos::error{content.error().code, std::string{flag} + " " + named->first + ": " + content.error().message};
      plugin[field].push_back({{"name", named->first}, {"content", *content}});
    }
  }
  if (plugin.size() > 1)
    spec["plugins"] = json::array({plugin});
  std::set<std::string> names;
  for (const auto& item : flags.mcp) {
    auto named = split_named("--mcp", item);
    if (!named)
      return named.error();
    auto text = content_or_file(named->second, read, home);
    if (!text)
      return kelos::error{text.error().code, "--mcp " + named->first + ": " + text.error().message};
    auto server = json::parse(*text, nullptr, false);
    if (server.is_discarded() || !server.is_object())
      return kelos::error{errc::invalid_spec, "--mcp " + named->first + ": not a JSON object"};
    auto type = server.value("type", std::string{});
    if (type.empty())
      return kelos::error{errc::invalid_spec, "--mcp " + named->first + ": \"type\" is required"};
    if (type != "stdio" && type != "http" && type != "sse")
      return kelos::error{errc::invalid_spec,
                          "--mcp " + named->first + ": type \"" + type + "\" must be stdio, http or sse"};
    if (!names.insert(named->first).second)
      return kelos::error{errc::invalid_spec, "--mcp " + named->first + ": duplicate MCP server name"};
    server["name"] = named->first;
    spec["mcpServers"].push_back(server);
  }
  return json{{"apiVersion", "kelos.dev/v1alpha1"},
              {"kind", "AgentConfig"},
              {"metadata", {{"name", flags.name}, {"namespace", ns}}},
              {"spec", spec}};
}

} // namespace kelos::cli
