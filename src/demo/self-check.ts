/**
 * The demo's start-up self-check: the requests every user should see work — refused without a
 * credential, the Authorization Server's metadata, served with the API key — sent through nginx
 * before the demo claims to be ready.
 * @module
 */
import { request } from 'node:http';

/** One checked request: the status line to print and, on failure, why. */
export interface CheckResult {
  label: string;
  statusLine: string;
  detail: string;
  ok: boolean;
}

interface Reply {
  statusLine: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The JSON-RPC tools/list call, as sent by the self-check and the printed curl command. */
export const TOOLS_LIST = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

/** Headers every Streamable HTTP POST needs (MCP 2025-06-18 §Transports). */
export const MCP_POST_HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({
        statusLine: `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`,
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: text,
      }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the checks against the protected endpoint `url` (on nginx) and the AS `issuer` (behind nginx). */
export async function selfCheck(url: string, issuer: string, apiKey: { header: string; value: string }): Promise<CheckResult[]> {
  const anon = await send(url, 'GET', {});
  const challenge = String(anon.headers['www-authenticate'] ?? '');
  const asMetadataUrl = `${issuer}/.well-known/oauth-authorization-server`;
  const meta = await send(asMetadataUrl, 'GET', { accept: 'application/json' });
  let metaDoc: Record<string, unknown> = {};
  try { metaDoc = JSON.parse(meta.body) as Record<string, unknown>; } catch { /* reported below */ }
  const metaOk = meta.status === 200 && metaDoc.issuer === issuer &&
    typeof metaDoc.authorization_endpoint === 'string' && typeof metaDoc.registration_endpoint === 'string';
  const listed = await send(url, 'POST', { ...MCP_POST_HEADERS, [apiKey.header.toLowerCase()]: apiKey.value }, TOOLS_LIST);
  // Stateless responses come as JSON or as one SSE event; the tool names are in either.
  const tools = ['echo', 'countdown'].filter((name) => listed.body.includes(`"name":"${name}"`));
  return [
    {
      label: 'GET  /mcp without a token',
      statusLine: anon.statusLine,
      detail: challenge ? `WWW-Authenticate: ${challenge}` : `no WWW-Authenticate header; body: ${anon.body.slice(0, 300)}`,
      ok: anon.status === 401 && challenge.includes('resource_metadata='),
    },
    {
      label: 'GET  AS metadata (RFC 8414)',
      statusLine: meta.statusLine,
      detail: metaOk
        ? `issuer ${String(metaDoc.issuer)}, authorize ${String(metaDoc.authorization_endpoint)}`
        : `unexpected answer from ${asMetadataUrl}: ${meta.body.slice(0, 300)}`,
      ok: metaOk,
    },
    {
      label: 'POST /mcp tools/list with the API key',
      statusLine: listed.statusLine,
      detail: tools.length === 2 ? `tools: ${tools.join(', ')}` : `unexpected body: ${listed.body.slice(0, 300)}`,
      ok: listed.status === 200 && tools.length === 2,
    },
  ];
}
