/**
 * One validator script in its own worker (script-worker.ts): heap capped with resourceLimits,
 * process.env empty, calls sent one at a time and each bounded by a watchdog. A call that times
 * out, runs out of memory or finds the worker dead fails closed with its reason, and the worker is
 * replaced (a fresh realm: an interrupted script may have left its state half-changed, or a
 * promise chain that would run again).
 */
import { Worker } from 'node:worker_threads';
import type { Result } from '../core/types.ts';
import type { WorkerSetup } from './script-worker.ts';

const WORKER_URL = new URL('./script-worker.ts', import.meta.url);
/** Margin on top of the script's own limit before the parent terminates the worker. */
const WATCHDOG_GRACE_MS = 50;
/** Time a worker gets to load the runtime (wasmoon compiles its WebAssembly) and the script. */
const START_TIMEOUT_MS = 10_000;
/** Calls waiting for the worker beyond this are refused at once (503), not queued without bound. */
const MAX_QUEUE = 256;

export interface ScriptRunner {
  /** Start the worker and compile the script; resolves with the load error, if any. */
  start(): Promise<Result<true>>;
  /** Run the validator on a JSON-encoded input. Never rejects. */
  run(input: string): Promise<Result<unknown>>;
  stop(): Promise<void>;
  /** Workers started so far (1 + replacements), for tests and metrics. */
  generation(): number;
}

type Reply = { type: 'ready' } | { type: 'init_error'; detail: string } | { type: 'result'; id: number; ok: boolean; value?: unknown; reason?: string; detail?: string };

interface Pending {
  input: string;
  resolve: (r: Result<unknown>) => void;
}

/** A runner for one script; nothing starts until `start()`. */
export function createScriptRunner(setup: WorkerSetup): ScriptRunner {
  let worker: Worker | null = null;
  /** Whether `worker` has loaded the script; calls go only to a loaded worker. */
  let loaded = false;
  let ready: Promise<Result<true>> | null = null;
  let generation = 0;
  let nextId = 1;
  let stopped = false;
  let current: { id: number; pending: Pending; timer: NodeJS.Timeout } | null = null;
  const queue: Pending[] = [];

  function spawn(): Promise<Result<true>> {
    generation++;
    const w = new Worker(WORKER_URL, {
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
    worker = w;
    loaded = false;
    // Nothing in the sandbox should print; whatever does is dropped, not buffered.
    w.stdout.resume();
    w.stderr.resume();
    return new Promise((resolve) => {
      const startTimer = setTimeout(() => {
        settleStart({ ok: false, reason: 'script_unavailable', detail: 'the script did not load within ' + START_TIMEOUT_MS + ' ms' });
        void w.terminate();
      }, START_TIMEOUT_MS);
      let started = false;
      function settleStart(r: Result<true>): void {
        if (started) return;
        started = true;
        clearTimeout(startTimer);
        resolve(r);
        if (r.ok && worker === w) {
          loaded = true;
          return pump();
        }
        // Not loaded: what waits fails closed, and the next call tries a fresh worker.
        if (worker === w) worker = null;
        ready = null;
        for (const p of queue.splice(0)) p.resolve(r);
      }
      w.on('message', (m: Reply) => {
        if (m.type === 'ready') settleStart({ ok: true, value: true });
        else if (m.type === 'init_error') {
          settleStart({ ok: false, reason: 'script_unavailable', detail: m.detail });
          void w.terminate();
        } else if (m.type === 'result') finish(m.id, m.ok ? { ok: true, value: m.value } : { ok: false, reason: m.reason ?? 'script_error', detail: m.detail });
      });
      w.on('error', (err: Error & { code?: string }) => {
        const reason = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'script_memory' : 'script_error';
        settleStart({ ok: false, reason: 'script_unavailable', detail: err.message });
        fail(w, { ok: false, reason, detail: err.message });
      });
      w.on('exit', () => {
        settleStart({ ok: false, reason: 'script_unavailable', detail: 'the script worker exited while loading' });
        fail(w, { ok: false, reason: 'script_error', detail: 'the script worker exited' });
      });
    });
  }

  /** The worker `w` is gone or being replaced: fail its call, then start a new one for the rest. */
  function fail(w: Worker, r: Result<unknown>): void {
    if (worker !== w) return;
    worker = null;
    if (current) {
      clearTimeout(current.timer);
      current.pending.resolve(r);
      current = null;
    }
    if (!stopped) ready = spawn();
  }

  function finish(id: number, r: Result<unknown>): void {
    if (!current || current.id !== id) return;
    clearTimeout(current.timer);
    const pending = current.pending;
    current = null;
    pending.resolve(r);
    // After an interrupted call the realm is not trusted again.
    if (!r.ok && (r.reason === 'script_timeout' || r.reason === 'script_memory') && worker) {
      const w = worker;
      fail(w, r);
      void w.terminate();
    } else pump();
  }

  function pump(): void {
    if (current || !worker || !loaded || queue.length === 0) return;
    const pending = queue.shift()!;
    const id = nextId++;
    const w = worker;
    const timer = setTimeout(() => {
      fail(w, { ok: false, reason: 'script_timeout', detail: 'no answer within ' + setup.timeoutMs + ' ms' });
      void w.terminate();
    }, setup.timeoutMs + WATCHDOG_GRACE_MS);
    current = { id, pending, timer };
    w.postMessage({ id, input: pending.input });
  }

  return {
    start() {
      if (!ready) ready = spawn();
      return ready;
    },
    run(input) {
      if (stopped) return Promise.resolve({ ok: false, reason: 'script_unavailable', detail: 'stopped' });
      if (queue.length >= MAX_QUEUE) return Promise.resolve({ ok: false, reason: 'script_unavailable', detail: 'too many calls waiting' });
      return new Promise((resolve) => {
        queue.push({ input, resolve });
        if (!ready) ready = spawn();
        else pump();
      });
    },
    async stop() {
      stopped = true;
      for (const p of queue.splice(0)) p.resolve({ ok: false, reason: 'script_unavailable', detail: 'stopped' });
      const w = worker;
      worker = null;
      if (current) {
        clearTimeout(current.timer);
        current.pending.resolve({ ok: false, reason: 'script_unavailable', detail: 'stopped' });
        current = null;
      }
      if (w) await w.terminate();
    },
    generation: () => generation,
  };
}
