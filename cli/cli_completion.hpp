#pragma once

/// Shell completion: the scripts `kelos completion bash|zsh|fish` prints, and the decision
/// of what to offer for a partly typed command line (`kelos __complete WORDS... CURRENT`).
/// Pure: listing resource names is left to the caller.

#include "cli/cli_output.hpp"
#include "runtime/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kelos::cli {

/// The script for `shell` (bash, zsh or fish); other shells are an error.
kelos::expected<std::string> completion_script(std::string_view shell);

/// What to offer: fixed values, and/or the names of a resource kind in the namespace.
struct completion_answer {
  std::vector<std::string> values;
  std::optional<kind> names_of;
};

/// `words` are the arguments after `kelos`, the last one being the word being typed (may be "").
completion_answer complete_words(const std::vector<std::string>& words);

/// The verbs `kelos` offers at the first position.
const std::vector<std::string>& verb_names();

} // namespace kelos::cli
