#include "cli/log_render.hpp"

namespace kelos::cli {

void line_splitter::feed(std::string_view chunk, const line_fn& on_line) {
  while (!chunk.empty()) {
    auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(chunk);
      return;
    }
    std::string_view piece = chunk.substr(0, nl);
    chunk.remove_prefix(nl + 1);
    if (partial_.empty()) {
      if (!piece.empty() && piece.back() == '\r')
        piece.remove_suffix(1);
      on_line(piece);
    } else {
      partial_.append(piece);
      if (!partial_.empty() && partial_.back() == '\r')
        partial_.pop_back();
      std::string whole;
      whole.swap(partial_);
      on_line(whole);
    }
  }
}

void line_splitter::finish(const line_fn& on_line) {
  if (partial_.empty())
    return;
  std::string whole;
  whole.swap(partial_);
  on_line(whole);
}

namespace {

struct passthrough final : log_renderer {
  explicit passthrough(std::ostream& o) : out(o) {}
  std::ostream& out;
  void line(std::string_view text) override { out << text << '\n'; }
};

} // namespace

std::unique_ptr<log_renderer> make_log_renderer(std::string_view agent_type, std::ostream& out, std::ostream& err) {
  if (agent_type == "claude-code")
    return render_detail::make_claude(out, err);
  if (agent_type == "codex")
    return render_detail::make_codex(out, err);
  if (agent_type == "gemini")
    return render_detail::make_gemini(out, err);
  if (agent_type == "opencode")
    return render_detail::make_opencode(out, err);
  return std::make_unique<passthrough>(out);
}

namespace render_detail {

std::string summarize(std::string_view text, std::size_t max_runes) {
  std::string flat;
  flat.reserve(text.size());
  for (char c : text) {
    if (c == '\n')
      flat += "\\n";
    else
      flat += c;
  }
  std::size_t runes = 0;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    if ((static_cast<unsigned char>(flat[i]) & 0xC0) == 0x80)
      continue;
    if (runes == max_runes)
      return flat.substr(0, i) + "...";
    ++runes;
  }
  return flat;
}

void renderer_base::next_turn() {
  ++turn;
  err << "\n--- Turn " << turn << " ---\n";
}

} // namespace render_detail
} // namespace kelos::cli
