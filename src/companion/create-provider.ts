/**
 * The oidc-provider instance for the companion: the MCP configuration, the MCP middleware in
 * front of its routes (and the static client's registration endpoint when configured), event
 * logging, and `proxy` on so the URLs it builds come from the issuer (the HTTP layer states the
 * issuer's host and scheme on every request; see companion-server.ts).
 */
import Provider from 'oidc-provider';
import type { CompanionLog } from './companion-log.ts';
import { logProviderEvents } from './companion-log.ts';
import { mcpMiddleware } from './mcp-middleware.ts';
import { providerConfiguration, type ProviderDeps } from './provider-config.ts';
import { ROUTES } from './routes.ts';
import { staticClientRegistration } from './static-client-registration.ts';

/** Build the provider for `issuer`. Throws when oidc-provider rejects the configuration. */
export function createProvider(issuer: string, deps: ProviderDeps, log: CompanionLog): Provider {
  const provider = new Provider(issuer, providerConfiguration(deps));
  provider.proxy = true;
  provider.use(mcpMiddleware(deps.resources, deps.cors));
  const staticClient = deps.settings.registration.static_client;
  if (staticClient !== null) {
    provider.use(staticClientRegistration({ provider, clientId: staticClient, registrationEndpoint: issuer + ROUTES.registration, log }));
  }
  logProviderEvents(provider, log);
  return provider;
}
