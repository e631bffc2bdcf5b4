/** Start-up warnings: settings that are valid but weaken security or look like mistakes. */
import type { AppConfig, AuthorizationServerSettings } from './app-config.ts';
import { endpointUsesIssuer } from '../companion/resource-servers.ts';
import { stripTrailingSlash } from './url-rules.ts';
import { rateLimitWarnings } from './rate-limit-warnings.ts';
import { upstreamAuthWarnings } from './upstream-auth-warnings.ts';

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
        case 'introspection':
          if (strategy.issuer !== null && !servers.has(stripTrailingSlash(strategy.issuer))) {
            warnings.push(
              `${name}: introspection issuer ${strategy.issuer} is not listed in authorization_servers, ` +
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
    warnings.push(...upstreamAuthWarnings(endpoint));
  }
  if (config.authorization_server !== null) warnings.push(...authorizationServerWarnings(config, config.authorization_server));
  warnings.push(...rateLimitWarnings(config));
  return warnings;
}

function authorizationServerWarnings(config: AppConfig, as: AuthorizationServerSettings): string[] {
  const warnings: string[] = [];
  const users = config.endpoints.filter((e) => endpointUsesIssuer(e, as.issuer));
  if (users.length === 0) {
    warnings.push(
      `authorization_server: no endpoint lists ${as.issuer} in authorization_servers or as a jwt issuer, ` +
        'so it issues tokens for no resource (every request gets invalid_target)',
    );
  }
  for (const endpoint of users) {
    const name = `endpoint "${endpoint.id}"`;
    // The PRM value must be byte-identical to the AS metadata issuer (RFC 8414 §3.3, RFC 9728 §3).
    if (!endpoint.authorization_servers.includes(as.issuer)) {
      warnings.push(
        `${name}: authorization_servers should list the companion issuer exactly as "${as.issuer}" ` +
          '(clients compare issuers byte for byte)',
      );
    }
    const accepts = endpoint.strategies.some((s) => s.type === 'jwt' && stripTrailingSlash(s.issuer) === as.issuer);
    if (!accepts) {
      warnings.push(`${name} has no jwt strategy with issuer ${as.issuer}, so it refuses the companion's tokens`);
    }
  }
  if (as.users.length === 0) warnings.push('authorization_server: no users are configured, so nobody can sign in');
  for (const user of as.users) {
    if (user.scopes.length === 0) {
      warnings.push(`authorization_server: user "${user.username}" has no scopes, so their tokens carry none`);
    }
  }
  return warnings;
}
