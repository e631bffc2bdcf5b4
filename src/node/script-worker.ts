/**
 * The validator sandbox: runs inside a worker_threads Worker started by script-runner.ts with
 * resourceLimits (heap) and an empty process.env. One validator per worker.
 *  - JavaScript: a node:vm context of its own realm (DONT_CONTEXTIFY, so no host object is reachable
 *    from `this`/`globalThis`), without require, process, fetch, timers or code generation from
 *    strings; data crosses as JSON strings; each call is bounded by vm's `timeout`, and with
 *    microtaskMode 'afterEvaluate' so are its promise continuations.
 *  - Lua: wasmoon (Lua 5.4 in WebAssembly), the script loaded into an environment without io, os
 *    (but time/clock/date), package, require, debug or load; Lua's allocator is capped.
 * Behind both, the parent's watchdog terminates a worker that does not answer in time (the only
 * way to stop a Lua loop). Messages: in {id, input}; out {id, ok, value | reason, detail}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import vm from 'node:vm';

export interface WorkerSetup {
  language: 'javascript' | 'lua';
  source: string;
  filename: string;
  timeoutMs: number;
  memoryMb: number;
}

type Call = (input: string) => Promise<{ ok: true; value: unknown } | { ok: false; reason: string; detail: string }>;

const MAX_DETAIL = 300;
/** An answer is a few identity fields; anything this large is a bug, refused before it is copied out. */
const MAX_ANSWER = 64 * 1024;

function message(err: unknown): string {
  let text = err instanceof Error ? err.message : String(err);
  // V8 puts a syntax error's location only in the stack's first line (`file:line`).
  if (err instanceof SyntaxError && err.stack && /^\S+:\d+\n/.test(err.stack)) text = err.stack.split('\n')[0] + ': ' + text;
  return text.slice(0, MAX_DETAIL);
}

/** Defined before the user's code, so it keeps the realm's original JSON and Promise. */
const HARNESS = `(function (g) {
  var parse = JSON.parse, stringify = JSON.stringify, P = Promise, out;
  function define(name, fn) { Object.defineProperty(g, name, { value: fn, writable: false, configurable: false, enumerable: false }); }
  define('__mcpAuthzCall', function (input) {
    out = undefined;
    var v = typeof validate === 'function' ? validate : undefined;
    new P(function (resolve) { resolve(v(parse(input))); }).then(
      function (v) {
        try { out = stringify({ v: v === undefined ? null : v }); } catch (e) { out = stringify({ b: 'the answer is not JSON data: ' + String(e && e.message) }); }
      },
      function (e) { out = stringify({ e: String(e && e.message !== undefined ? e.message : e) }); });
  });
  define('__mcpAuthzTake', function () { return out; });
  // A plain data slot the host writes the input into; the script cannot turn it into a setter.
  Object.defineProperty(g, '__mcpAuthzInput', { value: '', writable: true, configurable: false, enumerable: false });
})(globalThis);`;

