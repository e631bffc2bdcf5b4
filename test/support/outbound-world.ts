/**
 * The real components behind the outbound-credential tests: the test issuer (user tokens), an
 * oidc-provider token IdP (client_credentials, token exchange), a recording upstream (also the
 * script's fetch target), and the outbound fixture configured for them.
 * @module
 */
import type { AppConfig } from '../../src/config/app-config.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { CC_CLIENT, outboundConfig, POST_CLIENT, setScriptEnv, XCHG_CLIENT } from '../contract/outbound-fixture.ts';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.ts';
import { startIssuer, type RunningIssuer } from './issuer.ts';
import { startTokenIdp, type TokenIdp } from './token-idp.ts';

export interface OutboundWorld {
  issuer: RunningIssuer;
  idp: TokenIdp;
  upstream: EchoUpstream;
  app: AppConfig;
  stop(): Promise<void>;
}

/** Start everything; `expiryMargin` goes into the fixture's fetched kinds. */
export async function startOutboundWorld(o: { expiryMargin?: number } = {}): Promise<OutboundWorld> {
  const issuer = await startIssuer();
  const upstream = await startEchoUpstream();
  const idp = await startTokenIdp({
    clients: [
      { ...CC_CLIENT, token_endpoint_auth_method: 'client_secret_basic' },
      { ...POST_CLIENT, token_endpoint_auth_method: 'client_secret_post' },
      { ...XCHG_CLIENT, token_endpoint_auth_method: 'client_secret_basic' },
    ],
    subjectIssuer: { url: issuer.url, jwksUri: issuer.jwksUri },
    subjectAudience: PUBLIC + '/xchg/mcp',
  });
  setScriptEnv(upstream.url + '/probe');
  const app = outboundConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url, idpUrl: idp.issuer, expiryMargin: o.expiryMargin });
  return {
    issuer,
    idp,
    upstream,
    app,
    async stop() {
      await idp.stop();
      await upstream.stop();
      await issuer.stop();
    },
  };
}
