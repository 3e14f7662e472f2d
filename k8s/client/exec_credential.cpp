#include "k8s/client/exec_credential.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "k8s/json.hpp"
#include "k8s/kinds.hpp"

extern char** environ;

namespace kelos::k8s::client {

namespace {

constexpr std::string_view api_v1 = "client.authentication.k8s.io/v1";
constexpr std::string_view api_v1beta1 = "client.authentication.k8s.io/v1beta1";

std::string quoted(const exec_config& config) { return "exec plugin \"" + config.command + "\""; }

kelos::error plugin_error(const exec_config& config, const std::string& what) {
  return kelos::make_error(errc::exec_plugin_failed, quoted(config) + ": " + what);
}

// The tail of stderr is usually the useful part (the final error line).
std::string excerpt(std::string_view text) {
  constexpr size_t limit = 512;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  if (text.size() <= limit)
    return std::string{text};
  return "..." + std::string{text.substr(text.size() - limit)};
}

struct process_result {
  int status = 0;
  bool timed_out = false;
  bool output_too_large = false;
  std::string out;
  std::string err;
};

// Builds "NAME=value" strings: the parent environment with `overrides` applied.
std::vector<std::string> build_env(const std::vector<exec_env_var>& overrides) {
  std::vector<std::string> env;
  auto overridden = [&](std::string_view entry) {
    auto eq = entry.find('=');
    auto name = entry.substr(0, eq);
    for (const auto& o : overrides)
      if (o.name == name)
        return true;
    return false;
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (!overridden(*e))
      env.emplace_back(*e);
  for (const auto& o : overrides)
    env.push_back(o.name + "=" + o.value);
  return env;
}

class fd_guard {
public:
  explicit fd_guard(int fd = -1) : fd_(fd) {}
  ~fd_guard() { reset(); }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_;
};

// Runs argv[0] (PATH lookup unless it contains '/'), capturing stdout and stderr.
kelos::expected<process_result> run_process(const exec_config& config,
                                            const std::vector<std::string>& env_strings,
                                            const exec_options& options) {
  int out_fds[2], err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC) != 0)
    return plugin_error(config, std::string{"pipe: "} + std::strerror(errno));
  fd_guard out_r{out_fds[0]}, out_w{out_fds[1]};
  if (::pipe2(err_fds, O_CLOEXEC) != 0)
    return plugin_error(config, std::string{"pipe: "} + std::strerror(errno));
  fd_guard err_r{err_fds[0]}, err_w{err_fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);

  // Own process group, so a timeout kills the plugin's children too; default signals.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(config.command.c_str()));
  for (const auto& a : config.args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env_strings)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  bool has_slash = config.command.find('/') != std::string::npos;
  int rc = has_slash ? ::posix_spawn(&pid, config.command.c_str(), &actions, &attr, argv.data(),
                                     envp.data())
                     : ::posix_spawnp(&pid, config.command.c_str(), &actions, &attr, argv.data(),
                                      envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    std::string msg = std::string{"cannot start: "} + std::strerror(rc);
    if (!config.install_hint.empty())
      msg += "\n" + config.install_hint;
    return plugin_error(config, msg);
  }

  process_result result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto kill_group = [&] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  };
  bool out_open = true, err_open = true;
  char buf[4096];
  while ((out_open || err_open) && !result.timed_out) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
    if (!out_open)
      fds[0].fd = -1;
    if (!err_open)
      fds[1].fd = -1;
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) {
      kill_group();
      ::waitpid(pid, nullptr, 0);
      return plugin_error(config, std::string{"poll: "} + std::strerror(errno));
    }
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& sink = i == 0 ? result.out : result.err;
      if (sink.size() < options.max_output)
        sink.append(buf, static_cast<size_t>(got));
      else if (i == 0)
        result.output_too_large = true;
    }
  }
  // Pipes closed (or timed out): wait for the exit within what is left of the deadline.
  while (!result.timed_out) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result.status = status;
      return result;
    }
    if (r < 0 && errno != EINTR)
      return plugin_error(config, std::string{"waitpid: "} + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline)
      result.timed_out = true;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_group();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = status;
  return result;
}

} // namespace

bool is_supported_exec_api_version(std::string_view api_version) {
  return api_version == api_v1 || api_version == api_v1beta1;
}

std::string make_exec_info(const exec_config& config,
                           const std::optional<exec_cluster_info>& cluster) {
  json info = {{"kind", "ExecCredential"},
               {"apiVersion", config.api_version},
               {"spec", {{"interactive", false}}}};
  if (config.provide_cluster_info && cluster) {
    json c = {{"server", cluster->server}};
    if (!cluster->ca_pem.empty())
      c["certificate-authority-data"] = base64_encode(cluster->ca_pem);
    if (cluster->insecure_skip_tls_verify)
      c["insecure-skip-tls-verify"] = true;
    if (!cluster->tls_server_name.empty())
      c["tls-server-name"] = cluster->tls_server_name;
    info["spec"]["cluster"] = std::move(c);
  }
  return info.dump();
}

