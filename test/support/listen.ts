/**
 * Small helpers to bind/close node:http servers on the loopback interface.
 * @module
 */
import type { Server } from 'node:http';

/**
 * Binds `server` to 127.0.0.1 on `port` (0 = kernel picks a free port) and
 * resolves with the bound port. Binding port 0 directly avoids the race of
 * probing with `freePort()` first.
 */
export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      if (addr === null || typeof addr === 'string') reject(new Error('listen: unexpected address'));
      else resolve(addr.port);
    });
  });
}

/**
 * Closes `server`, force-closing keep-alive and streaming connections so the
 * promise settles promptly. Resolves even if the server was not listening.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
