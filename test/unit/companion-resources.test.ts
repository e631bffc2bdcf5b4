import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultResource, defaultScope, lookupResource, servedResources, type ResourceServer } from '../../src/companion/resource-servers.ts';
import { parseConfig } from '../../src/config/load.ts';

const A: ResourceServer = { resource: 'https://mcp.example.com/a', endpointId: 'a', scopes: ['a:read', 'a:write'] };
const B: ResourceServer = { resource: 'https://mcp.example.com/b', endpointId: 'b', scopes: ['b:read'] };

describe('servedResources', () => {
  it('serves endpoints naming the issuer (as AS or jwt issuer), with scopes_supported and required scopes', () => {
    const r = parseConfig(`endpoints:
  - path: /a
    resource: https://mcp.example.com/a
    upstream: http://u
    authorization_servers: [https://as.example.com]
    scopes_supported: [a:read]
    strategies: [{ type: jwt, issuer: https://as.example.com }]
    policy: { required_scopes: [a:write] }
  - path: /b
    resource: https://mcp.example.com/b
    upstream: http://u
    authorization_servers: [https://other.example.com]
    strategies: [{ type: jwt, issuer: https://other.example.com }]
  - path: /c
    resource: https://mcp.example.com/c
    upstream: http://u
    authorization_servers: [https://other.example.com]
    strategies: [{ type: jwt, issuer: https://as.example.com/ }]
`, {});
    if (!r.ok) assert.fail(JSON.stringify(r.errors));
    assert.deepEqual(servedResources(r.config.endpoints, 'https://as.example.com'), [
      { resource: 'https://mcp.example.com/a', endpointId: 'a', scopes: ['a:read', 'a:write'] },
      { resource: 'https://mcp.example.com/c', endpointId: 'c', scopes: [] },
    ]);
  });
});

describe('lookupResource', () => {
  it('finds a configured resource, canonicalising case, default port and a trailing slash', () => {
    for (const v of ['https://mcp.example.com/a', 'https://mcp.example.com/a/', 'HTTPS://MCP.example.com:443/a']) {
      const found = lookupResource([A, B], v);
      assert.ok(found.ok && found.server === A, v);
    }
  });

  it('refuses unknown resources, relative URIs and fragments', () => {
    for (const v of ['https://mcp.example.com/c', 'https://evil.example/a', '/a', 'https://mcp.example.com/a#x']) {
      assert.equal(lookupResource([A, B], v).ok, false, v);
    }
  });
});

describe('defaultResource and defaultScope', () => {
  it('uses the only resource, or the one the scopes name, or none', () => {
    assert.equal(defaultResource([A], []), A);
    assert.equal(defaultResource([A, B], ['b:read']), B);
    assert.equal(defaultResource([A, B], []), undefined);
    assert.equal(defaultResource([A, B], ['nope']), undefined);
    assert.equal(defaultResource([], []), undefined);
  });

  it('gives the requested (or default) resource its scopes when a request names none', () => {
    assert.equal(defaultScope([A, B], ['https://mcp.example.com/b/']), 'b:read');
    assert.equal(defaultScope([A], []), 'a:read a:write');
    assert.equal(defaultScope([A, B], []), undefined);
    assert.equal(defaultScope([A, B], [A.resource, B.resource]), undefined);
  });
});
