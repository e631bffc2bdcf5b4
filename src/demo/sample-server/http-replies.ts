/**
 * Small HTTP helpers for the sample server's request handler: JSON-RPC error replies and reading a
 * JSON request body with a size cap.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Largest POST body read: 4 MiB, the SDK transport's default `maxRequestBodySize`, which it does not
 * apply to a body handed to it already parsed.
 */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Replies with a JSON-RPC error object (id null: it answers the HTTP request, not a message). */
export function replyJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** A parsed JSON body, or the HTTP status and JSON-RPC error to answer with. */
export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

/** Reads and parses the request body as JSON (413 past the cap, 400 / -32700 Parse error if not JSON). */
export async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, code: -32000, message: 'Request body too large' };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, status: 400, code: -32700, message: 'Parse error: the body is not JSON' };
  }
}
