/**
 * `npm run bench`: throughput and latency of nginx with and without the mcp-authz module, side by
 * side in one nginx, and of the Node adapters of `mcp-authz serve` (forward-auth, ext_authz Check),
 * in one run. See bench/README.md for the method and the latest numbers.
 *
 * nginx variants (all proxy GET to the same tiny upstream, a `return 200 "ok\n"` server in this nginx):
 *   plain       /plain  proxy_pass only;
 *   njs-204     /njs204 auth_request to an njs handler that only returns 204 (the floor of any njs auth);
 *   cached      /mcp    mcp-authz, one valid ES256 JWT: the decision cache (proxy_cache) answers;
 *   uncached    /mcp    mcp-authz, a fresh never-seen JWT per request: every request runs the njs
 *                       signature check (and stores a cache entry); the decision log proves the misses.
 *
 * Node adapter variants (`node src/cli.ts serve` in its own process, pinned to the nginx CPU; same
 * endpoint, issuer and token as /mcp; they answer the check only, there is no proxying):
 *   fa-cached     forward-auth: GET /auth with X-Forwarded-* and the steady token (verified-token cache hit);
 *   fa-uncached   forward-auth with a never-seen token per request (one run only: the "vs uncached" base);
 *   check-cached  ext_authz Authorization/Check over HTTP/2 with h2load, a pre-framed CheckRequest
 *                 with the steady token (cache hit).
 *
 * Env: BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (32),
 *      BENCH_MAX_WAIT (0.1: run-queue share above which a run counts as contended), BENCH_VARIANTS (subset).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.ts';
import { toCoreConfig } from '../src/config/app-config.ts';
import { freePort } from '../test/support/free-port.ts';
import { startIssuer, type RunningIssuer } from '../test/support/issuer.ts';
import { descendantPids } from '../test/support/process.ts';
import { startProtectedNginx, type ProtectedNginx } from '../test/support/protected-nginx.ts';
import {
  CHECK_PATH,
  checkRequest,
  cpuBusyNs,
  framedCheckRequest,
  parseH2load,
  processCpuNs,
  startServiceProcess,
  verifyCheckOk,
  type LoadResult,
  type ServiceProcess,
} from './node-service.ts';

const ROUNDS = intEnv('BENCH_ROUNDS', 3);
const DURATION = intEnv('BENCH_DURATION', 5);
const WARMUP = intEnv('BENCH_WARMUP', 2);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 32);
const TARGET = 0.85;
/** A run is "contended" when the nginx worker waited for its CPU longer than this share of the run. */
const MAX_WAIT = Number(process.env.BENCH_MAX_WAIT ?? 0.1);
/** Uncontended runs wanted per variant; extra rounds (up to MAX_ROUNDS, within BUDGET s) re-run the ones short of it. */
const MIN_CLEAN = 3;
const MAX_ROUNDS = ROUNDS + 3;
/** No extra round starts that would end later than this many seconds after the start of the bench. */
const BUDGET = 225;
const NGINX_CPU = '0';
/** The Node service shares nginx's CPU: only one of them is under load at a time. */
const SERVICE_CPU = NGINX_CPU;
const WRK_CPU = '1';
const RESOURCE = 'https://mcp.bench.test/mcp';
const MCP_HOST = 'mcp.bench.test';
/** gRPC load: like Envoy, a few HTTP/2 connections with many streams each; CONNECTIONS in flight in all. */
const H2_CLIENTS = 2;
const H2_STREAMS = Math.max(1, Math.round(CONNECTIONS / H2_CLIENTS));

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_FILE = join(BENCH_DIR, 'results.json');

type VariantName = 'plain' | 'njs-204' | 'cached' | 'uncached' | 'fa-cached' | 'fa-uncached' | 'check-cached';
const ALL_VARIANTS: readonly VariantName[] = ['plain', 'cached', 'uncached', 'njs-204', 'fa-cached', 'fa-uncached', 'check-cached'];
const NODE_VARIANTS: readonly VariantName[] = ['fa-cached', 'fa-uncached', 'check-cached'];
const isNode = (v: VariantName): boolean => NODE_VARIANTS.includes(v);
/** Uncontended runs wanted: fa-uncached runs once (it needs a fresh token pool and only serves as the "vs uncached" base). */
const wantedClean = (v: VariantName): number => (v === 'fa-uncached' ? 1 : MIN_CLEAN);
/** Each variant's uncached counterpart, for the "vs uncached" ratio. */
const UNCACHED_OF: Partial<Record<VariantName, VariantName>> = { cached: 'uncached', 'fa-cached': 'fa-uncached' };
/** BENCH_VARIANTS=plain,cached runs a subset (plain is always included: it is the reference). */
/** h2load (Debian/Ubuntu: nghttp2-client) drives the gRPC variant; without it, that variant is skipped. */
const HAVE_H2LOAD = spawnSync('h2load', ['--version']).error === undefined;
const VARIANTS: readonly VariantName[] = (
  process.env.BENCH_VARIANTS
    ? ALL_VARIANTS.filter((v) => v === 'plain' || (process.env.BENCH_VARIANTS as string).split(',').includes(v))
    : ALL_VARIANTS
).filter((v) => v !== 'check-cached' || HAVE_H2LOAD);
const LABELS: Record<VariantName, string> = {
  plain: 'plain proxy (no auth)',
  cached: 'mcp-authz, cached JWT (steady state)',
  uncached: 'mcp-authz, new JWT every request',
  'njs-204': 'njs baseline (auth_request → 204)',
  'fa-cached': 'Node forward-auth check, cached token',
  'fa-uncached': 'Node forward-auth check, new JWT every request',
  'check-cached': 'Node ext_authz gRPC Check (h2load), cached token',
};


