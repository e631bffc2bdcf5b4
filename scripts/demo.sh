#!/usr/bin/env bash
# The README's demo command: install what is missing, then run the demo stack in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run demo
