/**
 * IPv4/IPv6 CIDR matching for trusted peers. Hand-written because njs has no net module; IPv4-mapped
 * IPv6 peers (::ffff:a.b.c.d, as Node reports them on dual-stack sockets) match IPv4 ranges.
 */

/** Parse an address to 16 bytes (IPv4 as IPv4-mapped IPv6), or null when it is not an address. */
export function parseIp(text: string): number[] | null {
  const v4 = parseIpv4(text);
  if (v4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff].concat(v4);
  return parseIpv6(text);
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIpv6(text: string): number[] | null {
  let s = text;
  if (s.charAt(0) === '[' && s.charAt(s.length - 1) === ']') s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.') > lastColon && lastColon >= 0) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const rest = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = head.slice();
  for (let i = 0; halves.length === 2 && i < missing; i++) groups.push('0');
  for (let i = 0; i < rest.length; i++) groups.push(rest[i]);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return null;
    const n = parseInt(groups[i], 16);
    out.push(n >> 8, n & 0xff);
  }
  if (tail.length) out.splice(12, 4, tail[0], tail[1], tail[2], tail[3]);
  return out;
}

/** Parse `addr/bits` (a bare address means a single host). */
export function parseCidr(text: string): { bytes: number[]; bits: number } | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) return null;
  const isV4 = parseIpv4(addr) !== null;
  const max = isV4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(b) || Number(b) > max) return null;
    bits = Number(b);
  }
  return { bytes: bytes, bits: isV4 ? bits + 96 : bits };
}

/** True when `ip` lies in any of `cidrs`; unparsable input never matches (fail closed). */
export function ipInCidrs(ip: string, cidrs: string[]): boolean {
  const addr = parseIp(ip);
  if (!addr) return false;
  for (let i = 0; i < cidrs.length; i++) {
    const c = parseCidr(cidrs[i]);
    if (c && prefixMatches(addr, c.bytes, c.bits)) return true;
  }
  return false;
}

function prefixMatches(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}
