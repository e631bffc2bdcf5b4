/**
 * The scenario table against the njs module in real nginx (Debian's 1.22 + njs 0.7.9): the bundle
 * built from src/njs is loaded by nginx, and a real upstream records what reaches it.
 */
import { after, before, describe } from 'node:test';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

describe('scenario table: njs in nginx', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    nginx = await startProtectedNginx(fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url }));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const send = sendThroughProxy(() => nginx.url, () => upstream);

  runScenarioTable('njs', () => ({ issuer, send }));
});
