/**
 * Real nginx with the mcp-authz module for a configuration: builds the njs bundle, renders the conf
 * snippets into nginx's prefix dir, and includes them the way the README tells users to.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreConfig } from '../../src/core/types.ts';
import { buildBundles } from '../../src/nginx/build-bundle.ts';
import { newCheckKey } from '../../src/nginx/check-key.ts';
import { NGINX_TIMING, renderConf, type NginxOptions } from '../../src/nginx/render-conf.ts';
import { freePort } from './free-port.ts';
import { startNginx, type RunningNginx } from './nginx.ts';

export interface ProtectedNginx extends RunningNginx {
  url: string;
  /** The generated files, by name. */
  files: Record<string, string>;
}

export interface ProtectedNginxOptions {
  /** Extra directives inside the public server block. */
  serverExtra?: string;
  /** Extra directives inside `http { }`, after the generated http.conf (e.g. more servers, upstreams). */
  httpExtra?: string;
  /** Override timing of key caching. */
  timing?: Partial<typeof NGINX_TIMING>;
  /** Port of the public server (default: a free one), for URLs that must be known beforehand. */
  port?: number;
}

/** Start nginx protecting the configured endpoints on a free loopback port. */
export async function startProtectedNginx(config: CoreConfig, opts: ProtectedNginxOptions = {}): Promise<ProtectedNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-nginx-'));
  const out = join(dir, 'mcp-authz');
  mkdirSync(out);
  const port = opts.port ?? (await freePort());
  // Tests read the decision log right after each request, so it is written unbuffered here.
  const options: NginxOptions = Object.assign({}, NGINX_TIMING, { logBuffered: false }, opts.timing, {
    dir: out,
    checkSocket: join(dir, 'check.sock'),
    cachePath: join(dir, 'cache'),
    logPath: join(dir, 'mcp-authz.log'),
    checkKey: newCheckKey(),
  });
  const files = renderConf(config, options);
  const bundles = await buildBundles(config, { jwksMaxAge: options.jwksFresh + options.jwksMaxStale });
  files['mcp-authz.js'] = bundles.check;
  files['mcp-authz-edge.js'] = bundles.edge;
  files['mcp-authz-tools.js'] = bundles.tools;
  const prefixed: Record<string, string> = {};
  for (const name of Object.keys(files)) prefixed['mcp-authz/' + name] = files[name];
  const nginx = await startNginx({
    dir,
    files: prefixed,
    readyPort: port,
    // Generated: `env NAME;` for the variables upstream_auth scripts read.
    mainConf: files['env.conf'] ? `include ${out}/env.conf;` : '',
    httpConf: `include ${out}/http.conf;
${opts.httpExtra ?? ''}
server {
    listen 127.0.0.1:${port};
    include ${out}/server.conf;
    ${opts.serverExtra ?? ''}
}`,
  });
  return Object.assign(nginx, { url: `http://127.0.0.1:${port}`, files });
}
