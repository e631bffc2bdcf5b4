/**
 * The demo's mcp-authz configuration file. Written as commented YAML (not generated from an
 * object) because users read it: it is the worked example of the configuration format.
 * @module
 */

/** Name of the environment variable the demo API key travels in (see `${…}` in the YAML). */
export const API_KEY_ENV = 'DEMO_API_KEY';
/** Header the demo API key is sent in. */
export const API_KEY_HEADER = 'X-API-Key';
/** The built-in user of the demo's Authorization Server. */
export const DEMO_USERNAME = 'demo';
/** Name of the environment variable holding the demo user's password (generated each run). */
export const PASSWORD_ENV = 'DEMO_PASSWORD';
/** Scope the demo user may grant and the demo policy requires. */
export const DEMO_SCOPE = 'mcp:tools';

/** What the demo config points at. */
export interface DemoConfigInput {
  /** Public URL of the protected endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  resource: string;
  /** Origin of the sample MCP server, e.g. `http://127.0.0.1:41234`. */
  upstream: string;
  /** The Authorization Server's issuer: nginx's origin, e.g. `http://127.0.0.1:8080`. */
  issuer: string;
  /** Where the companion listens (`127.0.0.1:<port>`); nginx routes the AS paths there. */
  companionListen: string;
  /** Directory of the companion's signing keys and cookie secrets. */
  keysDir: string;
  /** The companion's SQLite file (clients, grants, refresh tokens, consents). */
  storagePath: string;
  /** Where nginx keeps the check socket, caches and the decision log. */
  checkSocket: string;
  cachePath: string;
  logPath: string;
}

/** The YAML text of the demo configuration. */
export function demoConfigYaml(c: DemoConfigInput): string {
  return `# mcp-authz configuration written by \`npm run demo\` (rewritten on every run).
# A real configuration file: try
#   node src/cli.ts check --config <this file>          (prints the effective config, secrets masked;
#                                                         needs ${API_KEY_ENV} and ${PASSWORD_ENV} set in your shell)
#   node src/cli.ts nginx --config <this file> --out DIR (writes the nginx module)
#   node src/cli.ts serve --config <this file>          (runs the Authorization Server below, and more)

# Runtime paths used by the generated nginx snippets. The defaults are system paths
# (/run/mcp-authz.sock, /var/cache/nginx/mcp-authz, /var/log/nginx/mcp-authz.log);
# the demo keeps everything inside .demo/ so it needs no setup and leaves nothing behind.
nginx:
  check_socket: ${c.checkSocket}
  cache_path: ${c.cachePath}
  log_path: ${c.logPath}          # the decision log: one JSON line per decision

# Listeners of \`mcp-authz serve\`. The demo runs only the companion Authorization Server, in its
# own process; nginx forwards the AS paths (/authorize, /token, /register, /jwks, /consent/…,
# /.well-known/oauth-authorization-server, …) to it, so clients only ever see nginx's URL.
serve:
  companion:
    listen: ${c.companionListen}

endpoints:
  - path: /mcp
    # The URL clients connect to. Advertised in the protected resource metadata (RFC 9728) and,
    # since no jwt audience is set below, the audience tokens must carry (RFC 8707).
    resource: ${c.resource}
    # Where allowed requests go. An origin without a path: nginx passes /mcp on unchanged.
    upstream: ${c.upstream}
    resource_name: mcp-authz demo
    # Where clients get tokens; listed in the metadata. Here: the companion below, behind nginx.
    authorization_servers: [${c.issuer}]
    # Tried in order: the first that accepts the request wins (a bearer token here, else an API key).
    strategies:
      - type: jwt
        issuer: ${c.issuer}
        # Given explicitly: nginx fetches the keys from the companion directly. Leave it out and it
        # is found via OpenID Connect discovery at <issuer>/.well-known/openid-configuration when
        # the module is generated (which needs the issuer reachable at that moment).
        jwks_uri: http://${c.companionListen}/jwks
        algorithms: [ES256]
        # RFC 9068 access tokens only: an ID token from the same issuer is refused.
        typ: at+jwt
      - type: apikey
        header: ${API_KEY_HEADER}
        keys:
          # \${NAME} is expanded from the environment when the module is generated, so the
          # secret lives outside this file (it does end up in the generated njs bundle).
          - key: \${${API_KEY_ENV}}
            subject: demo-script
            scopes: [${DEMO_SCOPE}]
    # Checked after a strategy accepted the credential; failing it gives 403 insufficient_scope.
    policy:
      required_scopes: [${DEMO_SCOPE}]

# The companion OAuth 2.1 Authorization Server: dynamic client registration, PKCE, a login and a
# consent page, RFC 9068 access tokens bound to the resource above.
authorization_server:
  # http is allowed for loopback only; in production this is your https origin.
  issuer: ${c.issuer}
  keys:
    dir: ${c.keysDir}               # signing keys and cookie secrets, created on first start
  storage:
    type: sqlite
    path: ${c.storagePath}
  users:
    # The password comes from the environment (the demo generates one per run); a bcrypt
    # password_hash can stand in the file instead.
    - username: ${DEMO_USERNAME}
      password_env: ${PASSWORD_ENV}
      scopes: [${DEMO_SCOPE}]
      email: demo@example.com
`;
}
