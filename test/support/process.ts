/**
 * Child-process helpers for tests: start a real binary, wait until it is
 * ready, capture its output, and stop it by pid.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** Options for {@link startProcess}. */
export interface StartProcessOptions {
  /** Environment for the child; defaults to the parent's `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Working directory for the child. */
  cwd?: string;
  /** Polled until it resolves `true`; the process counts as started then. */
  readyWhen?: () => Promise<boolean>;
  /** Maximum time to wait for `readyWhen` (default 10000 ms). */
  timeoutMs?: number;
}

/** A running child process started by {@link startProcess}. */
export interface RunningProcess {
  /** OS process id of the child. */
  readonly pid: number;
  /** `true` once the child has exited. */
  exited(): boolean;
  /** Exit code, or `null` while running / when killed by a signal. */
  exitCode(): number | null;
  /**
   * Sends SIGTERM to the pid, waits for exit, escalates to SIGKILL (of the
   * pid and its descendants) after 3 s. Idempotent.
   */
  stop(): Promise<void>;
  /** Everything the child wrote to stdout and stderr so far (interleaved). */
  output(): string;
}

/** Max bytes of output retained per process (older output is dropped). */
const MAX_OUTPUT = 1 << 20;

/**
 * Pids of children that are still running. If the test runner's process exits
 * without stopping them (crash, unhandled rejection), they are SIGKILLed so no
 * nginx/node strays are left behind.
 */
const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) killTree(pid);
});

/**
 * Lists all descendants of `pid` (children, grandchildren, ...) using Linux
 * `/proc/<pid>/task/<tid>/children`. Returns `[]` where /proc is unavailable.
 */
export function descendantPids(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let text = '';
      try {
        text = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of text.split(/\s+/)) {
        const n = Number(c);
        if (c !== '' && Number.isInteger(n) && !out.includes(n)) {
          out.push(n);
          queue.push(n);
        }
      }
    }
  }
  return out;
}

/**
 * SIGKILLs `pid` and all its descendants. Used when a graceful stop failed, so
 * that e.g. nginx workers are not orphaned when their master is killed.
 */
function killTree(pid: number): void {
  const all = [pid, ...descendantPids(pid)];
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Polls `fn` until it returns (or resolves to) a truthy value.
 *
 * @param fn Condition to poll; thrown errors count as "not yet".
 * @param timeoutMs Give up after this many milliseconds (default 5000).
 * @param intervalMs Delay between polls (default 25).
 * @returns The first truthy value produced by `fn`.
 * @throws Error if the timeout elapses first (includes the last error, if any).
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? `: ${lastErr.message}` : '';
      throw new Error(`waitFor: timed out after ${timeoutMs} ms${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Resolves `true` if a TCP connection to `host:port` succeeds (then closes
 * it), `false` otherwise. Useful as a `readyWhen` check.
 */
export function tcpAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/**
 * Spawns `cmd args...` (no shell), captures stdout/stderr, and waits until
 * `readyWhen` resolves `true`. If the child exits or the timeout elapses
 * before it is ready, the child is stopped and the returned promise rejects
 * with an Error that includes the captured output.
 *
 * @param cmd Executable (resolved via PATH).
 * @param args Arguments.
 * @param opts See {@link StartProcessOptions}.
 * @returns A handle to the running process.
 */
export async function startProcess(
  cmd: string,
  args: readonly string[],
  opts: StartProcessOptions = {},
): Promise<RunningProcess> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const child: ChildProcess = spawn(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > MAX_OUTPUT) out = out.slice(out.length - MAX_OUTPUT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let hasExited = false;
  let code: number | null = null;
  const exitedP = new Promise<void>((resolve) => {
    child.once('exit', (c) => {
      hasExited = true;
      code = c;
      resolve();
    });
  });
  const spawnErr = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (err) => resolve(err));
  });
  if (spawnErr) throw new Error(`startProcess: cannot spawn ${cmd}: ${spawnErr.message}`);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`startProcess: no pid for ${cmd}`);
  live.add(pid);
  void exitedP.then(() => live.delete(pid));

  let stopP: Promise<void> | undefined;
  const handle: RunningProcess = {
    pid,
    exited: () => hasExited,
    exitCode: () => code,
    output: () => out,
    stop() {
      stopP ??= (async () => {
        if (hasExited) return;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const killed = await Promise.race([
          exitedP.then(() => true),
          sleep(3000).then(() => false),
        ]);
        if (!killed && !hasExited) {
          killTree(pid);
          await exitedP;
        }
      })();
      return stopP;
    },
  };

  if (opts.readyWhen) {
    const deadline = Date.now() + timeoutMs;
    let why = '';
    for (;;) {
      if (hasExited) {
        why = `exited with code ${code}`;
        break;
      }
      let ok = false;
      try {
        ok = await opts.readyWhen();
      } catch {
        ok = false;
      }
      if (ok) break;
      if (Date.now() >= deadline) {
        why = `timed out after ${timeoutMs} ms`;
        break;
      }
      await sleep(25);
    }
    if (why) {
      await handle.stop();
      throw new Error(`startProcess: ${cmd} not ready (${why}). Output:\n${out}`);
    }
  }
  return handle;
}

/**
 * Whether `pid` still runs. A zombie counts as gone: it has exited, and children reparented to
 * init may wait a while to be reaped.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
