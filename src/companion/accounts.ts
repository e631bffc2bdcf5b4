/**
 * Accounts of the built-in users: the subject (`sub` = username) and the claims resource
 * servers act on (email, groups), for oidc-provider's `findAccount` and for access tokens.
 * Lookups are asynchronous because federated accounts (login/federated-accounts.ts) live in the
 * companion's storage.
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

/** One account: what it may be granted (`user.scopes`) and the claims its tokens carry. */
export interface Account {
  user: AsUser;
  claims: AccountClaims;
}

/** Lookup of accounts by id (`sub`). */
export interface Accounts {
  find(accountId: string): Promise<Account | undefined>;
}

/** The claims of a configured user. */
function userClaims(user: AsUser): AccountClaims {
  return {
    sub: user.username,
    ...(user.email !== null ? { email: user.email, email_verified: true } : {}),
    ...(user.groups.length > 0 ? { groups: user.groups } : {}),
  };
}

/** Accounts backed by the `authorization_server.users` list. */
export function createAccounts(users: readonly AsUser[]): Accounts {
  const byName = new Map(users.map((u) => [u.username, u]));
  return {
    async find(accountId) {
      const user = byName.get(accountId);
      return user === undefined ? undefined : { user, claims: userClaims(user) };
    },
  };
}