/** Decision-log lines by cache status and decision; `aborted`: nginx lines with status 499/000 (the client, wrk, stopped). */
type CacheCounts = { hit: number; miss: number; other: number; allow: number; deny: number; aborted: number };

interface RunRecord extends LoadResult {
  round: number;
  /** Decision-log lines of this run by cache status (mcp-authz variants only). */
  cache?: CacheCounts;
  /**
   * CPU time the server spent per request, in µs (from /proc/<pid>/schedstat): the nginx worker, or
   * for the Node variants all threads of the service (main, libuv pool, V8 GC/compiler).
   */
  cpuUsPerReq: number;
  /**
   * Share of the wall time the server was on CPU (≈1: it was the bottleneck): the nginx worker, or
   * all threads of the Node service (they share CPU 0).
   */
  workerBusy: number;
  /** Share of the wall time the nginx worker / Node main thread was runnable but waiting for CPU 0. */
  workerRunqueueWait: number;
  /** Node variants: share of the wall time the main (event loop) thread was on CPU. */
  mainThreadBusy?: number;
  /**
   * Node variants: share of CPU 0 that anything but the service used during the run (/proc/stat
   * busy time of CPU 0 minus the service's CPU time). The main thread's run-queue wait alone can't
   * tell contention: it also waits for the service's own threads (libuv pool for signature checks,
   * V8 GC), which share CPU 0.
   */
  foreignCpuShare?: number;
}

/** [ns on CPU, ns waiting on a run queue] of a process's main thread. */
function schedstat(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return [f[0], f[1]];
}

