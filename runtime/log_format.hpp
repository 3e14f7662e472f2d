#pragma once

/// Rendering of one log line, as text or as one JSON object, with no I/O and no spdlog:
/// the spdlog formatter in runtime/log.hpp calls these, and the unit tests check the
/// escaping directly (tests/unit/runtime_log_format_test.cpp).
///
/// Text:  `[2025-01-02T03:04:05.678Z] [info] task default/foo: message`
/// JSON:  `{"ts":"2025-01-02T03:04:05.678Z","level":"info","logger":"kelos-controller",
///          "actor":"task","object":"default/foo","msg":"message"}` (one line)
///
/// Guarantees: a rendered line never contains a raw newline or other control character
/// (text escapes them as `\n`, `\r`, `\xNN`; JSON as RFC 8259 escapes), so one record is
/// always one line and a message cannot forge another line. JSON output is valid UTF-8:
/// every byte of an invalid UTF-8 sequence becomes U+FFFD.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kelos::logfmt {

/// The two line formats of `--log-format`.
enum class format { text, json };

/// Parses "text" or "json".
std::optional<format> parse_format(std::string_view s);

/// The fields of one log line. `actor` and `object` may be empty (then omitted).
struct record {
  std::chrono::system_clock::time_point ts;
  /// Short level name: trace, debug, info, warn, error, critical.
  std::string_view level;
  /// The process's logger name (e.g. "kelos-controller"); may be empty.
  std::string_view logger;
  std::string_view actor;
  std::string_view object;
  std::string_view msg;
};

/// RFC 3339 UTC with milliseconds: "2025-01-02T03:04:05.678Z".
std::string rfc3339_ms(std::chrono::system_clock::time_point ts);

/// Appends `s` as a JSON string literal (with the quotes) to `out`: `"` and `\` escaped,
/// control characters as `\n`, `\t`... or `\u00XX`, invalid UTF-8 bytes as `\ufffd`.
void append_json_string(std::string& out, std::string_view s);

/// `s` with control characters (tab excepted) written as `\n`, `\r` or `\xNN`. Other
/// bytes, backslashes and invalid UTF-8 included, pass unchanged: text is for people.
std::string escape_text(std::string_view s);

/// One text line, without the trailing newline. `level_begin`/`level_end` (optional)
/// receive the byte range of the level name, for terminal colours.
std::string render_text(const record& r, std::size_t* level_begin = nullptr, std::size_t* level_end = nullptr);

/// One JSON object on one line, without the trailing newline.
std::string render_json(const record& r);

/// Actor and object travel inside the spdlog payload, ahead of the message, so plain spdlog
/// sinks and formatters can carry them: "\x1e" actor "\x1f" object "\x1f" message.
/// Separator bytes inside `actor` or `object` are replaced by '?'.
std::string encode_context(std::string_view actor, std::string_view object, std::string_view msg);

/// The parts of a payload; a payload without the leading "\x1e" is all message. The parts
/// view `payload`: they are valid only while it lives.
struct context_parts {
  std::string_view actor;
  std::string_view object;
  std::string_view msg;
};
context_parts decode_context(std::string_view payload);

/// The text form of a message with its context: "actor object: msg", "actor: msg", "msg".
std::string with_prefix(std::string_view actor, std::string_view object, std::string_view msg);

} // namespace kelos::logfmt
