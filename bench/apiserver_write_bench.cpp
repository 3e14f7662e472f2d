// Small-object writes/s against the embedded API server over keep-alive HTTP/1.1.
//
// Starts an in-process server (WAL + fsync on by default; --no-fsync keeps the WAL but skips
// fdatasync; --memory has no data dir at all), opens C raw keep-alive TCP connections (one
// thread each) and POSTs ~200-byte ConfigMaps, keeping at most D requests in flight per
// connection (HTTP/1.1 pipelining: the server reads the next request after writing a
// response, so D > 1 only hides the client's round trip). Raw sockets keep client cost out
// of the figure. Prints writes/s, latency p50/p99/max (send → complete response) and errors.
//
// --update K: each connection first creates K ConfigMaps (in-process, untimed), then every
// write is a JSON merge PATCH of one of them (round robin), so the figure covers the update
// path (read the stored object, apply, compare, commit) instead of creates.
//
// Usage: apiserver_write_bench [--objects N] [--connections C] [--depth D] [--max-seconds S]
//                              [--io-threads T] [--no-fsync | --memory] [--update K]

#include "bench/apiserver_bench_server.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/resource_registry.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using kelos::bench::steady_ns;

struct conn_result {
  std::vector<int64_t> latencies_ns;
  uint64_t ok = 0;
  uint64_t errors = 0;
  std::string first_error;
};

// A ConfigMap body of about 200 bytes; the name makes it unique.
std::string configmap_body(int conn, long long i) {
  char name[64];
  std::snprintf(name, sizeof name, "bench-c%d-%07lld", conn, i);
  std::string body = std::string(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")") + name +
                     R"(","labels":{"app":"write-bench"}},"data":{"key":")";
  body += std::string(200 > body.size() + 3 ? 200 - body.size() - 3 : 8, 'x');
  body += "\"}}";
  return body;
}

// A merge patch giving object `i % keys` of connection `conn` a new value (200 expected).
std::string patch_request(int conn, long long i, long long keys) {
  char name[64];
  std::snprintf(name, sizeof name, "bench-c%d-%07lld", conn, i % keys);
  std::string body = R"({"data":{"key":"v)" + std::to_string(i) + R"("}})";
  return std::string("PATCH /api/v1/namespaces/default/configmaps/") + name +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/merge-patch+json\r\n"
         "Accept: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string post_request(const std::string& body) {
  return "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one Content-Length response from `fd` into (status, body), keeping surplus bytes in
// `buf` for the next response. False on a closed/failed connection or a malformed head.
bool read_response(int fd, std::string& buf, int& status, std::string& body) {
  char chunk[16384];
  std::size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  if (buf.compare(0, 9, "HTTP/1.1 ") != 0 || buf.size() < 12)
    return false;
  status = std::atoi(buf.c_str() + 9);
  std::size_t length = 0;
  bool have_length = false;
  for (std::size_t pos = buf.find("\r\n"); pos < head_end;) {
    std::size_t next = buf.find("\r\n", pos + 2);
    std::string line = buf.substr(pos + 2, next - pos - 2);
    if (line.size() > 15 && strncasecmp(line.c_str(), "content-length:", 15) == 0) {
      length = std::strtoull(line.c_str() + 15, nullptr, 10);
      have_length = true;
    }
    pos = next;
  }
  if (!have_length)
    return false; // the server always sends Content-Length on non-streaming responses
  std::size_t need = head_end + 4 + length;
  while (buf.size() < need) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  body.assign(buf, head_end + 4, length);
  buf.erase(0, need);
  return true;
}

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{30, 0}; // bounded: a hung server fails the run instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One connection: keeps up to `depth` POSTs in flight until `count` are sent or the deadline.
// With `update_keys` > 0 each request patches one of the connection's pre-created objects.
void run_connection(uint16_t port, int conn, long long count, int depth, int64_t deadline_ns,
                    long long update_keys, conn_result& out) {
  int fd = connect_to(port);
  if (fd < 0) {
    out.errors = static_cast<uint64_t>(count);
    out.first_error = std::string("connect: ") + std::strerror(errno);
    return;
  }
  out.latencies_ns.reserve(static_cast<std::size_t>(count));
  std::deque<int64_t> sent_at; // responses come back in request order
  std::string buf, body;
  long long next = 0;
  while (next < count || !sent_at.empty()) {
    while (next < count && static_cast<int>(sent_at.size()) < depth && steady_ns() < deadline_ns) {
      std::string req = update_keys > 0 ? patch_request(conn, next, update_keys)
                                        : post_request(configmap_body(conn, next));
      sent_at.push_back(steady_ns());
      if (!write_all(fd, req)) {
        out.errors += static_cast<uint64_t>(count - next);
        out.first_error = "send failed";
        ::close(fd);
        return;
      }
      ++next;
    }
    if (sent_at.empty())
      break; // deadline reached with nothing in flight
    int status = 0;
    if (!read_response(fd, buf, status, body)) {
      out.errors += sent_at.size();
      if (out.first_error.empty())
        out.first_error = "connection closed or malformed response";
      break;
    }
    out.latencies_ns.push_back(steady_ns() - sent_at.front());
    sent_at.pop_front();
    if (status == (update_keys > 0 ? 200 : 201)) {
      ++out.ok;
    } else {
      ++out.errors;
      if (out.first_error.empty())
        out.first_error = std::to_string(status) + " " + body.substr(0, 300);
    }
  }
  ::close(fd);
}

} // namespace

