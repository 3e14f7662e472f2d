#pragma once

// The real `kelos-controller` as a child process of a benchmark: start it with its output
// in a log file, wait for /readyz, read its memory and CPU from /proc, stop it; plus the
// small HTTP, flag and formatting helpers of such benchmarks. Header-only;
// used by bench/spawner_bench.cpp (bench/task_controller_bench.cpp carries its own copy of
// these helpers and can switch to this header).

#include "k8s/apiserver/content.hpp"
#include "k8s/client/http_client.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace kelos::bench {

/// The running controller's pid (0: none); read by the signal handler.
inline std::atomic<pid_t> g_controller{0};

inline void kill_controller_now() {
  pid_t pid = g_controller.exchange(0);
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

extern "C" inline void on_fatal_signal(int sig) {
  pid_t pid = g_controller.load();
  if (pid > 0)
    ::kill(pid, SIGKILL); // async-signal-safe; the kernel reaps it once we are gone
  ::_exit(128 + sig);
}

/// SIGINT/SIGTERM/SIGHUP and exit kill the controller; SIGPIPE is ignored.
inline void kill_controller_on_exit() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    std::signal(sig, on_fatal_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::atexit(kill_controller_now);
}

/// Starts `argv` with stdout and stderr written to `log_path`; the child gets SIGKILL when
/// this (forking) thread dies. Returns the pid, or -1 with `err` set.
inline pid_t spawn_process(const std::vector<std::string>& argv, const std::string& log_path, std::string& err) {
  std::vector<char*> cargv;
  for (const auto& s : argv)
    cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    err = "cannot open " + log_path + ": " + std::strerror(errno);
    return -1;
  }
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) { // only async-signal-safe calls until execv
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  if (pid < 0)
    err = std::string("fork: ") + std::strerror(errno);
  ::close(log_fd);
  ::close(null_fd);
  return pid;
}

/// True while `pid` has not exited (reaps it, storing the wait status, when it has).
inline bool still_running(pid_t pid, int* status_out = nullptr) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0)
    return true;
  if (status_out)
    *status_out = status;
  return false;
}

inline std::string describe_wait_status(int status) {
  if (WIFEXITED(status))
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status));
  return "ended";
}

/// SIGTERM, wait up to `grace`, then SIGKILL. Returns how it ended.
inline std::string stop_controller(std::chrono::milliseconds grace) {
  pid_t pid = g_controller.load();
  if (pid <= 0)
    return "not running";
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!still_running(pid, &status)) {
      g_controller.store(0);
      return describe_wait_status(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  kill_controller_now();
  return "did not stop within " + std::to_string(grace.count()) + " ms of SIGTERM; killed";
}

/// The last `lines` lines of a text file (for failure messages).
inline std::string tail_of(const std::string& path, std::size_t lines) {
  std::ifstream in{path};
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);)
    all.push_back(l);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "    " + all[i] + "\n";
  return out;
}

struct proc_memory {
  uint64_t rss_kib = 0;
  uint64_t hwm_kib = 0;
};

/// VmRSS and VmHWM of /proc/<pid>/status.
inline proc_memory read_proc_memory(pid_t pid) {
  proc_memory m;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0)
      m.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
    else if (line.rfind("VmHWM:", 0) == 0)
      m.hwm_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return m;
}

/// User + system CPU seconds of `pid` (fields 14 and 15 of /proc/<pid>/stat).
inline double proc_cpu_seconds(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close_paren = all.rfind(')');
  if (close_paren == std::string::npos)
    return 0;
  std::istringstream fields(all.substr(close_paren + 2)); // field 3 (state) onwards
  std::string skip;
  for (int i = 3; i < 14; ++i)
    fields >> skip;
  unsigned long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline double mib(uint64_t kib) { return static_cast<double>(kib) / 1024.0; }

/// A free TCP port on 127.0.0.1 (bound once and released; another process could take it
/// before the controller binds, which would fail the run visibly).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0)
    ::close(fd);
  return port;
}

/// A plain-HTTP client of 127.0.0.1:`port` with `connections` pooled connections.
inline std::unique_ptr<k8s::http_client> loopback_client(uint16_t port, std::size_t connections,
                                                         std::string user_agent) {
  k8s::transport_config tc;
  tc.scheme = "http";
  tc.host = "127.0.0.1";
  tc.port = port;
  tc.user_agent = std::move(user_agent);
  tc.max_idle_connections = connections;
  tc.io_threads = 1;
  tc.total_timeout = std::chrono::seconds{30};
  auto c = k8s::http_client::make(tc);
  if (!c) {
    std::cerr << "http client: " << c.error().render() << "\n";
    return nullptr;
  }
  return std::move(*c);
}

/// Polls `pred` every 20 ms until it holds or `limit` passes.
inline bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return pred();
}

/// Polls the controller's /readyz for up to 60 s; `died` (with `child_status`) when it exited.
inline bool wait_until_ready(pid_t pid, uint16_t health_port, int& child_status, bool& died) {
  auto health = loopback_client(health_port, 1, "bench-readyz");
  if (!health)
    return false;
  return wait_for(
           [&] {
             if (!still_running(pid, &child_status)) {
               died = true;
               g_controller.store(0);
               return true;
             }
             k8s::http_request req;
             req.method = "GET";
             req.path = "/readyz";
             auto r = health->send_sync(std::move(req), std::chrono::seconds{2});
             return r && r->status == 200;
           },
           std::chrono::seconds{60}) &&
         !died;
}

/// `v` with `decimals` digits after the point.
inline std::string fixed(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// The value of `--name VALUE`, or `def`.
inline std::string string_flag(int argc, char** argv, std::string_view name, std::string def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (name == argv[i])
      return argv[i + 1];
  return def;
}

/// One request; the error string is empty on the expected status.
inline std::string call(k8s::http_client& client, const std::string& method, const std::string& path,
                        std::string body, int expected_status, std::string* reply_body = nullptr) {
  k8s::http_request req;
  req.method = method;
  req.path = path;
  req.body = std::move(body);
  req.idempotent = method == "GET";
  if (!req.body.empty())
    req.headers.emplace_back("Content-Type", "application/json");
  auto resp = client.send_sync(std::move(req), std::chrono::seconds{30});
  if (!resp)
    return method + " " + path + ": " + resp.error().render();
  if (resp->status != expected_status)
    return method + " " + path + ": HTTP " + std::to_string(resp->status) + " " + resp->body.substr(0, 300);
  if (reply_body)
    *reply_body = std::move(resp->body);
  return {};
}

/// Installs the CRDs of `<source_dir>/deploy/crds` and waits until TaskSpawners are served;
/// the error string is empty on success.
inline std::string install_kelos_crds(k8s::http_client& client, const std::string& source_dir) {
  for (const char* crd : {"tasks", "workspaces", "agentconfigs", "taskspawners"}) {
    auto path = std::filesystem::path{source_dir} / "deploy/crds" / (std::string{crd} + ".kelos.dev.yaml");
    std::ifstream in{path};
    std::stringstream text;
    text << in.rdbuf();
    auto doc = apiserver::yaml_to_json(text.str());
    if (!doc)
      return path.string() + ": " + doc.error().render();
    if (auto e = call(client, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc->dump(), 201);
        !e.empty())
      return "installing the " + std::string{crd} + " CRD: " + e;
  }
  std::string last;
  if (!wait_for([&] { return (last = call(client, "GET", "/apis/kelos.dev/v1alpha1/taskspawners", {}, 200)).empty(); },
                std::chrono::seconds{30}))
    return "the Kelos CRDs were not served within 30 s: " + last;
  return {};
}

} // namespace kelos::bench
