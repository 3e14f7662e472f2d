// codex `exec --json`: thread/turn/item events; usage from turn.completed
// (input_tokens, cached_input_tokens, output_tokens).

#include "cli/log_render.hpp"
#include "cli/log_render_json.hpp"

namespace kelos::cli::render_detail {
namespace {

struct codex final : renderer_base {
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
    if (type == "turn.started") {
      next_turn();
    } else if (type == "turn.completed") {
      const auto& usage = member(ev, "usage");
      if (usage.is_object())
        err << "[usage] input=" << num(usage, "input_tokens") << " cached=" << num(usage, "cached_input_tokens")
            << " output=" << num(usage, "output_tokens") << '\n';
    } else if (type == "turn.failed") {
      auto message = str(member(ev, "error"), "message");
      err << "[error] " << (message.empty() ? std::string{text} : message) << '\n';
    } else if (type == "item.started") {
      const auto& item = member(ev, "item");
      auto kind = str(item, "type");
      if (kind == "command_execution")
        err << "[command] " << summarize(str(item, "command")) << '\n';
      else
        err << "[" << kind << "]\n";
    } else if (type == "item.completed") {
      const auto& item = member(ev, "item");
      if (str(item, "type") == "agent_message")
        out << str(item, "text") << '\n';
    } else if (type == "error") {
      auto message = str(ev, "message");
      err << "[error] " << (message.empty() ? std::string{text} : message) << '\n';
    }
  }
};

} // namespace

std::unique_ptr<log_renderer> make_codex(std::ostream& out, std::ostream& err) {
  return std::make_unique<codex>(out, err);
}

} // namespace kelos::cli::render_detail
