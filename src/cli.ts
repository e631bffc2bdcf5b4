/**
 * mcp-authz command line: one binary, one subcommand per job.
 *   check --config FILE            validate and print the effective config (secrets masked)
 *   nginx --config FILE --out DIR  write the njs module and nginx conf snippets
 *   serve --config FILE            run the forward-auth, ext_authz and admin listeners (and the AS)
 *   rotate-keys --config FILE      new current AS signing key; the previous one stays published
 *   demo                           run the demo stack (sample MCP server behind nginx)
 */
import { parseArgs } from 'node:util';
import { runCheck } from './config/check.ts';
import { formatErrors } from './config/format-errors.ts';
import { collectWarnings } from './config/warnings.ts';
import { fetchJson } from './node/node-ports.ts';
import { writeNginxModule } from './nginx/write-module.ts';

const USAGE = `usage: mcp-authz <command> [options]
  check --config FILE              validate FILE and print the effective configuration
  nginx --config FILE --out DIR    write the nginx module (bundle + conf snippets) into DIR
  serve --config FILE              run forward-auth (Traefik/Caddy/nginx), ext_authz (Envoy), admin,
                                   and the authorization server when authorization_server is set
  rotate-keys --config FILE        make a new current AS signing key (the previous one stays in the
                                   JWKS); takes effect when serve (re)starts
  demo [--port N]                  run the demo: a sample MCP server protected by nginx
`;

function fail(message: string): number {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, out: { type: 'string', short: 'o' }, port: { type: 'string' } },
  });
  const configPath = values.config ?? positionals[0];
  switch (command) {
    case 'check': {
      if (!configPath) return fail(USAGE);
      const r = runCheck(configPath, process.env);
      if (r.exitCode === 0) {
        // Validator scripts are loaded as serve would load them; their errors fail the check.
        const { checkScripts } = await import('./node/script-check.ts');
        const scriptErrors = await checkScripts(configPath, process.env);
        if (scriptErrors.length) return fail(formatErrors(scriptErrors).join('\n'));
      }
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.exitCode;
    }
    case 'nginx': {
      if (!configPath || !values.out) return fail(USAGE);
      const r = await writeNginxModule(configPath, values.out, process.env, fetchJson);
      if (!r.ok) return fail(formatErrors(r.errors).join('\n'));
      for (const w of collectWarnings(r.config)) process.stderr.write('warning: ' + w + '\n');
      process.stdout.write('wrote ' + r.files.map((f) => values.out + '/' + f).join('\n      ') + '\n');
      return 0;
    }
    case 'serve': {
      if (!configPath) return fail(USAGE);
      const { serveCommand } = await import('./service/serve-command.ts');
      return serveCommand(configPath);
    }
    case 'rotate-keys': {
      if (!configPath) return fail(USAGE);
      const { rotateKeysCommand } = await import('./companion/rotate-keys-command.ts');
      return rotateKeysCommand(configPath);
    }
    case 'demo': {
      const { runDemo } = await import('./demo/run-demo.ts');
      return runDemo({ port: values.port ? Number(values.port) : undefined });
    }
    default:
      return fail(USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: Error) => { process.exitCode = fail('mcp-authz: ' + err.message); },
);
