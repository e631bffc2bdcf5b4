/**
 * Named locations (the rate-limited and tool-gated continuations of an endpoint) cannot give
 * proxy_pass a URI, so an upstream URL with a path is applied by rewrite instead, exactly as
 * proxy_pass with a URI would: the matched location prefix (`/p` or `/p/`) becomes that path.
 */
import type { EndpointConfig } from '../core/config-types.ts';
import { confValue } from './conf-names.ts';

/** RFC 3986 path characters endpoint paths may hold, made literal for an nginx regex. */
function regexLiteral(path: string): string {
  return path.replace(/[.]/g, '\\.');
}

/** Rewrite lines for a named location ('' when the upstream URL has no path). */
export function upstreamRewrite(e: EndpointConfig): string {
  const m = /^https?:\/\/[^/?#]+([^?#]*)/i.exec(e.upstream);
  const path = m ? m[1] : '';
  if (!path) return '';
  const target = confValue(path, 'upstream path');
  const lines = ['    # The upstream URL has a path: map the endpoint prefix onto it (proxy_pass takes no URI here).'];
  if (e.path === '/') lines.push(`    rewrite ^/(.*)$ ${target}$1 break;`);
  else {
    lines.push(`    rewrite ^${regexLiteral(e.path)}$ ${target} break;`);
    lines.push(`    rewrite ^${regexLiteral(e.path)}/(.*)$ ${target}$1 break;`);
  }
  return lines.join('\n') + '\n';
}
