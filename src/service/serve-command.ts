/**
 * The `serve` command: load and check the configuration (every error at once, before anything
 * listens), resolve OIDC discovery, start the service, stop it on SIGINT/SIGTERM.
 */
import { formatErrors } from '../config/format-errors.ts';
import { loadConfig } from '../config/load.ts';
import { resolveDiscovery } from '../config/resolve-discovery.ts';
import { collectWarnings } from '../config/warnings.ts';
import { toCoreConfig } from '../config/app-config.ts';
import { forwardAuthHeaderNames } from '../forward-auth/response.ts';
import { fetchJson } from '../node/node-ports.ts';
import { startService } from './serve.ts';

/** Run until signalled; resolves with the exit code. */
export async function serveCommand(configPath: string): Promise<number> {
  const loaded = loadConfig(configPath, process.env);
  if (!loaded.ok) {
    process.stderr.write(formatErrors(loaded.errors).join('\n') + '\n');
    return 1;
  }
  const resolved = await resolveDiscovery(loaded.config, fetchJson);
  if (!resolved.ok) {
    process.stderr.write(formatErrors(resolved.errors).join('\n') + '\n');
    return 1;
  }
  for (const w of collectWarnings(resolved.config)) process.stderr.write('warning: ' + w + '\n');
  const service = await startService(resolved.config);
  const s = resolved.config.serve;
  const companion = resolved.config.authorization_server !== null ? `, authorization server ${s.companion.listen}` : '';
  process.stderr.write(`mcp-authz serving: forward-auth ${s.forward_auth.listen}, ext_authz ${s.ext_authz.listen}, admin ${s.admin.listen}${companion}\n`);
  // The one setting users must mirror in their proxy; printed so it can't drift from the config.
  const names = forwardAuthHeaderNames(toCoreConfig(resolved.config)).join(', ');
  process.stderr.write(`forward-auth: list in Traefik authResponseHeaders / Caddy copy_headers: ${names}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
  return 0;
}
