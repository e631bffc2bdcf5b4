import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cookieNames, readCookie, setCookie } from '../../src/companion/interactions/cookies.ts';
import { csrfToken, csrfValid, newCsrfNonce } from '../../src/companion/interactions/csrf.ts';
import { consentPage, loginPage, PAGE_CSP } from '../../src/companion/interactions/pages.ts';

describe('CSRF tokens', () => {
  it('bind the form to the browser nonce and the interaction', () => {
    const nonce = newCsrfNonce();
    const token = csrfToken('secret', 'uid-1', nonce);
    assert.equal(csrfValid('secret', 'uid-1', nonce, token), true);
    assert.equal(csrfValid('secret', 'uid-2', nonce, token), false, 'another interaction');
    assert.equal(csrfValid('secret', 'uid-1', newCsrfNonce(), token), false, 'another browser');
    assert.equal(csrfValid('other', 'uid-1', nonce, token), false, 'another key');
    assert.equal(csrfValid('secret', 'uid-1', undefined, token), false, 'no cookie');
    assert.equal(csrfValid('secret', 'uid-1', nonce, undefined), false, 'no token');
    assert.equal(csrfValid('secret', 'uid-1', 'short', token), false, 'malformed cookie');
  });
});

describe('cookies', () => {
  it('use __Host- names for an https issuer, and plain names for loopback http', () => {
    assert.deepEqual(cookieNames(true), { session: '__Host-mcp_authz_session', interaction: '__Host-mcp_authz_interaction', resume: '__Secure-mcp_authz_resume', csrf: '__Host-mcp_authz_csrf' });
    assert.equal(cookieNames(false).session, 'mcp_authz_session');
    assert.equal(setCookie('__Host-x', 'v', { secure: true, maxAgeSeconds: 5 }), '__Host-x=v; Path=/; Max-Age=5; HttpOnly; SameSite=Lax; Secure');
    assert.equal(readCookie('a=1; __Host-x=v2; b=3', '__Host-x'), 'v2');
    assert.equal(readCookie('a=1', 'x'), undefined);
  });
});

describe('pages', () => {
  it('escape everything and forbid framing without restricting form-action', () => {
    assert.match(PAGE_CSP, /frame-ancestors 'none'/);
    assert.doesNotMatch(PAGE_CSP, /form-action/);
    const login = loginPage({ action: '/consent/u/login', csrf: 'c"x', clientName: '<img src=x>', sections: [{ methodId: 'password', label: 'L&L', fieldsHtml: '<input name="username">' }], error: '<b>' });
    assert.doesNotMatch(login, /<img src=x>|<b>/);
    assert.match(login, /&lt;img src=x&gt;/);
    assert.match(login, /value="c&quot;x"/);
    const consent = consentPage({
      confirmAction: '/c', denyAction: '/d', csrf: 't', accountId: 'al"ice', clientName: '"><script>', clientId: 'id', selfRegistered: true,
      redirectUri: 'cursor://x/cb', redirectHost: 'x', redirectKind: 'private-use', resources: [{ resource: 'https://r/<x>', scopes: ['s'], unavailable: [] }],
    });
    assert.doesNotMatch(consent, /<script>|<x>/);
    assert.match(consent, /app registered for/);
  });
});
