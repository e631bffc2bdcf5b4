/**
 * Consent remembered per user and client, across browser sessions: the grant a person approved
 * for a client is found again by (account, client), stored through the same oidc-provider
 * adapter as everything else (model `Consent`), so any storage backend keeps it.
 */
import type { Adapter } from 'oidc-provider';

/** Where approved grants are remembered. */
export interface ConsentMemory {
  /** The grant id this account approved for this client, if any is remembered. */
  recall(accountId: string, clientId: string): Promise<string | undefined>;
  /** Remember `grantId` for (account, client) for `ttlSeconds`. */
  remember(accountId: string, clientId: string, grantId: string, ttlSeconds: number): Promise<void>;
}

/** Model name used with the storage adapter. */
export const CONSENT_MODEL = 'Consent';

// Both parts are URI-encoded, so no (account, client) pair can collide with another.
function keyOf(accountId: string, clientId: string): string {
  return `${encodeURIComponent(accountId)}:${encodeURIComponent(clientId)}`;
}

/** Consent memory over `adapter` (created for {@link CONSENT_MODEL}). */
export function createConsentMemory(adapter: Adapter): ConsentMemory {
  return {
    async recall(accountId, clientId) {
      const found = await adapter.find(keyOf(accountId, clientId));
      return found && typeof found.grantId === 'string' ? found.grantId : undefined;
    },
    async remember(accountId, clientId, grantId, ttlSeconds) {
      await adapter.upsert(keyOf(accountId, clientId), { grantId }, ttlSeconds);
    },
  };
}
