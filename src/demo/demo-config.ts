/**
 * The demo's mcp-authz configuration file. Written as commented YAML (not generated from an
 * object) because users read it: it is the worked example of the configuration format.
 * @module
 */

/** Name of the environment variable the demo API key travels in (see `${…}` in the YAML). */
export const API_KEY_ENV = 'DEMO_API_KEY';
/** Header the demo API key is sent in. */
export const API_KEY_HEADER = 'X-API-Key';

/** What the demo config points at. */
export interface DemoConfigInput {
  /** Public URL of the protected endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  resource: string;
  /** Origin of the sample MCP server, e.g. `http://127.0.0.1:41234`. */
  upstream: string;
  /** Dev issuer identifier and its JWKS URL. */
  issuer: string;
  jwksUri: string;
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
#                                                         needs ${API_KEY_ENV} set in your shell)
#   node src/cli.ts nginx --config <this file> --out DIR (writes the nginx module)

# Runtime paths used by the generated nginx snippets. The defaults are system paths
# (/run/mcp-authz.sock, /var/cache/nginx/mcp-authz, /var/log/nginx/mcp-authz.log);
# the demo keeps everything inside .demo/ so it needs no setup and leaves nothing behind.
nginx:
  check_socket: ${c.checkSocket}
  cache_path: ${c.cachePath}
  log_path: ${c.logPath}          # the decision log: one JSON line per decision

endpoints:
  - path: /mcp
    # The URL clients connect to. Advertised in the protected resource metadata (RFC 9728) and,
    # since no jwt audience is set below, the audience tokens must carry (RFC 8707).
    resource: ${c.resource}
    # Where allowed requests go. An origin without a path: nginx passes /mcp on unchanged.
    upstream: ${c.upstream}
    resource_name: mcp-authz demo
    # Where clients get tokens; listed in the metadata. Here: the demo's dev token issuer.
    authorization_servers: [${c.issuer}]
    # Tried in order: the first that accepts the request wins (a bearer token here, else an API key).
    strategies:
      - type: jwt
        issuer: ${c.issuer}
        # Given explicitly; leave it out and it is found via OpenID Connect discovery at
        # <issuer>/.well-known/openid-configuration when the module is generated.
        jwks_uri: ${c.jwksUri}
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
            scopes: [mcp:tools]
    # Checked after a strategy accepted the credential; failing it gives 403 insufficient_scope.
    policy:
      required_scopes: [mcp:tools]
`;
}
