/**
 * The demo's start-up self-check: the two requests every user should see work — refused without
 * a token, served with one — sent through nginx before the demo claims to be ready.
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

/** Runs both checks against the protected endpoint `url`. */
export async function selfCheck(url: string, token: string): Promise<CheckResult[]> {
  const anon = await send(url, 'GET', {});
  const challenge = String(anon.headers['www-authenticate'] ?? '');
  const listed = await send(url, 'POST', { ...MCP_POST_HEADERS, authorization: `Bearer ${token}` }, TOOLS_LIST);
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
      label: 'POST /mcp tools/list with the token',
      statusLine: listed.statusLine,
      detail: tools.length === 2 ? `tools: ${tools.join(', ')}` : `unexpected body: ${listed.body.slice(0, 300)}`,
      ok: listed.status === 200 && tools.length === 2,
    },
  ];
}
