#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kelos::apiserver {

/// One HTTP request as the server front hands it to the API handlers.
/// Pure value: no Beast types, so handlers compile without Asio.
struct server_request {
  /// "GET", "POST", ... (upper case, as sent).
  std::string method;
  /// The request target as sent ("/api/v1/pods?limit=500").
  std::string target;
  /// Percent-decoded path without the query string.
  std::string path;
  /// Decoded query parameters in order of appearance (repeated keys kept).
  std::vector<std::pair<std::string, std::string>> query;
  /// Header fields with lower-cased names. Repeated fields are joined with ", ".
  std::map<std::string, std::string> headers;
  /// The full request body (already bounded by the server's body limit).
  std::string body;

  /// The value of a header (name in lower case), or "" when absent.
  const std::string& header(const std::string& lower_name) const;
  /// The first value of a query parameter, or nullptr when absent.
  const std::string* param(std::string_view name) const;
};

/// Sink for a chunked streaming response (watch, log follow). Thread-safe: any
/// thread may call `write` and `close`; the bytes are written in order on the
/// connection's own executor.
class chunk_sink {
public:
  virtual ~chunk_sink() = default;
  /// Queues one chunk. Returns false (and drops the data) once the stream is closed,
  /// either by `close()` or because the client went away.
  virtual bool write(std::string data) = 0;
  /// Ends the stream with the terminating zero-length chunk and closes the
  /// connection. Idempotent.
  virtual void close() = 0;
  /// True once the stream was closed by either side.
  virtual bool closed() const = 0;
  /// Number of bytes queued but not yet written; lets producers detect a slow reader.
  virtual std::size_t pending_bytes() const = 0;
};

/// A response: either a complete body, or a chunked stream when `stream` is set.
struct server_response {
  int status = 200;
  std::string content_type = "application/json";
  /// Extra header fields (e.g. "Warning").
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body for non-streaming responses.
  std::string body;
  /// When set, the server sends the header with `Transfer-Encoding: chunked` and then
  /// calls this with a sink; the stream lasts until someone calls `sink->close()`.
  std::function<void(std::shared_ptr<chunk_sink>)> stream;
  /// When set, the response may not be sent yet: the server calls this once with a
  /// completion, and sends the response when the completion is called with no failure, or
  /// a 500 InternalError carrying the failure text instead. Meanwhile the connection may
  /// read and handle its next pipelined requests; responses still go out in request order.
  /// Used for writes whose group commit is pending. The completion may be called from any
  /// thread, at most once.
  std::function<void(std::function<void(std::optional<std::string> failure)>)> when_ready;
};

/// The request handler the HTTP front calls on its io threads. It must not block for
/// long: streaming work is done through the sink, from other threads if needed.
using request_handler = std::function<server_response(server_request&)>;

/// Parses a query string ("a=1&b=x%20y") into decoded pairs; `+` decodes to a space.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
/// Percent-decodes `text` (`plus_is_space` for query strings).
std::string percent_decode(std::string_view text, bool plus_is_space);

} // namespace kelos::apiserver
