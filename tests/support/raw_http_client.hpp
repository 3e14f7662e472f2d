#pragma once

// A blocking loopback HTTP/1.1 client for tests that must see the exact bytes a server
// sends (chunk framing, keep-alive, garbage handling). Every read is bounded.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace kelos::test {

class raw_http_client {
public:
  explicit raw_http_client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_http_client() { ::close(fd_); }
  raw_http_client(const raw_http_client&) = delete;
  raw_http_client& operator=(const raw_http_client&) = delete;

  bool connected() const { return connected_; }

  /// Sends all of `data` (stops silently if the peer is gone).
  void send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      off += static_cast<std::size_t>(n);
    }
  }

  /// Reads until `done(received())` holds, EOF, or the timeout; returns `done(received())`.
  template <class Pred>
  bool read_until(Pred done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char buf[16384];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        return done(received_);
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads until `needle` appears in the received bytes, EOF, or the timeout.
  bool read_until(const std::string& needle, std::chrono::milliseconds timeout) {
    return read_until([&](const std::string& r) { return r.find(needle) != std::string::npos; },
                      timeout);
  }
  bool read_until(const char* needle, std::chrono::milliseconds timeout) {
    return read_until(std::string{needle}, timeout);
  }

  /// Half-closes the connection: the peer reads EOF after what was sent.
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  const std::string& received() const { return received_; }
  void clear() { received_.clear(); }
  /// True once the peer closed the connection.
  bool eof() const { return eof_; }

private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string received_;
};

} // namespace kelos::test
