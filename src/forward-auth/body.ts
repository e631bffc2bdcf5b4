/**
 * The request body a forward-auth request carries (Traefik forwardAuth `forwardBody: true` sends
 * the client's body, with its GET). Read only for endpoints with tool rules, into memory, at most
 * `limit` bytes: past that the rest is drained and dropped, and the caller answers 413.
 */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { ok: true; text: string | undefined } | { ok: false; tooLarge: true };

/** Whether the request announces a body at all (RFC 9112 §6.3: Transfer-Encoding or Content-Length > 0). */
function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding']) return true;
  const length = Number(req.headers['content-length'] ?? '0');
  return Number.isFinite(length) && length > 0;
}

/** Read the body as UTF-8 text; `text` is undefined when the request has none. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  if (!hasBody(req)) return Promise.resolve({ ok: true, text: undefined });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? '0') > limit;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? { ok: false, tooLarge: true } : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}
