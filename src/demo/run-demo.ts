/**
 * `mcp-authz demo`: the sample MCP server and the companion Authorization Server on loopback
 * ports, nginx with the generated mcp-authz module in front of both (the AS paths routed to the
 * companion, so a client only ever talks to nginx), all configured from files written into
 * `.demo/` (a real config, a real nginx.conf) so the demo doubles as a worked example.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCompanion } from '../companion/start-companion.ts';
import { formatErrors } from '../config/format-errors.ts';
import { loadConfig } from '../config/load.ts';
import { writeNginxModule } from '../nginx/write-module.ts';
import { fetchJson } from '../node/node-ports.ts';
import { API_KEY_ENV, API_KEY_HEADER, DEMO_USERNAME, demoConfigYaml, PASSWORD_ENV } from './demo-config.ts';
import { demoInstructions, formatChecks, READY_LINE, resourceMetadataUrl } from './demo-instructions.ts';
import { findNginx, startNginx, testNginxConf, type DemoNginx } from './demo-nginx.ts';
import { demoNginxConf, NJS_MODULE } from './demo-nginx-conf.ts';
import { closeServer, freeLoopbackPort, listenLoopback, portIsFree } from './loopback.ts';
import { createMcpRequestHandler } from './sample-mcp-server.ts';
import { selfCheck } from './self-check.ts';

export { READY_LINE };

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Port of nginx on 127.0.0.1 (default 8080). */
  port?: number;
}

/** A startup problem with a message for the user (no stack trace needed). */
class DemoError extends Error {}

// Unix socket paths are limited to 108 bytes; a deep checkout would exceed that.
const MAX_SOCKET_PATH = 100;

