/**
 * Validator scripts in the njs bundle. Each script file (a plain script defining
 * `function validate(request)`) becomes a module exporting its `validate`, and the registry module
 * src/njs/script-validators.ts is replaced by one mapping strategy ids to them. Before the bundle
 * is built, each script is compiled alone with the same njs 0.7.9 guards, so a problem is reported
 * as a configuration error at the strategy's path, with the script's file, line and column.
 */
import { build, type Message, type Plugin, type PluginBuild } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigError } from '../config/config-error.ts';
import { scriptStrategies } from '../config/script-files.ts';
import type { CoreConfig } from '../core/types.ts';

const REGISTRY = fileURLToPath(new URL('../njs/script-validators.ts', import.meta.url));
const NAMESPACE = 'mcp-authz-script';

/** A script as an ES module: its own scope, `validate` (or null) as the default export. */
function wrap(source: string): string {
  return source + "\n;export default (typeof validate === 'function' ? validate : null);\n";
}

/** Script files as modules, in their own namespace. */
function loadScriptModules(b: PluginBuild): void {
  b.onResolve({ filter: /^mcp-authz-script:/ }, (args) => ({ path: args.path.slice(NAMESPACE.length + 1), namespace: NAMESPACE }));
  b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: wrap(readFileSync(args.path, 'utf8')), loader: 'js' }));
}

/** esbuild plugin for the check bundle: the registry of the configuration's JavaScript scripts. */
export function validatorScriptsPlugin(config: CoreConfig): Plugin {
  const scripts = scriptStrategies(config).filter((s) => s.strategy.language === 'javascript');
  return {
    name: 'mcp-authz-scripts',
    setup(b) {
      if (scripts.length === 0) return;
      loadScriptModules(b);
      b.onLoad({ filter: /script-validators\.ts$/ }, (args) => {
        if (resolve(args.path) !== REGISTRY) return undefined;
        const imports = scripts.map((s, i) => `import v${i} from ${JSON.stringify(NAMESPACE + ':' + resolve(s.strategy.file))};`);
        const entries = scripts.map((s, i) => `${JSON.stringify(s.strategy.id)}: v${i}`);
        return { contents: imports.join('\n') + '\nexport default {' + entries.join(', ') + '};\n', loader: 'js' };
      });
    },
  };
}

/** What esbuild rewrites into calls njs 0.7.9 lacks. */
const SCRIPT_BANNED: Array<[RegExp, string]> = [[/\bBigInt\(/, 'BigInt']];

/** A top-level `function validate(` / `async function validate(` / `const|let|var validate`. */
const DEFINES_VALIDATE = /(?:^|[\s;}])(?:(?:async\s+)?function\s+validate\s*\(|(?:var|let|const)\s+validate\b)/;

/** esbuild's words for syntax it would have to lower, in the terms a script author needs. */
function explain(m: Message): string {
  const lowered = /^Transforming (.+?) to the configured target environment/.exec(m.text);
  const text = lowered ? `${lowered[1]} is not supported by njs 0.7.9 (nginx)` : m.text;
  const at = m.location ? `${m.location.file.replace(NAMESPACE + ':', '')}:${m.location.line}:${m.location.column + 1}: ` : '';
  return at + text;
}

export interface NjsGuards {
  supported: Record<string, boolean>;
  banned: Array<[RegExp, string]>;
}

/**
 * Check every script of `config` for the njs bundle: Lua is refused (it runs only in the Node
 * adapters), files must be readable, define `validate`, and compile under the njs guards.
 */
export async function checkNjsScripts(config: CoreConfig, guards: NjsGuards): Promise<ConfigError[]> {
  const errors: ConfigError[] = [];
  for (const { strategy, path } of scriptStrategies(config)) {
    const file = resolve(strategy.file);
    if (strategy.language === 'lua') {
      errors.push({ path, message: `${file}: Lua validators run only in the Node adapters (mcp-authz serve: ext_authz, forward-auth); nginx (njs) runs JavaScript validators only` });
      continue;
    }
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push({ path, message: `cannot read script ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      continue;
    }
    try {
      const out = await build({
        stdin: { contents: `import v from ${JSON.stringify(NAMESPACE + ':' + file)}; export default v;`, loader: 'js', resolveDir: '/' },
        bundle: true, write: false, format: 'esm', platform: 'neutral', target: 'es2017',
        supported: guards.supported, plugins: [{ name: 'mcp-authz-script', setup: loadScriptModules }],
        logLevel: 'silent',
      });
      const code = out.outputFiles[0].text;
      const banned = guards.banned.concat(SCRIPT_BANNED).filter((b) => b[0].test(code)).map((b) => b[1]);
      if (banned.length) errors.push({ path, message: `${file}: uses ${banned.join(', ')}, which njs 0.7.9 (nginx) lacks` });
      else if (!DEFINES_VALIDATE.test(source)) errors.push({ path, message: `${file}: must define function validate(request)` });
    } catch (err) {
      const messages = (err as { errors?: Message[] }).errors;
      const text = messages && messages.length ? messages.slice(0, 5).map(explain).join('; ') : (err as Error).message;
      errors.push({ path, message: text });
    }
  }
  return errors;
}
