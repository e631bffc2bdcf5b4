/** A small request body for the companion's own routes (forms, client registration). */
import type { IncomingMessage } from 'node:http';

/**
 * The body as UTF-8 text, or null when it is larger than `maxBytes` or the request fails. An
 * oversized body is drained, not kept, and refused once it ends.
 */
export function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('error', () => resolve(null));
    req.on('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks).toString('utf8')));
  });
}
