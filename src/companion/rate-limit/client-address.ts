/**
 * The address a request's budget is counted against. The peer's address, unless the peer is a
 * trusted proxy: then the right-most X-Forwarded-For entry, the one that proxy appended itself
 * (everything left of it came from the client and can be forged; see forward-auth/client-ip.ts).
 * IPv6 clients are counted per /64, the block one subscriber usually holds, so cycling through
 * the addresses of one's own network does not multiply the budget.
 */
import type { IncomingMessage } from 'node:http';
import { ipInCidrs, parseIp } from '../../core/cidr.ts';
import { plainAddress, rightmostForwardedFor } from '../../forward-auth/client-ip.ts';

/** The client address of `req` as a counting key (`v4:a.b.c.d` or `v6:<first 64 bits>::/64`). */
export function clientAddressKey(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustedProxies: string[]): string {
  const peer = plainAddress(req.socket.remoteAddress ?? '');
  let client = peer;
  if (peer !== '' && ipInCidrs(peer, trustedProxies)) {
    const header = req.headers['x-forwarded-for'];
    const forwarded = rightmostForwardedFor(header === undefined ? undefined : [header].flat());
    if (forwarded !== '') client = forwarded;
  }
  return addressKey(client);
}

function addressKey(ip: string): string {
  const bytes = parseIp(ip);
  if (bytes === null) return `other:${ip}`;
  const mapped = bytes.slice(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff));
  if (mapped) return `v4:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `v6:${groups.join(':')}::/64`;
}
