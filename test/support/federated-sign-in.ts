/**
 * A person signing in through the companion's federated login (`login.oidc`) at the upstream IdP
 * (test/support/upstream-idp.ts), allowing the consent, and the client redeeming the code: the
 * browser steps and the token request, for tests about what happens to that person afterwards.
 * @module
 */
import assert from 'node:assert/strict';
import { pkce, tokenRequest } from './companion.ts';
import { createUserAgent, parseForms } from './user-agent.ts';

/** Where the authorization happens and who signs in. */
export interface FederatedSignIn {
  /** The companion's issuer (authorization requests go there). */
  issuer: string;
  /** Where the companion listens, when it differs from the issuer (a replica). */
  companionUrl?: string;
  /** The upstream IdP's issuer. */
  idpIssuer: string;
  clientId: string;
  redirectUri: string;
  resource: string;
  scope: string;
  login: string;
  password: string;
}

/** Sign in at the IdP, allow, redeem the code; returns the token response (asserted 200). */
export async function federatedTokens(o: FederatedSignIn): Promise<{ access_token: string; refresh_token: string; scope: string }> {
  const origin = o.companionUrl ?? o.issuer;
  const ua = createUserAgent();
  const { verifier, challenge } = pkce();
  const url = new URL(`${origin}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: o.clientId, redirect_uri: o.redirectUri, code_challenge: challenge,
    code_challenge_method: 'S256', scope: o.scope, resource: o.resource, state: 'federated',
  }).toString();
  const loginPage = await ua.follow(await ua.get(url.href), origin);
  assert.ok(!('redirect' in loginPage) && loginPage.status === 200, 'the companion login page');
  const oidcForm = parseForms(loginPage.body, loginPage.url).find((f) => f.fields.method === 'oidc');
  assert.ok(oidcForm, 'the login page offers the IdP');
  const toIdp = await ua.post(oidcForm.action, oidcForm.fields);
  assert.equal(toIdp.status, 303);
  const idpLogin = await ua.follow(await ua.get(toIdp.headers.get('location')!), o.idpIssuer);
  assert.ok(!('redirect' in idpLogin) && idpLogin.status === 200, 'the IdP login form');
  const form = parseForms(idpLogin.body, idpLogin.url)[0]!;
  const back = await ua.follow(await ua.post(form.action, { ...form.fields, login: o.login, password: o.password }), o.idpIssuer);
  assert.ok('redirect' in back, 'the IdP redirects back');
  // The callback URL names the issuer; a replica listening elsewhere gets it on its own port.
  const callback = new URL(back.redirect);
  const callbackOnOrigin = new URL(callback.pathname + callback.search, origin).href;
  const consent = await ua.follow(await ua.get(callbackOnOrigin), origin);
  assert.ok(!('redirect' in consent) && consent.status === 200, 'the consent page');
  const allow = parseForms(consent.body, consent.url).find((f) => f.action.endsWith('/confirm'));
  assert.ok(allow, 'an allow button');
  const done = await ua.follow(await ua.post(allow.action, allow.fields), origin);
  assert.ok('redirect' in done, 'redirected to the client');
  const code = new URL(done.redirect).searchParams.get('code');
  assert.ok(code, done.redirect);
  const t = await tokenRequest(origin, {
    grant_type: 'authorization_code', code, code_verifier: verifier, client_id: o.clientId, redirect_uri: o.redirectUri, resource: o.resource,
  });
  assert.equal(t.status, 200, JSON.stringify(t.json));
  return t.json as { access_token: string; refresh_token: string; scope: string };
}
