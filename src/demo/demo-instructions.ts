/**
 * What the demo prints once it is up: where to point an MCP client, the self-check results, and
 * curl commands that walk through the protocol by hand.
 * @module
 */
import { API_KEY_ENV, API_KEY_HEADER, DEMO_SCOPE } from './demo-config.ts';
import type { CheckResult } from './self-check.ts';
import { TOOLS_LIST } from './self-check.ts';

/** Marks the line after which the demo is serving; tests wait for it. */
export const READY_LINE = 'mcp-authz demo ready: press Ctrl-C to stop.';

/** Everything the instructions mention. */
export interface DemoFacts {
  mcpUrl: string;
  /** From the 401's WWW-Authenticate header, so the printed URL is the one nginx advertises. */
  metadataUrl: string;
  /** The Authorization Server's issuer (nginx's origin). */
  issuer: string;
  username: string;
  password: string;
  apiKey: string;
  configFile: string;
  nginxConf: string;
  moduleDir: string;
  decisionLog: string;
  /** The companion's log (sign-ins, registrations, tokens issued; never secrets). */
  companionLog: string;
  checks: CheckResult[];
}

const COUNTDOWN_CALL =
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"countdown","arguments":{"from":5,"delayMs":1000},"_meta":{"progressToken":"p1"}}}';

/** The `resource_metadata` URL of a `WWW-Authenticate: Bearer …` challenge, if present. */
export function resourceMetadataUrl(challenge: string): string | undefined {
  return /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
}

/** The self-check block: one status line per request, with the detail that proves it. */
export function formatChecks(checks: CheckResult[]): string {
  return checks
    .map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.label.padEnd(38)}${c.statusLine}\n         ${c.detail}`)
    .join('\n');
}

/** The full text printed when the demo is ready. */
export function demoInstructions(f: DemoFacts): string {
  const mcpHeaders = `-H 'Accept: application/json, text/event-stream' -H 'Content-Type: application/json'`;
  return `
mcp-authz demo: a sample MCP server behind nginx, protected by mcp-authz, with the companion
OAuth 2.1 Authorization Server behind the same nginx

  MCP URL   ${f.mcpUrl}
  username: ${f.username}
  password: ${f.password}
            (the demo user: may grant scope ${DEMO_SCOPE}; a new password every run)

  Paste the MCP URL into an MCP client (MCP Inspector: transport "Streamable HTTP", then
  "Open Auth Settings" → "Quick OAuth Flow"; Claude or Cursor: add a remote/custom MCP server).
  It registers itself, opens the sign-in page: sign in with the credentials above, allow, done.
  Everything goes through ${f.issuer}: nginx checks /mcp and routes the AS paths to the companion.

self-check (through nginx):
${formatChecks(f.checks)}

try it (copy-paste into a shell):

  export ${API_KEY_ENV}=${f.apiKey}

  # (a) no credentials: 401, and WWW-Authenticate points at the resource metadata
  curl -i ${f.mcpUrl}

  # (b) the protected resource metadata (RFC 9728): which authorization server, which scopes
  curl ${f.metadataUrl}

  # (c) the Authorization Server metadata (RFC 8414): authorize, token and registration endpoints
  curl ${f.issuer}/.well-known/oauth-authorization-server

  # (d) list the tools with the API key (scripts; MCP clients get a token through OAuth)
  curl -i ${f.mcpUrl} -H "${API_KEY_HEADER}: $${API_KEY_ENV}" \\
    ${mcpHeaders} \\
    -d '${TOOLS_LIST}'

  # (e) streaming: countdown sends one SSE event per second; -N shows them as they arrive
  curl -N ${f.mcpUrl} -H "${API_KEY_HEADER}: $${API_KEY_ENV}" \\
    ${mcpHeaders} \\
    -d '${COUNTDOWN_CALL}'

files:
  config        ${f.configFile}
  nginx.conf    ${f.nginxConf}
  module        ${f.moduleDir}/
  decision log  tail -f ${f.decisionLog}
  AS log        tail -f ${f.companionLog}

${READY_LINE}
`;
}
