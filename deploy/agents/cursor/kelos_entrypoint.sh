#!/bin/bash
# kelos_entrypoint.sh: the Kelos agent image interface for the Cursor Agent CLI
# (docs/agent-image-interface.md).
#   $1                 the task prompt (data: passed as one argument, never evaluated)
#   KELOS_MODEL        --model, when set
#   KELOS_AGENTS_MD    written to ~/.cursor/AGENTS.md
#   KELOS_PLUGIN_DIR   skills to ./.cursor/skills/<plugin>-<skill>/SKILL.md and agents to
#                      ./.cursor/rules/<plugin>-<agent>.mdc in the working directory (where
#                      the CLI discovers them); kept out of commits via .git/info/exclude
#   KELOS_MCP_SERVERS  {"mcpServers":{...}} merged into ~/.cursor/mcp.json
#   CURSOR_API_KEY     read by cursor-agent itself
set -uo pipefail

AGENT_CLI=cursor-agent
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

# -p (print, non-interactive), --force (run commands without asking).
ARGS=(-p --force --output-format stream-json)
if [ -n "${KELOS_MODEL:-}" ]; then
  ARGS+=(--model "$KELOS_MODEL")
fi
ARGS+=("$PROMPT")

if [ -n "${KELOS_AGENTS_MD:-}" ]; then
  mkdir -p "$HOME/.cursor"
  printf '%s' "$KELOS_AGENTS_MD" >"$HOME/.cursor/AGENTS.md"
fi

if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
  installed=no
  for plugindir in "$KELOS_PLUGIN_DIR"/*/; do
    [ -d "$plugindir" ] || continue
    plugin=$(basename "$plugindir")
    for skilldir in "${plugindir}skills"/*/; do
      [ -f "${skilldir}SKILL.md" ] || continue
      target=".cursor/skills/${plugin}-$(basename "$skilldir")"
      mkdir -p "$target"
      cp "${skilldir}SKILL.md" "$target/SKILL.md"
      installed=yes
    done
    for agentfile in "${plugindir}agents"/*.md; do
      [ -f "$agentfile" ] || continue
      mkdir -p .cursor/rules
      cp "$agentfile" ".cursor/rules/${plugin}-$(basename "$agentfile" .md).mdc"
      installed=yes
    done
  done
  # The files live in the work tree; an agent running `git add -A` must not commit them.
  if [ "$installed" = yes ] && exclude=$(git rev-parse --git-path info/exclude 2>/dev/null); then
    mkdir -p "$(dirname "$exclude")"
    printf '%s\n' "/.cursor/skills/" "/.cursor/rules/" >>"$exclude"
  fi
fi

if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
  cfg="$HOME/.cursor/mcp.json"
  mkdir -p "$HOME/.cursor"
  if [ ! -e "$cfg" ]; then
    printf '%s' "$KELOS_MCP_SERVERS" >"$cfg"
  elif command -v node >/dev/null 2>&1; then
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

"$AGENT_CLI" "${ARGS[@]}" | tee "$OUTPUT_FILE"
AGENT_EXIT_CODE=${PIPESTATUS[0]}

"$CAPTURE" || echo "kelos_entrypoint.sh: $CAPTURE failed" >&2

exit "$AGENT_EXIT_CODE"
