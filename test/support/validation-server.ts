/**
 * A small real token validation service for the `remote` strategy: POST `{"token": "…"}` with the
 * right `X-Validator-Key` → `{"valid": …, "subject", "scopes", "claims"}`. Answers depend on the
 * token's prefix: `good-<subject>` valid (scopes "mcp:tools", an email and groups in claims),
 * `bad-…` valid:false, `junk-…` a body of the wrong shape, `boom-…` HTTP 500; on `/hang` it never
 * answers. Every call is recorded.
 * @module
 */
import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listen } from './listen.ts';

export const VALIDATOR_KEY = 'validator-key-0123456789';

export interface ValidatorCall {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ValidationServer {
  url: string;
  readonly calls: ValidatorCall[];
  stop(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Start the validator on a free loopback port. */
export async function startValidationServer(): Promise<ValidationServer> {
  const calls: ValidatorCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      calls.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/hang') return;
      if (req.method !== 'POST' || req.headers['x-validator-key'] !== VALIDATOR_KEY) return json(res, 401, { error: 'unauthorized' });
      if (!String(req.headers['content-type']).startsWith('application/json')) return json(res, 415, { error: 'json only' });
      let token = '';
      try {
        token = String(JSON.parse(body).token);
      } catch {
        return json(res, 400, { error: 'bad json' });
      }
      if (token.startsWith('good-')) {
        const subject = token.slice(5);
        return json(res, 200, { valid: true, subject, scopes: ['mcp:tools'], claims: { email: `${subject}@example.com`, groups: ['staff', 'ops'] } });
      }
      if (token.startsWith('bad-')) return json(res, 200, { valid: false });
      if (token.startsWith('junk-')) return json(res, 200, { valid: true, subject: 42 });
      return json(res, 500, { error: 'boom' });
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    async stop() {
      server.closeAllConnections();
      await closeServer(server);
    },
  };
}
