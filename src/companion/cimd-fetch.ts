/**
 * Fetching Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP
 * 2025-11-25): the `fetch` oidc-provider calls for a `client_id` that is an https URL. It talks
 * to a host an anonymous client named, so it is strict:
 *
 * - https only, GET, no redirects followed (a 3xx reaches oidc-provider as a non-200 status and
 *   becomes invalid_client);
 * - the host is resolved here, every address it resolves to is checked, and the socket connects
 *   to a checked address (no second lookup, so no DNS rebinding between check and connect);
 *   private, loopback, link-local, CGNAT, multicast, documentation and other reserved ranges
 *   are refused, also for an IP literal in the URL;
 * - the body is capped at `maxBytes` (oidc-provider's `fetchResponseBodyLimits` checks again).
 *
 * oidc-provider's own fetch installs an undici dispatcher that destroys a socket whose remote
 * address is special-use after connecting; this replaces it (its `dispatcher` option is ignored).
 *
 * The only way to reach loopback is {@link CimdTestNetwork}, a programmatic option of
 * `startCompanion` that no configuration key sets and `serve` never passes: tests use it to
 * serve a document over real TLS on 127.0.0.1.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request, type RequestOptions } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Test-only network access for CIMD fetches. Never set outside tests: it can switch off the
 * address checks. Not reachable from configuration.
 */
export interface CimdTestNetwork {
  /** Resolve a host name instead of DNS (addresses are still checked unless allowed below). */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
  /** Accept loopback/private addresses. Must be exactly `'yes, this is a test'`. */
  allowSpecialUseAddresses?: 'yes, this is a test';
  /** Extra trusted CA certificate(s) (PEM) for the test server. */
  ca?: string;
}

/** Address ranges a metadata document may never be fetched from. */
const REFUSED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) REFUSED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20], ['5f00::', 16], ['fc00::', 7], ['fe80::', 10],
  ['fec0::', 10], ['ff00::', 8],
] as const) REFUSED.addSubnet(net, prefix, 'ipv6');

/** True when `address` (an IP literal, IPv6 without brackets) is not globally routable. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return REFUSED.check(mapped[1]!, 'ipv4');
  // ::ffff:0:0/96 in hex form: refuse rather than decode.
  if (/^::ffff:/i.test(address)) return true;
  return REFUSED.check(address, 'ipv6');
}

type Resolved = Array<{ address: string; family: 4 | 6 }>;

async function resolveChecked(hostname: string, network: CimdTestNetwork | undefined): Promise<Resolved> {
  const literal = isIP(hostname);
  const addresses: Resolved = literal !== 0
    ? [{ address: hostname, family: literal as 4 | 6 }]
    : network?.resolve !== undefined
      ? await network.resolve(hostname)
      : (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (addresses.length === 0) throw new Error(`${hostname} does not resolve`);
  const allowAll = network?.allowSpecialUseAddresses === 'yes, this is a test';
  const refused = allowAll ? [] : addresses.filter((a) => isRefusedAddress(a.address));
  if (refused.length > 0) throw new Error(`${hostname} resolves to a private or reserved address (${refused.map((a) => a.address).join(', ')})`);
  return addresses;
}

/** The `fetch` for oidc-provider's configuration; see the module comment. */
export function createCimdFetch(o: { maxBytes: number; network?: CimdTestNetwork }): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:') throw new Error('only https URLs are fetched');
    if ((init.method ?? 'GET').toUpperCase() !== 'GET') throw new Error('only GET is supported');
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = await resolveChecked(hostname, o.network);
    // Connect to the addresses checked above, never to a fresh lookup.
    const lookup: LookupFunction = (_host, options, callback) => {
      if (options.all) (callback as (e: null, a: Resolved) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    const headers: Record<string, string> = { accept: 'application/json' };
    new Headers(init.headers).forEach((v, k) => { if (v !== '') headers[k] = v; });
    const options: RequestOptions = {
      method: 'GET',
      hostname,
      port: url.port === '' ? 443 : Number(url.port),
      path: url.pathname + url.search,
      headers,
      lookup,
      agent: false,
      ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
      ...(o.network?.ca !== undefined ? { ca: o.network.ca } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    };
    return await new Promise<Response>((resolve, reject) => {
      const req = request(options, (res) => {
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          for (const one of Array.isArray(v) ? v : [v]) responseHeaders.append(k, one);
        }
        if (status !== 200) {
          // Redirects are not followed: the status reaches oidc-provider, which refuses it.
          res.resume();
          resolve(new Response(null, { status: status >= 200 && status <= 599 ? status : 502, headers: responseHeaders }));
          return;
        }
        const length = Number(res.headers['content-length']);
        if (Number.isFinite(length) && length > o.maxBytes) {
          reject(new Error('response too large'));
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > o.maxBytes) {
            reject(new Error('response too large'));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => received <= o.maxBytes && resolve(new Response(Buffer.concat(chunks), { status, headers: responseHeaders })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  };
}
