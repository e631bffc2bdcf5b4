/**
 * The demo's complete nginx.conf: a minimal nginx that does nothing but include the generated
 * mcp-authz snippets, written out so users see exactly where each snippet goes.
 * @module
 */
import { join } from 'node:path';

/** Where Debian/Ubuntu's `libnginx-mod-http-js` installs the njs module. */
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

/** Inputs of {@link demoNginxConf}; all paths absolute. */
export interface DemoNginxConfInput {
  /** nginx prefix directory (`-p`): pid, logs and temp files go here. */
  prefix: string;
  /** Directory holding the generated module (http.conf, server.conf, mcp-authz.js, …). */
  moduleDir: string;
  /** Port of the public server on 127.0.0.1. */
  port: number;
  /** Whether nginx is started as root (decides the `user` line). */
  asRoot: boolean;
  /** Port of the companion Authorization Server on 127.0.0.1. */
  companionPort: number;
}

/** The nginx.conf text. */
export function demoNginxConf(c: DemoNginxConfInput): string {
  const logs = join(c.prefix, 'logs');
  const temp = join(c.prefix, 'temp');
  // A root master would run workers as "nobody", who cannot read a checkout under /root or
  // enter the generated dirs (and the bundle is 0640 because it embeds the API key): requests
  // would fail with 403/500 "Permission denied". Not root: workers keep our user, and nginx
  // would only warn about a `user` line, so it is left out.
  const user = c.asRoot
    ? `# Started as root: workers run as root too, because the default "nobody" cannot read the
# demo's files (a checkout under /root, the 0640 njs bundle). Never do this in production.
user root root;
`
    : '';
  return `# nginx.conf for the mcp-authz demo, written by \`npm run demo\` (rewritten on every run).
# Everything mcp-authz needs is in the four marked parts; the rest is a bare nginx.

# (1) mcp-authz needs the njs module. The generated main.conf loads it by nginx's relative path;
# Debian/Ubuntu install it here (package libnginx-mod-http-js) and their stock nginx.conf loads
# it already via /etc/nginx/modules-enabled/, so there you would skip this line.
load_module ${NJS_MODULE};

${user}worker_processes 1;
# The demo runs nginx as its child process and stops it on Ctrl-C.
daemon off;
pid ${join(c.prefix, 'nginx.pid')};
error_log ${join(logs, 'error.log')} notice;

events {}

http {
    # Keep nginx's scratch files inside the demo directory (the defaults are system paths).
    client_body_temp_path ${join(temp, 'client_body')};
    proxy_temp_path ${join(temp, 'proxy')};
    fastcgi_temp_path ${join(temp, 'fastcgi')};
    uwsgi_temp_path ${join(temp, 'uwsgi')};
    scgi_temp_path ${join(temp, 'scgi')};
    access_log ${join(logs, 'access.log')};

    # (2) Inside http { }: the njs import, caches, log format and the internal check server.
    include ${join(c.moduleDir, 'http.conf')};

    server {
        listen 127.0.0.1:${c.port};

        # (3) Inside the server { } that serves MCP: the metadata and the protected /mcp locations.
        include ${join(c.moduleDir, 'server.conf')};

        # (4) The companion Authorization Server (\`serve.companion.listen\`), no auth check: its
        # metadata (also at the RFC 8414 / OIDC insertion forms, /.well-known/…/<path>), and
        # /authorize, /token (and /token/revocation), /register, /jwks, the login and consent
        # pages below /consent/, and /callback (login via an upstream IdP). The issuer is this
        # server's origin, so MCP clients only ever talk to nginx.
        location ~ ^/\\.well-known/(oauth-authorization-server|openid-configuration)(/|$) {
            proxy_pass http://127.0.0.1:${c.companionPort};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $remote_addr;
        }
        location ~ ^/(authorize|token|register|jwks|consent|callback)(/|$) {
            proxy_pass http://127.0.0.1:${c.companionPort};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $remote_addr;
        }

        location / {
            return 404;
        }
    }
}
`;
}
