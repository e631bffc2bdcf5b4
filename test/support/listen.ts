/**
 * Binding test servers on the loopback interface. Binding port 0 directly avoids the race of
 * probing with `freePort()` first.
 * @module
 */
import type { Server } from 'node:http';
import { listenOn } from '../../src/node/http-server.ts';

export { closeServer } from '../../src/node/http-server.ts';

/** Bind `server` to 127.0.0.1:`port` (0 = a free port) and resolve with the bound port. */
export function listen(server: Server, port = 0): Promise<number> {
  return listenOn(server, '127.0.0.1', port);
}
