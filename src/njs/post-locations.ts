/**
 * Each distinct URL core POSTs to (introspection endpoints, remote validators) gets an internal
 * nginx location (`/_mcp_authz/post/<n>`) that proxies to it, so TLS, timeouts and upstream
 * handling are nginx's. Request headers travel in `js_var` variables the njs port sets before the
 * subrequest (subrequests share their parent's variables): header `k` of target `n` is
 * `$mcp_authz_post_h<k>`. The conf generator and the njs port both derive the layout from here.
 */
import type { CoreConfig } from '../core/types.ts';

export interface PostTarget {
  url: string;
  /** Lower-cased names of the headers sent, in variable order. */
  headers: string[];
  /** Seconds nginx waits to connect, send and read. */
  timeout: number;
}

function addName(list: string[], name: string): void {
  if (list.indexOf(name) < 0) list.push(name);
}

/** Distinct POST targets of the configuration, in order. */
export function postTargets(config: CoreConfig): PostTarget[] {
  const out: PostTarget[] = [];
  config.endpoints.forEach(function (e) {
    e.strategies.forEach(function (s) {
      if (s.type !== 'introspection' && s.type !== 'remote') return;
      const url = s.type === 'introspection' ? s.endpoint : s.url;
      let t: PostTarget | null = null;
      for (let i = 0; i < out.length; i++) if (out[i].url === url) t = out[i];
      if (!t) {
        t = { url: url, headers: ['content-type', 'accept'], timeout: s.timeout };
        out.push(t);
      }
      t.timeout = Math.max(t.timeout, s.timeout);
      if (s.type === 'introspection') addName(t.headers, 'authorization');
      else Object.keys(s.headers).forEach(function (h) { addName(t!.headers, h); });
    });
  });
  return out;
}

/** The internal location of target `index`. */
export function postLocation(index: number): string {
  return '/_mcp_authz/post/' + index;
}

/** The js_var carrying header `k` (without the `$`). */
export function postHeaderVar(k: number): string {
  return 'mcp_authz_post_h' + k;
}

/** How many header variables the configuration needs. */
export function postHeaderVarCount(targets: PostTarget[]): number {
  let n = 0;
  targets.forEach(function (t) { n = Math.max(n, t.headers.length); });
  return n;
}
