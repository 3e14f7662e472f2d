#!/bin/sh
# kelos_entrypoint.sh: the Kelos demo agent. No model, no network beyond `git push`, no
# credentials of its own: it makes a real, deterministic change so that the whole pipeline
# (clone, branch, agent, push, capture, Task results) can be exercised anywhere.
#
# In the repository in the working directory it appends the prompt to DEMO.md, commits it as
# "Kelos Demo Agent <demo@kelos.dev>" on the current branch (KELOS_BRANCH, checked out by the
# branch-setup init container) or, on a detached HEAD or without KELOS_BRANCH, on a new branch
# kelos-demo/<short sha>, and pushes it to origin when there is one. It then writes a
# claude-code style result line to the output file and runs kelos-capture.
#
# Prompt lines that steer it (for tests):
#   kelos-demo: sleep <n>   sleep n seconds first
#   kelos-demo: fail        exit 3 after capture
#
# The prompt is data: it is only ever expanded inside double quotes, never evaluated.
# Environment: KELOS_CAPTURE (default /kelos/kelos-capture), KELOS_AGENT_OUTPUT (default
# /tmp/agent-output.jsonl), KELOS_BRANCH.
set -u

prompt="${1-}"
capture="${KELOS_CAPTURE:-/kelos/kelos-capture}"
output="${KELOS_AGENT_OUTPUT:-/tmp/agent-output.jsonl}"

has_line() {
  printf '%s\n' "$prompt" | grep -qxF -- "$1"
}

seconds=$(printf '%s\n' "$prompt" | sed -n 's/^kelos-demo: sleep \([0-9][0-9]*\)$/\1/p' | head -n 1)
if [ -n "$seconds" ]; then
  echo "kelos-demo: sleeping ${seconds}s"
  sleep "$seconds"
fi

diff_bytes=0
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  branch=$(git symbolic-ref --quiet --short HEAD 2>/dev/null || true)
  if [ -z "${KELOS_BRANCH:-}" ] || [ -z "$branch" ]; then
    short=$(git rev-parse --short HEAD 2>/dev/null || echo root)
    branch="kelos-demo/$short"
    if ! git checkout -q -b "$branch"; then
      echo "kelos-demo: cannot create branch $branch" >&2
      exit 1
    fi
  fi
  echo "kelos-demo: writing the prompt to DEMO.md on branch $branch"
  printf '%s\n' "$prompt" >>DEMO.md

  subject=$(printf '%s\n' "$prompt" | head -n 1)
  [ -n "$subject" ] || subject="update DEMO.md"
  git add -- DEMO.md &&
    git -c user.name="Kelos Demo Agent" -c user.email=demo@kelos.dev -c commit.gpgsign=false \
      commit -q --no-verify -m "kelos-demo: $subject" -- DEMO.md
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "kelos-demo: git commit failed (exit $rc)" >&2
    exit 1
  fi
  echo "kelos-demo: committed $(git rev-parse --short HEAD)"
  diff_bytes=$(git show --format= --no-color HEAD -- DEMO.md | wc -c)

  if git remote get-url origin >/dev/null 2>&1; then
    echo "kelos-demo: pushing $branch to origin"
    if ! git push -q origin HEAD; then
      echo "kelos-demo: git push origin HEAD failed" >&2
      exit 1
    fi
  else
    echo "kelos-demo: no origin remote; not pushing"
  fi
else
  echo "kelos-demo: $(pwd) is not a git repository; nothing to commit"
fi

prompt_bytes=$(printf '%s' "$prompt" | wc -c)
printf '{"type":"result","total_cost_usd":0,"usage":{"input_tokens":%d,"output_tokens":%d}}\n' \
  "$prompt_bytes" "$diff_bytes" >"$output"
echo "kelos-demo: done"

# The result line is claude-code shaped whatever the Task's type says.
if [ -x "$capture" ]; then
  KELOS_AGENT_TYPE=claude-code KELOS_AGENT_OUTPUT="$output" "$capture"
else
  echo "kelos-demo: $capture not found; no outputs block" >&2
fi

if has_line "kelos-demo: fail"; then
  echo "kelos-demo: failing as the prompt asked" >&2
  exit 3
fi
exit 0
