/**
 * esbuild plugin compiling `upstream_auth: {type: script}` modules into the check bundle: it
 * replaces src/njs/upstream-scripts.ts with a module importing each configured file and
 * exporting them by path. The scripts pass the same njs 0.7.9 guards as our own code.
 */
import type { Plugin } from 'esbuild';
import type { CoreConfig } from '../core/types.ts';

/** Distinct script files of the configuration, in order. */
function scriptFiles(config: CoreConfig): string[] {
  const out: string[] = [];
  config.endpoints.forEach(function (e) {
    const a = e.upstream_auth;
    if (a && a.type === 'script' && out.indexOf(a.file) < 0) out.push(a.file);
  });
  return out;
}

/** Environment variables scripts read: njs sees only those named by `env NAME;` in nginx.conf. */
export function scriptEnv(config: CoreConfig): string[] {
  const out: string[] = [];
  config.endpoints.forEach(function (e) {
    const a = e.upstream_auth;
    if (a && a.type === 'script') a.env.forEach(function (n) { if (out.indexOf(n) < 0) out.push(n); });
  });
  return out;
}

/** The plugin for one configuration. */
export function upstreamScriptsPlugin(config: CoreConfig): Plugin {
  const files = scriptFiles(config);
  const contents = files.map(function (f, i) { return 'import s' + i + ' from ' + JSON.stringify(f) + ';'; }).concat([
    'export default {' + files.map(function (f, i) { return JSON.stringify(f) + ': s' + i; }).join(', ') + '};',
  ]).join('\n');
  return {
    name: 'mcp-authz-upstream-scripts',
    setup(b) {
      b.onResolve({ filter: /[\\/]upstream-scripts\.ts$/ }, (args) => ({ path: args.path, namespace: 'mcp-authz-scripts' }));
      b.onLoad({ filter: /.*/, namespace: 'mcp-authz-scripts' }, () => ({ contents, loader: 'js', resolveDir: '/' }));
    },
  };
}
