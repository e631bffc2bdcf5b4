/**
 * What a Node adapter (forward-auth, ext_authz) gets from the service host: the configuration,
 * the cached decider over core, and the observer that counts and logs each decision.
 */
import type { CoreConfig } from '../core/types.ts';
import type { CachedDecider } from '../node/decision-cache.ts';
import type { Observer } from './observe.ts';

export interface AdapterDeps {
  config: CoreConfig;
  decider: CachedDecider;
  observer: Observer;
}