function intEnv(name: string, dflt: number): number {
  const v = process.env[name];
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Processes: everything we start is tracked by pid and stopped in `cleanup`, also on error/^C.

const children = new Set<ChildProcess>();
let nginx: ProtectedNginx | undefined;
let service: ServiceProcess | undefined;
let issuer: RunningIssuer | undefined;
let scratch: string | undefined;

async function cleanup(): Promise<void> {
  const svc = service;
  service = undefined;
  if (svc) await svc.stop();
  for (const c of children) {
    if (c.pid !== undefined && c.exitCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  children.clear();
  const n = nginx;
  nginx = undefined;
  if (n) {
    await n.stop();
    rmSync(n.dir, { recursive: true, force: true }); // the harness leaves a dir it was given
  }
  const i = issuer;
  issuer = undefined;
  if (i) await i.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs a command, resolves with stdout; rejects with its output on a non-zero exit. */
function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', (e) => {
      children.delete(child);
      reject(e);
    });
    child.once('close', (code) => {
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out}${err}`));
    });
  });
}

/** Pins a process (all its threads) to a CPU list. */
async function pin(pid: number, cpu: string): Promise<void> {
  await run('taskset', ['-a', '-c', '-p', cpu, String(pid)]);
}

// ---------------------------------------------------------------------------------------------
// wrk

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!m) throw new Error('cannot parse wrk latency ' + value);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function parseWrk(text: string): LoadResult {
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const lat = (pct: string): number => {
    const m = new RegExp(`^\\s*${pct}%\\s+(\\S+)`, 'm').exec(text);
    if (!m) throw new Error(`wrk output has no ${pct}% latency:\n${text}`);
    return toMs(m[1]);
  };
  const done = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(text);
  const rps = num(/Requests\/sec:\s+([\d.]+)/);
  if (!done || rps === undefined) throw new Error('cannot parse wrk output:\n' + text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requests: Number(done[1]),
    seconds: toMs(done[2] + done[3]) / 1000,
    rps,
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

interface Load {
  /** wrk for HTTP/1.1 (nginx, forward-auth); h2load for gRPC (ext_authz). */
  tool: 'wrk' | 'h2load';
  url: string;
  headers?: string[];
  /** wrk Lua script and its arguments (after `--`). */
  script?: { file: string; args: string[] };
  /** h2load: file POSTed as the request body. */
  body?: string;
}

async function wrk(load: Load, seconds: number): Promise<LoadResult> {
  const args = ['-c', WRK_CPU, 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  for (const h of load.headers ?? []) args.push('-H', h);
  if (load.script) args.push('-s', load.script.file);
  args.push(load.url);
  if (load.script) args.push('--', ...load.script.args);
  return parseWrk(await run('taskset', args));
}

/** h2load, one thread on the wrk CPU; latency percentiles from its per-request log. */
async function h2load(load: Load, seconds: number): Promise<LoadResult> {
  const logFile = join(scratch as string, 'h2load.log');
  const args = ['-c', WRK_CPU, 'h2load', '-t1', `-c${H2_CLIENTS}`, `-m${H2_STREAMS}`, `-D${seconds}`, `--log-file=${logFile}`];
  for (const h of load.headers ?? []) args.push('-H', h);
  if (load.body) args.push('-d', load.body);
  args.push(load.url);
  const out = await run('taskset', args);
  const r = parseH2load(out, readFileSync(logFile, 'utf8'));
  rmSync(logFile, { force: true });
  return r;
}

const drive = (load: Load, seconds: number): Promise<LoadResult> => (load.tool === 'h2load' ? h2load(load, seconds) : wrk(load, seconds));

/**
 * One request per call, each with the next token of a file (from an offset); wraps if it runs out.
 * Keeps the -H headers (wrk.format would replace them with the table it is given).
 */
const ROTATE_LUA = `
local tokens = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  i = tonumber(args[2] or "0")
end
function request()
  local t = tokens[(i % #tokens) + 1]
  i = i + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["Authorization"] = "Bearer " .. t
  return wrk.format("GET", nil, h)
end
`;

// ---------------------------------------------------------------------------------------------
// The decision logs (one JSON line per decision), read incrementally to prove hits/misses: nginx's
// (one line per /mcp request) and the Node service's stdout (one line per check, in a file).

/** nginx's decision log is buffered with flush=1s, as deployed; wait a little longer than that. */
const LOG_FLUSH_MS = 1200;
/** The Node service writes each line synchronously; only checks still queued when the load stopped lag. */
const SERVICE_LOG_SETTLE_MS = 300;


class LogTail {
  private offset = 0;
  private readonly file: string;
  private readonly settleMs: number;
  private readonly truncate: boolean;
  /** The last line that was not an allow (for the warning that reports them). */
  lastNonAllow = '';
  /** `truncate`: empty the file after each read (the writer must append, O_APPEND) to bound its size. */
  constructor(file: string, settleMs = LOG_FLUSH_MS, truncate = false) {
    this.file = file;
    this.settleMs = settleMs;
    this.truncate = truncate;
    this.skip();
  }
  skip(): void {
    this.offset = this.size();
  }
  private size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }
  /** Counts of the lines written since the last call (after nginx's 1 s log flush). */
  async counts(): Promise<CacheCounts> {
    await new Promise((resolve) => setTimeout(resolve, this.settleMs));
    const end = this.size();
    const c = { hit: 0, miss: 0, other: 0, allow: 0, deny: 0, aborted: 0 };
    if (end <= this.offset) return c;
    const fd = openSync(this.file, 'r');
    try {
      const chunk = Buffer.alloc(8 << 20);
      let pos = this.offset;
      let rest = '';
      while (pos < end) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
        if (n <= 0) break;
        pos += n;
        const lines = (rest + chunk.toString('utf8', 0, n)).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          // Requests in flight when wrk stopped: nginx logs them with 499 (or 000 while the
          // auth subrequest was still running) and no decision.
          if (line.includes('"status":"499"') || line.includes('"status":"000"')) {
            c.aborted++;
            continue;
          }
          if (line.includes('"cache":"HIT"')) c.hit++;
          else if (line.includes('"cache":"MISS"') || line.includes('"cache":"EXPIRED"')) c.miss++;
          else c.other++;
          if (line.includes('"decision":"allow"')) c.allow++;
          else {
            c.deny++;
            this.lastNonAllow = line;
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    this.offset = end;
    if (this.truncate) {
      truncateSync(this.file, 0);
      this.offset = 0;
    }
    return c;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * nginx: the worker waited ≤ MAX_WAIT of the run for CPU 0. Node: the main thread also waits behind
 * the service's own threads, so a wait above MAX_WAIT counts only if what the service's other
 * threads ran can't explain it (wait − their CPU share > MAX_WAIT: a lower bound of the wait others
 * caused, exact from schedstat) or other processes used > MAX_WAIT of CPU 0 (/proc/stat, tick-sampled).
 */
const clean = (r: RunRecord): boolean => {
  if (r.workerRunqueueWait <= MAX_WAIT) return true;
  if (r.mainThreadBusy === undefined) return false;
  const ownOtherThreads = r.workerBusy - r.mainThreadBusy;
  return r.workerRunqueueWait - ownOtherThreads <= MAX_WAIT && (r.foreignCpuShare ?? 0) <= MAX_WAIT;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

async function main(): Promise<void> {
  const t0 = Date.now();
  if (cpus().length < 2) throw new Error('needs 2 CPUs: nginx on CPU 0, wrk on CPU 1');
  scratch = mkdtempSync(join(tmpdir(), 'mcp-authz-bench-'));
  // Keep this process (token minting, the issuer) off the nginx CPU.
  await pin(process.pid, WRK_CPU);
  const withNode = VARIANTS.some(isNode);

  issuer = await startIssuer();
  const upstreamPort = await freePort();
  const [faPort, grpcPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  // One configuration for both: nginx's conf is generated from it, and `mcp-authz serve` loads it
  // (the serve block is ignored by the nginx generator).
  const yaml = `
serve:
  forward_auth: { listen: 127.0.0.1:${faPort} }
  ext_authz: { listen: 127.0.0.1:${grpcPort} }
  admin: { listen: 127.0.0.1:${adminPort} }
endpoints:
  - path: /mcp
    resource: ${RESOURCE}
    upstream: http://127.0.0.1:${upstreamPort}
    authorization_servers: [${issuer.url}]
    strategies:
      - type: jwt
        issuer: ${issuer.url}
        jwks_uri: ${issuer.jwksUri}
        algorithms: [ES256]
`;
  const parsed = parseConfig(yaml, {}, 'bench config');
  if (!parsed.ok) throw new Error('bench config invalid: ' + JSON.stringify(parsed.errors));
  const config = toCoreConfig(parsed.config);
  const configFile = join(scratch, 'mcp-authz.yaml');
  writeFileSync(configFile, yaml);

  const noopJs = join(scratch, 'bench-noop.js');
  writeFileSync(
    noopJs,
    `function noop(r) { r.return(204); }
function version(r) { r.return(200, njs.version); }
export default { noop, version };
`,
  );
  // Same transport to the tiny upstream as the generated endpoint uses (HTTP/1.1 keepalive, unbuffered).
  const proxyToTiny = `proxy_pass http://bench_tiny;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_buffering off;`;
  nginx = await startProtectedNginx(config, {
    // The decision log as deployed: buffered.
    timing: { logBuffered: true },
    httpExtra: `
# The tiny upstream every variant proxies to.
server {
    listen 127.0.0.1:${upstreamPort};
    access_log off;
    location / { return 200 "ok\\n"; }
}
upstream bench_tiny {
    server 127.0.0.1:${upstreamPort};
    keepalive 16;
}`,
    serverExtra: `
    # Next to the edge module, as any njs in this server would be: the floor of njs auth here.
    js_import bench from ${noopJs};
    location = /plain {
        ${proxyToTiny}
    }
    location = /njs204 {
        auth_request /_bench/noop;
        ${proxyToTiny}
    }
    location = /_bench/noop { internal; js_content bench.noop; }
    location = /_bench/njs-version { js_content bench.version; }`,
  });

  // Pin the nginx master, its single worker and cache helpers to CPU 0 (worker_cpu_affinity 01;
  // the harness owns the main context, so taskset does it).
  const nginxPids = [nginx.pid, ...descendantPids(nginx.pid)];
  for (const pid of nginxPids) await pin(pid, NGINX_CPU);
  const workers = nginxPids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('worker process');
    } catch {
      return false;
    }
  });
  if (workers.length !== 1) throw new Error(`expected 1 nginx worker, found ${workers.length}`);
  const worker = workers[0];

  // The Node service: its own process on the nginx CPU (all threads), decision lines to a file.
  const serviceLogFile = join(scratch, 'service-decisions.log');
  if (withNode) {
    service = await startServiceProcess({ cpu: SERVICE_CPU, configFile, logFile: serviceLogFile, adminPort });
    await pin(service.pid, SERVICE_CPU); // every thread; they already inherit the mask from taskset -c
  }
  const svcPid = service?.pid ?? 0;

  const base = nginx.url as string;
  const njsVersion = (await (await fetch(base + '/_bench/njs-version')).text()).trim();
  const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
  const log = new LogTail(join(nginx.dir, 'mcp-authz.log'));
  const serviceLog = new LogTail(serviceLogFile, SERVICE_LOG_SETTLE_MS, true);

  const exp = Math.floor(Date.now() / 1000) + 3600;
  const steadyToken = await issuer.mint({ aud: RESOURCE, sub: 'bench-steady', exp }, { alg: 'ES256' });
  let mintSeq = 0;
  const mintTokens = async (n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let k = 0; k < n; k++) {
      mintSeq++;
      out.push(await (issuer as RunningIssuer).mint({ aud: RESOURCE, sub: `bench-${mintSeq}`, jti: `j${mintSeq}`, exp }, { alg: 'ES256' }));
    }
    return out;
  };

  // Sanity: every variant answers 200 "ok" from the tiny upstream; no token → 401.
  const check = async (path: string, auth?: string, want = 200): Promise<void> => {
    const res = await fetch(base + path, { headers: auth ? { authorization: 'Bearer ' + auth } : {} });
    const body = await res.text();
    if (res.status !== want || (want === 200 && body !== 'ok\n')) {
      throw new Error(`sanity: ${path} → ${res.status} ${JSON.stringify(body.slice(0, 200))}, want ${want}\n${nginx?.errorLog()}`);
    }
  };
  await check('/plain');
  await check('/njs204');
  await check('/mcp', undefined, 401);
  await check('/mcp', steadyToken);
  await check('/mcp', steadyToken);
  const sanity = await log.counts();
  if (sanity.hit < 1) throw new Error('sanity: a repeated token was not answered from the decision cache: ' + JSON.stringify(sanity));

  const steadyHeader = 'Authorization: Bearer ' + steadyToken;
  const luaFile = join(scratch, 'rotate.lua');
  writeFileSync(luaFile, ROTATE_LUA);

  // The Node adapters: what Traefik/Caddy/nginx auth_request send to forward-auth for POST
  // https://mcp.bench.test/mcp, and what Envoy's ext_authz filter sends for the same request.
  const faUrl = `http://127.0.0.1:${faPort}/auth`;
  const faHeaders = [
    'X-Forwarded-Method: POST',
    'X-Forwarded-Uri: /mcp',
    `X-Forwarded-Host: ${MCP_HOST}`,
    'X-Forwarded-Proto: https',
    'X-Forwarded-For: 203.0.113.7',
  ];
  const checkMsg = checkRequest({ token: steadyToken, host: MCP_HOST, path: '/mcp' });
  const checkBody = join(scratch, 'check-request.grpc');
  writeFileSync(checkBody, framedCheckRequest(checkMsg));
  const grpcUrl = `http://127.0.0.1:${grpcPort}${CHECK_PATH}`;
  const grpcHeaders = ['content-type: application/grpc', 'te: trailers'];
  if (withNode) {
    const fa = async (auth: string | undefined, want: number): Promise<void> => {
      const headers: Record<string, string> = Object.fromEntries(faHeaders.map((h) => h.split(': ') as [string, string]));
      if (auth) headers.authorization = 'Bearer ' + auth;
      const res = await fetch(faUrl, { headers });
      await res.arrayBuffer();
      const subject = res.headers.get('x-mcp-subject');
      if (res.status !== want || (want === 200 && subject !== 'bench-steady')) {
        throw new Error(`sanity: forward-auth → ${res.status} (subject ${subject}), want ${want}\n${service?.stderr()}`);
      }
    };
    await fa(undefined, 401);
    await fa(steadyToken, 200);
    await fa(steadyToken, 200);
    await verifyCheckOk(grpcPort, checkMsg, readFileSync(checkBody));
    const s = await serviceLog.counts();
    if (s.hit < 2 || s.allow < 4) throw new Error('sanity: the service did not answer repeated tokens from its cache: ' + JSON.stringify(s));
  }

  // Uncached needs a never-seen token per request: calibrate the rate on a first pool, then mint
  // enough fresh tokens before each uncached slot (outside any measurement).
  const uncachedRate: Partial<Record<VariantName, number>> = {};
  let tokenFile = 0;
  const freshTokens = async (seconds: number, rate: number): Promise<{ file: string; count: number }> => {
    const count = Math.max(4000, Math.ceil(seconds * rate * 1.4) + 4 * CONNECTIONS);
    const file = join(scratch as string, `tokens-${tokenFile++}.txt`);
    writeFileSync(file, (await mintTokens(count)).join('\n') + '\n');
    return { file, count };
  };
  const uncachedLoad = (v: VariantName, file: string, offset: number): Load =>
    v === 'uncached'
      ? { tool: 'wrk', url: base + '/mcp', script: { file: luaFile, args: [file, String(offset)] } }
      : { tool: 'wrk', url: faUrl, headers: faHeaders, script: { file: luaFile, args: [file, String(offset)] } };
  const calibrate = async (v: VariantName): Promise<void> => {
    process.stdout.write(`calibrating the ${v} rate… `);
    const pool = await freshTokens(1, 0);
    const r = await wrk(uncachedLoad(v, pool.file, 0), 1);
    uncachedRate[v] = r.rps;
    await (isNode(v) ? serviceLog : log).counts();
    console.log(`${fmt(r.rps)} req/s`);
  };
  if (VARIANTS.includes('uncached')) await calibrate('uncached');

  const runs = Object.fromEntries(ALL_VARIANTS.map((v) => [v, [] as RunRecord[]])) as Record<VariantName, RunRecord[]>;
  const warnings: string[] = [];
  if (!HAVE_H2LOAD) warnings.push('h2load not found (apt-get install nghttp2-client): check-cached skipped');
  const measureOnce = async (v: VariantName, round: number): Promise<void> => {
    const node = isNode(v);
    const tail = node ? serviceLog : log;
    let measureLoad: Load;
    if (v === 'uncached' || v === 'fa-uncached') {
      if (uncachedRate[v] === undefined) await calibrate(v);
      // Floors: a contended calibration must not leave the pool short (nginx ~1k/s, Node ~4k/s uncontended).
      const pool = await freshTokens(WARMUP + DURATION, Math.max(uncachedRate[v] as number, v === 'uncached' ? 1000 : 3500));
      const w = await wrk(uncachedLoad(v, pool.file, 0), WARMUP);
      const used = w.requests + 4 * CONNECTIONS; // + requests in flight when wrk stopped
      measureLoad = uncachedLoad(v, pool.file, used);
      if (used + DURATION * w.rps * 1.2 > pool.count) warnings.push(`${v} round ${round}: token pool may wrap (${pool.count} tokens)`);
    } else {
      measureLoad =
        v === 'plain'
          ? { tool: 'wrk', url: base + '/plain' }
          : v === 'njs-204'
            ? { tool: 'wrk', url: base + '/njs204' }
            : v === 'cached'
              ? { tool: 'wrk', url: base + '/mcp', headers: [steadyHeader] }
              : v === 'fa-cached'
                ? { tool: 'wrk', url: faUrl, headers: [...faHeaders, steadyHeader] }
                : { tool: 'h2load', url: grpcUrl, headers: grpcHeaders, body: checkBody };
      await drive(measureLoad, WARMUP);
    }
    await tail.counts();
    // nginx: the worker's thread; Node: CPU of all threads, run-queue wait of the main (event loop) thread.
    const pid = node ? svcPid : worker;
    const cpuNow = (): number => (node ? processCpuNs(svcPid) : schedstat(worker)[0]);
    const [main0, wait0] = schedstat(pid);
    const cpu0 = cpuNow();
    const busy0 = cpuBusyNs(SERVICE_CPU);
    const t1 = process.hrtime.bigint();
    const w = await drive(measureLoad, DURATION);
    const wallNs = Number(process.hrtime.bigint() - t1);
    const busy1 = cpuBusyNs(SERVICE_CPU);
    const cpu1 = cpuNow();
    const [main1, wait1] = schedstat(pid);
    const r: RunRecord = {
      round,
      ...w,
      cpuUsPerReq: (cpu1 - cpu0) / 1000 / Math.max(1, w.requests),
      workerBusy: (cpu1 - cpu0) / wallNs,
      workerRunqueueWait: (wait1 - wait0) / wallNs,
    };
    if (node) {
      r.mainThreadBusy = (main1 - main0) / wallNs;
      r.foreignCpuShare = Math.max(0, busy1 - busy0 - (cpu1 - cpu0)) / wallNs;
    }
    if (v !== 'plain' && v !== 'njs-204') r.cache = await tail.counts();
    if (v === 'uncached' || v === 'fa-uncached') uncachedRate[v] = Math.max(uncachedRate[v] ?? 0, r.rps);
    runs[v].push(r);
    if (r.non2xx || r.socketErrors) warnings.push(`${v} round ${round}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
    if (r.cache && r.cache.deny > 0) warnings.push(`${v} round ${round}: ${r.cache.deny} decision(s) not allow, e.g. ${tail.lastNonAllow.slice(0, 300)}`);
    const c = r.cache ? `  cache hit ${fmt((100 * r.cache.hit) / Math.max(1, r.cache.hit + r.cache.miss + r.cache.other), 1)}%` : '';
    console.log(
      `  round ${round}  ${v.padEnd(12)} ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50Ms, 2).padStart(6)} ms  p99 ${fmt(r.p99Ms, 2).padStart(6)} ms` +
        `  ${fmt(r.cpuUsPerReq, 1).padStart(6)} µs CPU/req  busy ${fmt(100 * r.workerBusy).padStart(3)}%  rq-wait ${fmt(100 * r.workerRunqueueWait).padStart(2)}%` +
        (r.mainThreadBusy === undefined
          ? ''
          : ` (own threads ${fmt(100 * (r.workerBusy - r.mainThreadBusy))}%, others ${fmt(100 * (r.foreignCpuShare ?? 0))}%)`) +
        `${clean(r) ? '' : ' (contended)'}${c}`,
    );
  };
  const cleanCount = (v: VariantName): number => runs[v].filter(clean).length;

  console.log(
    `\n${ROUNDS} rounds × ${VARIANTS.length} variants (fa-uncached: once; up to ${MAX_ROUNDS} rounds for variants short of uncontended runs), ` +
      `each ${WARMUP}s warm-up + ${DURATION}s measured;\nwrk -t1 -c${CONNECTIONS} / h2load -t1 -c${H2_CLIENTS} -m${H2_STREAMS} on CPU ${WRK_CPU}, ` +
      `nginx (1 worker) and the Node service on CPU ${NGINX_CPU}; "contended": the server waited > ${fmt(100 * MAX_WAIT)}% of the run for its CPU\n`,
  );
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    // All variants for the first ROUNDS rounds (fa-uncached in the first only), then only those
    // still short of uncontended runs.
    const todo = VARIANTS.filter((v) => (round <= ROUNDS && runs[v].length < (v === 'fa-uncached' ? 1 : ROUNDS)) || cleanCount(v) < wantedClean(v));
    if (todo.length === 0) break;
    // Rotate the order each round so no variant always runs first/last.
    const order = todo.map((_, k) => todo[(k + round - 1) % todo.length]);
    let skipped = 0;
    for (const v of order) {
      // Extra rounds: a variant only if its slot (warm-up, run, log reads, token minting) still fits the budget.
      const slot = WARMUP + DURATION + (v === 'fa-uncached' || v === 'uncached' ? 8 : 3);
      if (round > ROUNDS && (Date.now() - t0) / 1000 + slot > BUDGET) {
        skipped++;
        continue;
      }
      await measureOnce(v, round);
    }
    if (skipped > 0) {
      warnings.push(`time budget (${BUDGET} s) reached in round ${round}: ${skipped} of ${order.length} re-runs skipped`);
      break;
    }
  }

  // Aggregate: median per variant of each metric over its uncontended runs (all runs if none).
  const used = {} as Record<VariantName, RunRecord[]>;
  for (const v of VARIANTS) {
    const ok = runs[v].filter(clean);
    used[v] = ok.length > 0 ? ok : runs[v];
    if (ok.length === 0) warnings.push(`${v}: every run was contended; its median uses all ${runs[v].length} runs`);
    else if (ok.length < wantedClean(v)) warnings.push(`${v}: only ${ok.length} uncontended run(s)`);
  }
  const plainRps = median(used.plain.map((r) => r.rps));
  const plainP50 = median(used.plain.map((r) => r.p50Ms));
  const plainP99 = median(used.plain.map((r) => r.p99Ms));
  const plainCpu = median(used.plain.map((r) => r.cpuUsPerReq));
  const rpsOf = (v: VariantName | undefined): number | undefined => (v && VARIANTS.includes(v) ? median(used[v].map((r) => r.rps)) : undefined);
  const summary = {} as Record<VariantName, Record<string, unknown>>;
  const rows: string[][] = [];
  for (const v of VARIANTS) {
    const rs = used[v];
    const node = isNode(v);
    const rps = median(rs.map((r) => r.rps));
    const p50 = median(rs.map((r) => r.p50Ms));
    const p99 = median(rs.map((r) => r.p99Ms));
    const cpu = median(rs.map((r) => r.cpuUsPerReq));
    const busy = median(rs.map((r) => r.workerBusy));
    const wait = median(rs.map((r) => r.workerRunqueueWait));
    const uncachedRps = rpsOf(UNCACHED_OF[v]);
    let hitRate: number | undefined;
    if (rs[0].cache) {
      let hit = 0;
      let all = 0;
      for (const r of rs) {
        const c = r.cache as NonNullable<RunRecord['cache']>;
        hit += c.hit;
        all += c.hit + c.miss + c.other;
      }
      hitRate = hit / Math.max(1, all);
    }
    summary[v] = {
      label: LABELS[v],
      server: node ? 'node' : 'nginx',
      runsUsed: rs.map((r) => r.round),
      runsTotal: runs[v].length,
      rps,
      p50Ms: p50,
      p99Ms: p99,
      // A Node adapter answers the check only (the proxy in front of it is not measured), so a ratio
      // to plain nginx, which proxies the whole request, compares different work: none is given.
      ...(node
        ? {}
        : { rpsRatioToPlain: rps / plainRps, p50RatioToPlain: p50 / plainP50, p99RatioToPlain: p99 / plainP99 }),
      ...(uncachedRps === undefined ? {} : { rpsRatioToUncached: rps / uncachedRps }),
      rpsRange: [Math.min(...rs.map((r) => r.rps)), Math.max(...rs.map((r) => r.rps))],
      cpuUsPerReq: cpu,
      /** plain's CPU per request ÷ this variant's: the throughput ratio an uncontended CPU would give. */
      ...(node
        ? { mainThreadBusy: median(rs.map((r) => r.mainThreadBusy ?? 0)), foreignCpuShare: median(rs.map((r) => r.foreignCpuShare ?? 0)) }
        : { cpuRatioToPlain: plainCpu / cpu }),
      workerBusy: busy,
      workerRunqueueWait: wait,
      ...(hitRate === undefined ? {} : { decisionCacheHitRate: hitRate }),
    };
    rows.push([
      v,
      `${rs.length}/${runs[v].length}`,
      fmt(rps),
      node ? 'n/a' : `${fmt((100 * rps) / plainRps, 1)}%`,
      uncachedRps === undefined ? '' : `${fmt(rps / uncachedRps, 1)}×`,
      fmt(p50, 2),
      fmt(p99, 2),
      fmt(cpu, 1),
      node ? 'n/a' : `${fmt((100 * plainCpu) / cpu, 1)}%`,
      `${fmt(100 * busy)}%`,
      `${fmt(100 * wait, 1)}%`,
      hitRate === undefined ? '' : `${fmt(100 * hitRate, 1)}%`,
    ]);
  }
  const header = ['variant', 'runs', 'req/s', 'vs plain', 'vs uncached', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU vs plain', 'busy', 'rq-wait', 'cache hits'];
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  console.log(`\nMedians over the uncontended runs (runs: used/measured):\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  VARIANTS.forEach((v, k) => {
    if (k > 0 && isNode(v) && !isNode(VARIANTS[k - 1])) console.log(widths.map((w) => '·'.repeat(w)).join('  '));
    console.log(line(rows[k]));
  });
  console.log(
    '\n' +
      VARIANTS.map((v) => `  ${v.padEnd(12)} ${LABELS[v]}`).join('\n') +
      '\n  CPU µs/req: nginx worker CPU time per request (Node: all threads of the service); CPU vs plain = plain µs/req ÷ variant µs/req.' +
      '\n  busy: share of the run the nginx worker / Node service (all threads) was on CPU 0; rq-wait: share the nginx worker /' +
      '\n  Node main thread waited for CPU 0. The main thread also waits behind the service\'s own pool and GC threads, so a' +
      '\n  Node run is contended only if its wait minus their CPU share, or other processes\' share of CPU 0, is > ' + fmt(100 * MAX_WAIT) + '%.' +
      '\n  vs plain is n/a for the Node adapters: they answer the auth check only, while plain nginx proxies the whole' +
      '\n  request, so the ratio would compare different work. vs uncached: req/s ÷ the same path with a new JWT per request.',
  );

  const ratio = (summary.cached?.rpsRatioToPlain as number | undefined) ?? NaN;
  const cpuRatio = (summary.cached?.cpuRatioToPlain as number | undefined) ?? NaN;
  const meets = ratio >= TARGET;
  // Medians of contended runs only say how busy the machine was: no verdict from them.
  const allContended = (['plain', 'cached'] as const).filter((v) => VARIANTS.includes(v) && !runs[v].some(clean));
  console.log(
    `\nTarget: steady-state authenticated ≥ ${TARGET * 100}% of plain req/s → ${fmt(ratio * 100, 1)}%: ` +
      (allContended.length ? `INCONCLUSIVE (every ${allContended.join(' and ')} run was contended)` : `${meets ? 'MEETS' : 'DOES NOT MEET'} the target`) +
      ` (CPU-per-request cross-check: ${fmt(cpuRatio * 100, 1)}%, ${cpuRatio >= TARGET ? 'meets' : 'does not meet'})`,
  );
  for (const v of VARIANTS) {
    for (const r of used[v]) {
      if (r.workerBusy < 0.8) warnings.push(`${v} round ${r.round}: ${isNode(v) ? 'the Node service' : 'nginx'} only ${fmt(100 * r.workerBusy)}% busy (client-side limited?)`);
    }
  }
  const errors = nginx.errorLog().split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l));
  if (errors.length) warnings.push(`${errors.length} error lines in nginx error.log, first: ${errors[0]}`);
  if (service && service.child.exitCode !== null) warnings.push(`mcp-authz serve exited early (${service.child.exitCode}): ${service.stderr()}`);
  for (const w of warnings) console.log('WARNING: ' + w);

  const nodeVersion = process.version;
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, nginx: nginxVersion.replace(/^nginx version: /, ''), njs: njsVersion, node: nodeVersion },
    method: {
      nginx: `worker_processes 1, pinned to CPU ${NGINX_CPU} (master, worker, cache helpers) with taskset`,
      wrk: `taskset -c ${WRK_CPU} wrk -t1 -c${CONNECTIONS} -d${DURATION}s --latency, GET`,
      rounds: ROUNDS,
      warmupSeconds: WARMUP,
      durationSeconds: DURATION,
      aggregate: `median per variant (req/s, p50, p99, CPU µs/req each) over its uncontended runs (nginx worker run-queue wait ≤ ${MAX_WAIT * 100}% of the run; Node: main thread run-queue wait ≤ ${MAX_WAIT * 100}%, or else both that wait minus the CPU share of the service's other threads and other processes' share of CPU ${SERVICE_CPU} ≤ ${MAX_WAIT * 100}%); ${ROUNDS} interleaved rounds (fa-uncached: 1), then up to ${MAX_ROUNDS - ROUNDS} more for variants with fewer than ${MIN_CLEAN} (fa-uncached: 1) uncontended runs, within ${BUDGET} s`,
      cpu: 'nginx worker CPU time and run-queue wait from /proc/<pid>/schedstat around each measured run; Node service: CPU of all threads (/proc/<pid>/task/*/schedstat), run-queue wait of the main thread, and CPU 0 busy time from /proc/stat minus the service CPU (foreignCpuShare)',
      upstream: 'server { location / { return 200 "ok\\n"; } } in the same nginx, keepalive 16, shared by all variants',
      token: 'ES256 JWT, aud = endpoint resource, jwt strategy with JWKS from a local issuer (cached by nginx / the service)',
      uncached: 'wrk Lua script sends a never-seen token per request (minted before each slot); the decision log confirms the cache misses',
      service: `taskset -c ${SERVICE_CPU} node src/cli.ts serve --config <same endpoint/issuer as nginx>, decision lines (stdout) appended to a file; Node ${nodeVersion}`,
      forwardAuth: `taskset -c ${WRK_CPU} wrk -t1 -c${CONNECTIONS} -d${DURATION}s --latency, GET /auth with ${faHeaders.join(', ')} and the token`,
      extAuthz: `taskset -c ${WRK_CPU} h2load -t1 -c${H2_CLIENTS} -m${H2_STREAMS} -D${DURATION}, POST ${CHECK_PATH} with content-type: application/grpc, te: trailers and one pre-framed CheckRequest (protobufjs, Envoy protos); p50/p99 from h2load --log-file; checked once with grpc-js and once with the exact bytes over node:http2 (grpc-status 0, OK response); the decision log confirms allow + cache HIT`,
      nodeRatios: 'no ratio to plain nginx for the Node adapters (they answer the check only; the proxy in front is not measured); rpsRatioToUncached = cached ÷ uncached req/s of the same path',
    },
    target: { metric: 'cached req/s ÷ plain req/s (medians)', threshold: TARGET, ratio, meets: allContended.length ? null : meets, cpuPerRequestRatio: cpuRatio },
    variants: summary,
    runs: Object.fromEntries(VARIANTS.map((v) => [v, runs[v]])),
    warnings,
    totalSeconds: Math.round((Date.now() - t0) / 1000),
  };
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${RESULTS_FILE} (${results.totalSeconds}s)`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
