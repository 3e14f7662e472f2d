#pragma once

/// Token usage and cost of an agent run, read from the agent's JSON-lines output
/// (`/tmp/agent-output.jsonl`, written by the entrypoint's `tee`). Seed §5, with the gaps of
/// the original filled:
///
/// | agent       | rule |
/// |-------------|------|
/// | claude-code | the last `type:"result"` event: `total_cost_usd` -> `cost-usd`, `usage.input_tokens` -> `input-tokens`, `usage.output_tokens` -> `output-tokens`, `usage.cache_read_input_tokens` -> `cache-read-input-tokens`, `usage.cache_creation_input_tokens` -> `cache-creation-input-tokens` |
/// | codex       | sums over every `turn.completed` event of `usage.input_tokens` / `usage.output_tokens` |
/// | gemini      | the last `result` event's `stats`: `totalInputTokens`, else `input_tokens`, else `inputTokens`, else the sum of `models.<m>.tokens.prompt` (output alike: `totalOutputTokens`, `output_tokens`, `outputTokens`, `models.<m>.tokens.candidates`) |
/// | opencode    | sums over every `step_finish` event of `part.tokens.input` / `part.tokens.output` |
/// | cursor      | the last `result` event's `usage.inputTokens` / `usage.outputTokens` when present |
///
/// Values copied from one event keep their JSON number text verbatim (`1.5e-05` stays
/// `1.5e-05`); sums are decimal integers, and a sum of zero is left out. Only JSON numbers
/// count: a string or an object where a number belongs is ignored. Lines that are not a
/// JSON object, and lines longer than `max_line_bytes`, are skipped; nothing here fails.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kelos::capture {

/// One result line `key: value`, in emission order.
using result_entry = std::pair<std::string, std::string>;

/// Lines longer than this (10 MiB, as the original's scanner limit) are skipped.
inline constexpr std::size_t max_line_bytes = std::size_t{10} << 20;

/// Consumes the agent's output one line at a time; memory does not grow with the stream.
class usage_accumulator {
public:
  virtual ~usage_accumulator() = default;
  /// One line without its `\n` (a trailing `\r` is tolerated).
  virtual void add_line(std::string_view line) = 0;
  /// The usage entries, in the order `cost-usd`, `input-tokens`, `output-tokens`,
  /// `cache-read-input-tokens`, `cache-creation-input-tokens`, each only when present.
  virtual std::vector<result_entry> result() const = 0;
};

/// The accumulator for `agent_type` (`claude-code`, `codex`, `gemini`, `opencode`, `cursor`),
/// or null for an empty or unknown type (no usage).
std::unique_ptr<usage_accumulator> make_usage_accumulator(std::string_view agent_type);

/// Splits `jsonl` on `\n` and runs the accumulator over it; empty for an unknown type.
std::vector<result_entry> parse_usage(std::string_view agent_type, std::string_view jsonl);

} // namespace kelos::capture
