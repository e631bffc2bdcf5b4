/**
 * Helpers for the Node adapter variants of `npm run bench`: the `mcp-authz serve` process (started
 * pinned to a CPU, stopped by pid), its CPU time across all threads from /proc, a pre-framed gRPC
 * CheckRequest for h2load, h2load's output and per-request log, and the gRPC sanity checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect as h2connect, constants as h2 } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { createExtAuthzClient } from '../src/envoy/client.ts';
import { EXTERNAL_AUTH_PROTO, loadEnvoyRoot } from '../src/envoy/protos.ts';
import type { CheckRequestMessage } from '../src/envoy/request.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** gRPC path of Authorization/Check, as Envoy's ext_authz filter calls it. */
export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

/** [ns on CPU, ns waiting on a run queue] of one task (thread). */
export function taskSchedstat(pid: number, tid = pid): [number, number] {
  const f = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return [f[0], f[1]];
}

/**
 * ns on CPU of every thread of a process (main thread, libuv pool, V8 GC/compiler threads). Node's
 * threads live as long as the process, so a sum over the current tasks is the process's CPU time.
 */
export function processCpuNs(pid: number): number {
  let sum = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += taskSchedstat(pid, Number(tid))[0];
    } catch {
      /* thread exited between readdir and read */
    }
  }
  return sum;
}

/**
 * ns CPU `cpu` spent on anything but idle and iowait since boot (/proc/stat, USER_HZ ticks: 10 ms
 * resolution, fine over seconds). Minus the service's own CPU time, this is what other processes
 * (and interrupts) took from the service's CPU during a run.
 */
export function cpuBusyNs(cpu: string): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`no cpu${cpu} in /proc/stat`);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest is included in user)
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
  return (busy * 1e9) / USER_HZ;
}

/** Linux's USER_HZ, the unit of /proc/stat (100 on every mainstream architecture). */
const USER_HZ = 100;

/** A running `mcp-authz serve`. */
export interface ServiceProcess {
  pid: number;
  child: ChildProcess;
  /** Last lines of its stderr (startup messages, errors). */
  stderr(): string;
  /** SIGTERM, wait up to 3 s for a clean exit, then SIGKILL. */
  stop(): Promise<void>;
}

/**
 * `taskset -c <cpu> node src/cli.ts serve --config <file>`: taskset execs node, so the child's pid
 * is the service's and every thread node starts inherits the CPU mask. Decision lines (stdout)
 * are appended to `logFile` (O_APPEND, so the bench may truncate it between runs).
 */
