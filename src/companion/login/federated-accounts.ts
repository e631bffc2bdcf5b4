/**
 * Accounts of people who signed in at an upstream OpenID Provider (`login.oidc`). The account id
 * is stable per person: the IdP's issuer and subject (`<iss>#<sub>`), which cannot collide with a
 * configured username (those never contain ":" or "/"). What the IdP said at the last sign-in
 * (email, groups) and the scopes that follow from it are kept in memory: after a restart a
 * federated person signs in again before tokens can be refreshed.
 */
import type { AsUser } from '../../config/app-config.ts';
import type { AccountClaims, Accounts } from '../accounts.ts';

/** One federated person, as last seen. */
export interface FederatedAccount {
  accountId: string;
  email: string | null;
  emailVerified: boolean;
  groups: string[];
  scopes: string[];
}

/** The store of federated accounts. */
export interface FederatedAccounts {
  remember(account: FederatedAccount): void;
  find(accountId: string): AsUser | undefined;
  claims(accountId: string): AccountClaims | undefined;
}

/** The stable account id of subject `sub` at issuer `iss`. */
export function federatedAccountId(iss: string, sub: string): string {
  return `${iss}#${sub}`;
}

/** An empty in-memory store. */
export function createFederatedAccounts(): FederatedAccounts {
  const byId = new Map<string, FederatedAccount>();
  return {
    remember: (account) => void byId.set(account.accountId, account),
    find(accountId) {
      const a = byId.get(accountId);
      if (a === undefined) return undefined;
      return { username: a.accountId, password_hash: null, password_env: null, scopes: a.scopes, email: a.email, groups: a.groups };
    },
    claims(accountId) {
      const a = byId.get(accountId);
      if (a === undefined) return undefined;
      return {
        sub: a.accountId,
        ...(a.email !== null ? { email: a.email, email_verified: a.emailVerified } : {}),
        ...(a.groups.length > 0 ? { groups: a.groups } : {}),
      };
    },
  };
}

/** Configured users first, then federated accounts. */
export function withFederatedAccounts(local: Accounts, federated: FederatedAccounts): Accounts {
  return {
    find: (accountId) => local.find(accountId) ?? federated.find(accountId),
    claims: (user) => (local.find(user.username) === user ? local.claims(user) : federated.claims(user.username) ?? local.claims(user)),
  };
}
