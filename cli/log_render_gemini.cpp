// gemini `--output-format stream-json`: init, message (assistant text, often as deltas),
// tool_use (tool_name + parameters), tool_result, error and result with stats
// (input_tokens/output_tokens; older builds wrote totalInputTokens/totalOutputTokens).

#include "cli/log_render.hpp"
#include "cli/log_render_json.hpp"

namespace kelos::cli::render_detail {
namespace {

std::string tool_summary(const std::string& name, const json& params) {
  if (name == "Bash" || name == "Shell" || name == "run_shell_command")
    return str(params, "command");
  if (name == "ReadFile" || name == "WriteFile" || name == "EditFile" || name == "read_file" ||
      name == "write_file" || name == "replace")
    return first_str(params, {"file_path", "absolute_path", "path"});
  if (name == "Glob" || name == "Grep" || name == "glob" || name == "search_file_content")
    return str(params, "pattern");
  if (name == "WebFetch" || name == "web_fetch")
    return first_str(params, {"url", "prompt"});
  if (name == "WebSearch" || name == "google_web_search")
    return str(params, "query");
  return {};
}

struct gemini final : renderer_base {
  using renderer_base::renderer_base;
  bool in_reply = false;  // inside one assistant reply (deltas continue it)
  bool text_open = false; // stdout holds text without its newline

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
    if (type == "init") {
      err << "[init] model=" << str(ev, "model") << '\n';
    } else if (type == "message") {
      auto content = str(ev, "content");
      if (str(ev, "role") != "assistant") {
        in_reply = false;
        return;
      }
      if (content.empty())
        return;
      bool delta = member(ev, "delta") == true;
      if (!delta || !in_reply) {
        close_text();
        next_turn();
      }
      in_reply = true;
      out << content;
      text_open = true;
      if (!delta)
        close_text();
    } else if (type == "tool_use") {
      close_text();
      auto name = first_str(ev, {"tool_name", "name"});
      const auto& params = has(ev, "parameters") ? member(ev, "parameters") : member(ev, "input");
      auto summary = tool_summary(name, params);
      err << "[tool] " << name;
      if (!summary.empty())
        err << ": " << summarize(summary);
      err << '\n';
    } else if (type == "tool_result") {
      in_reply = false;
    } else if (type == "error") {
      close_text();
      err << "[error] " << first_str(ev, {"message", "error"}) << '\n';
    } else if (type == "result") {
      close_text();
      auto status = str(ev, "status");
      bool failed = status == "error" || member(ev, "is_error") == true;
      err << "[result] " << (failed ? "error" : "completed");
      const auto& stats = member(ev, "stats");
      if (stats.is_object()) {
        auto input = has(stats, "input_tokens") ? num(stats, "input_tokens") : num(stats, "totalInputTokens");
        auto output = has(stats, "output_tokens") ? num(stats, "output_tokens") : num(stats, "totalOutputTokens");
        err << " (input=" << input << ", output=" << output << ")";
      }
      err << '\n';
      if (failed) {
        auto message = str(member(ev, "error"), "message");
        if (!message.empty())
          out << message << '\n';
      }
    }
  }

  void finish() override { close_text(); }
};

} // namespace

std::unique_ptr<log_renderer> make_gemini(std::ostream& out, std::ostream& err) {
  return std::make_unique<gemini>(out, err);
}

} // namespace kelos::cli::render_detail
