/**
 * Run a real nginx (with the njs module loaded) in a throw-away prefix
 * directory for integration tests.
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startProcess, tcpAccepts, waitFor } from './process.ts';

/** Path of the Debian njs dynamic module. */
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

/** nginx binary; override with `NGINX_BIN`. */
const NGINX_BIN = process.env.NGINX_BIN ?? 'nginx';

/** Config text, or a function of the prefix dir returning config text. */
export type ConfText = string | ((dir: string) => string);

/** Options for {@link startNginx}. */
export interface StartNginxOptions {
  /** Directives placed inside `http { ... }` (servers, js_import, ...). */
  httpConf: ConfText;
  /** Extra top-level (main context) directives, e.g. `env FOO;`. */
  mainConf?: ConfText;
  /** Prefix dir to use; a fresh temp dir is created (and removed on stop) if omitted. */
  dir?: string;
  /** Files to write into the prefix dir before starting (relative path → content). */
  files?: Record<string, string>;
  /** Port that a `listen 127.0.0.1:<port>` in `httpConf` binds; nginx is ready when it accepts TCP. */
  readyPort?: number;
  /** Startup timeout in ms (default 10000). */
  timeoutMs?: number;
}

/** A running nginx started by {@link startNginx}. */
export interface RunningNginx {
  /** Pid of the nginx master process. */
  readonly pid: number;
  /** Prefix directory holding nginx.conf, logs, temp dirs. */
  readonly dir: string;
  /** The `readyPort` passed in, if any. */
  readonly port?: number;
  /** `http://127.0.0.1:<port>` when `readyPort` was given. */
  readonly url?: string;
  /** Stops nginx (SIGTERM → SIGKILL after 3 s); removes the temp dir if it created it. */
  stop(): Promise<void>;
  /** Contents of `<dir>/error.log` (still available after stop). */
  errorLog(): string;
  /** Contents of `<dir>/access.log` (still available after stop). */
  accessLog(): string;
  /** nginx's own stdout/stderr. */
  output(): string;
  /**
   * Reloads nginx (SIGHUP) and waits until the new worker has started and the
   * old one is shutting down. If `httpConf`/`mainConf` are given, the config
   * file is rewritten first and validated with `nginx -t`.
   */
  reload(next?: { httpConf?: ConfText; mainConf?: ConfText }): Promise<void>;
}

/**
 * Builds the complete nginx.conf text for a prefix dir.
 *
 * Runs workers as root when we are root: with the default `nobody` worker
 * user, workers cannot enter the 0700 temp dir made by `mkdtemp`, so static
 * files there give 403 and request bodies spilled to `client_body_temp`
 * give 500 ("Permission denied", verified with nginx 1.22). Non-root runs
 * do not need it (nginx ignores `user` there with a warning), so it is omitted.
 */
export function buildNginxConf(dir: string, httpConf: string, mainConf = ''): string {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return [
    `load_module ${NJS_MODULE};`,
    isRoot ? 'user root root;' : '',
    'worker_processes 1;',
    'daemon off;',
    'master_process on;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    mainConf,
    'events {}',
    'http {',
    `  client_body_temp_path ${dir}/client_body_temp;`,
    `  proxy_temp_path ${dir}/proxy_temp;`,
    `  fastcgi_temp_path ${dir}/fastcgi_temp;`,
    `  uwsgi_temp_path ${dir}/uwsgi_temp;`,
    `  scgi_temp_path ${dir}/scgi_temp;`,
    `  access_log ${dir}/access.log;`,
    httpConf,
    '}',
    '',
  ].join('\n');
}

/**
 * Validates a config file with `nginx -t`.
 * @throws Error containing nginx's output when the config is invalid.
 */
export function checkNginxConf(dir: string): Promise<void> {
  const conf = join(dir, 'nginx.conf');
  return new Promise((resolve, reject) => {
    execFile(
      NGINX_BIN,
      ['-t', '-p', dir, '-c', conf, '-e', join(dir, 'error.log')],
      (err, stdout, stderr) => {
        if (err) {
          const text = readFileSync(conf, 'utf8');
          reject(new Error(`nginx -t failed:\n${stdout}${stderr}\n--- ${conf} ---\n${text}`));
        } else resolve();
      },
    );
  });
}

const resolveConf = (c: ConfText | undefined, dir: string): string =>
  c === undefined ? '' : typeof c === 'function' ? c(dir) : c;

const readOr = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

const count = (text: string, needle: string): number => text.split(needle).length - 1;

/**
 * Writes a full nginx.conf into a (fresh temp) prefix dir, checks it with
 * `nginx -t`, and runs `nginx -p <dir> -c <dir>/nginx.conf` in the
 * foreground as a child process. Resolves once `nginx.pid` exists and
 * `readyPort` (if given) accepts TCP.
 *
 * @throws Error with nginx's output if the config is invalid or nginx fails to start.
 */
export async function startNginx(opts: StartNginxOptions): Promise<RunningNginx> {
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mcp-authz-nginx-'));
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const confFile = join(dir, 'nginx.conf');
  const pidFile = join(dir, 'nginx.pid');
  const errFile = join(dir, 'error.log');
  const accFile = join(dir, 'access.log');
  let httpConf = opts.httpConf;
  let mainConf = opts.mainConf;
  const writeConf = (): void =>
    writeFileSync(confFile, buildNginxConf(dir, resolveConf(httpConf, dir), resolveConf(mainConf, dir)));

  writeConf();
  try {
    await checkNginxConf(dir);
  } catch (err) {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const port = opts.readyPort;
  let proc;
  try {
    proc = await startProcess(NGINX_BIN, ['-p', dir, '-c', confFile, '-e', errFile], {
      timeoutMs: opts.timeoutMs ?? 10_000,
      readyWhen: async () => existsSync(pidFile) && (port === undefined || (await tcpAccepts(port))),
    });
  } catch (err) {
    const msg = `${(err as Error).message}\n--- error.log ---\n${readOr(errFile)}`;
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw new Error(msg);
  }

  let finalErr: string | undefined;
  let finalAcc: string | undefined;
  let stopP: Promise<void> | undefined;
  return {
    pid: proc.pid,
    dir,
    port,
    url: port === undefined ? undefined : `http://127.0.0.1:${port}`,
    output: () => proc.output(),
    errorLog: () => finalErr ?? readOr(errFile),
    accessLog: () => finalAcc ?? readOr(accFile),
    stop() {
      stopP ??= (async () => {
        await proc.stop();
        finalErr = readOr(errFile);
        finalAcc = readOr(accFile);
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
      })();
      return stopP;
    },
    async reload(next) {
      if (next?.httpConf !== undefined) httpConf = next.httpConf;
      if (next?.mainConf !== undefined) mainConf = next.mainConf;
      if (next) {
        writeConf();
        await checkNginxConf(dir);
      }
      const before = readOr(errFile);
      const started = count(before, 'start worker process');
      const draining = count(before, 'gracefully shutting down');
      process.kill(proc.pid, 'SIGHUP');
      await waitFor(() => {
        const log = readOr(errFile);
        return count(log, 'start worker process') > started && count(log, 'gracefully shutting down') > draining;
      }, 10_000);
    },
  };
}
