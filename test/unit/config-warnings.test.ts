import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { collectWarnings } from '../../src/config/warnings.ts';

function warningsFor(yaml: string): string[] {
  const result = parseConfig(yaml, {});
  if (!result.ok) assert.fail(JSON.stringify(result.errors));
  return collectWarnings(result.config);
}

describe('collectWarnings', () => {
  it('is silent for a plain jwt endpoint whose issuer is advertised', () => {
    assert.deepEqual(
      warningsFor(`endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://u
    authorization_servers: [https://auth.example.com/]
    strategies: [{ type: jwt, issuer: https://auth.example.com/ }]
`),
      [],
    );
  });

  it('warns when a jwt issuer is missing from authorization_servers', () => {
    assert.deepEqual(
      warningsFor(`endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://u
    authorization_servers: [https://auth.example.com]
    strategies:
      - { type: jwt, issuer: https://auth.example.com }
      - { type: jwt, issuer: https://other.example.com }
`),
      ['endpoint "mcp": jwt issuer https://other.example.com is not listed in authorization_servers, so clients will not discover it'],
    );
  });
});
