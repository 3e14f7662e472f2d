#include "actors/node/image_map.hpp"

#include "actors/node/builtin_image_map.inc"

#include <yaml-cpp/yaml.h>

namespace kelos::node {
namespace {

std::string entry_name(std::size_t index, const std::string& image) {
  std::string out = "images[" + std::to_string(index) + "]";
  if (!image.empty())
    out += " (" + image + ")";
  return out;
}

/// Expands ${KELOS_AGENTS_DIR} and ${KELOS_CAPTURE}; any other ${...} is an error.
kelos::expected<std::string> expand_vars(std::string_view in, const image_map_vars& vars,
                                         const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "${") != 0) {
      out.push_back(in[i++]);
      continue;
    }
    auto close = in.find('}', i + 2);
    if (close == std::string_view::npos)
      return make_error(errc::invalid_config, where + ": unterminated ${ in \"" + std::string{in} + "\"");
    auto name = in.substr(i + 2, close - i - 2);
    const std::string* value = nullptr;
    if (name == "KELOS_AGENTS_DIR")
      value = &vars.agents_dir;
    else if (name == "KELOS_CAPTURE")
      value = &vars.capture_binary;
    else
      return make_error(errc::invalid_config, where + ": unknown variable ${" + std::string{name} +
                                                  "} (known: ${KELOS_AGENTS_DIR}, ${KELOS_CAPTURE})");
    // Unconfigured: kept verbatim, so that a pod needing the file fails naming the variable.
    out += value->empty() ? std::string{in.substr(i, close + 1 - i)} : *value;
    i = close + 1;
  }
  return out;
}

kelos::expected<std::string> scalar(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar())
    return make_error(errc::invalid_config, where + ": must be a string");
  return n.as<std::string>();
}

/// A string field with its ${...} variables expanded.
kelos::expected<std::string> expanded(const YAML::Node& n, const image_map_vars& vars, const std::string& where) {
  auto s = scalar(n, where);
  if (!s)
    return s.error();
  return expand_vars(*s, vars, where);
}

