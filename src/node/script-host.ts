/**
 * The Node side of core's `runScript` port: every script strategy of a configuration gets its own
 * sandboxed runner (script-runner.ts), started before the service listens, so a missing file, a
 * syntax error or a script without `validate` is a configuration error naming its path.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigError } from '../config/config-error.ts';
import { scriptStrategies } from '../config/script-files.ts';
import type { CoreConfig, Ports, Result } from '../core/types.ts';
import type { ScriptInput } from '../core/script-config.ts';
import { createScriptRunner, type ScriptRunner } from './script-runner.ts';

export interface ScriptHost {
  runScript(id: string, input: ScriptInput): Promise<Result<unknown>>;
  /** The runner of a strategy id (tests read its worker generation). */
  runner(id: string): ScriptRunner | undefined;
  stop(): Promise<void>;
}

export type ScriptHostResult = { ok: true; host: ScriptHost } | { ok: false; errors: ConfigError[] };

export interface ScriptHostOptions {
  /**
   * Told about every failed call (timeout, memory, a thrown error and its message), for the
   * operator's log: the decision log carries only the reason tag.
   */
  onFailure?: (id: string, reason: string, detail: string) => void;
}

/** Read and start every script of `config`; all problems come back at once. */
export async function startScriptHost(config: CoreConfig, o: ScriptHostOptions = {}): Promise<ScriptHostResult> {
  const runners: Record<string, ScriptRunner> = {};
  const errors: ConfigError[] = [];
  await Promise.all(scriptStrategies(config).map(async ({ strategy, path }) => {
    const file = resolve(strategy.file);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push({ path, message: `cannot read script ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return;
    }
    const runner = createScriptRunner({ language: strategy.language, source, filename: file, timeoutMs: strategy.timeout_ms, memoryMb: strategy.memory_mb });
    const started = await runner.start();
    if (!started.ok) {
      await runner.stop();
      errors.push({ path, message: `${strategy.language} script does not load: ${started.detail ?? started.reason}` });
      return;
    }
    runners[strategy.id] = runner;
  }));
  const stopAll = () => Promise.all(Object.keys(runners).map((id) => runners[id].stop())).then(() => undefined);
  if (errors.length) {
    await stopAll();
    return { ok: false, errors: errors.sort((a, b) => (a.path < b.path ? -1 : 1)) };
  }
  return {
    ok: true,
    host: {
      runScript(id, input) {
        const runner = runners[id];
        if (!runner) return Promise.resolve({ ok: false, reason: 'script_unavailable', detail: 'no script ' + id });
        return runner.run(JSON.stringify(input)).then((r) => {
          if (!r.ok && o.onFailure) o.onFailure(id, r.reason, r.detail ?? '');
          return r;
        });
      },
      runner: (id) => runners[id],
      stop: stopAll,
    },
  };
}

/** `ports` with scripts attached (a copy; the original is untouched). */
export function withScripts(ports: Ports, host: ScriptHost): Ports {
  return Object.assign({}, ports, { runScript: host.runScript });
}
