/**
 * `script`: a validator written by the operator (JavaScript, or Lua in the Node adapters) decides.
 * The runtime runs it sandboxed behind `ports.runScript`; core builds its input and checks its
 * answer (script-result.ts), so every adapter applies the same contract. A script may read any
 * header, so its accepts are never cached across requests (ttl 0).
 */
import type { ScriptInput, ScriptStrategy } from '../script-config.ts';
import { scriptVerdict } from '../script-result.ts';
import type { CoreRequest } from '../types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';

/** Headers our own adapters add to talk to themselves (nginx's check subrequest); not the client's. */
const INTERNAL_PREFIX = 'x-mcp-authz-';

/** The request as the script sees it: the client's headers, with `host` as the client sent it. */
export function scriptInput(req: CoreRequest): ScriptInput {
  const headers: Record<string, string> = {};
  const names = Object.keys(req.headers);
  for (let i = 0; i < names.length; i++) {
    if (names[i].indexOf(INTERNAL_PREFIX) !== 0) headers[names[i]] = req.headers[names[i]];
  }
  // Adapters see the proxy's own request to them; the client's Host is in req.host.
  if (req.host) headers['host'] = req.host;
  return { method: req.method, path: req.path, query: req.query, headers: headers, client_ip: req.clientIp };
}

/** Run the script strategy: accept, or a denial the script chose, or a fail-closed reason. */
export async function scriptStrategy(s: ScriptStrategy, input: StrategyInput): Promise<Outcome> {
  if (!input.ports.runScript) return { kind: 'reject', reason: 'script_unavailable' };
  const ran = await input.ports.runScript(s.id, scriptInput(input.req));
  if (!ran.ok) return { kind: 'reject', reason: ran.reason };
  const verdict = scriptVerdict(ran.value);
  if (verdict.ok) return { kind: 'accept', principal: verdict.principal, ttl: 0 };
  return { kind: 'reject', reason: verdict.reason, response: verdict.response };
}
