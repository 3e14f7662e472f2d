#include "runtime/log.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>

namespace kelos::logging {
namespace {

std::atomic<bool> installed{false};

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

/// The spdlog side of runtime/log_format.hpp: decodes the context from the payload and
/// renders one line.
class line_formatter final : public spdlog::formatter {
public:
  explicit line_formatter(logfmt::format f) : format_(f) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto parts = logfmt::decode_context(std::string_view{msg.payload.data(), msg.payload.size()});
    logfmt::record r;
    r.ts = msg.time;
    r.level = level_name(msg.level);
    r.logger = std::string_view{msg.logger_name.data(), msg.logger_name.size()};
    r.actor = parts.actor;
    r.object = parts.object;
    r.msg = parts.msg;
    std::string line;
    if (format_ == logfmt::format::json) {
      line = logfmt::render_json(r);
    } else {
      std::size_t b = 0, e = 0;
      line = logfmt::render_text(r, &b, &e);
      msg.color_range_start = b;
      msg.color_range_end = e;
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(format_);
  }

private:
  logfmt::format format_;
};

} // namespace

void setup(std::string logger_name, logfmt::format fmt, spdlog::level::level_enum level, spdlog::sink_ptr sink) {
  if (!sink)
    sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>(
      fmt == logfmt::format::json ? spdlog::color_mode::never : spdlog::color_mode::automatic);
  sink->set_formatter(std::make_unique<line_formatter>(fmt));
  auto logger = std::make_shared<spdlog::logger>(std::move(logger_name), std::move(sink));
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
  installed = true;
}

bool structured() {
  return installed.load();
}

void write(spdlog::level::level_enum lvl, const log_context& ctx, std::string_view msg) {
  auto* logger = spdlog::default_logger_raw();
  if (installed.load())
    logger->log(lvl, "{}", logfmt::encode_context(ctx.actor, ctx.object, msg));
  else
    logger->log(lvl, "{}", logfmt::with_prefix(ctx.actor, ctx.object, msg));
}

} // namespace kelos::logging
