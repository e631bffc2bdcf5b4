/**
 * Accounts of the built-in users: the subject (`sub` = username) and the claims resource
 * servers act on (email, groups), for oidc-provider's `findAccount` and for access tokens.
 */
import type { AsUser } from '../config/app-config.ts';

/** Claims describing an account. */
export interface AccountClaims {
  [claim: string]: unknown;
  sub: string;
  email?: string;
  /** The email comes from the administrator's configuration, not from the user. */
  email_verified?: boolean;
  groups?: string[];
}

/** Lookup of configured users. */
export interface Accounts {
  find(accountId: string): AsUser | undefined;
  claims(user: AsUser): AccountClaims;
}

/** Accounts backed by the `authorization_server.users` list. */
export function createAccounts(users: readonly AsUser[]): Accounts {
  const byName = new Map(users.map((u) => [u.username, u]));
  return {
    find: (accountId) => byName.get(accountId),
    claims: (user) => ({
      sub: user.username,
      ...(user.email !== null ? { email: user.email, email_verified: true } : {}),
      ...(user.groups.length > 0 ? { groups: user.groups } : {}),
    }),
  };
}
