/**
 * core's `post` port in Node: the global fetch, redirects not followed (a 3xx is just a status
 * core refuses), a timeout, and a size cap on the answer. Never logs: the body carries a token
 * and the headers may carry client credentials.
 */
import type { HttpReply, Result } from '../core/types.ts';

/** Largest response body accepted, in bytes. */
export const MAX_POST_REPLY_BYTES = 64 * 1024;

async function readCapped(res: Response): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_POST_REPLY_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** POST `body` to `url`; `timeout` in seconds covers the whole exchange. */
export async function httpPost(url: string, headers: Record<string, string>, body: string, timeout: number): Promise<Result<HttpReply>> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeout * 1000) });
    const text = await readCapped(res);
    if (text === null) return { ok: false, reason: 'too_large', detail: 'response larger than ' + MAX_POST_REPLY_BYTES + ' bytes' };
    return { ok: true, value: { status: res.status, body: text } };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { ok: false, reason: name === 'TimeoutError' ? 'timeout' : 'unreachable', detail: name === 'TimeoutError' ? 'timed out' : 'request failed' };
  }
}
