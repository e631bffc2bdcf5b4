/**
 * What the demo prints once it is up: where to point an MCP client, the self-check results, and
 * curl commands that walk through the protocol by hand.
 * @module
 */
import { API_KEY_ENV, API_KEY_HEADER } from './demo-config.ts';
import type { CheckResult } from './self-check.ts';
import { TOOLS_LIST } from './self-check.ts';

/** Marks the line after which the demo is serving; tests wait for it. */
export const READY_LINE = 'mcp-authz demo ready: press Ctrl-C to stop.';

/** Everything the instructions mention. */
export interface DemoFacts {
  mcpUrl: string;
  /** From the 401's WWW-Authenticate header, so the printed URL is the one nginx advertises. */
  metadataUrl: string;
  token: string;
  tokenFile: string;
  apiKey: string;
  configFile: string;
  nginxConf: string;
  moduleDir: string;
  decisionLog: string;
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
mcp-authz demo: a sample MCP server behind nginx, protected by mcp-authz

  MCP URL   ${f.mcpUrl}
  token: ${f.token}
            (access token for demo-user, scope mcp:tools, valid 1 h; also in ${f.tokenFile})

  Paste the URL into an MCP client that lets you set a bearer token (e.g. MCP Inspector:
  transport "Streamable HTTP", Authentication → Bearer Token). The demo's dev token issuer has
  no login page, so clients that run the OAuth flow themselves cannot get a token from it yet.

self-check (through nginx):
${formatChecks(f.checks)}

try it (copy-paste into a shell):

  export TOKEN=$(cat ${f.tokenFile}) ${API_KEY_ENV}=${f.apiKey}

  # (a) no credentials: 401, and WWW-Authenticate points at the resource metadata
  curl -i ${f.mcpUrl}

  # (b) the protected resource metadata (RFC 9728): which authorization server, which scopes
  curl ${f.metadataUrl}

  # (c) list the tools with the token
  curl -i ${f.mcpUrl} -H "Authorization: Bearer $TOKEN" \\
    ${mcpHeaders} \\
    -d '${TOOLS_LIST}'

  # (d) streaming: countdown sends one SSE event per second; -N shows them as they arrive
  curl -N ${f.mcpUrl} -H "Authorization: Bearer $TOKEN" \\
    ${mcpHeaders} \\
    -d '${COUNTDOWN_CALL}'

  # (e) the same as (c) with the API key instead of a token
  curl -i ${f.mcpUrl} -H "${API_KEY_HEADER}: $${API_KEY_ENV}" \\
    ${mcpHeaders} \\
    -d '${TOOLS_LIST}'

files:
  config        ${f.configFile}
  nginx.conf    ${f.nginxConf}
  module        ${f.moduleDir}/
  decision log  tail -f ${f.decisionLog}

${READY_LINE}
`;
}
