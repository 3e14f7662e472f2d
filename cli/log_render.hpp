#pragma once

/// Renderers for the stream-json logs of the four agents (seed §4.3), used by `kelos logs`.
/// Pure: a renderer turns one complete log line into text on `out` (what the agent says)
/// and `err` (progress: turns, tools, results). Lines are unbounded: the splitter keeps
/// any length (a 50 MB tool result is one line like any other).

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace kelos::cli {

/// Splits a byte stream arriving in arbitrary chunks into lines (LF or CRLF), with no
/// length limit. `finish` delivers a last line that had no newline.
class line_splitter {
public:
  using line_fn = std::function<void(std::string_view)>;
  void feed(std::string_view chunk, const line_fn& on_line);
  void finish(const line_fn& on_line);

private:
  std::string partial_;
};

/// One agent's renderer. `line` gets one line without its newline.
class log_renderer {
public:
  virtual ~log_renderer() = default;
  virtual void line(std::string_view text) = 0;
  /// End of the stream (a renderer that printed text without a newline ends the line).
  virtual void finish() {}
};

/// The renderer for `agent_type` (claude-code, codex, gemini, opencode); any other type
/// echoes lines unchanged.
std::unique_ptr<log_renderer> make_log_renderer(std::string_view agent_type, std::ostream& out,
                                                std::ostream& err);

namespace render_detail {

/// Newlines become a literal `\n`; more than `max_runes` UTF-8 characters are cut and
/// followed by `...` (seed: 120).
std::string summarize(std::string_view text, std::size_t max_runes = 120);

/// Shared state of the JSON renderers.
struct renderer_base : log_renderer {
  renderer_base(std::ostream& o, std::ostream& e) : out(o), err(e) {}
  std::ostream& out;
  std::ostream& err;
  int turn = 0;
  /// `\n--- Turn N ---` to err.
  void next_turn();
};

std::unique_ptr<log_renderer> make_claude(std::ostream& out, std::ostream& err);
std::unique_ptr<log_renderer> make_codex(std::ostream& out, std::ostream& err);
std::unique_ptr<log_renderer> make_gemini(std::ostream& out, std::ostream& err);
std::unique_ptr<log_renderer> make_opencode(std::ostream& out, std::ostream& err);

} // namespace render_detail
} // namespace kelos::cli
