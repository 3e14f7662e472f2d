#!/bin/bash
# kelos_entrypoint.sh: the Kelos agent image interface for the OpenCode CLI
# (docs/agent-image-interface.md).
#   $1                 the task prompt (data: passed as one argument, never evaluated)
#   KELOS_MODEL        --model (provider/model), when set
#   OPENCODE_API_KEY   exported as the key variable of the model's provider
#   KELOS_AGENTS_MD    written to $XDG_CONFIG_HOME/opencode/AGENTS.md (~/.config by default)
#   KELOS_PLUGIN_DIR   skills to .../opencode/skills/<plugin>-<skill>/SKILL.md, agents to
#                      .../opencode/agents/
#   KELOS_MCP_SERVERS  converted into the `mcp` key of .../opencode/opencode.json: a server
#                      with a url becomes {type:"remote", url, headers}, one with a command
#                      {type:"local", command:[command, ...args], environment}
set -uo pipefail

AGENT_CLI=opencode
OUTPUT_FILE="${KELOS_AGENT_OUTPUT:-/tmp/agent-output.jsonl}"
CAPTURE="${KELOS_CAPTURE:-/kelos/kelos-capture}"
export HOME="${HOME:-/tmp}" # config files go under HOME; a sandbox may not set it
CONFIG_DIR="${XDG_CONFIG_HOME:-$HOME/.config}/opencode"

if ! command -v "$AGENT_CLI" >/dev/null 2>&1; then
  echo "agent CLI $AGENT_CLI not found on this machine" >&2
  exit 127
fi
if [ -z "${1:-}" ]; then
  echo "kelos_entrypoint.sh: the prompt (first argument) is required" >&2
  exit 2
fi
PROMPT="$1"

if [ -n "${OPENCODE_API_KEY:-}" ]; then
  provider=anthropic
  if [ -n "${KELOS_MODEL:-}" ]; then
    provider="${KELOS_MODEL%%/*}"
  fi
  case "$provider" in
    anthropic) export ANTHROPIC_API_KEY="$OPENCODE_API_KEY" ;;
    openai) export OPENAI_API_KEY="$OPENCODE_API_KEY" ;;
    google) export GEMINI_API_KEY="$OPENCODE_API_KEY" ;;
    groq) export GROQ_API_KEY="$OPENCODE_API_KEY" ;;
    xai) export XAI_API_KEY="$OPENCODE_API_KEY" ;;
    opencode | zen) ;; # OpenCode Zen reads OPENCODE_API_KEY itself
    *)
      echo "Warning: Unrecognized provider prefix '$provider' in KELOS_MODEL, defaulting to Anthropic" >&2
      export ANTHROPIC_API_KEY="$OPENCODE_API_KEY"
      ;;
  esac
fi

ARGS=(run --format json "$PROMPT")
if [ -n "${KELOS_MODEL:-}" ]; then
  ARGS+=(--model "$KELOS_MODEL")
fi

if [ -n "${KELOS_AGENTS_MD:-}" ]; then
  mkdir -p "$CONFIG_DIR"
  printf '%s' "$KELOS_AGENTS_MD" >"$CONFIG_DIR/AGENTS.md"
fi

if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
  for plugindir in "$KELOS_PLUGIN_DIR"/*/; do
    [ -d "$plugindir" ] || continue
    plugin=$(basename "$plugindir")
    for skilldir in "${plugindir}skills"/*/; do
      [ -f "${skilldir}SKILL.md" ] || continue
      target="$CONFIG_DIR/skills/${plugin}-$(basename "$skilldir")"
      mkdir -p "$target"
      cp "${skilldir}SKILL.md" "$target/SKILL.md"
    done
    for agentfile in "${plugindir}agents"/*.md; do
      [ -f "$agentfile" ] || continue
      mkdir -p "$CONFIG_DIR/agents"
      cp "$agentfile" "$CONFIG_DIR/agents/"
    done
  done
fi

# The original image ignored KELOS_MCP_SERVERS; opencode reads servers from its config's
# `mcp` key (https://opencode.ai/docs/mcp-servers).
if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
  if ! command -v node >/dev/null 2>&1; then
    echo "kelos_entrypoint.sh: node is required to write KELOS_MCP_SERVERS into $CONFIG_DIR/opencode.json but is not installed" >&2
    exit 1
  fi
  mkdir -p "$CONFIG_DIR"
  node -e '
const fs = require("fs");
const file = process.argv[1];
let cfg = {};
if (fs.existsSync(file)) cfg = JSON.parse(fs.readFileSync(file, "utf8"));
const servers = JSON.parse(process.env.KELOS_MCP_SERVERS).mcpServers || {};
const mcp = cfg.mcp || {};
for (const [name, s] of Object.entries(servers)) {
  if (s.url) {
    mcp[name] = { type: "remote", url: s.url, enabled: true };
    if (s.headers) mcp[name].headers = s.headers;
  } else {
    mcp[name] = { type: "local", command: [s.command, ...(s.args || [])], enabled: true };
    if (s.env) mcp[name].environment = s.env;
  }
}
cfg.mcp = mcp;
fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
' "$CONFIG_DIR/opencode.json" || {
    echo "kelos_entrypoint.sh: cannot write KELOS_MCP_SERVERS into $CONFIG_DIR/opencode.json" >&2
    exit 1
  }
fi

"$AGENT_CLI" "${ARGS[@]}" | tee "$OUTPUT_FILE"
AGENT_EXIT_CODE=${PIPESTATUS[0]}

"$CAPTURE" || echo "kelos_entrypoint.sh: $CAPTURE failed" >&2

exit "$AGENT_EXIT_CODE"
