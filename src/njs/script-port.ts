/**
 * core's `runScript` port inside njs. njs has no sandbox, no memory limit and no way to interrupt
 * running code: the script runs in the request's VM like the module itself (trusted code), and
 * only waiting is bounded, by racing the script's promise against `timeout_ms`. A thrown error or a
 * rejected promise fails closed. The input is a JSON copy, so a script cannot alter core's request.
 */
import type { CoreConfig, Result } from '../core/types.ts';
import type { ScriptInput } from '../core/script-config.ts';
import validators from './script-validators.ts';

function errorText(e: unknown): string {
  return String(e && (e as Error).message !== undefined ? (e as Error).message : e);
}

function timeoutOf(config: CoreConfig, id: string): number {
  for (let i = 0; i < config.endpoints.length; i++) {
    const list = config.endpoints[i].strategies;
    for (let j = 0; j < list.length; j++) {
      const s = list[j];
      if (s.type === 'script' && s.id === id) return s.timeout_ms;
    }
  }
  return 0;
}

/** The port for one configuration. */
export function njsRunScript(config: CoreConfig): (id: string, input: ScriptInput) => Promise<Result<unknown>> {
  return function (id: string, input: ScriptInput): Promise<Result<unknown>> {
    const validate = validators[id];
    if (!validate) return Promise.resolve({ ok: false, reason: 'script_unavailable', detail: 'no validator ' + id });
    let out: unknown;
    try {
      out = validate(JSON.parse(JSON.stringify(input)));
    } catch (e) {
      return Promise.resolve({ ok: false, reason: 'script_error', detail: errorText(e) });
    }
    const ms = timeoutOf(config, id);
    return new Promise(function (resolve) {
      const timer = setTimeout(function () {
        resolve({ ok: false, reason: 'script_timeout', detail: 'no answer within ' + ms + ' ms' });
      }, ms);
      Promise.resolve(out).then(function (value) {
        clearTimeout(timer);
        resolve({ ok: true, value: value });
      }, function (e) {
        clearTimeout(timer);
        resolve({ ok: false, reason: 'script_error', detail: errorText(e) });
      });
    });
  };
}
