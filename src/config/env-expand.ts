/**
 * `${VAR}` expansion over a parsed YAML tree, so secrets can live in the environment instead of
 * the file. Only string values are expanded: keys are structure, not data.
 */
import { formatPath, type ConfigError, type Result } from './config-error.ts';

/** The environment to expand from; `process.env` fits. */
export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expand `${VAR}` and `${VAR:-default}` in every string of `tree` (a plain JSON-like value),
 * returning a new tree. `$${` produces a literal `${`. As in the shell, `:-` also applies when
 * VAR is set but empty. Expansion is single-pass: a value containing `${` is not expanded again.
 * An unset variable without default is an error at the string's path; all errors are collected.
 */
export function expandEnv(tree: unknown, env: Env): Result<unknown> {
  const { value, errors } = expandEnvBestEffort(tree, env);
  return errors.length === 0 ? { ok: true, value } : { ok: false, errors };
}

/**
 * {@link expandEnv} that always returns a tree (strings that could not be expanded are left as
 * written) alongside the errors, so the loader can validate everything else in the same run.
 */
export function expandEnvBestEffort(tree: unknown, env: Env): { value: unknown; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const value = walk(tree, [], env, errors);
  return { value, errors };
}

function walk(node: unknown, path: PropertyKey[], env: Env, errors: ConfigError[]): unknown {
  if (typeof node === 'string') return expandString(node, path, env, errors);
  if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i], env, errors));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) out[key] = walk(item, [...path, key], env, errors);
    return out;
  }
  return node;
}

function expandString(text: string, path: PropertyKey[], env: Env, errors: ConfigError[]): string {
  const fail = (message: string): void => {
    errors.push({ path: formatPath(path), message });
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      fail('unterminated "${" (write "$${" for a literal "${")');
      return out + text.slice(i);
    }
    const body = text.slice(i + 2, close);
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      fail(`invalid variable reference "\${${body}}" (use \${NAME} or \${NAME:-default}; "$\${" for a literal "\${")`);
    } else {
      const current = env[name];
      if (sep !== -1) out += current === undefined || current === '' ? body.slice(sep + 2) : current;
      else if (current === undefined) fail(`environment variable ${name} is not set`);
      else out += current;
    }
    i = close + 1;
  }
  return out;
}
