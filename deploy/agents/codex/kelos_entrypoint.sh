#!/bin/bash
# kelos_entrypoint.sh: the Kelos agent image interface for the OpenAI Codex CLI
# (docs/agent-image-interface.md).
#   $1                 the task prompt (data: passed as one argument, never evaluated)
#   KELOS_MODEL        --model, when set
#   KELOS_AGENTS_MD    written to ~/.codex/AGENTS.md
#   KELOS_PLUGIN_DIR   plugin skills copied to ~/.codex/skills/<plugin>-<skill>/SKILL.md
#   KELOS_MCP_SERVERS  converted to [mcp_servers."<name>"] tables appended to ~/.codex/config.toml
#   CODEX_AUTH_JSON    written to ~/.codex/auth.json (CR and LF removed); CODEX_API_KEY is
#                      read by codex itself
set -uo pipefail

AGENT_CLI=codex
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

if [ -n "${CODEX_AUTH_JSON:-}" ]; then
  mkdir -p "$HOME/.codex"
  # codex's strict JSON parser rejects the raw newlines a Secret value may carry.
  (umask 077 && printf '%s' "$CODEX_AUTH_JSON" | tr -d '\n\r' >"$HOME/.codex/auth.json")
fi

ARGS=(exec --dangerously-bypass-approvals-and-sandbox --json "$PROMPT")
if [ -n "${KELOS_MODEL:-}" ]; then
  ARGS+=(--model "$KELOS_MODEL")
fi

if [ -n "${KELOS_AGENTS_MD:-}" ]; then
  mkdir -p "$HOME/.codex"
  printf '%s' "$KELOS_AGENTS_MD" >"$HOME/.codex/AGENTS.md"
fi

if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
  for plugindir in "$KELOS_PLUGIN_DIR"/*/; do
    [ -d "${plugindir}skills" ] || continue
    plugin=$(basename "$plugindir")
    for skilldir in "${plugindir}skills"/*/; do
      [ -f "${skilldir}SKILL.md" ] || continue
      target="$HOME/.codex/skills/${plugin}-$(basename "$skilldir")"
      mkdir -p "$target"
      cp "${skilldir}SKILL.md" "$target/SKILL.md"
    done
  done
  ARGS+=(--enable skills)
fi

if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
  if ! command -v node >/dev/null 2>&1; then
    echo "kelos_entrypoint.sh: node is required to convert KELOS_MCP_SERVERS to ~/.codex/config.toml but is not installed" >&2
    exit 1
  fi
  mkdir -p "$HOME/.codex"
  # JSON strings are valid TOML basic strings, so JSON.stringify quotes keys and values.
  # shellcheck disable=SC2016 # ${...} below are JavaScript template literals
  node -e '
const servers = JSON.parse(process.env.KELOS_MCP_SERVERS).mcpServers || {};
const q = JSON.stringify;
const table = (o) => "{ " + Object.entries(o).map(([k, v]) => `${q(k)} = ${q(v)}`).join(", ") + " }";
let toml = "";
for (const [name, s] of Object.entries(servers)) {
  toml += `\n[mcp_servers.${q(name)}]\n`;
  if (s.command) toml += `command = ${q(s.command)}\n`;
  if (s.args && s.args.length) toml += `args = ${q(s.args)}\n`;
  if (s.url) toml += `url = ${q(s.url)}\n`;
  if (s.headers) toml += `http_headers = ${table(s.headers)}\n`;
  if (s.env) toml += `env = ${table(s.env)}\n`;
}
process.stdout.write(toml);
' >>"$HOME/.codex/config.toml" || {
    echo "kelos_entrypoint.sh: cannot convert KELOS_MCP_SERVERS" >&2
    exit 1
  }
fi

"$AGENT_CLI" "${ARGS[@]}" | tee "$OUTPUT_FILE"
AGENT_EXIT_CODE=${PIPESTATUS[0]}

"$CAPTURE" || echo "kelos_entrypoint.sh: $CAPTURE failed" >&2

exit "$AGENT_EXIT_CODE"
