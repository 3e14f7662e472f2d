// opencode `run --format json`: text parts (printed without a newline, as the model
// streams them), tool_use parts, step_finish with part.tokens {input, output, ...}, error.

#include "cli/log_render.hpp"
#include "cli/log_render_json.hpp"

namespace kelos::cli::render_detail {
namespace {

struct opencode final : renderer_base {
  using renderer_base::renderer_base;
  bool text_open = false;

  void close_text() {
    if (text_open)
      out << '\n';
    text_open = false;
  }

  void line(std::string_view text) override {
    if (text.empty())
      return;
    auto ev = parse_event(text);
    if (ev.is_discarded()) {
      close_text();
      out << text << '\n';
      return;
    }
    auto type = str(ev, "type");
    const auto& part = member(ev, "part");
    if (type == "text") {
      auto t = has(ev, "text") ? str(ev, "text") : str(part, "text");
      out << t;
      text_open = text_open || !t.empty();
      if (!t.empty() && t.back() == '\n')
        text_open = false;
    } else if (type == "tool_use") {
      close_text();
      auto name = str(part, "tool");
      const auto& input = member(member(part, "state"), "input");
      auto summary = first_str(input, {"command", "filePath", "file_path", "pattern", "url", "query"});
      err << "[tool] " << name;
      if (!summary.empty())
        err << ": " << summarize(summary);
      err << '\n';
    } else if (type == "step_finish") {
      close_text();
      const auto& tokens = member(part, "tokens");
      err << "\n[result] completed";
      if (tokens.is_object())
        err << " (input=" << num(tokens, "input") << ", output=" << num(tokens, "output") << ")";
      err << '\n';
    } else if (type == "error") {
      close_text();
      const auto& error = member(ev, "error");
      auto message = str(member(error, "data"), "message");
      if (message.empty())
        message = first_str(error, {"message", "name"});
      err << "[error] " << (message.empty() ? std::string{text} : message) << '\n';
    }
  }

  void finish() override { close_text(); }
};

} // namespace

std::unique_ptr<log_renderer> make_opencode(std::ostream& out, std::ostream& err) {
  return std::make_unique<opencode>(out, err);
}

} // namespace kelos::cli::render_detail