int main(int argc, char** argv) {
  kelos::bench::args a(argc, argv);
  const long long objects = a.num("--objects", 20000);
  const int connections = static_cast<int>(a.num("--connections", 4));
  const int depth = static_cast<int>(a.num("--depth", 4));
  const long long max_seconds = a.num("--max-seconds", 30);
  const int io_threads = static_cast<int>(a.num("--io-threads", 2));
  const bool memory = a.has_flag("--memory");
  const bool fsync = !memory && !a.has_flag("--no-fsync");
  const long long update_keys = a.num("--update", 0);
  if (connections < 1 || depth < 1 || objects < connections || update_keys < 0) {
    std::cerr << "bad parameters\n";
    return 2;
  }

  kelos::bench::bench_server started;
  if (int rc = kelos::bench::start_bench_server(fsync, io_threads, memory, "apiserver-write-bench-", started))
    return rc;
  auto& server = started.server;
  const std::string& data_dir = started.data_dir;
  const uint16_t port = server->port();

  std::cout << "apiserver_write_bench: objects=" << objects << " connections=" << connections
            << " depth_per_connection=" << depth << " server_io_threads=" << io_threads
            << " durability=" << (memory ? "memory (no WAL)" : fsync ? "WAL+fdatasync" : "WAL, no fsync")
            << " max_seconds=" << max_seconds
            << " mode=" << (update_keys > 0 ? "merge PATCH of " + std::to_string(update_keys) + " objects per connection" : std::string("POST"))
            << "\n"
            << "load average before: " << kelos::bench::load_average() << "\n";

  const auto registry = kelos::k8s::resource_registry::with_builtins();
  const auto* configmaps = registry.lookup("configmaps");
  for (int c = 0; c < connections && update_keys > 0; ++c)
    for (long long k = 0; k < update_keys; ++k) {
      auto made = server->store().create(*configmaps, "default",
                                         kelos::k8s::json::parse(configmap_body(c, k)));
      if (!made) {
        std::cerr << "cannot pre-create: " << made.error().message << "\n";
        return 1;
      }
    }

  std::vector<conn_result> results(static_cast<std::size_t>(connections));
  std::vector<std::thread> threads;
  const double cpu0 = kelos::bench::process_cpu_seconds();
  const int64_t start = steady_ns();
  const int64_t deadline = start + max_seconds * 1'000'000'000LL;
  for (int c = 0; c < connections; ++c) {
    long long share = objects / connections + (c < objects % connections ? 1 : 0);
    threads.emplace_back(run_connection, port, c, share, depth, deadline, update_keys,
                         std::ref(results[static_cast<std::size_t>(c)]));
  }
  for (auto& t : threads)
    t.join();
  const int64_t elapsed = steady_ns() - start;
  const double cpu = kelos::bench::process_cpu_seconds() - cpu0;

  std::vector<int64_t> all;
  uint64_t ok = 0, errors = 0;
  std::string first_error;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    ok += r.ok;
    errors += r.errors;
    if (first_error.empty())
      first_error = r.first_error;
  }
  const double secs = static_cast<double>(elapsed) / 1e9;
  const int64_t maxv = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  std::printf("completed=%llu errors=%llu elapsed=%.3f s writes/s=%.0f\n", static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(errors), secs, static_cast<double>(ok) / secs);
  // Server and client threads share the process: this bounds the server's own cost per write.
  std::printf("process CPU (server + client threads)=%.3f s (%.2f cores busy) writes per process CPU-second=%.0f\n",
              cpu, cpu / secs, static_cast<double>(ok) / cpu);
  std::printf("latency ms: p50=%.3f p99=%.3f max=%.3f\n", kelos::bench::ms(kelos::bench::percentile(all, 0.50)),
              kelos::bench::ms(kelos::bench::percentile(all, 0.99)), kelos::bench::ms(maxv));
  std::printf("store objects=%zu rv=%lld\n", server->store().size(),
              static_cast<long long>(server->store().current_rv()));
  if (auto d = server->store().durability(); d.records > 0)
    std::printf("WAL records=%llu fdatasyncs=%llu (%.1f records per sync)\n",
                static_cast<unsigned long long>(d.records), static_cast<unsigned long long>(d.syncs),
                d.syncs ? static_cast<double>(d.records) / static_cast<double>(d.syncs) : 0.0);
  if (!first_error.empty())
    std::printf("first error: %s\n", first_error.c_str());
  if (ok < static_cast<uint64_t>(objects))
    std::printf("note: %lld of %lld writes not sent before the %lld s cap\n",
                static_cast<long long>(objects) - static_cast<long long>(ok + errors), objects, max_seconds);
  std::cout << "load average after: " << kelos::bench::load_average() << "\n";

  server->stop();
  server.reset();
  if (!data_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
  }
  return errors == 0 ? 0 : 1;
}
