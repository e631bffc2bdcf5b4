/**
 * One validator script in its own worker (script-worker.ts): heap capped with resourceLimits,
 * process.env empty, calls sent one at a time and each bounded by a watchdog. A call that times
 * out, runs out of memory or finds the worker dead fails closed with its reason, and the worker is
 * replaced (a fresh realm: an interrupted script may have left its state half-changed, or a
 * promise chain that would run again). A spare worker, loaded in advance, takes over at once, so
 * the next call does not wait for a worker to start.
 */
import { Worker } from 'node:worker_threads';
import type { Result } from '../core/types.ts';
import type { WorkerSetup } from './script-worker.ts';

const WORKER_URL = new URL('./script-worker.ts', import.meta.url);
/**
 * Margin on top of the script's own limit before the parent terminates the worker. JavaScript is
 * stopped at `timeout_ms` by vm itself; the watchdog is the backstop (Lua, a stuck worker), so it
 * leaves room for a busy machine rather than killing workers that were about to answer.
 */
const WATCHDOG_GRACE_MS = 250;
/** Time a worker gets to load the runtime (wasmoon compiles its WebAssembly) and the script. */
const START_TIMEOUT_MS = 30_000;
/** Calls waiting for the worker beyond this are refused at once (503), not queued without bound. */
const MAX_QUEUE = 256;

export interface ScriptRunner {
  /** Start the worker and compile the script; resolves with the load error, if any. */
  start(): Promise<Result<true>>;
  /** Run the validator on a JSON-encoded input. Never rejects. */
  run(input: string): Promise<Result<unknown>>;
  stop(): Promise<void>;
  /** Workers started so far (the first, its spares and replacements), for tests. */
  generation(): number;
}

type Reply = { type: 'ready' } | { type: 'init_error'; detail: string } | { type: 'result'; id: number; ok: boolean; value?: unknown; reason?: string; detail?: string };

interface Pending {
  input: string;
  resolve: (r: Result<unknown>) => void;
}

/** A started worker: `ready` settles once the script is loaded (or failed to load). */
interface Handle {
  worker: Worker;
  loaded: boolean;
  ready: Promise<Result<true>>;
}

/** A runner for one script; nothing starts until `start()` or the first call. */
export function createScriptRunner(setup: WorkerSetup): ScriptRunner {
  let active: Handle | null = null;
  let spare: Handle | null = null;
  let generation = 0;
  let nextId = 1;
  let stopped = false;
  let current: { id: number; pending: Pending; timer: NodeJS.Timeout } | null = null;
  const queue: Pending[] = [];

  function spawn(): Handle {
    generation++;
    const worker = new Worker(WORKER_URL, {
      workerData: setup,
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: {
        maxOldGenerationSizeMb: setup.memoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.floor(setup.memoryMb / 4))),
        stackSizeMb: 4,
      },
    });
    // Nothing in the sandbox should print; whatever does is dropped, not buffered.
    worker.stdout.resume();
    worker.stderr.resume();
    const h: Handle = { worker, loaded: false, ready: Promise.resolve({ ok: true, value: true }) };
    let settle: (r: Result<true>) => void = () => {};
    h.ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        settle({ ok: false, reason: 'script_unavailable', detail: 'the script did not load within ' + START_TIMEOUT_MS + ' ms' });
        void worker.terminate();
      }, START_TIMEOUT_MS);
      let settled = false;
      settle = (r) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        h.loaded = r.ok;
        resolve(r);
      };
    });
    worker.on('message', (m: Reply) => {
      if (m.type === 'ready') settle({ ok: true, value: true });
      else if (m.type === 'init_error') {
        settle({ ok: false, reason: 'script_unavailable', detail: m.detail });
        void worker.terminate();
      } else if (m.type === 'result' && active === h) finish(m.id, m.ok ? { ok: true, value: m.value } : { ok: false, reason: m.reason ?? 'script_error', detail: m.detail });
    });
    worker.on('error', (err: Error & { code?: string }) => {
      settle({ ok: false, reason: 'script_unavailable', detail: err.message });
      gone(h, { ok: false, reason: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'script_memory' : 'script_error', detail: err.message });
    });
    worker.on('exit', () => {
      settle({ ok: false, reason: 'script_unavailable', detail: 'the script worker exited while loading' });
      gone(h, { ok: false, reason: 'script_error', detail: 'the script worker exited' });
    });
    return h;
  }

  /** Make `h` the worker calls go to; once it is loaded, calls flow and a spare is prepared. */
  function activate(h: Handle): void {
    active = h;
    void h.ready.then((r) => {
      if (active !== h) return;
      if (!r.ok) {
        // Not loaded: what waits fails closed, and the next call tries a fresh worker.
        active = null;
        for (const p of queue.splice(0)) p.resolve(r);
        return;
      }
      pump();
      if (!spare && !stopped) spare = spawn();
    });
  }

  /** Worker `h` died: if it was serving, fail its call and hand over to the spare. */
  function gone(h: Handle, r: Result<unknown>): void {
    if (spare === h) spare = null;
    if (active === h) replace(r);
  }

  function replace(r: Result<unknown>): void {
    const old = active;
    active = null;
    if (current) {
      clearTimeout(current.timer);
      current.pending.resolve(r);
      current = null;
    }
    if (old) void old.worker.terminate();
    if (stopped) return;
    const next = spare ?? spawn();
    spare = null;
    activate(next);
  }

  function finish(id: number, r: Result<unknown>): void {
    if (!current || current.id !== id) return;
    clearTimeout(current.timer);
    const pending = current.pending;
    current = null;
    pending.resolve(r);
    // After an interrupted call the realm is not trusted again.
    if (!r.ok && (r.reason === 'script_timeout' || r.reason === 'script_memory')) replace(r);
    else pump();
  }

  function pump(): void {
    if (current || !active || !active.loaded || queue.length === 0) return;
    const pending = queue.shift()!;
    const id = nextId++;
    const timer = setTimeout(() => replace({ ok: false, reason: 'script_timeout', detail: 'no answer within ' + setup.timeoutMs + ' ms' }), setup.timeoutMs + WATCHDOG_GRACE_MS);
    current = { id, pending, timer };
    active.worker.postMessage({ id, input: pending.input });
  }

  return {
    start() {
      if (!active) activate(spawn());
      return active!.ready;
    },
    run(input) {
      if (stopped) return Promise.resolve({ ok: false, reason: 'script_unavailable', detail: 'stopped' });
      if (queue.length >= MAX_QUEUE) return Promise.resolve({ ok: false, reason: 'script_unavailable', detail: 'too many calls waiting' });
      return new Promise((resolve) => {
        queue.push({ input, resolve });
        if (!active) activate(spawn());
        else pump();
      });
    },
    async stop() {
      stopped = true;
      for (const p of queue.splice(0)) p.resolve({ ok: false, reason: 'script_unavailable', detail: 'stopped' });
      if (current) {
        clearTimeout(current.timer);
        current.pending.resolve({ ok: false, reason: 'script_unavailable', detail: 'stopped' });
        current = null;
      }
      const workers = [active, spare].filter((h): h is Handle => h !== null).map((h) => h.worker);
      active = null;
      spare = null;
      await Promise.all(workers.map((w) => w.terminate()));
    },
    generation: () => generation,
  };
}
