/**
 * Free TCP port discovery on the loopback interface.
 * @module
 */
import { createServer } from 'node:net';

/**
 * Finds a currently free TCP port on 127.0.0.1 by binding port 0, reading the
 * port the kernel picked, and closing the socket again.
 *
 * There is an inherent race (another process may take the port before the
 * caller binds it), which is acceptable for tests.
 *
 * @returns A port number that was free at the time of the call.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('freePort: unexpected server address'));
        return;
      }
      const { port } = addr;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
