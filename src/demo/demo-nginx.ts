/**
 * Running the demo's nginx: find the binary, validate the conf with `nginx -t`, start it in the
 * foreground as a child process and stop it by pid.
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { portAccepts } from './loopback.ts';

/**
 * The nginx binary: `NGINX_BIN`, else the first on PATH, else /usr/sbin/nginx — Debian installs
 * it there and a non-root user's PATH usually lacks /usr/sbin.
 */
export function findNginx(): string | undefined {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    const file = join(dir, 'nginx');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* next */ }
  }
  return undefined;
}

/** `-e` names the error log up front: otherwise nginx first opens /var/log/nginx/error.log, which a non-root user cannot. */
function baseArgs(prefix: string, conf: string): string[] {
  return ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')];
}

/** Runs `nginx -t`; resolves with undefined when the conf is valid, else with nginx's output. */
export function testNginxConf(nginx: string, prefix: string, conf: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(nginx, ['-t', ...baseArgs(prefix, conf)], (err, stdout, stderr) => {
      resolve(err ? (stdout + stderr).trim() || err.message : undefined);
    });
  });
}

/** A running nginx master. */
export interface DemoNginx {
  pid: number;
  /** Stops nginx (SIGTERM, SIGKILL after 5 s) and waits for the master to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts nginx and waits until `port` accepts connections. Rejects with nginx's output and the
 * end of its error log when it exits or does not come up within 10 s.
 */
export async function startNginx(nginx: string, prefix: string, conf: string, port: number): Promise<DemoNginx> {
  // Same process group as the demo: a Ctrl-C in the terminal reaches nginx too, so it never
  // outlives a demo that was killed before it could clean up.
  const child = spawn(nginx, baseArgs(prefix, conf), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let done = false;
  void exited.then(() => { done = true; });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });

  let stopping: Promise<void> | undefined;
  const handle: DemoNginx = {
    pid: child.pid as number,
    stop() {
      stopping ??= (async () => {
        if (done) return;
        child.kill('SIGTERM');      // fast shutdown: the master stops its workers, then exits
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };

  const deadline = Date.now() + 10_000;
  while (!(await portAccepts(port))) {
    if (done || Date.now() > deadline) {
      await handle.stop();
      const why = done ? `exited with code ${child.exitCode}` : 'did not accept connections within 10 s';
      throw new Error(`nginx ${why}.\n${output}${errorLogTail(prefix)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return handle;
}

function errorLogTail(prefix: string): string {
  const file = join(prefix, 'logs', 'error.log');
  if (!existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10);
  return `--- ${file} (last lines) ---\n${lines.join('\n')}\n`;
}
