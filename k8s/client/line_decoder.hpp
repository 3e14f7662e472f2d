#pragma once

#include "runtime/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace kelos::k8s {

/// Splits a newline-delimited body (watch NDJSON, followed logs) that arrives in
/// arbitrary chunks into complete lines.
///
/// Guarantees:
/// - Every complete line is reported exactly once, in order, without its `\n` and
///   without a trailing `\r`. Blank lines (only spaces, tabs or `\r`) are skipped.
/// - A line split across chunks is held until its `\n` arrives.
/// - Memory is bounded: a line longer than `max_line_bytes` is an error (`parse_error`)
///   instead of unbounded buffering. After any error the decoder stays failed and
///   reports the same error on every later call; the caller should drop the stream.
/// - `finish()` at end of stream reports a held partial line as an error: the last
///   event of a stream cut mid-line must not be applied.
///
/// Caveat: lines handed to the callback are views into the chunk or into the internal
/// buffer; they are valid only during the callback.
class line_decoder {
public:
  /// 64 MiB, the same order as the API server's largest object (etcd limit 1.5 MiB,
  /// but lists of Tables can be larger).
  static constexpr std::size_t default_max_line_bytes = std::size_t{64} << 20;

  explicit line_decoder(std::size_t max_line_bytes = default_max_line_bytes)
    : max_line_(max_line_bytes) {}

  /// Consumes `chunk` and calls `on_line(std::string_view)` for each completed line.
  /// Returns an error when a line exceeds the limit (lines completed before it in the
  /// same chunk have already been delivered).
  template <class OnLine>
  kelos::expected<void> feed(std::string_view chunk, OnLine&& on_line) {
    if (failed_) return failed_;
    std::size_t pos = 0;
    while (pos < chunk.size()) {
      auto nl = chunk.find('\n', pos);
      if (nl == std::string_view::npos) {
        auto rest = chunk.substr(pos);
        if (buf_.size() + rest.size() > max_line_) return fail_too_long(buf_.size() + rest.size());
        buf_.append(rest);
        break;
      }
      auto piece = chunk.substr(pos, nl - pos);
      pos = nl + 1;
      if (buf_.empty()) {
        // Fast path: the whole line is inside this chunk; no copy.
        if (piece.size() > max_line_) return fail_too_long(piece.size());
        deliver(piece, on_line);
      } else {
        if (buf_.size() + piece.size() > max_line_) return fail_too_long(buf_.size() + piece.size());
        buf_.append(piece);
        deliver(std::string_view{buf_}, on_line);
        buf_.clear();
      }
    }
    return {};
  }

  /// Ends the stream: an error when a non-blank partial line is still held.
  kelos::expected<void> finish();

  /// Bytes of the partial line currently held.
  std::size_t buffered() const noexcept { return buf_.size(); }
  /// True after an error.
  bool failed() const noexcept { return static_cast<bool>(failed_); }
  /// Forgets any partial line and error, e.g. before reading a new stream.
  void reset() noexcept;

private:
  template <class OnLine>
  static void deliver(std::string_view line, OnLine& on_line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    on_line(line);
  }

  kelos::error fail_too_long(std::size_t size);

  std::size_t max_line_;
  std::string buf_;
  kelos::error failed_;
};

} // namespace kelos::k8s
