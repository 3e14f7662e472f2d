#include "cli/capture/usage.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

namespace kelos::capture {

namespace {

using json = nlohmann::json;

/// Deeper lines are skipped: no agent event nests anywhere near this.
constexpr std::size_t max_depth = 128;

/// A SAX handler that builds the DOM of one line with every number stored as a `binary`
/// value holding the number's text. JSON text cannot produce binary values, so `is_binary()`
/// means "a number" and the text is exactly what the agent wrote. (Integers arrive as values,
/// not text; their decimal form equals the text because JSON forbids `+` and leading zeros,
/// `-0` being the one spelling that comes back as `0`.)
class lexeme_dom {
public:
  explicit lexeme_dom(json& root) : root_(root) {}

  bool null() { return put(json(nullptr)) != nullptr; }
  bool boolean(bool v) { return put(json(v)) != nullptr; }
  bool number_integer(json::number_integer_t v) { return put_number(std::to_string(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put_number(std::to_string(v)); }
  bool number_float(json::number_float_t, const std::string& text) { return put_number(text); }
  bool string(std::string& v) { return put(json(std::move(v))) != nullptr; }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return open(json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

private:
  bool put_number(const std::string& text) {
    return put(json::binary(std::vector<std::uint8_t>(text.begin(), text.end()))) != nullptr;
  }
  bool open(json container) {
    if (stack_.size() >= max_depth)
      return false;
    json* slot = put(std::move(container));
    stack_.push_back(slot);
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  /// Stores `v` in the innermost open container (or as the root) and returns where it went.
  /// Pointers into an array stay valid while they are on the stack: only the innermost
  /// container grows.
  json* put(json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[key_]; // a duplicate key: the last one wins, as in Go
    slot = std::move(v);
    return &slot;
  }

  json& root_;
  std::vector<json*> stack_;
  std::string key_;
};

/// The line as an object, or nullopt when it is not one JSON object (or is too long).
std::optional<json> parse_object(std::string_view line) {
  if (line.size() > max_line_bytes)
    return std::nullopt;
  json root;
  lexeme_dom dom{root};
  if (!json::sax_parse(line, &dom) || !root.is_object())
    return std::nullopt;
  return root;
}

/// `obj[key]` when `obj` is an object holding `key`.
const json* member(const json* obj, std::string_view key) {
  if (obj == nullptr || !obj->is_object())
    return nullptr;
  auto it = obj->find(key);
  return it == obj->end() ? nullptr : &*it;
}

/// The number text of `v` when it is a number.
std::optional<std::string> number_text(const json* v) {
  if (v == nullptr || !v->is_binary())
    return std::nullopt;
  const auto& bytes = v->get_binary();
  return std::string(bytes.begin(), bytes.end());
}

/// The number as int64 when its text is an integer in range, otherwise 0 (Go's
/// `json.Number.Int64` failing).
std::int64_t integer_or_zero(const json* v) {
  auto text = number_text(v);
  if (!text)
    return 0;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), out);
  if (ec != std::errc{} || end != text->data() + text->size())
    return 0;
  return out;
}

bool is_type(const json& event, std::string_view type) {
  const json* t = member(&event, "type");
  return t != nullptr && t->is_string() && t->get_ref<const std::string&>() == type;
}

void add_if(std::vector<result_entry>& out, const char* key, std::optional<std::string> value) {
  if (value)
    out.emplace_back(key, std::move(*value));
}

/// Keeps the last event of type `result`; claude-code, gemini and cursor report totals there.
class last_result_accumulator : public usage_accumulator {
public:
  using extractor = std::vector<result_entry> (*)(const json&);
  explicit last_result_accumulator(extractor extract) : extract_(extract) {}

  void add_line(std::string_view line) override {
    if (auto event = parse_object(line); event && is_type(*event, "result"))
      last_ = std::move(event);
  }
  std::vector<result_entry> result() const override {
    return last_ ? extract_(*last_) : std::vector<result_entry>{};
  }

private:
  extractor extract_;
  std::optional<json> last_;
};

/// Sums per-event counters; codex and opencode spread their totals over many events.
class sum_accumulator : public usage_accumulator {
public:
  using extractor = std::pair<const json*, const json*> (*)(const json&);
  sum_accumulator(std::string_view event, extractor extract) : event_(event), extract_(extract) {}

  void add_line(std::string_view line) override {
    auto event = parse_object(line);
    if (!event || !is_type(*event, event_))
      return;
    auto [in, out] = extract_(*event);
    add(in_, integer_or_zero(in));
    add(out_, integer_or_zero(out));
  }
  std::vector<result_entry> result() const override {
    std::vector<result_entry> r;
    if (in_ != 0)
      r.emplace_back("input-tokens", std::to_string(in_));
    if (out_ != 0)
      r.emplace_back("output-tokens", std::to_string(out_));
    return r;
  }

private:
  static void add(std::int64_t& total, std::int64_t v) {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(total, v, &sum))
      total = sum; // an overflowing event is dropped rather than wrapping the total
  }

  std::string_view event_;
  extractor extract_;
  std::int64_t in_ = 0;
  std::int64_t out_ = 0;
};

std::vector<result_entry> extract_claude(const json& event) {
  std::vector<result_entry> r;
  const json* usage = member(&event, "usage");
  add_if(r, "cost-usd", number_text(member(&event, "total_cost_usd")));
  add_if(r, "input-tokens", number_text(member(usage, "input_tokens")));
  add_if(r, "output-tokens", number_text(member(usage, "output_tokens")));
  add_if(r, "cache-read-input-tokens", number_text(member(usage, "cache_read_input_tokens")));
  add_if(r, "cache-creation-input-tokens",
         number_text(member(usage, "cache_creation_input_tokens")));
  return r;
}

/// Sum of `models.<m>.tokens.<field>` over every model, when every model has it as an
/// integer (a partial sum would under-report). The per-model shape is the one of
/// `gemini --output-format json` (`stats.models.<m>.tokens.{prompt,candidates}`).
std::optional<std::string> gemini_model_sum(const json* stats, std::string_view field) {
  const json* models = member(stats, "models");
  if (models == nullptr || !models->is_object() || models->empty())
    return std::nullopt;
  std::int64_t total = 0;
  for (const auto& [name, model] : models->items()) {
    const json* v = member(member(&model, "tokens"), field);
    if (!number_text(v))
      return std::nullopt;
    if (__builtin_add_overflow(total, integer_or_zero(v), &total))
      return std::nullopt;
  }
  return std::to_string(total);
}

/// The first of `keys` present in `stats` as a number, else the per-model sum.
std::optional<std::string> gemini_tokens(const json* stats,
                                         std::initializer_list<std::string_view> keys,
                                         std::string_view model_field) {
  for (auto key : keys)
    if (auto v = number_text(member(stats, key)))
      return v;
  return gemini_model_sum(stats, model_field);
}

// Gemini CLI's stream-json `result` event carries `stats` from
// StreamJsonFormatter.convertToStreamStats: `input_tokens`/`output_tokens` (summed over
// models). Older builds and the CLI's own renderer used `totalInputTokens`/
// `totalOutputTokens`; the original Kelos read `inputTokens`/`outputTokens`, which the CLI
// never wrote. All are accepted, and the full per-model shape as a last resort.
std::vector<result_entry> extract_gemini(const json& event) {
  std::vector<result_entry> r;
  const json* stats = member(&event, "stats");
  add_if(r, "input-tokens",
         gemini_tokens(stats, {"totalInputTokens", "input_tokens", "inputTokens"}, "prompt"));
  add_if(r, "output-tokens",
         gemini_tokens(stats, {"totalOutputTokens", "output_tokens", "outputTokens"},
                       "candidates"));
  return r;
}

// cursor-agent's documented `result` event (cursor.com/docs/cli/reference/output-format)
// carries only `duration_ms`, `duration_api_ms`, `result`, `session_id` and `request_id`: no
// tokens and no cost. Some builds add `usage.inputTokens`/`usage.outputTokens` (camelCase),
// which the original Kelos reads; those are taken when present, otherwise there is no usage.
std::vector<result_entry> extract_cursor(const json& event) {
  std::vector<result_entry> r;
  const json* usage = member(&event, "usage");
  add_if(r, "input-tokens", number_text(member(usage, "inputTokens")));
  add_if(r, "output-tokens", number_text(member(usage, "outputTokens")));
  return r;
}

std::pair<const json*, const json*> codex_tokens(const json& event) {
  const json* usage = member(&event, "usage");
  return {member(usage, "input_tokens"), member(usage, "output_tokens")};
}

std::pair<const json*, const json*> opencode_tokens(const json& event) {
  const json* tokens = member(member(&event, "part"), "tokens");
  return {member(tokens, "input"), member(tokens, "output")};
}

} // namespace

std::unique_ptr<usage_accumulator> make_usage_accumulator(std::string_view agent_type) {
  if (agent_type == "claude-code")
    return std::make_unique<last_result_accumulator>(extract_claude);
  if (agent_type == "codex")
    return std::make_unique<sum_accumulator>("turn.completed", codex_tokens);
  if (agent_type == "gemini")
    return std::make_unique<last_result_accumulator>(extract_gemini);
  if (agent_type == "opencode")
    return std::make_unique<sum_accumulator>("step_finish", opencode_tokens);
  if (agent_type == "cursor")
    return std::make_unique<last_result_accumulator>(extract_cursor);
  return nullptr;
}

std::vector<result_entry> parse_usage(std::string_view agent_type, std::string_view jsonl) {
  auto acc = make_usage_accumulator(agent_type);
  if (!acc)
    return {};
  std::size_t pos = 0;
  while (pos < jsonl.size()) {
    auto end = jsonl.find('\n', pos);
    if (end == std::string_view::npos)
      end = jsonl.size();
    acc->add_line(jsonl.substr(pos, end - pos));
    pos = end + 1;
  }
  return acc->result();
}

} // namespace kelos::capture
