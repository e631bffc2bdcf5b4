/**
 * Pieces every nginx conf renderer shares: the vetting of values placed in the conf, the spelling
 * of endpoint ids and header names inside nginx identifiers and variables, and how an https
 * service is reached.
 */
import type { EndpointConfig } from '../core/config-types.ts';

/** Characters that would end or alter an nginx directive (nginx strings cannot escape `$`). */
const UNSAFE = /[\s"'\\$;{}#]/;

/** A value placed in the conf; refused when it could inject a directive. */
export function confValue(value: string, what: string): string {
  if (UNSAFE.test(value)) throw new Error(what + ' cannot be used in nginx.conf: ' + JSON.stringify(value));
  return value;
}

/** An endpoint's id as part of an nginx name (upstream, zone, named location): '-' → '_'. */
export function endpointIdent(e: EndpointConfig): string {
  return e.id.replace(/-/g, '_');
}

/** The variable nginx fills from a request header (`$http_x_name`). */
export function httpHeaderVar(header: string): string {
  return '$http_' + header.toLowerCase().replace(/-/g, '_');
}

/** The variable nginx fills from a header of the upstream's (or auth_request's) reply. */
export function upstreamHeaderVar(header: string): string {
  return '$upstream_http_' + header.toLowerCase().replace(/-/g, '_');
}

/** Where Debian/Ubuntu keep the system CA bundle, to verify https services. */
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** An `upstream { server … }` address: the URL's authority with the scheme's default port made explicit. */
export function serverAddress(authority: string, url: string): string {
  return /:\d+$/.test(authority) ? authority : authority + (/^https/i.test(url) ? ':443' : ':80');
}