kelos::expected<credential> parse_exec_credential(std::string_view output,
                                                  const exec_config& config) {
  json j;
  try {
    j = json::parse(output);
  } catch (const json::exception&) {
    return plugin_error(config, "output is not valid JSON");
  }
  if (!j.is_object())
    return plugin_error(config, "output is not a JSON object");
  auto kind = get_string(j, "kind");
  if (kind != "ExecCredential")
    return plugin_error(config, "returned kind \"" + kind + "\", expected \"ExecCredential\"");
  auto api = get_string(j, "apiVersion");
  if (api != config.api_version)
    return plugin_error(config, "returned apiVersion \"" + api + "\", but the kubeconfig asks for \"" +
                                    config.api_version + "\"");
  auto status = j.find("status");
  if (status == j.end() || !status->is_object())
    return plugin_error(config, "returned no status");
  credential c;
  for (auto [field, target] : {std::pair{"token", &c.token},
                               std::pair{"clientCertificateData", &c.client_cert_pem},
                               std::pair{"clientKeyData", &c.client_key_pem}}) {
    auto it = status->find(field);
    if (it == status->end() || it->is_null())
      continue;
    if (!it->is_string())
      return plugin_error(config, std::string{"status."} + field + " is not a string");
    *target = it->get<std::string>();
  }
  if (c.client_cert_pem.empty() != c.client_key_pem.empty())
    return plugin_error(config, "status.clientCertificateData and status.clientKeyData must be "
                                "set together");
  if (c.token.empty() && c.client_cert_pem.empty())
    return plugin_error(config, "returned neither status.token nor a client certificate and key");
  if (!c.client_cert_pem.empty() && c.client_cert_pem.find("-----BEGIN ") == std::string::npos)
    return plugin_error(config, "status.clientCertificateData is not PEM data");
  if (!c.client_key_pem.empty() && c.client_key_pem.find("-----BEGIN ") == std::string::npos)
    return plugin_error(config, "status.clientKeyData is not PEM data");
  if (auto it = status->find("expirationTimestamp"); it != status->end() && !it->is_null()) {
    std::optional<time_point> t;
    if (it->is_string())
      t = parse_time(it->get<std::string>());
    if (!t)
      return plugin_error(config, "status.expirationTimestamp is not an RFC 3339 time");
    c.expiry = *t;
  }
  return c;
}

kelos::expected<credential> run_exec_plugin(const exec_config& config,
                                            const std::optional<exec_cluster_info>& cluster,
                                            const exec_options& options) {
  if (!is_supported_exec_api_version(config.api_version))
    return plugin_error(config, "unsupported apiVersion \"" + config.api_version + "\"");
  if (config.interactive_mode == "Always")
    return plugin_error(config, "interactiveMode is Always, but Kelos never runs plugins "
                                "interactively");
  auto env = config.env;
  env.push_back({"KUBERNETES_EXEC_INFO", make_exec_info(config, cluster)});
  auto r = run_process(config, build_env(env), options);
  if (!r)
    return std::move(r).error();
  auto stderr_part = [&] {
    auto e = excerpt(r->err);
    return e.empty() ? std::string{} : ": stderr: " + e;
  };
  if (r->timed_out)
    return kelos::make_error(errc::timeout, quoted(config) + ": killed after " +
                                                std::to_string(options.timeout.count()) + " ms" +
                                                stderr_part());
  if (WIFSIGNALED(r->status))
    return plugin_error(config, "killed by signal " + std::to_string(WTERMSIG(r->status)) +
                                    stderr_part());
  if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0)
    return plugin_error(config, "exit status " + std::to_string(WEXITSTATUS(r->status)) +
                                    stderr_part());
  if (r->output_too_large)
    return plugin_error(config, "output larger than " + std::to_string(options.max_output) +
                                    " bytes");
  return parse_exec_credential(r->out, config);
}

namespace {

class exec_token_source final : public token_source {
public:
  exec_token_source(exec_config config, std::optional<exec_cluster_info> cluster,
                    exec_options options)
      : config_(std::move(config)), cluster_(std::move(cluster)), options_(options) {}

  kelos::expected<credential> current() override {
    std::lock_guard lock{mutex_};
    auto t = now();
    if (cached_ && (!cached_->expiry || t < refresh_at_))
      return *cached_;
    auto fresh = run_exec_plugin(config_, cluster_, options_);
    if (!fresh) {
      if (cached_ && cached_->expiry && t < *cached_->expiry) {
        // Still valid: serve it, and do not spawn a plugin per request while it keeps failing.
        refresh_at_ = std::min<time_point>(
            *cached_->expiry,
            now() + std::chrono::duration_cast<std::chrono::microseconds>(
                        options_.failed_refresh_backoff));
        return *cached_;
      }
      return std::move(fresh).error();
    }
    cached_ = std::move(*fresh);
    if (cached_->expiry) {
      auto lifetime = *cached_->expiry - now(); // measured after the (possibly slow) run
      auto margin = std::clamp<std::chrono::microseconds>(
          lifetime / 2, std::chrono::microseconds{0},
          std::chrono::duration_cast<std::chrono::microseconds>(options_.refresh_margin));
      refresh_at_ = *cached_->expiry - margin;
    }
    return *cached_;
  }

  std::optional<std::string> cached_token() override {
    // The plugin runs under the lock: a request that finds it taken goes to the token thread.
    std::unique_lock lock{mutex_, std::try_to_lock};
    if (!lock.owns_lock() || !cached_ || (cached_->expiry && now() >= refresh_at_))
      return std::nullopt;
    return cached_->token;
  }

  void invalidate() override {
    std::lock_guard lock{mutex_};
    cached_.reset();
  }

  std::string describe() const override { return quoted(config_); }

private:
  const exec_config config_;
  const std::optional<exec_cluster_info> cluster_;
  const exec_options options_;
  std::mutex mutex_;
  std::optional<credential> cached_;
  time_point refresh_at_{};
};

} // namespace

std::shared_ptr<token_source> make_exec_token_source(exec_config config,
                                                     std::optional<exec_cluster_info> cluster,
                                                     exec_options options) {
  return std::make_shared<exec_token_source>(std::move(config), std::move(cluster), options);
}

} // namespace kelos::k8s::client
