/**
 * The world the introspection / remote scenario table runs in: a real oidc-provider introspection
 * endpoint, a real validation server and a JWT issuer, and the fixture configuration over them.
 * @module
 */
import type { CoreConfig } from '../../src/core/types.ts';
import { freePort } from '../support/free-port.ts';
import { startIntrospectionIdp } from '../support/introspection-idp.ts';
import { startIssuer } from '../support/issuer.ts';
import { startValidationServer } from '../support/validation-server.ts';
import { introspectionFixtureConfig } from './introspection-fixture.ts';
import type { IntrospectionEnv } from './introspection-scenarios.ts';

/** Start the introspection IdP, the validation server and the issuer, in that order. */
export async function startIntrospectionEnv(): Promise<IntrospectionEnv> {
  return { idp: await startIntrospectionIdp(), validator: await startValidationServer(), issuer: await startIssuer() };
}

/** Stop what {@link startIntrospectionEnv} started (nothing when it never finished). */
export async function stopIntrospectionEnv(env: IntrospectionEnv | undefined): Promise<void> {
  await env?.idp.stop();
  await env?.validator.stop();
  await env?.issuer.stop();
}

/** The introspection fixture over `env`, its dead server on a fresh free port, proxying to `upstreamUrl`. */
export async function introspectionEnvConfig(env: IntrospectionEnv, upstreamUrl: string): Promise<CoreConfig> {
  return introspectionFixtureConfig({ idp: env.idp, jwtIssuer: env.issuer.url, jwksUri: env.issuer.jwksUri, validatorUrl: env.validator.url, deadPort: await freePort(), upstreamUrl });
}
