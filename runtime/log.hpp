#pragma once

/// Structured logging on top of spdlog: every binary installs one line formatter
/// (`--log-format text|json`, runtime/log_format.hpp), and actors log through
/// `logging::info(ctx, ...)` with a `log_context{actor, object}` so that every line from
/// an actor names the actor and, when known, the object it is about.
///
///   logging::info({"task", "default/foo"}, "created Job {}", name);
///   text: [2025-01-02T03:04:05.678Z] [info] task default/foo: created Job foo
///   json: {"ts":"...","level":"info","logger":"kelos-controller","actor":"task",
///          "object":"default/foo","msg":"created Job foo"}
///
/// Plain `spdlog::info(...)` calls keep working (no actor, no object). Before `setup`
/// (unit and actor tests) context lines are written through the default spdlog logger in
/// their text form, so nothing depends on setup having run.
///
/// Caveat: never pass a secret value (Secret data, tokens, private keys, request bodies
/// that may hold them) to any of these functions; tests/e2e/log_secrets_test.py runs the
/// real binaries at trace level and fails when one appears.

#include "runtime/log_format.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace kelos {

/// Who logs (the actor, e.g. "task", "kube", "leader election") and about what (the
/// object key, e.g. "default/foo", or a watched kind; empty when there is none).
struct log_context {
  std::string_view actor;
  std::string_view object;
};

namespace logging {

/// Replaces the default spdlog logger with one named `logger_name` that writes `fmt`
/// lines at `level` and above to `sink`, by default stdout (text lines are coloured on a
/// terminal).
void setup(std::string logger_name, logfmt::format fmt, spdlog::level::level_enum level,
           spdlog::sink_ptr sink = nullptr);

/// True once setup() installed the structured formatter.
bool structured();

/// Logs `msg` with its context at `lvl` through the default logger.
void write(spdlog::level::level_enum lvl, const log_context& ctx, std::string_view msg);

template <class... Args>
void log(spdlog::level::level_enum lvl, const log_context& ctx, fmt::format_string<Args...> f, Args&&... args) {
  if (!spdlog::default_logger_raw()->should_log(lvl))
    return;
  write(lvl, ctx, fmt::format(f, std::forward<Args>(args)...));
}

template <class... Args>
void trace(const log_context& ctx, fmt::format_string<Args...> f, Args&&... args) {
  log(spdlog::level::trace, ctx, f, std::forward<Args>(args)...);
}
template <class... Args>
void debug(const log_context& ctx, fmt::format_string<Args...> f, Args&&... args) {
  log(spdlog::level::debug, ctx, f, std::forward<Args>(args)...);
}
template <class... Args>
void info(const log_context& ctx, fmt::format_string<Args...> f, Args&&... args) {
  log(spdlog::level::info, ctx, f, std::forward<Args>(args)...);
}
template <class... Args>
void warn(const log_context& ctx, fmt::format_string<Args...> f, Args&&... args) {
  log(spdlog::level::warn, ctx, f, std::forward<Args>(args)...);
}
template <class... Args>
void error(const log_context& ctx, fmt::format_string<Args...> f, Args&&... args) {
  log(spdlog::level::err, ctx, f, std::forward<Args>(args)...);
}

} // namespace logging
} // namespace kelos
