/**
 * Config of the per-request rules: `tools` (per-tool authorization), `max_body_bytes` and
 * `pass_headers` (upstream header allow-list): defaults, normalisation, and every error at its path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { errorLines, oneEndpointYaml as oneEndpoint, validConfig as ok } from '../support/config-results.ts';

describe('config: per-tool rules and the header allow-list', () => {
  it('leaves an endpoint without them unchanged (no keys added)', () => {
    const e = ok(parseConfig(oneEndpoint(''), {})).endpoints[0];
    assert.equal('tools' in e, false);
    assert.equal('max_body_bytes' in e, false);
    assert.equal('pass_headers' in e, false);
  });

  it('reads tool rules with defaults: groups/scopes empty, max_body_bytes 1 MiB', () => {
    const e = ok(parseConfig(oneEndpoint(`    tools:
      - { match: "delete_*", scopes: [admin] }
      - { match: deploy, groups: [ops] }`), {})).endpoints[0];
    assert.deepEqual(e.tools, [
      { match: 'delete_*', scopes: ['admin'], groups: [] },
      { match: 'deploy', scopes: [], groups: ['ops'] },
    ]);
    assert.equal(e.max_body_bytes, 1048576);
  });

  it('keeps an explicit max_body_bytes and lower-cases pass_headers', () => {
    const e = ok(parseConfig(oneEndpoint(`    tools: [{ match: "*", scopes: [mcp:call] }]
    max_body_bytes: 65536
    pass_headers: [X-Trace-Id, traceparent]`), {})).endpoints[0];
    assert.equal(e.max_body_bytes, 65536);
    assert.deepEqual(e.pass_headers, ['x-trace-id', 'traceparent']);
  });

  it('an empty pass_headers list is an allow-list of only what MCP needs', () => {
    assert.deepEqual(ok(parseConfig(oneEndpoint('    pass_headers: []'), {})).endpoints[0].pass_headers, []);
  });

  it('reports every bad field at its path, all at once', () => {
    const lines = errorLines(parseConfig(oneEndpoint(`    tools:
      - { match: "delete all", scopes: [admin] }
      - { match: deploy }
      - { match: read, scopes: ["a b"], colour: red }
    max_body_bytes: 10
    pass_headers: [Authorization, "X_Bad"]`), {}));
    const has = (path: string, text: RegExp): void => assert.ok(lines.some((l) => l.startsWith(path + ':') && text.test(l)), `${path} ${text}\n${lines.join('\n')}`);
    has('endpoints[0].tools[0].match', /tool name or glob/);
    has('endpoints[0].tools[1].scopes', /at least one scope or group/);
    has('endpoints[0].tools[2].scopes[0]', /scope token/);
    has('endpoints[0].tools[2].colour', /unknown key/);
    has('endpoints[0].max_body_bytes', /between 1024 and/);
    has('endpoints[0].pass_headers[0]', /pass_authorization/);
    has('endpoints[0].pass_headers[1]', /header name/);
  });
});
