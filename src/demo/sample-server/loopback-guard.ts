/**
 * DNS-rebinding protection for the sample MCP server (MCP 2025-11-25, transports §Security
 * Warning: servers MUST validate the Origin header; security best practices, "local MCP server
 * compromise"). A page on evil.example whose name resolves to 127.0.0.1 makes the browser send
 * `Host: evil.example` and `Origin: http://evil.example`; checking that both name a loopback host
 * stops it.
 *
 * The check applies to requests that arrive on a loopback address: a rebinding attack reaches a
 * local server through 127.0.0.1 (or ::1), while a server reached on a network interface (a
 * container behind nginx or Traefik, whose Host is the service name or the public name) is exposed
 * anyway and needs real authorization, which is what mcp-authz in front provides. A proxy on the
 * same host that forwards the client's Host (Envoy, Traefik, Caddy do by default; the generated
 * nginx config sends the upstream's own authority) needs the public names in the allow-list.
 *
 * Only the host *name* is compared, not the port, like the SDK's own `hostHeaderValidation`
 * middleware: a loopback proxy in front (nginx, Caddy) has a port of its own, and the port adds
 * nothing against rebinding (the attacker's name is what differs). The transport's
 * `allowedHosts`/`allowedOrigins` options are not used: they compare whole `host:port` strings and
 * are deprecated in SDK 1.32 in favour of exactly this kind of external check.
 * @module
 */
import type { IncomingMessage } from 'node:http';

/** Host names a local server answers to. IPv6 in brackets, as `URL.hostname` gives it. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Whether the connection came in on a loopback address (IPv4 127/8, ::1, or IPv4-mapped 127/8). */
export function arrivedOnLoopback(req: IncomingMessage): boolean {
  const local = req.socket.localAddress ?? '';
  return local === '::1' || /^(::ffff:)?127\./.test(local);
}

/** Host name of a `host[:port]` authority or an origin URL, lower case; undefined if unparsable. */
function hostnameOf(value: string, isOrigin: boolean): string | undefined {
  try {
    return new URL(isOrigin ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Why the request must be refused (a message for the 403 body), or undefined when its `Host` names
 * an allowed host and its `Origin`, if any, does too. Browsers send no Origin on same-origin GETs
 * and non-browser clients usually none at all, so a missing Origin is fine; a missing Host is not
 * (HTTP/1.1 requires it).
 */
export function rebindingRejection(req: IncomingMessage, allowed: readonly string[] = LOOPBACK_HOSTNAMES): string | undefined {
  const host = req.headers.host;
  const hostName = host === undefined ? undefined : hostnameOf(host, false);
  if (hostName === undefined || !allowed.includes(hostName)) return `Invalid Host header: ${host ?? '(none)'}`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const originName = hostnameOf(origin, true);
  if (originName === undefined || !allowed.includes(originName)) return `Invalid Origin header: ${origin}`;
  return undefined;
}
