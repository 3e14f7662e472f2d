// kelos-apiserver: runs the embedded Kubernetes-compatible API server on its own.
//
//   kelos-apiserver --port N --data-dir DIR --kubeconfig-out FILE [--tls]
//                   [--version-minor 32] [--event-log-size N] [...]
//
// Logs the URL, writes the kubeconfig once the server accepts connections, and stops
// cleanly (watch streams end with their terminating chunk) on SIGTERM or SIGINT.

#include "k8s/apiserver/api_server.hpp"
#include "runtime/log.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <string>
#include <string_view>

namespace {

void usage(std::ostream& os) {
  os << "usage: kelos-apiserver [--port N] [--address A] [--data-dir DIR] [--kubeconfig-out FILE]\n"
        "                       [--tls] [--version-minor M] [--event-log-size N] [--watch-queue-size N]\n"
        "                       [--max-body-bytes N] [--bookmark-interval-ms N] [--watch-batch-us N]\n"
        "                       [--no-openapi] [--no-aggregated-discovery] [--no-table]\n"
        "                       [--no-fsync] [--log-level trace|debug|info|warn|error]\n"
        "                       [--log-format text|json]\n";
}

bool parse_number(std::string_view text, long long& out) {
  if (text.empty())
    return false;
  char* end = nullptr;
  std::string s(text);
  out = std::strtoll(s.c_str(), &end, 10);
  return end == s.c_str() + s.size() && out >= 0;
}

} // namespace

int main(int argc, char** argv) {
  kelos::apiserver::api_server_config cfg;
  std::string kubeconfig_out;
  std::string log_level = "info";
  auto log_format = kelos::logfmt::format::text;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "kelos-apiserver: " << flag << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&](std::string_view flag) -> long long {
      long long n = 0;
      if (!parse_number(value(flag), n)) {
        std::cerr << "kelos-apiserver: " << flag << " needs a non-negative number\n";
        std::exit(2);
      }
      return n;
    };
    if (a == "--port") {
      auto n = number(a);
      if (n > 65535) {
        std::cerr << "kelos-apiserver: --port out of range\n";
        return 2;
      }
      cfg.port = static_cast<uint16_t>(n);
    } else if (a == "--address") {
      cfg.address = value(a);
    } else if (a == "--data-dir") {
      cfg.data_dir = value(a);
    } else if (a == "--kubeconfig-out") {
      kubeconfig_out = value(a);
    } else if (a == "--tls") {
      cfg.tls = true;
    } else if (a == "--version-minor") {
      cfg.version_minor = value(a);
    } else if (a == "--event-log-size") {
      cfg.event_log_size = static_cast<std::size_t>(number(a));
    } else if (a == "--watch-queue-size") {
      auto n = number(a);
      if (n < 1) {
        std::cerr << "kelos-apiserver: --watch-queue-size must be at least 1\n";
        return 2;
      }
      cfg.watch_queue_size = static_cast<std::size_t>(n);
    } else if (a == "--max-body-bytes") {
      cfg.max_body_bytes = static_cast<std::size_t>(number(a));
    } else if (a == "--bookmark-interval-ms") {
      cfg.bookmark_interval = std::chrono::milliseconds(number(a));
    } else if (a == "--watch-batch-us") {
      auto n = number(a);
      if (n > 1000000) {
        std::cerr << "kelos-apiserver: --watch-batch-us must be at most 1000000 (one second)\n";
        return 2;
      }
      cfg.watch_batch_interval = std::chrono::microseconds(n);
    } else if (a == "--no-openapi") {
      cfg.openapi = false;
    } else if (a == "--no-aggregated-discovery") {
      cfg.aggregated_discovery = false;
    } else if (a == "--no-table") {
      cfg.table = false;
    } else if (a == "--no-fsync") {
      cfg.fsync = false;
    } else if (a == "--log-level") {
      log_level = value(a);
    } else if (a == "--log-format") {
      auto f = kelos::logfmt::parse_format(value(a));
      if (!f) {
        std::cerr << "kelos-apiserver: --log-format must be text or json\n";
        return 2;
      }
      log_format = *f;
    } else if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "kelos-apiserver: unknown flag " << a << "\n";
      usage(std::cerr);
      return 2;
    }
  }
  kelos::logging::setup("kelos-apiserver", log_format, spdlog::level::from_str(log_level));

  // Block the stop signals before any thread starts so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto server = kelos::apiserver::api_server::start(cfg);
  if (!server) {
    spdlog::error("kelos-apiserver: cannot start: {}", server.error().render());
    return 1;
  }
  auto& srv = *server;
  spdlog::info("kelos-apiserver: serving on {} (kubectl minor {})", srv->url(), cfg.version_minor);
  if (!kubeconfig_out.empty()) {
    auto w = srv->write_kubeconfig(kubeconfig_out);
    if (!w) {
      spdlog::error("kelos-apiserver: {}", w.error().render());
      return 1;
    }
    spdlog::info("kelos-apiserver: kubeconfig written to {}", kubeconfig_out);
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("kelos-apiserver: signal {}, stopping", sig);
  srv->stop();
  return 0;
}
