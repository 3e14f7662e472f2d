// claude-code `--output-format stream-json --verbose`: system/init, assistant messages with
// text and tool_use blocks, and the final result with turns, cost and token usage.

#include "cli/log_render.hpp"
#include "cli/log_render_json.hpp"

#include <cstdio>

namespace kelos::cli::render_detail {
namespace {

std::string tool_summary(const std::string& name, const json& input) {
  if (name == "Read" || name == "Write" || name == "Edit" || name == "MultiEdit")
    return str(input, "file_path");
  if (name == "NotebookEdit")
    return str(input, "notebook_path");
  if (name == "Bash")
    return str(input, "command");
  if (name == "Glob" || name == "Grep")
    return str(input, "pattern");
  if (name == "WebFetch")
    return str(input, "url");
  if (name == "Task")
    return str(input, "description");
  if (name == "WebSearch")
    return str(input, "query");
  return {};
}

struct claude final : renderer_base {
  using renderer_base::renderer_base;

  void line(std::string_view text) override {
    if (text.empty())
      return;
    auto ev = parse_event(text);
    if (ev.is_discarded()) {
      out << text << '\n';
      return;
    }
    auto type = str(ev, "type");
    if (type == "system" && str(ev, "subtype") == "init") {
      err << "[init] model=" << str(ev, "model") << '\n';
    } else if (type == "assistant") {
      next_turn();
      const auto& content = member(member(ev, "message"), "content");
      if (!content.is_array())
        return;
      for (const auto& block : content) {
        auto kind = str(block, "type");
        if (kind == "text") {
          out << str(block, "text") << '\n';
        } else if (kind == "tool_use") {
          auto name = str(block, "name");
          auto summary = tool_summary(name, member(block, "input"));
          err << "[tool] " << name;
          if (!summary.empty())
            err << ": " << summarize(summary);
          err << '\n';
        }
      }
    } else if (type == "result") {
      bool failed = (has(ev, "is_error") && member(ev, "is_error") == true) ||
                    (has(ev, "subtype") && str(ev, "subtype") != "success");
      char cost[64];
      double usd = member(ev, "total_cost_usd").is_number() ? member(ev, "total_cost_usd").get<double>() : 0.0;
      std::snprintf(cost, sizeof cost, "$%.4f", usd);
      err << "\n[result] " << (failed ? "error" : "completed") << " (" << num(ev, "num_turns") << " turns, " << cost;
      const auto& usage = member(ev, "usage");
      if (usage.is_object())
        err << ", input=" << num(usage, "input_tokens") << " cached=" << num(usage, "cache_read_input_tokens")
            << " output=" << num(usage, "output_tokens");
      err << ")\n";
      if (failed && !str(ev, "result").empty())
        out << str(ev, "result") << '\n';
    }
  }
};

} // namespace

std::unique_ptr<log_renderer> make_claude(std::ostream& out, std::ostream& err) {
  return std::make_unique<claude>(out, err);
}

} // namespace kelos::cli::render_detail