/**
 * Runs the demo in the foreground until SIGINT/SIGTERM, then stops nginx and the servers.
 * The directory is `.demo/` at the repository root, or `MCP_AUTHZ_DEMO_DIR` (lets tests run a
 * demo without touching a user's). Resolves with the exit code.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  // Installed first so a signal during start-up still ends in an orderly cleanup.
  const signalled = { yes: false };
  let onSignal: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    onSignal = () => { signalled.yes = true; resolve(); };
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const cleanups: Array<() => Promise<void>> = [];
  let code = 0;
  try {
    await start(opts, cleanups, signalled);
    await stopRequested;
    process.stdout.write('\nstopping…\n');
  } catch (err) {
    // Expected problems get their message only; anything else keeps its stack for a bug report.
    const text = err instanceof DemoError ? err.message : (err as Error).stack ?? String(err);
    process.stderr.write(`\nmcp-authz demo: ${text}\n`);
    code = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (code === 0) process.stdout.write('demo stopped.\n');
  return code;
}

async function start(opts: DemoOptions, cleanups: Array<() => Promise<void>>, signalled: { yes: boolean }): Promise<void> {
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DemoError(`--port must be a port number, got ${opts.port}`);
  const nginxBin = findNginx();
  if (nginxBin === undefined || !existsSync(NJS_MODULE)) {
    throw new DemoError(`the demo needs nginx with the njs module (${NJS_MODULE}).\n` +
      'On Debian/Ubuntu: sudo apt-get install nginx libnginx-mod-http-js');
  }
  const dir = resolve(process.env.MCP_AUTHZ_DEMO_DIR ?? join(import.meta.dirname, '..', '..', '.demo'));
  const prefix = join(dir, 'nginx');
  if (!(await portIsFree(port))) throw new DemoError(portTakenMessage(port, prefix));

  // A fresh nginx tree each run: no decisions or keys cached from an earlier run. The companion's
  // keys and store (clients, grants) live beside it and survive restarts.
  rmSync(prefix, { recursive: true, force: true });
  for (const sub of ['logs', 'temp', 'cache']) mkdirSync(join(prefix, sub), { recursive: true });
  const companionDir = join(dir, 'companion');
  mkdirSync(companionDir, { recursive: true });

  const mcp = createServer(createMcpRequestHandler('/mcp'));
  const mcpPort = await listenLoopback(mcp);
  cleanups.push(() => closeServer(mcp));
  const companionPort = await freeLoopbackPort();

  const issuer = `http://127.0.0.1:${port}`;
  const mcpUrl = `${issuer}/mcp`;
  const socket = join(prefix, 'check.sock');
  const apiKey = 'demo_' + randomBytes(18).toString('base64url');
  const password = randomBytes(12).toString('base64url');
  const env = { ...process.env, [API_KEY_ENV]: apiKey, [PASSWORD_ENV]: password };
  const configFile = join(dir, 'mcp-authz.yaml');
  const decisionLog = join(prefix, 'logs', 'mcp-authz.log');
  const companionLog = join(prefix, 'logs', 'companion.log');
  writeFileSync(configFile, demoConfigYaml({
    resource: mcpUrl,
    upstream: `http://127.0.0.1:${mcpPort}`,
    issuer,
    companionListen: `127.0.0.1:${companionPort}`,
    keysDir: join(companionDir, 'keys'),
    storagePath: join(companionDir, 'companion.sqlite'),
    checkSocket: socket.length <= MAX_SOCKET_PATH ? socket : join(tmpdir(), `mcp-authz-demo-${port}.sock`),
    cachePath: join(prefix, 'cache', 'mcp-authz'),
    logPath: decisionLog,
  }));

  // The companion first: nginx fetches its keys from the companion's /jwks on the first token.
  const loaded = loadConfig(configFile, env);
  if (!loaded.ok) throw new DemoError(`${configFile} is invalid:\n${formatErrors(loaded.errors).join('\n')}`);
  const started = await startCompanion(loaded.config, { env, writeLine: (line) => appendFileSync(companionLog, line + '\n') });
  if (!started.ok) throw new DemoError(`the Authorization Server did not start:\n${formatErrors(started.errors).join('\n')}`);
  cleanups.push(() => started.companion.stop());

  const moduleDir = join(prefix, 'mcp-authz');
  const written = await writeNginxModule(configFile, moduleDir, env, fetchJson);
  if (!written.ok) throw new DemoError(`${configFile} is invalid:\n${formatErrors(written.errors).join('\n')}`);

  const nginxConf = join(prefix, 'nginx.conf');
  writeFileSync(nginxConf, demoNginxConf({ prefix, moduleDir, port, asRoot: process.getuid?.() === 0, companionPort }));
  const invalid = await testNginxConf(nginxBin, prefix, nginxConf);
  if (invalid !== undefined) throw new DemoError(`nginx -t rejected ${nginxConf}:\n${invalid}`);

  const nginx: DemoNginx = await startNginx(nginxBin, prefix, nginxConf, port);
  cleanups.push(() => nginx.stop());
  // Ctrl-C during start-up: skip the self-check and go straight to cleanup.
  if (signalled.yes) return;

  const checks = await selfCheck(mcpUrl, issuer, { header: API_KEY_HEADER, value: apiKey });
  if (!checks.every((c) => c.ok)) {
    throw new DemoError(`self-check failed:\n${formatChecks(checks)}\n(see ${join(prefix, 'logs', 'error.log')}, ${decisionLog} and ${companionLog})`);
  }
  const challenge = checks[0].detail;
  process.stdout.write(demoInstructions({
    mcpUrl,
    metadataUrl: resourceMetadataUrl(challenge) ?? `${issuer}/.well-known/oauth-protected-resource/mcp`,
    issuer,
    username: DEMO_USERNAME,
    password,
    apiKey,
    configFile,
    nginxConf,
    moduleDir,
    decisionLog,
    companionLog,
    checks,
  }));
}

function portTakenMessage(port: number, prefix: string): string {
  let hint = '';
  try {
    // Another demo is running, or one killed without cleanup (kill -9) left nginx behind.
    const pid = Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim());
    process.kill(pid, 0);
    hint = `\nThe demo's nginx (pid ${pid}) is running: is another demo still up? If not, stop it with: kill ${pid}`;
  } catch { /* no stale nginx */ }
  return `port ${port} on 127.0.0.1 is already in use. Pick another with --port, e.g.\n` +
    `  npm run demo -- --port ${port === 65535 ? 8081 : port + 1}${hint}`;
}
