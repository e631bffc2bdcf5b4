#!/usr/bin/env bash
# Installs what mcp-authz's demo and tests need on Debian 12, only what is missing:
# nginx with the njs module, redis, caddy, wrk, h2load, chromium (Debian packages), then npm packages
# (which bring Node 24 through the `node` devDependency).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null || need+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_http_js_module.so ] || need+=(libnginx-mod-http-js)
command -v redis-server >/dev/null || need+=(redis-server)
command -v caddy >/dev/null || need+=(caddy)
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)    # gRPC load for npm run bench
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts these as services on install; the demo and tests run their own on free ports.
  for svc in nginx redis-server caddy; do $sudo service "$svc" stop >/dev/null 2>&1 || true; done
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