function startJavaScript(setup: WorkerSetup): Call {
  const context = vm.createContext(vm.constants.DONT_CONTEXTIFY, {
    name: 'mcp-authz validator',
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  const limits = { timeout: setup.timeoutMs, breakOnSigint: false };
  // The new realm has only ECMAScript built-ins, plus these; take away what could outlive a call.
  new vm.Script('delete globalThis.WebAssembly; delete globalThis.SharedArrayBuffer; delete globalThis.Atomics;').runInContext(context);
  new vm.Script(HARNESS, { filename: 'mcp-authz-harness.js' }).runInContext(context);
  // Strict, as in njs (where the script is an ES module); on line 1 so line numbers stay the file's.
  new vm.Script("'use strict';" + setup.source, { filename: setup.filename }).runInContext(context, limits);
  const isFunction = new vm.Script('typeof validate === "function"').runInContext(context, limits);
  if (isFunction !== true) throw new Error(setup.filename + ': must define function validate(request)');
  // Two evaluations: the promise continuations run (under the timeout) after the first one ends.
  const call = new vm.Script('__mcpAuthzCall(__mcpAuthzInput)', { filename: 'mcp-authz-call.js' });
  const take = new vm.Script('__mcpAuthzTake()', { filename: 'mcp-authz-take.js' });
  return async (input) => {
    (context as Record<string, unknown>).__mcpAuthzInput = input;
    call.runInContext(context, limits);
    const out: unknown = take.runInContext(context, limits);
    // Still pending after the microtasks ran: it waits on nothing that can ever resolve.
    if (out === undefined) return { ok: false, reason: 'script_timeout', detail: 'validate() returned a promise that never settles' };
    if (typeof out !== 'string') return { ok: false, reason: 'script_error', detail: 'unexpected harness result' };
    const r = JSON.parse(out) as { v?: unknown; e?: string; b?: string };
    if ('b' in r) return { ok: false, reason: 'script_bad_result', detail: String(r.b).slice(0, MAX_DETAIL) };
    return 'e' in r ? { ok: false, reason: 'script_error', detail: String(r.e).slice(0, MAX_DETAIL) } : { ok: true, value: r.v };
  };
}

const LUA_SANDBOX = `
local source, chunkname = ...
local function copy(t, drop)
  local c = {}
  for k, v in pairs(t) do if k ~= drop then c[k] = v end end
  return c
end
local env = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  select = select, tonumber = tonumber, tostring = tostring, type = type, xpcall = xpcall,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
  getmetatable = getmetatable, setmetatable = setmetatable, _VERSION = _VERSION,
  string = copy(string, 'dump'), table = copy(table), math = copy(math), utf8 = copy(utf8),
  coroutine = copy(coroutine),
  os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime },
  print = function() end,
}
env._G = env
local chunk, err = load(source, '@' .. chunkname, 't', env)
if not chunk then error(err, 0) end
chunk()
if type(env.validate) ~= 'function' then error(chunkname .. ': must define function validate(request)', 0) end
__mcp_authz_validate = env.validate
for _, name in ipairs({ 'io', 'os', 'package', 'require', 'debug', 'load', 'loadfile', 'dofile', 'collectgarbage' }) do _G[name] = nil end
`;

/** Lua has one table type: an empty table comes back as {}; the contract wants lists there. */
function luaLists(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  for (const key of ['scopes', 'groups']) {
    const item = v[key];
    if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 0) v[key] = [];
  }
  return v;
}

async function startLua(setup: WorkerSetup): Promise<Call> {
  const { LuaFactory } = await import('wasmoon');
  const engine = await new LuaFactory().createEngine({ openStandardLibs: true, injectObjects: false, enableProxy: false, traceAllocations: true });
  engine.global.setMemoryMax(setup.memoryMb * 1024 * 1024);
  const sandbox = engine.global.get('load')(LUA_SANDBOX, '=mcp-authz-sandbox') as (source: string, name: string) => unknown;
  sandbox(setup.source, setup.filename);
  const validate = engine.global.get('__mcp_authz_validate') as (req: unknown) => unknown;
  return async (input) => {
    try {
      return { ok: true, value: luaLists(validate(JSON.parse(input))) };
    } catch (err) {
      const detail = message(err);
      return { ok: false, reason: /not enough memory/.test(detail) ? 'script_memory' : 'script_error', detail };
    }
  };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('script-worker.ts runs only as a worker');
  const setup = workerData as WorkerSetup;
  let call: Call;
  try {
    call = setup.language === 'lua' ? await startLua(setup) : startJavaScript(setup);
  } catch (err) {
    port.postMessage({ type: 'init_error', detail: message(err) });
    return;
  }
  port.on('message', async (m: { id: number; input: string }) => {
    let reply;
    try {
      reply = await call(m.input);
    } catch (err) {
      const timedOut = (err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
      reply = { ok: false, reason: timedOut ? 'script_timeout' : 'script_error', detail: message(err) };
    }
    // Only JSON data leaves the sandbox (a Lua function in the answer would not even be cloneable).
    if (reply.ok) {
      let json: string | undefined;
      try {
        json = JSON.stringify(reply.value);
      } catch (err) {
        reply = { ok: false, reason: 'script_bad_result', detail: 'the answer is not JSON data: ' + message(err) };
      }
      if (reply.ok && (json === undefined || json.length > MAX_ANSWER)) reply = { ok: false, reason: 'script_bad_result', detail: 'the answer is not a small JSON value' };
      else if (reply.ok) reply = { ok: true, value: JSON.parse(json as string) };
    }
    port.postMessage(Object.assign({ type: 'result', id: m.id }, reply));
  });
  port.postMessage({ type: 'ready' });
}

void main();
