/**
 * Two test companions sharing one issuer and one real redis-server, each on its own port, the
 * way replicas behind a load balancer run: for tests that state must hold across replicas.
 * @module
 */
import { startTestCompanion, type TestCompanion, type TestCompanionOptions } from './companion.ts';
import { freePort } from './free-port.ts';
import { startRedis, type RunningRedis } from './redis.ts';

/** What the replicas share besides the issuer and the store. */
export type ReplicaOptions = Omit<TestCompanionOptions, 'issuer' | 'port' | 'storage'>;

/** Two running replicas and their Redis. */
export interface CompanionReplicas {
  readonly redis: RunningRedis;
  /** Listens on the issuer's own port. */
  readonly a: TestCompanion;
  /** Listens on another free port. */
  readonly b: TestCompanion;
  /** The shared issuer, `http://127.0.0.1:<a's port>`. */
  readonly issuer: string;
  /** Disposes both replicas, then stops Redis. */
  stop(): Promise<void>;
}

/**
 * Start Redis and two replicas with `storage: { type: redis }`. `options` may depend on the issuer
 * (e.g. an upstream IdP that must know it before the replicas start); what starts is stopped again
 * if a later step fails.
 */
export async function startCompanionReplicas(options: ReplicaOptions | ((issuer: string) => Promise<ReplicaOptions>) = {}): Promise<CompanionReplicas> {
  const redis = await startRedis();
  let a: TestCompanion | undefined;
  let b: TestCompanion | undefined;
  const stop = async (): Promise<void> => {
    await a?.dispose();
    await b?.dispose();
    await redis.stop();
  };
  try {
    const portA = await freePort();
    const issuer = `http://127.0.0.1:${portA}`;
    const shared = typeof options === 'function' ? await options(issuer) : options;
    const common = { ...shared, issuer, storage: `{ type: redis, url: "${redis.url}" }` };
    a = await startTestCompanion({ port: portA, ...common });
    b = await startTestCompanion(common);
    return { redis, a, b, issuer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
