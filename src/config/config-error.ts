/** Error values shared by every config step, so they can be reported together. */

/** One problem with the configuration, located by its path in the YAML tree. */
export interface ConfigError {
  /** Dotted path such as `endpoints[0].resource`; '' for the document itself. */
  path: string;
  message: string;
}

/** Tagged result: callers must look at `ok` before touching the value. */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Render a path as users write it: `endpoints[0].strategies[1].keys[0].key`.
 * Keys that are not plain identifiers are quoted so the path stays unambiguous.
 */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
