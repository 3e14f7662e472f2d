#pragma once

/// Plain text from Atlassian Document Format (ADF), the JSON rich-text format of Jira Cloud
/// descriptions and comment bodies (`{"type":"doc","version":1,"content":[...]}`).

#include "k8s/json.hpp"

#include <string>

namespace kelos::sources::jira {

/// Deepest ADF nesting walked; content below it is left out (real documents nest < 20).
inline constexpr int max_adf_depth = 100;

/// The text of an ADF node, for prompts:
/// - `text` nodes give their text; inline nodes of one block are concatenated (so
///   `Hello **world**` stays one line, unlike the seed, which put every text node on its own
///   line); `hardBreak` is a newline; `mention`, `emoji`, `status` and `date` give
///   `attrs.text` (emoji: `attrs.shortName` when there is no text); `inlineCard`/`blockCard`
///   give `attrs.url`;
/// - block nodes (paragraph, heading, codeBlock, blockquote, panel, table rows, ...) are
///   separated by one newline; `bulletList` items start with `- `, `orderedList` items with
///   `1. `, `2. `, ... (from `attrs.order`); `rule` is `---`;
/// - unknown node types contribute the text of their content; anything that is not an
///   object (or a string, returned as is) gives the empty string.
std::string adf_to_text(const k8s::json& node);

/// A Jira rich-text field as text: a string as is (Jira Server/Data Center and API v2
/// wiki markup), an object as ADF (`adf_to_text`), anything else (null, absent) as "".
std::string rich_text(const k8s::json& value);

} // namespace kelos::sources::jira
