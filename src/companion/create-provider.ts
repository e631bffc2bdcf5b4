/**
 * The oidc-provider instance for the companion: the MCP configuration, the MCP middleware in
 * front of its routes, event logging, and `proxy` on so the URLs it builds come from the issuer
 * (the HTTP layer states the issuer's host and scheme on every request; see companion-server.ts).
 */
import Provider from 'oidc-provider';
import type { CompanionLog } from './companion-log.ts';
import { logProviderEvents } from './companion-log.ts';
import { mcpMiddleware } from './mcp-middleware.ts';
import { providerConfiguration, type ProviderDeps } from './provider-config.ts';

/** Build the provider for `issuer`. Throws when oidc-provider rejects the configuration. */
export function createProvider(issuer: string, deps: ProviderDeps, log: CompanionLog): Provider {
  const provider = new Provider(issuer, providerConfiguration(deps));
  provider.proxy = true;
  provider.use(mcpMiddleware(deps.resources, deps.cors));
  logProviderEvents(provider, log);
  return provider;
}
