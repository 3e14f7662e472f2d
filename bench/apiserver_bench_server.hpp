#pragma once

// Starting the embedded API server the way the API server benches do.

#include "bench/apiserver_bench_common.hpp"
#include "k8s/apiserver/api_server.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

namespace kelos::bench {

/// A started server and its data directory (empty for an in-memory server).
struct bench_server {
  std::unique_ptr<apiserver::api_server> server;
  std::string data_dir;
};

/// Starts the server with `fsync` and `io_threads`. Unless `memory`, its WAL lives in a fresh
/// directory `<prefix>XXXXXX` under the working directory: the build directory's file system
/// (ext4 here), not a tmpfs, so fsync must hit a disk. Returns 0, or the exit code after
/// printing why it failed (2: no data directory, 1: the server did not start).
inline int start_bench_server(bool fsync, int io_threads, bool memory, const std::string& prefix, bench_server& out) {
  apiserver::api_server_config cfg;
  cfg.fsync = fsync;
  cfg.io_threads = io_threads;
  if (!memory) {
    out.data_dir = make_temp_dir(std::filesystem::current_path().string(), prefix);
    if (out.data_dir.empty()) {
      std::cerr << "cannot create a data directory under the current directory\n";
      return 2;
    }
    cfg.data_dir = out.data_dir;
  }
  auto server = apiserver::api_server::start(cfg);
  if (!server) {
    std::cerr << "server start failed: " << server.error().message << "\n";
    return 1;
  }
  out.server = std::move(*server);
  return 0;
}

} // namespace kelos::bench
