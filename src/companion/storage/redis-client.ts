/**
 * A node-redis client configured to fail closed: no offline queue (commands
 * reject at once while disconnected), bounded connect timeout, a socket
 * inactivity timeout with keep-alive PINGs (so a hung server is detected and
 * the connection torn down), background reconnection with capped backoff, and
 * an `error` listener (an unhandled `error` event would crash the process).
 *
 * node-redis (v6.3) `commandOptions.timeout` only covers the time a command
 * waits to be written (lib/client/commands-queue.js `commandsToWrite` drops
 * the timer once written), so a written command to a hung server waits for
 * the socket timeout; the adapter's own `operationTimeoutMs` bounds each
 * operation regardless.
 * @module
 */
import { createClient } from 'redis';

/** Settings of {@link createRedisClient}. */
export interface RedisClientSettings {
  /** `redis[s]://[[user][:password]@]host[:port][/db]` */
  url: string;
  /** TCP/TLS connect timeout in ms (default 1000). */
  connectTimeoutMs?: number;
  /** Max time a command may wait in the client's queue before being written, in ms (default 1000). */
  commandTimeoutMs?: number;
  /**
   * Socket inactivity timeout in ms (default 2000): no byte received or sent
   * for that long closes the connection (then commands fail at once while it
   * reconnects). Keep-alive PINGs are sent every half of it.
   */
  socketTimeoutMs?: number;
  /** Largest delay between reconnection attempts in ms (default 2000). */
  maxReconnectDelayMs?: number;
  /**
   * Receives connection errors (already de-duplicated: the first error after
   * the client was ready, not every failed reconnection attempt). Default:
   * one `console.warn` line with the error's class and message. node-redis
   * connection errors carry no command arguments, hence no payloads.
   */
  onError?: (err: Error) => void;
}

/**
 * Creates (does not connect) a client. `await client.connect()` resolves once
 * Redis is reachable; meanwhile, and during any later outage, every command
 * rejects immediately with `ClientOfflineError` (see `isRedisUnavailable`).
 */
export function createRedisClient(settings: RedisClientSettings) {
  const maxDelay = settings.maxReconnectDelayMs ?? 2000;
  const socketTimeout = settings.socketTimeoutMs ?? 2000;
  const client = createClient({
    url: settings.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: settings.commandTimeoutMs ?? 1000 },
    pingInterval: Math.max(1, Math.floor(socketTimeout / 2)),
    socket: {
      connectTimeout: settings.connectTimeoutMs ?? 1000,
      socketTimeout,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), maxDelay) + Math.floor(Math.random() * 50),
    },
  });
  const report = settings.onError ?? ((err: Error) => {
    console.warn(`redis: ${err.constructor.name}: ${err.message}`);
  });
  let healthy = true;
  client.on('ready', () => {
    healthy = true;
  });
  client.on('error', (err: Error) => {
    if (!healthy) return;
    healthy = false;
    report(err);
  });
  return client;
}

/**
 * `p`, or a rejection with `message` once `ms` have passed: the bound on one operation that the
 * client's own command timeout does not give (see above). The timer is cleared either way.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
