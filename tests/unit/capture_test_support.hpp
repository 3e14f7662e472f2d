#pragma once

// Helpers for the kelos-capture and agent entrypoint tests: temporary directories, files,
// and running a program in a chosen directory with a chosen environment.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace kelos::test::capture {

namespace fs = std::filesystem;

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_dir {
public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string{base != nullptr && *base != '\0' ? base : "/tmp"} +
                       "/kelos-capture-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

private:
  fs::path path_;
};

inline void write_file(const fs::path& p, const std::string& content, bool executable = false) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  if (executable)
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                    fs::perm_options::replace);
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct process_result {
  int exit_code = -1; // -1: killed by a signal or not started
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] a path) in `cwd` with exactly `env` as its environment; stdin is
/// /dev/null. Single-threaded callers only (fork).
inline process_result run_process(const std::vector<std::string>& argv, const std::string& cwd,
                                  const std::map<std::string, std::string>& env) {
  process_result r;
  temp_dir io;
  const std::string out_path = io.str() + "/out", err_path = io.str() + "/err";
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> args, envp;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0 || ::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return r;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

} // namespace kelos::test::capture