export async function startServiceProcess(o: { cpu: string; configFile: string; logFile: string; adminPort: number }): Promise<ServiceProcess> {
  const out = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('taskset', ['-c', o.cpu, process.execPath, CLI, 'serve', '--config', o.configFile], { stdio: ['ignore', out, 'pipe'] });
  } finally {
    closeSync(out); // the child holds its own copy
  }
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err = (err + b.toString()).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const svc: ServiceProcess = {
    pid: child.pid as number,
    child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mcp-authz serve exited ${child.exitCode}:\n${err}`);
    const ready = await fetch(`http://127.0.0.1:${o.adminPort}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return svc;
    if (Date.now() > deadline) {
      await svc.stop();
      throw new Error('mcp-authz serve not ready after 20 s:\n' + err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The CheckRequest Envoy's ext_authz filter would send for `POST https://<host><path>` with a bearer token. */
export function checkRequest(o: { token: string; host: string; path: string }): CheckRequestMessage {
  return {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1' } } },
      request: {
        http: {
          id: '1',
          method: 'POST',
          path: o.path,
          host: o.host,
          scheme: 'https',
          headers: {
            ':authority': o.host,
            ':method': 'POST',
            ':path': o.path,
            ':scheme': 'https',
            authorization: 'Bearer ' + o.token,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
      },
    },
  };
}

/**
 * One gRPC message as it travels in an HTTP/2 DATA frame: 0x00 (not compressed), the big-endian
 * uint32 length, then the CheckRequest serialized with protobufjs from the real Envoy protos.
 */
export function framedCheckRequest(msg: CheckRequestMessage): Buffer {
  const type = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]).lookupType('envoy.service.auth.v3.CheckRequest');
  const err = type.verify(msg);
  if (err) throw new Error('CheckRequest: ' + err);
  const bytes = type.encode(type.fromObject(msg)).finish();
  const framed = Buffer.alloc(5 + bytes.length);
  framed.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).copy(framed, 5);
  return framed;
}

/**
 * Sanity before any gRPC load: (1) grpc-js's client (the one tests use) gets an OK CheckResponse for
 * `msg`; (2) the exact pre-framed bytes h2load will send, POSTed over node:http2 with h2load's
 * headers, get HTTP 200, grpc-status 0 and a CheckResponse with status.code OK and ok_response.
 */
export async function verifyCheckOk(port: number, msg: CheckRequestMessage, framed: Buffer): Promise<void> {
  const client = createExtAuthzClient('127.0.0.1:' + port);
  try {
    const res = await client.check(msg);
    if ((res.status?.code ?? 0) !== 0 || res.http_response !== 'ok_response') throw new Error('sanity: grpc-js Check was not OK: ' + JSON.stringify(res));
  } finally {
    client.close();
  }
  const session = h2connect(`http://127.0.0.1:${port}`);
  try {
    const { status, grpcStatus, body } = await new Promise<{ status: number; grpcStatus: string; body: Buffer }>((resolve, reject) => {
      session.once('error', reject);
      const req = session.request({
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: CHECK_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      let status = 0;
      let grpcStatus = '';
      const chunks: Buffer[] = [];
      req.once('response', (h) => {
        status = Number(h[h2.HTTP2_HEADER_STATUS]);
        if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']); // trailers-only reply
      });
      req.once('trailers', (t) => (grpcStatus = String(t['grpc-status'])));
      req.on('data', (b: Buffer) => chunks.push(b));
      req.once('error', reject);
      req.once('end', () => resolve({ status, grpcStatus, body: Buffer.concat(chunks) }));
      req.end(framed);
    });
    if (status !== 200 || grpcStatus !== '0' || body.length < 5) {
      throw new Error(`sanity: framed Check → HTTP ${status}, grpc-status ${grpcStatus || '(none)'}, ${body.length} bytes`);
    }
    const type = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]).lookupType('envoy.service.auth.v3.CheckResponse');
    const res = type.toObject(type.decode(body.subarray(5, 5 + body.readUInt32BE(1))), { oneofs: true }) as {
      status?: { code?: number };
      http_response?: string;
    };
    if ((res.status?.code ?? 0) !== 0 || res.http_response !== 'ok_response') throw new Error('sanity: framed Check was not OK: ' + JSON.stringify(res));
  } finally {
    session.close();
  }
}

/** What one load run measured (wrk or h2load). */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses with an HTTP status other than 2xx (gRPC errors are HTTP 200: the decision log counts those). */
  non2xx: number;
  /** Streams h2load counted as failed (reset, connection error) or timed out. */
  socketErrors: number;
}

/** p-quantile (0..1) of an ascending array, nearest rank. */
function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * h2load's summary plus latency percentiles from its --log-file (h2load prints only min/max/mean/sd):
 * one line per request, `start µs since epoch \t HTTP status \t µs until the end of the response`.
 */
export function parseH2load(text: string, logText: string): LoadResult {
  const fin = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(text);
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
  if (!fin || !req || !codes) throw new Error('cannot parse h2load output:\n' + text);
  const lat: number[] = [];
  for (const line of logText.split('\n')) {
    const f = line.split('\t');
    if (f.length >= 3) lat.push(Number(f[2]) / 1000);
  }
  const sorted = Float64Array.from(lat).sort();
  return {
    requests: Number(req[3]),
    seconds: Number(fin[1]) / (fin[2] === 'ms' ? 1000 : 1),
    rps: Number(fin[3]),
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    non2xx: Number(codes[2]) + Number(codes[3]) + Number(codes[4]),
    socketErrors: Number(req[5]) + Number(req[7]),
  };
}
