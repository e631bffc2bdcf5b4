#!/usr/bin/env bash
# The README's test command: install what is missing, then type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm test
