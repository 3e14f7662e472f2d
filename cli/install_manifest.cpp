#include "cli/install_manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <utility>

namespace kelos::cli {

// Generated from deploy/install.yaml by cli/local/embed_files.cmake (cli/verbs_install.cmake).
std::vector<std::pair<std::string_view, std::string_view>> kelos_install_files();

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  return s;
}

bool only_comments(std::string_view text) {
  for (auto line : lines_of(text)) {
    auto t = trim_left(line);
    if (!t.empty() && t.front() != '#')
      return false;
  }
  return true;
}

std::string scalar_at(const YAML::Node& node, const char* key) {
  auto v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string{};
}

} // namespace

std::string_view embedded_install_manifest() {
  static const auto files = kelos_install_files();
  return files.front().second;
}

std::string manifest_doc::label() const {
  std::string lower;
  for (char c : kind)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower + "/" + name;
}

kelos::expected<std::vector<manifest_doc>> split_manifest(std::string_view text) {
  std::vector<std::string> chunks{std::string{}};
  for (auto line : lines_of(text)) {
    if (line == "---" || line.starts_with("--- ")) {
      chunks.emplace_back();
      continue;
    }
    chunks.back().append(line).push_back('\n');
  }
  std::vector<manifest_doc> docs;
  int position = 0;
  for (auto& chunk : chunks) {
    ++position;
    if (only_comments(chunk))
      continue;
    manifest_doc d;
    try {
      auto node = YAML::Load(chunk);
      if (!node.IsMap())
        return kelos::error{errc::parse_error, "manifest document " + std::to_string(position) + " is not a mapping"};
      d.api_version = scalar_at(node, "apiVersion");
      d.kind = scalar_at(node, "kind");
      if (auto meta = node["metadata"]; meta && meta.IsMap()) {
        d.name = scalar_at(meta, "name");
        d.ns = scalar_at(meta, "namespace");
      }
    } catch (const YAML::Exception& e) {
      return kelos::error{errc::parse_error, "manifest document " + std::to_string(position) + ": " + e.what()};
    }
    if (d.api_version.empty() || d.kind.empty() || d.name.empty())
      return kelos::error{errc::parse_error,
                          "manifest document " + std::to_string(position) + " lacks apiVersion, kind or metadata.name"};
    d.text = std::move(chunk);
    docs.push_back(std::move(d));
  }
  return docs;
}

std::string join_manifest(const std::vector<manifest_doc>& docs) {
  std::string out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (i > 0)
      out += "---\n";
    out += docs[i].text;
  }
  return out;
}

std::string default_install_version() {
#ifdef KELOS_RELEASE_VERSION
  return KELOS_RELEASE_VERSION;
#else
  return "latest";
#endif
}

std::string pin_image_tags(std::string_view text, std::string_view version) {
  std::string out{text};
  if (version.empty() || version == "latest")
    return out;
  const std::string from = ":latest";
  const std::string to = ":" + std::string{version};
  for (std::size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos + to.size()))
    out.replace(pos, from.size(), to);
  return out;
}

std::string with_pull_policy(std::string_view text, std::string_view policy) {
  std::string out;
  for (auto line : lines_of(text)) {
    auto body = trim_left(line);
    auto indent = std::string{line.substr(0, line.size() - body.size())};
    // The item marker of `- image: x` belongs to the indent of the keys that follow it.
    auto key_indent = indent;
    auto key = body;
    if (key.starts_with("- ")) {
      key.remove_prefix(2);
      key_indent += "  ";
    }
    bool arg = body.starts_with("- --");
    auto eq = body.find('=');
    std::string flag = arg && eq != std::string_view::npos ? std::string{body.substr(4, eq - 4)} : std::string{};
    if (key.starts_with("imagePullPolicy:") || (arg && flag.ends_with("-image-pull-policy")))
      continue; // replaced below
    out.append(line).push_back('\n');
    if (key.starts_with("image:") && trim_left(key.substr(6)).size() > 0)
      out += key_indent + "imagePullPolicy: " + std::string{policy} + "\n";
    else if (arg && flag.ends_with("-image"))
      out += indent + "- --" + flag + "-pull-policy=" + std::string{policy} + "\n";
  }
  return out;
}

kelos::expected<void> check_pull_policy(std::string_view policy) {
  if (policy == "Always" || policy == "IfNotPresent" || policy == "Never")
    return {};
  return kelos::error{errc::invalid_spec,
                      "invalid --image-pull-policy \"" + std::string{policy} + "\": must be Always, IfNotPresent or Never"};
}

kelos::expected<std::vector<manifest_doc>> install_documents(std::string_view manifest, std::string_view version,
                                                             std::string_view policy) {
  if (!policy.empty())
    if (auto ok = check_pull_policy(policy); !ok)
      return ok.error();
  auto docs = split_manifest(manifest);
  if (!docs)
    return docs.error();
  for (auto& d : *docs) {
    if (d.is_crd())
      continue;
    d.text = pin_image_tags(d.text, version);
    if (!policy.empty())
      d.text = with_pull_policy(d.text, policy);
  }
  return docs;
}

std::string discovery_path(std::string_view api_version) {
  if (api_version.find('/') == std::string_view::npos)
    return "/api/" + std::string{api_version};
  return "/apis/" + std::string{api_version};
}

kelos::expected<k8s::resource_info> resource_from_discovery(const k8s::json& list, std::string_view api_version,
                                                            std::string_view kind) {
  k8s::resource_info r;
  auto slash = api_version.find('/');
  r.group = slash == std::string_view::npos ? std::string{} : std::string{api_version.substr(0, slash)};
  r.version = std::string{slash == std::string_view::npos ? api_version : api_version.substr(slash + 1)};
  r.kind = std::string{kind};
  if (list.is_object() && list.contains("resources") && list["resources"].is_array())
    for (const auto& res : list["resources"]) {
      auto name = res.value("name", std::string{});
      if (res.value("kind", std::string{}) != kind || name.empty() || name.find('/') != std::string::npos)
        continue;
      r.plural = name;
      r.singular = res.value("singularName", std::string{});
      r.namespaced = res.value("namespaced", false);
      return r;
    }
  return kelos::error{errc::not_found,
                      "the API server does not serve " + std::string{kind} + " (" + std::string{api_version} + ")"};
}

bool crd_established(const k8s::json& crd) {
  if (!crd.is_object() || !crd.contains("status") || !crd["status"].contains("conditions"))
    return false;
  for (const auto& c : crd["status"]["conditions"])
    if (c.value("type", std::string{}) == "Established" && c.value("status", std::string{}) == "True")
      return true;
  return false;
}

} // namespace kelos::cli
