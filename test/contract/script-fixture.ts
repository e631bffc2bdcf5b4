/**
 * The script validators' contract fixture: endpoints guarded by test/fixtures/scripts/*. `lua`
 * and `nodeOnly` add the endpoints only the Node adapters can run (nginx refuses Lua, and njs
 * cannot interrupt a loop).
 */
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.ts';
import { toCoreConfig } from '../../src/config/app-config.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { PUBLIC } from './fixture-config.ts';

export const SCRIPTS_DIR = fileURLToPath(new URL('../fixtures/scripts/', import.meta.url));

export interface ScriptFixtureOptions {
  upstreamUrl: string;
  /** Add /lua/mcp (Lua validator). */
  lua?: boolean;
  /** Add /limits/mcp (loops, memory, escapes; Node sandbox only). */
  nodeOnly?: boolean;
}

export function scriptFixtureYaml(o: ScriptFixtureOptions): string {
  const js = `
  - path: /js/mcp
    resource: ${PUBLIC}/js/mcp
    upstream: ${o.upstreamUrl}
    strategies:
      - type: script
        file: ${SCRIPTS_DIR}validator.js
        timeout_ms: 300
        strip_headers: [X-Session]
  - path: /policy/mcp
    resource: ${PUBLIC}/policy/mcp
    upstream: ${o.upstreamUrl}
    strategies:
      - type: script
        file: ${SCRIPTS_DIR}validator.js
    policy:
      required_scopes: [mcp:admin]
  - path: /rewritten/mcp
    resource: ${PUBLIC}/rewritten/mcp
    upstream: ${o.upstreamUrl}
    strategies:
      - type: script
        file: ${SCRIPTS_DIR}rewritten.js`;
  const lua = `
  - path: /lua/mcp
    resource: ${PUBLIC}/lua/mcp
    upstream: ${o.upstreamUrl}
    strategies:
      - type: script
        file: ${SCRIPTS_DIR}validator.lua
        timeout_ms: 2000
        memory_mb: 16`;
  const limits = `
  - path: /limits/mcp
    resource: ${PUBLIC}/limits/mcp
    upstream: ${o.upstreamUrl}
    strategies:
      - type: script
        file: ${SCRIPTS_DIR}node-only.js
        timeout_ms: 1000
        memory_mb: 16`;
  return 'endpoints:' + js + (o.lua ? lua : '') + (o.nodeOnly ? limits : '') + '\n';
}

/** Parse the fixture through the real config loader. */
export function scriptFixtureConfig(o: ScriptFixtureOptions): CoreConfig {
  const r = parseConfig(scriptFixtureYaml(o), {}, 'script fixture');
  if (!r.ok) throw new Error('script fixture invalid: ' + JSON.stringify(r.errors));
  return toCoreConfig(r.config);
}
