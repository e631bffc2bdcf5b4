/**
 * The companion's log: one JSON line per notable event (a token issued or refused, a client
 * registered, a login, a consent, a grant revoked). Built only from identifiers and OAuth error
 * codes: never a token, a code, a password, a secret or a request body.
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** Writes one log line (no trailing newline). */
export type LogWriter = (line: string) => void;

/** A structured event logger. */
export type CompanionLog = (event: string, fields?: Record<string, string | number | boolean | undefined>) => void;

/** A logger writing JSON lines through `write`. */
export function createCompanionLog(write: LogWriter): CompanionLog {
  return (event, fields = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), component: 'companion', event, ...fields }));
  };
}

interface OAuthLikeError {
  error?: unknown;
  error_description?: unknown;
  message?: unknown;
}

function errorFields(err: OAuthLikeError): Record<string, string | undefined> {
  return {
    error: typeof err.error === 'string' ? err.error : 'server_error',
    error_description: typeof err.error_description === 'string' ? err.error_description : undefined,
  };
}

function clientOf(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc?.client?.clientId;
}

/** Subscribe `log` to the provider events worth a line. */
export function logProviderEvents(provider: Provider, log: CompanionLog): void {
  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => log('server_error', { message: err.message }));
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    log('token.issued', { client_id: clientOf(ctx), grant_type: String(ctx.oidc.params?.grant_type ?? ''), account: ctx.oidc.account?.accountId });
  });
  // route 'token': revoked because a code or refresh token was used again (reuse detection).
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => log('grant.revoked', { client_id: clientOf(ctx), grant_id: grantId, route: ctx.oidc?.route }));
  provider.on('registration_create.success', (_ctx: KoaContextWithOIDC, client: { clientId: string; applicationType?: string }) => {
    log('client.registered', { client_id: client.clientId, application_type: client.applicationType });
  });
  provider.on('interaction.started', (ctx: KoaContextWithOIDC, prompt: { name: string }) => {
    log('interaction.started', { client_id: clientOf(ctx), prompt: prompt.name });
  });
  provider.on('authorization.accepted', (ctx: KoaContextWithOIDC) => log('authorization.accepted', { client_id: clientOf(ctx) }));
  const failed = (name: string) => (ctx: KoaContextWithOIDC, err: OAuthLikeError) => log(name, { client_id: clientOf(ctx), ...errorFields(err) });
  provider.on('grant.error', failed('grant.error'));
  provider.on('authorization.error', failed('authorization.error'));
  provider.on('registration_create.error', failed('registration_create.error'));
  provider.on('revocation.error', failed('revocation.error'));
  provider.on('discovery.error', failed('discovery.error'));
  provider.on('jwks.error', failed('jwks.error'));
}
