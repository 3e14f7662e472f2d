#pragma once

// A kube_transport whose requests stay pending until the test answers them, so actor
// tests decide every API server answer and its timing under the deterministic scheduler.

#include "actors/kube_transport.hpp"

#include <memory>
#include <vector>

namespace kelos::test {

class scripted_transport final : public kube_transport {
public:
  struct pending_send {
    k8s::http_request request;
    done_fn done;
    bool answered = false;
  };
  struct pending_stream {
    k8s::http_request request;
    k8s::stream_callbacks callbacks;
    bool cancelled = false;
    bool ended = false;
  };

  void send(k8s::http_request req, done_fn done) override {
    sends.push_back(std::make_shared<pending_send>(pending_send{std::move(req), std::move(done)}));
  }

  std::function<void()> stream(k8s::http_request req, k8s::stream_callbacks callbacks) override {
    auto s = std::make_shared<pending_stream>(pending_stream{std::move(req), std::move(callbacks)});
    streams.push_back(s);
    return [s] {
      if (s->cancelled || s->ended)
        return;
      s->cancelled = true;
      if (s->callbacks.on_done)
        s->callbacks.on_done(kelos::error{errc::cancelled, "cancelled"});
    };
  }

  /// Answers the oldest unanswered send.
  void answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto s = next_send();
    s->answered = true;
    s->done(k8s::http_response{status, std::move(headers), std::move(body)});
  }

  /// Fails the oldest unanswered send with a transport error.
  void fail(errc code, std::string message) {
    auto s = next_send();
    s->answered = true;
    s->done(kelos::error{code, std::move(message)});
  }

  /// The oldest unanswered send (throws when there is none).
  std::shared_ptr<pending_send> next_send() {
    for (auto& s : sends)
      if (!s->answered)
        return s;
    throw std::runtime_error("no pending request");
  }

  size_t unanswered() const {
    size_t n = 0;
    for (auto& s : sends)
      n += s->answered ? 0 : 1;
    return n;
  }

  /// The newest stream.
  pending_stream& last_stream() { return *streams.back(); }

  std::vector<std::shared_ptr<pending_send>> sends;
  std::vector<std::shared_ptr<pending_stream>> streams;
};

} // namespace kelos::test
