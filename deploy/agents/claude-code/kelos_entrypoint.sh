#!/bin/bash
# kelos_entrypoint.sh: the Kelos agent image interface for Claude Code
# (docs/agent-image-interface.md).
#   $1                 the task prompt (data: passed as one argument, never evaluated)
#   KELOS_MODEL        --model, when set
#   KELOS_AGENTS_MD    written to ~/.claude/CLAUDE.md
#   KELOS_PLUGIN_DIR   each plugin directory becomes a --plugin-dir
#   KELOS_MCP_SERVERS  {"mcpServers":{...}} merged into ~/.claude.json
#   ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN  read by claude itself
# The agent's stdout is teed to the output file, kelos-capture prints the outputs block, and
# the script exits with the agent's exit code. No `set -e`: capture must always run.
set -uo pipefail

AGENT_CLI=claude
OUTPUT_FILE="${KELOS_AGENT_OUTPUT:-/tmp/agent-output.jsonl}"
CAPTURE="${KELOS_CAPTURE:-/kelos/kelos-capture}"
export HOME="${HOME:-/tmp}" # config files go under HOME; a sandbox may not set it

if ! command -v "$AGENT_CLI" >/dev/null 2>&1; then
  echo "agent CLI $AGENT_CLI not found on this machine" >&2
  exit 127
fi
if [ -z "${1:-}" ]; then
  echo "kelos_entrypoint.sh: the prompt (first argument) is required" >&2
  exit 2
fi
PROMPT="$1"

if [ -n "${KELOS_AGENTS_MD:-}" ]; then
  mkdir -p "$HOME/.claude"
  printf '%s' "$KELOS_AGENTS_MD" >"$HOME/.claude/CLAUDE.md"
fi

# User-scoped MCP servers, so the repository's own .mcp.json stays untouched.
if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
  cfg="$HOME/.claude.json"
  if [ ! -e "$cfg" ]; then
    printf '%s' "$KELOS_MCP_SERVERS" >"$cfg"
  elif command -v node >/dev/null 2>&1; then
    # The JSON stays in the environment: headers may hold tokens, argv is world-readable.
    node -e '
const fs = require("fs");
const file = process.argv[1];
const cfg = JSON.parse(fs.readFileSync(file, "utf8"));
const mcp = JSON.parse(process.env.KELOS_MCP_SERVERS);
cfg.mcpServers = Object.assign(cfg.mcpServers || {}, mcp.mcpServers || {});
fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
' "$cfg" || {
      echo "kelos_entrypoint.sh: cannot merge KELOS_MCP_SERVERS into $cfg" >&2
      exit 1
    }
  else
    echo "kelos_entrypoint.sh: node is required to merge KELOS_MCP_SERVERS into $cfg but is not installed" >&2
    exit 1
  fi
fi

ARGS=(--dangerously-skip-permissions --output-format stream-json --verbose -p "$PROMPT")
if [ -n "${KELOS_MODEL:-}" ]; then
  ARGS+=(--model "$KELOS_MODEL")
fi
if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
  for dir in "$KELOS_PLUGIN_DIR"/*/; do
    [ -d "$dir" ] && ARGS+=(--plugin-dir "$dir")
  done
fi

"$AGENT_CLI" "${ARGS[@]}" | tee "$OUTPUT_FILE"
AGENT_EXIT_CODE=${PIPESTATUS[0]}

"$CAPTURE" || echo "kelos_entrypoint.sh: $CAPTURE failed" >&2

exit "$AGENT_EXIT_CODE"
