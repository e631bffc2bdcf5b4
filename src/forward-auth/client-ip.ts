/**
 * The client address as a trusted proxy reports it in X-Forwarded-For.
 *
 * Each proxy appends the address of the peer it accepted the connection from, so the list reads
 * `client, proxy1, proxy2`, but everything left of what *our* proxy appended arrived from the client
 * and can be forged (`X-Forwarded-For: 10.0.0.1` is one header away). The right-most entry is the one
 * the trusted proxy added itself (Traefik appends the peer, Caddy 2.6 replaces the header with the
 * peer unless told to trust another proxy, nginx's `$proxy_add_x_forwarded_for` appends
 * `$remote_addr`), so it is the only one we use. Several proxies in a chain: the one that calls us
 * must itself be configured to report the client (Traefik `forwardedHeaders.trustedIPs`, Caddy
 * `trusted_proxies`, nginx `real_ip`), which it then does as its right-most entry.
 */
import { parseIp } from '../core/cidr.ts';

/** Strip `[v6]`, `[v6]:port` and `a.b.c.d:port` forms to the bare address. */
function bareAddress(entry: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (v6) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4 ? v4[1] : entry;
}

/** Drop the IPv4-mapped prefix Node reports on dual-stack sockets, for readable logs. */
export function plainAddress(ip: string): string {
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}

/**
 * The right-most address of every X-Forwarded-For value (repeated headers read as one list), or ''
 * when it is missing or not an address: fail closed, so no peer-based rule (trusted_header) can
 * match a client we cannot name. Never the proxy's own address, which a trusted_peers list may hold.
 */
export function rightmostForwardedFor(values: string[] | undefined): string {
  if (!values || values.length === 0) return '';
  const entries = values.join(',').split(',');
  const ip = plainAddress(bareAddress(entries[entries.length - 1].trim()));
  return parseIp(ip) ? ip : '';
}
