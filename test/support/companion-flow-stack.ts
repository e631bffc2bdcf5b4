/**
 * The stack the MCP SDK end-to-end flow tests run against: the sample MCP server behind real
 * nginx with the mcp-authz module, and `serve` (in-process) hosting the companion, with nginx
 * routing the AS paths to it as in production (docker/nginx/nginx.conf), so the issuer is the
 * nginx URL.
 * @module
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toCoreConfig, type AppConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { startMcpServer, type RunningMcpServer } from './mcp-server.ts';
import { asRoutes, flowServeYaml } from './mcp-sdk-flow.ts';
import { freePort } from './free-port.ts';
import { startProtectedNginx, type ProtectedNginx } from './protected-nginx.ts';

/**
 * An `authorization_server:` block with this issuer, keys and a sqlite store in the temp dir,
 * followed by `settings` (indented YAML lines: users, clients, login…).
 */
export function flowCompanionYaml(o: { issuer: string; dir: string }, settings: string): string {
  return `authorization_server:
  issuer: ${o.issuer}
  keys: { dir: ${o.dir}/keys }
  storage: { type: sqlite, path: ${o.dir}/companion.sqlite }
${settings}`;
}

/** Options of {@link startFlowStack}. */
export interface FlowStackOptions {
  /** Prefix of the temp directory holding the companion's keys and store. */
  dirPrefix: string;
  /**
   * The `authorization_server:` block of the configuration, for this issuer (the nginx URL) and
   * temp dir; it may start what must know the issuer first (e.g. an upstream IdP).
   */
  authorizationServer: (o: { issuer: string; dir: string }) => string | Promise<string>;
  /** Environment for `${VAR}` expansion while parsing (default none). */
  parseEnv?: Record<string, string>;
  /** Environment `serve` reads secrets from (`*_env`). */
  serviceEnv: Record<string, string>;
  /** Receives the service's log lines. */
  writeLine: (line: string) => void;
}

/** A running flow stack. */
export interface FlowStack {
  readonly dir: string;
  readonly mcp: RunningMcpServer;
  readonly service: RunningService;
  readonly nginx: ProtectedNginx;
  readonly config: AppConfig;
  /** The nginx URL, which is also the companion's issuer. */
  readonly issuer: string;
  /** `<issuer>/mcp` */
  readonly resource: string;
  /** Stops nginx, the service and the MCP server, then removes the temp dir. */
  stop(): Promise<void>;
}

/** Start the MCP server, `serve` with the companion, and nginx in front; undone if a step fails. */
export async function startFlowStack(o: FlowStackOptions): Promise<FlowStack> {
  const dir = mkdtempSync(join(tmpdir(), o.dirPrefix));
  let mcp: RunningMcpServer | undefined;
  let service: RunningService | undefined;
  let nginx: ProtectedNginx | undefined;
  const stop = async (): Promise<void> => {
    await nginx?.stop();
    await service?.stop();
    await mcp?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mcp = await startMcpServer();
    const nginxPort = await freePort();
    const companionPort = await freePort();
    const issuer = `http://127.0.0.1:${nginxPort}`;
    const resource = `${issuer}/mcp`;
    const as = await o.authorizationServer({ issuer, dir });
    const parsed = parseConfig(flowServeYaml({ issuer, resource, upstream: `http://127.0.0.1:${mcp.port}`, companionPort }) + as, o.parseEnv ?? {});
    if (!parsed.ok) assert.fail(JSON.stringify(parsed.errors));
    const config = parsed.config;
    service = await startService(config, { env: o.serviceEnv, writeLine: o.writeLine });
    nginx = await startProtectedNginx(toCoreConfig(config), { port: nginxPort, serverExtra: asRoutes(companionPort) });
    return { dir, mcp, service, nginx, config, issuer, resource, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
