/**
 * What one inbound strategy says about a request. `skip`: its credential is absent (the next
 * strategy gets a turn); `reject`: its credential is present and wrong; `accept`: a principal,
 * reusable for `ttl` seconds when it came from the Authorization header alone. A reject's `ttl`
 * (introspection/remote: "not active") makes the denial reusable the same way (negative cache).
 */
import type { EndpointConfig } from '../config-types.ts';
import type { BearerToken } from '../bearer-token.ts';
import type { CoreRequest, Ports, Principal } from '../types.ts';

export type Outcome =
  | { kind: 'accept'; principal: Principal; ttl: number }
  | { kind: 'skip'; reason?: string }
  | { kind: 'reject'; reason: string; ttl?: number; response?: DenialOverride };

/** A denial whose status, error code and description a strategy chose (a script's answer). */
export interface DenialOverride {
  status: number;
  /** RFC 6750 §3.1 error code, or null. */
  error: string | null;
  description: string;
}

export interface StrategyInput {
  req: CoreRequest;
  bearer: BearerToken;
  endpoint: EndpointConfig;
  ports: Ports;
}
