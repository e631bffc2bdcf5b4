import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issuerMountPath, routeCompanion } from '../../src/companion/companion-routes.ts';

describe('routeCompanion', () => {
  it('routes an issuer without a path', () => {
    assert.deepEqual(routeCompanion('/.well-known/oauth-authorization-server', ''), { kind: 'provider', path: '/.well-known/oauth-authorization-server' });
    assert.deepEqual(routeCompanion('/.well-known/openid-configuration', ''), { kind: 'provider', path: '/.well-known/openid-configuration' });
    assert.deepEqual(routeCompanion('/.well-known/oauth-protected-resource/mcp', ''), { kind: 'resource-metadata' });
    assert.deepEqual(routeCompanion('/consent/abc/login', ''), { kind: 'interaction', rest: 'abc/login' });
    assert.deepEqual(routeCompanion('/token', ''), { kind: 'provider', path: '/token' });
  });

  it('routes an issuer with a path: RFC 8414 insertion, OIDC appended form, everything else below it', () => {
    const m = '/tenant';
    assert.deepEqual(routeCompanion('/.well-known/oauth-authorization-server/tenant', m), { kind: 'provider', path: '/.well-known/oauth-authorization-server' });
    assert.deepEqual(routeCompanion('/.well-known/openid-configuration/tenant', m), { kind: 'provider', path: '/.well-known/openid-configuration' });
    assert.deepEqual(routeCompanion('/tenant/.well-known/openid-configuration', m), { kind: 'provider', path: '/.well-known/openid-configuration' });
    assert.deepEqual(routeCompanion('/tenant/authorize', m), { kind: 'provider', path: '/authorize' });
    assert.deepEqual(routeCompanion('/tenant/consent/u1', m), { kind: 'interaction', rest: 'u1' });
    assert.deepEqual(routeCompanion('/.well-known/oauth-authorization-server', m), { kind: 'not-found' });
    assert.deepEqual(routeCompanion('/authorize', m), { kind: 'not-found' });
    assert.deepEqual(routeCompanion('/tenantx/authorize', m), { kind: 'not-found' });
  });

  it('derives the mount path from the issuer', () => {
    assert.equal(issuerMountPath('https://as.example.com'), '');
    assert.equal(issuerMountPath('https://as.example.com/tenant/a'), '/tenant/a');
  });
});
