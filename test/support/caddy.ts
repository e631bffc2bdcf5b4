/**
 * Run a real Caddy (Debian's 2.6) from a Caddyfile in a throw-away directory for integration
 * tests: admin endpoint off, no automatic HTTPS, storage and autosaved config inside the temp dir
 * (Caddy 2.6 has no `persist_config off`; XDG_CONFIG_HOME keeps autosave.json out of $HOME).
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, tcpAccepts } from './process.ts';

/** caddy binary; override with `CADDY_BIN`. */
const CADDY_BIN = process.env.CADDY_BIN ?? 'caddy';

/** A running Caddy. */
export interface RunningCaddy {
  readonly pid: number;
  readonly dir: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Caddy's log output (JSON lines on stderr). */
  output(): string;
  /** Stops Caddy by pid (SIGTERM → SIGKILL after 3 s) and removes the temp dir. */
  stop(): Promise<void>;
}

/** Global options every test Caddyfile starts with. */
export function caddyGlobals(dir: string): string {
  return `{
	admin off
	auto_https off
	storage file_system ${join(dir, 'storage')}
}
`;
}

function adapt(file: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(CADDY_BIN, ['adapt', '--config', file, '--adapter', 'caddyfile'], { env }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`caddy adapt failed:\n${stderr}`));
      else resolve();
    });
  });
}

/**
 * Write the Caddyfile (`site(dir)` is appended to {@link caddyGlobals}), validate it with
 * `caddy adapt`, run it, and resolve once `port` accepts TCP.
 */
export async function startCaddy(port: number, site: (dir: string) => string): Promise<RunningCaddy> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-caddy-'));
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, caddyGlobals(dir) + site(dir));
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') };
  try {
    await adapt(file, env);
    const proc = await startProcess(CADDY_BIN, ['run', '--config', file, '--adapter', 'caddyfile'], { env, readyWhen: () => tcpAccepts(port) });
    return {
      pid: proc.pid,
      dir,
      url: `http://127.0.0.1:${port}`,
      output: () => proc.output(),
      async stop() {
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