kelos::expected<image_entry> parse_entry(const YAML::Node& n, std::size_t index, const std::string& source,
                                         const image_map_vars& vars) {
  image_entry e;
  const std::string prefix = source + ": ";
  if (!n.IsMap())
    return make_error(errc::invalid_config, prefix + entry_name(index, {}) + ": must be a mapping");
  if (!n["image"])
    return make_error(errc::invalid_config, prefix + entry_name(index, {}) + ".image: Required value");
  auto img = scalar(n["image"], prefix + entry_name(index, {}) + ".image");
  if (!img)
    return img.error();
  if (img->empty())
    return make_error(errc::invalid_config, prefix + entry_name(index, {}) + ".image: must not be empty");
  e.image = *img;
  const std::string where = prefix + entry_name(index, e.image);
  for (auto it = n.begin(); it != n.end(); ++it) {
    auto key = it->first.as<std::string>();
    if (key != "image" && key != "entrypoint" && key != "files" && key != "requires" && key != "env")
      return make_error(errc::invalid_config,
                        where + ": unknown field \"" + key + "\" (known: image, entrypoint, files, requires, env)");
  }
  if (auto ep = n["entrypoint"]) {
    if (!ep.IsSequence())
      return make_error(errc::invalid_config, where + ".entrypoint: must be a list of strings");
    for (std::size_t i = 0; i < ep.size(); ++i) {
      auto x = expanded(ep[i], vars, where + ".entrypoint[" + std::to_string(i) + "]");
      if (!x)
        return x.error();
      e.entrypoint.push_back(std::move(*x));
    }
  }
  if (auto files = n["files"]) {
    if (!files.IsMap())
      return make_error(errc::invalid_config, where + ".files: must be a mapping of sandbox path to host path");
    for (auto it = files.begin(); it != files.end(); ++it) {
      auto path = it->first.as<std::string>();
      auto field = where + ".files[" + path + "]";
      if (path.empty() || path.front() != '/')
        return make_error(errc::invalid_config, field + ": sandbox path must be absolute");
      auto x = expanded(it->second, vars, field);
      if (!x)
        return x.error();
      e.files[path] = std::move(*x);
    }
  }
  if (auto req = n["requires"]) {
    if (!req.IsSequence())
      return make_error(errc::invalid_config, where + ".requires: must be a list");
    for (std::size_t i = 0; i < req.size(); ++i) {
      auto field = where + ".requires[" + std::to_string(i) + "]";
      required_command rc;
      std::string message = "command {command} not found on this machine";
      if (req[i].IsScalar()) {
        rc.command = req[i].as<std::string>();
      } else if (req[i].IsMap()) {
        if (!req[i]["command"])
          return make_error(errc::invalid_config, field + ".command: Required value");
        auto c = scalar(req[i]["command"], field + ".command");
        if (!c)
          return c.error();
        rc.command = *c;
        if (req[i]["message"]) {
          auto m = scalar(req[i]["message"], field + ".message");
          if (!m)
            return m.error();
          message = *m;
        }
      } else {
        return make_error(errc::invalid_config, field + ": must be a command name or {command, message}");
      }
      if (rc.command.empty() || rc.command.find('/') != std::string::npos)
        return make_error(errc::invalid_config, field + ": command must be a plain name");
      for (auto pos = message.find("{command}"); pos != std::string::npos; pos = message.find("{command}"))
        message.replace(pos, 9, rc.command);
      rc.message = std::move(message);
      e.requires_commands.push_back(std::move(rc));
    }
  }
  if (auto env = n["env"]) {
    if (!env.IsMap())
      return make_error(errc::invalid_config, where + ".env: must be a mapping of name to value");
    for (auto it = env.begin(); it != env.end(); ++it) {
      auto name = it->first.as<std::string>();
      auto x = expanded(it->second, vars, where + ".env[" + name + "]");
      if (!x)
        return x.error();
      e.env[name] = std::move(*x);
    }
  }
  return e;
}

} // namespace

std::string_view builtin_image_map_text() { return kBuiltinImageMap; }

kelos::expected<image_map> parse_image_map(std::string_view yaml_text, std::string source,
                                           const image_map_vars& vars) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string{yaml_text});
  } catch (const YAML::Exception& e) {
    return make_error(errc::parse_error, source + ": " + e.what());
  }
  if (!root.IsMap() || !root["images"])
    return make_error(errc::invalid_config, source + ": images: Required value (a list of image entries)");
  auto images = root["images"];
  if (!images.IsSequence())
    return make_error(errc::invalid_config, source + ": images: must be a list");
  image_map map;
  map.source = source;
  try {
    for (std::size_t i = 0; i < images.size(); ++i) {
      auto e = parse_entry(images[i], i, source, vars);
      if (!e)
        return e.error();
      map.entries.push_back(std::move(*e));
    }
  } catch (const YAML::Exception& e) {
    return make_error(errc::parse_error, source + ": " + e.what());
  }
  return map;
}

std::string normalize_image(std::string_view image) {
  std::string s{image};
  for (std::string_view prefix : {"docker.io/library/", "docker.io/"})
    if (s.rfind(prefix, 0) == 0) {
      s.erase(0, prefix.size());
      break;
    }
  // A tag is a ':' after the last '/'; a digest is '@'.
  auto slash = s.rfind('/');
  auto colon = s.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag && s.find('@') == std::string::npos)
    s += ":latest";
  return s;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative wildcard matching with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

const image_entry* find_image(const image_map& map, std::string_view image) {
  auto normalized = normalize_image(image);
  for (const auto& e : map.entries)
    if (glob_match(e.image, normalized) || glob_match(e.image, image))
      return &e;
  return nullptr;
}

} // namespace kelos::node
