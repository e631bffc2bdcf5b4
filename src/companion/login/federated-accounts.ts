/**
 * Accounts of people who signed in at an upstream OpenID Provider (`login.oidc`). The account id
 * is stable per person: the IdP's issuer and subject (`<iss>#<sub>`), which cannot collide with a
 * configured username (those never contain ":" or "/"). What the IdP said at the last sign-in
 * (email, groups) and the scopes that follow from it are kept in the companion's storage (model
 * `FederatedAccount`, through the same adapter as grants), so a refresh token still works after a
 * restart and on another replica sharing the store.
 */
import type { Adapter } from 'oidc-provider';
import type { Account, Accounts } from '../accounts.ts';

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
  remember(account: FederatedAccount): Promise<void>;
  find(accountId: string): Promise<Account | undefined>;
}

/** Model name used with the storage adapter. */
export const FEDERATED_ACCOUNT_MODEL = 'FederatedAccount';

/** The stable account id of subject `sub` at issuer `iss`. */
export function federatedAccountId(iss: string, sub: string): string {
  return `${iss}#${sub}`;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A stored record read back defensively: anything malformed is no account (fail closed). */
function accountOf(accountId: string, payload: Record<string, unknown> | undefined): Account | undefined {
  if (payload === undefined || payload.accountId !== accountId) return undefined;
  const email = typeof payload.email === 'string' ? payload.email : null;
  const emailVerified = payload.emailVerified === true;
  const groups = strings(payload.groups);
  const scopes = strings(payload.scopes);
  return {
    user: { username: accountId, password_hash: null, password_env: null, scopes, email, groups },
    claims: {
      sub: accountId,
      ...(email !== null ? { email, email_verified: emailVerified } : {}),
      ...(groups.length > 0 ? { groups } : {}),
    },
  };
}

/**
 * Federated accounts over `adapter` (created for {@link FEDERATED_ACCOUNT_MODEL}). Each sign-in
 * stores the record again for `ttlSeconds`: give it at least the lifetime of a grant, since every
 * grant (and so every refresh token) of the person is created or renewed at a sign-in.
 */
export function createFederatedAccounts(adapter: Adapter, ttlSeconds: number): FederatedAccounts {
  return {
    async remember(account) {
      await adapter.upsert(account.accountId, { ...account }, ttlSeconds);
    },
    async find(accountId) {
      return accountOf(accountId, (await adapter.find(accountId)) as Record<string, unknown> | undefined);
    },
  };
}

/** Configured users first, then federated accounts. */
export function withFederatedAccounts(local: Accounts, federated: FederatedAccounts): Accounts {
  return {
    find: async (accountId) => (await local.find(accountId)) ?? federated.find(accountId),
  };
}
