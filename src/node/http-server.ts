/**
 * Binding and closing node:http servers, shared by the service, the demo and the tests.
 */
import type { Server } from 'node:http';

/** Listen on `host:port` (port 0 = the kernel picks one) and resolve with the bound port. */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      if (addr === null || typeof addr === 'string') reject(new Error('listen: unexpected address'));
      else resolve(addr.port);
    });
  });
}

/** Close `server`, cutting keep-alive and streaming connections so it settles promptly. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
