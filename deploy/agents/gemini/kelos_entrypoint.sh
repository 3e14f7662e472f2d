#!/bin/bash
# kelos_entrypoint.sh: the Kelos agent image interface for the Google Gemini CLI
# (docs/agent-image-interface.md).
#   $1                 the task prompt (data: passed as one argument, never evaluated)
#   KELOS_MODEL        --model, when set
#   KELOS_AGENTS_MD    written to ~/.gemini/GEMINI.md
#   KELOS_PLUGIN_DIR   each plugin becomes an extension in ~/.gemini/extensions/<plugin>/
#   KELOS_MCP_SERVERS  {"mcpServers":{...}} merged into ~/.gemini/settings.json
#   GEMINI_API_KEY     read by gemini itself
set -uo pipefail

AGENT_CLI=gemini
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

ARGS=(--yolo --output-format stream-json -p "$PROMPT")
if [ -n "${KELOS_MODEL:-}" ]; then
  ARGS+=(--model "$KELOS_MODEL")
fi

if [ -n "${KELOS_AGENTS_MD:-}" ]; then
  mkdir -p "$HOME/.gemini"
  printf '%s' "$KELOS_AGENTS_MD" >"$HOME/.gemini/GEMINI.md"
fi

if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
  for plugindir in "$KELOS_PLUGIN_DIR"/*/; do
    [ -d "$plugindir" ] || continue
    plugin=$(basename "$plugindir")
    extdir="$HOME/.gemini/extensions/$plugin"
    mkdir -p "$extdir"
    # Plugin names are DNS labels (checked by the controller); strip JSON specials anyway.
    printf '{"name":"%s"}' "$(printf '%s' "$plugin" | tr -d '"\\\n\r')" >"$extdir/gemini-extension.json"
    [ -d "${plugindir}skills" ] && cp -r "${plugindir}skills" "$extdir/skills"
    [ -d "${plugindir}agents" ] && cp -r "${plugindir}agents" "$extdir/agents"
  done
fi

if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
  settings="$HOME/.gemini/settings.json"
  mkdir -p "$HOME/.gemini"
  if [ ! -e "$settings" ]; then
    printf '%s' "$KELOS_MCP_SERVERS" >"$settings"
  elif command -v node >/dev/null 2>&1; then
    node -e '
const fs = require("fs");
const file = process.argv[1];
const cfg = JSON.parse(fs.readFileSync(file, "utf8"));
const mcp = JSON.parse(process.env.KELOS_MCP_SERVERS);
cfg.mcpServers = Object.assign(cfg.mcpServers || {}, mcp.mcpServers || {});
fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
' "$settings" || {
      echo "kelos_entrypoint.sh: cannot merge KELOS_MCP_SERVERS into $settings" >&2
      exit 1
    }
  else
    echo "kelos_entrypoint.sh: node is required to merge KELOS_MCP_SERVERS into $settings but is not installed" >&2
    exit 1
  fi
fi

"$AGENT_CLI" "${ARGS[@]}" | tee "$OUTPUT_FILE"
AGENT_EXIT_CODE=${PIPESTATUS[0]}

"$CAPTURE" || echo "kelos_entrypoint.sh: $CAPTURE failed" >&2

exit "$AGENT_EXIT_CODE"
