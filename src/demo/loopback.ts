/**
 * Loopback networking helpers for the demo: bind, close, and probe ports on 127.0.0.1 only, so
 * nothing the demo starts is reachable from other machines.
 * @module
 */
import type { Server } from 'node:http';
import { closeServer, listenOn } from '../node/http-server.ts';
import { connect, createServer } from 'node:net';

/** Binds `server` to 127.0.0.1:`port` (0 = a free port) and resolves with the bound port. */
export function listenLoopback(server: Server, port = 0): Promise<number> {
  return listenOn(server, '127.0.0.1', port);
}

export { closeServer };

/**
 * True when 127.0.0.1:`port` can be bound right now. Checked before nginx starts because nginx
 * itself only logs "Address already in use" and exits, which is easy to miss.
 */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** True when a TCP connection to 127.0.0.1:`port` succeeds. */
export function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

/** A port on 127.0.0.1 that is free right now (bound to port 0, then released). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
