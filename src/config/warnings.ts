/** Start-up warnings: settings that are valid but weaken security or look like mistakes. */
import type { AppConfig } from './app-config.ts';
import { stripTrailingSlash } from './url-rules.ts';

/** Human-readable warnings for `config`, one per finding, in endpoint order. */
export function collectWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  for (const endpoint of config.endpoints) {
    const name = `endpoint "${endpoint.id}"`;
    // Compare without trailing slashes: authorization_servers are stored stripped, issuers verbatim.
    const servers = new Set(endpoint.authorization_servers.map(stripTrailingSlash));
    for (const strategy of endpoint.strategies) {
      switch (strategy.type) {
        case 'none':
          warnings.push(`${name} accepts unauthenticated requests (strategy "none", subject "${strategy.subject}")`);
          break;
        case 'trusted_header':
          warnings.push(
            `${name} trusts identity headers from ${strategy.trusted_peers.join(', ')}; ` +
              'make sure nothing else can reach the proxy from there',
          );
          break;
        case 'jwt':
          if (!servers.has(stripTrailingSlash(strategy.issuer))) {
            warnings.push(
              `${name}: jwt issuer ${strategy.issuer} is not listed in authorization_servers, ` +
                'so clients will not discover it',
            );
          }
          break;
        default:
          break;
      }
    }
    if (endpoint.pass_authorization) {
      warnings.push(
        `${name} passes the client's Authorization header to the upstream (pass_authorization: true); ` +
          'the upstream receives credentials meant for the proxy',
      );
    }
  }
  return warnings;
}
