#pragma once

// Helpers shared by the client configuration tests: temp dirs, files, a fake environment.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "k8s/client/rest_config.hpp"

namespace kelos::test {

/// Directory holding the committed kubeconfig fixtures.
inline std::string kubeconfig_fixture(const std::string& name) {
  return std::string{KELOS_KUBECONFIG_FIXTURES} + "/" + name;
}

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class temp_dir {
public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string{base && *base ? base : "/tmp"} + "/kelos-cfg-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  /// Writes `content` to `rel` (creating parent directories) and returns the full path.
  std::string write(const std::string& rel, const std::string& content, mode_t mode = 0644) const {
    std::string full = path_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path{full}.parent_path());
    {
      std::ofstream out{full, std::ios::binary | std::ios::trunc};
      out << content;
    }
    ::chmod(full.c_str(), mode);
    return full;
  }

private:
  std::string path_;
};

/// Reads a whole file ("" when missing).
inline std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// An environment made of the given variables only.
inline k8s::client::env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string{name});
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

} // namespace kelos::test
