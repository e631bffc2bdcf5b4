/**
 * A throwaway redis-server for tests: loopback only, no persistence, its
 * working directory in a temp dir that is removed on stop.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { startProcess } from './process.ts';

/** Temp dirs of servers not stopped yet; removed if the test process exits first (the process itself is SIGKILLed by process.ts). */
const liveDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/** A running redis-server started by {@link startRedis}. */
export interface RunningRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM by pid (SIGKILL after 3 s), then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves `true` if the server at `port` answers PING with PONG. */
export function redisPong(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.once('error', () => done(false));
  });
}

/**
 * Starts `redis-server --port X --bind 127.0.0.1 --save '' --appendonly no --dir <tmp>`
 * on a free port and waits until it answers PING.
 */
export async function startRedis(): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-redis-'));
  liveDirs.add(dir);
  const port = await freePort();
  let proc;
  try {
    proc = await startProcess('redis-server', [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--daemonize', 'no',
      '--logfile', '',
    ], { cwd: dir, readyWhen: () => redisPong(port) });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw err;
  }
  const handle = proc;
  let stopP: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: handle.pid,
    stop() {
      stopP ??= (async () => {
        try {
          process.kill(handle.pid, 'SIGCONT'); // a paused server cannot act on SIGTERM
        } catch {
          /* already gone */
        }
        await handle.stop();
        rmSync(dir, { recursive: true, force: true });
        liveDirs.delete(dir);
      })();
      return stopP;
    },
  };
}
