/**
 * Builds the njs bundles: `mcp-authz.js` (src/njs/check-server.ts, core + the embedded
 * configuration) for the internal check server, `mcp-authz-edge.js` (src/njs/edge.ts, a few
 * hundred bytes) for the public server's hot path, and `mcp-authz-tools.js` (src/njs/tools-entry.ts,
 * the tool rules without secrets) for endpoint locations with per-tool rules. Three guards keep them loadable on njs 0.7.9:
 * esbuild refuses to emit syntax njs lacks (destructuring, for-of, spread, default arguments,
 * classes, generators); the output is scanned for what esbuild would lower into such syntax or for
 * APIs njs 0.7.9 lacks; and the default export is rewritten to `export default x;` because
 * njs < 0.7.12 rejects `export { x as default }`.
 */
import { build, type Plugin } from 'esbuild';
import { upstreamScriptsPlugin } from './upstream-scripts-plugin.ts';
import { fileURLToPath } from 'node:url';
import type { CoreConfig } from '../core/types.ts';
import { validatorScriptsPlugin } from './script-bundle.ts';
import { toolGates } from './tool-gates.ts';

const CHECK_ENTRY = fileURLToPath(new URL('../njs/check-server.ts', import.meta.url));
const EDGE_ENTRY = fileURLToPath(new URL('../njs/edge.ts', import.meta.url));
const TOOLS_ENTRY = fileURLToPath(new URL('../njs/tools-entry.ts', import.meta.url));

const CONFIG_PLACEHOLDER = '__MCP_AUTHZ_CONFIG__';
const TOOL_GATES_PLACEHOLDER = '__MCP_AUTHZ_TOOL_GATES__';

/** JSON as a JS expression; U+2028/2029 escaped for engines that predate ES2019's JSON superset. */
function configLiteral(config: unknown): string {
  return JSON.stringify(config).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Syntax esbuild must fail on rather than emit (njs 0.7.9 cannot parse it). */
export const UNSUPPORTED = {
  destructuring: false,
  'for-of': false,
  'object-rest-spread': false,
  'array-spread': false,
  'default-argument': false,
  class: false,
  generator: false,
  'async-generator': false,
  'optional-chain': false,
  'logical-assignment': false,
  'optional-catch-binding': false,
  'regexp-named-capture-groups': false,
  'regexp-lookbehind-assertions': false,
  bigint: false,
  'top-level-await': false,
  'dynamic-import': false,
} as const;

/** Patterns that parse elsewhere but not in njs 0.7.9, with the reason shown on failure. */
export const BANNED: Array<[RegExp, string]> = [
  [/\bfor\s*\((?:var|let|const)\s+[\w$]+\s+of\b/, 'for-of (object spread lowers to it)'],
  [/\bclass\s+[\w$]+/, 'class'],
  [/function\s*\*/, 'generator'],
  [/\bnew\s+(?:Map|Set|WeakMap|WeakSet)\s*\(/, 'Map/Set'],
  [/\bArray\.from\(/, 'Array.from'],
  [/\bObject\.fromEntries\(/, 'Object.fromEntries'],
];

export interface BundleOptions {
  /** Seconds after its fetch (the IdP's Date) a cached key set is no longer used. */
  jwksMaxAge: number;
}

export interface Bundles {
  /** For the check server: `js_import mcp_authz from mcp-authz.js`. */
  check: string;
  /** For the public server: `js_import mcp_authz_edge from mcp-authz-edge.js`. */
  edge: string;
  /** For endpoint locations with per-tool rules: `js_import mcp_authz_tools from mcp-authz-tools.js`. */
  tools: string;
}

/** Bundle one entry with the njs 0.7.9 guards; `define` values are substituted by esbuild. */
async function bundle(entry: string, define: Record<string, string>, plugins: Plugin[] = []): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2017',
    supported: UNSUPPORTED,
    external: ['crypto', 'fs'],
    define,
    legalComments: 'none',
    logLevel: 'silent',
    plugins,
  });
  const code = result.outputFiles[0].text;
  const problems = BANNED.filter(function (b) { return b[0].test(code); }).map(function (b) { return b[1]; });
  if (problems.length) throw new Error('njs bundle would not load on njs 0.7.9: contains ' + problems.join(', '));
  const m = /export\s*\{\s*([\w$]+)\s+as\s+default\s*\};?\s*$/.exec(code);
  if (!m) throw new Error('njs bundle: expected a single default export');
  return code.slice(0, m.index) + 'export default ' + m[1] + ';\n';
}

/** Build both bundles for a configuration; throws with every problem found. */
export async function buildBundles(config: CoreConfig, o: BundleOptions): Promise<Bundles> {
  // A placeholder: the configuration is spliced in after the scan, so config text (a resource
  // named "World class MCP") is never mistaken for code.
  const check = await bundle(CHECK_ENTRY, { MCP_AUTHZ_CONFIG: CONFIG_PLACEHOLDER, MCP_AUTHZ_JWKS_MAX_AGE: String(o.jwksMaxAge) }, [upstreamScriptsPlugin(config), validatorScriptsPlugin(config)]);
  if (check.split(CONFIG_PLACEHOLDER).length !== 2) throw new Error('njs bundle: configuration placeholder not found exactly once');
  const tools = await bundle(TOOLS_ENTRY, { MCP_AUTHZ_TOOL_GATES: TOOL_GATES_PLACEHOLDER });
  if (tools.split(TOOL_GATES_PLACEHOLDER).length !== 2) throw new Error('njs bundle: tool gates placeholder not found exactly once');
  const gates = configLiteral(toolGates(config));
  return {
    check: check.replace(CONFIG_PLACEHOLDER, configLiteral(config)),
    edge: await bundle(EDGE_ENTRY, {}),
    tools: tools.replace(TOOL_GATES_PLACEHOLDER, function () { return gates; }),
  };
}
