/**
 * The `script` strategy as written in YAML: a validator file, its language (from the extension
 * unless given) and its limits. The file itself is read and compiled by src/node/script-load.ts
 * (Node adapters) and src/nginx/script-bundle.ts (njs), which report its problems at this path.
 */
import { z } from 'zod';
import type { ScriptLanguage, ScriptStrategy } from '../core/script-config.ts';
import { headerName, int, nonEmpty, stringList } from './schema-primitives.ts';

const LANGUAGES = ['javascript', 'lua'] as const;

const lowerHeaderName = headerName.transform((v) => v.toLowerCase());

/** The language a file name implies, or undefined. */
function languageOf(file: string): ScriptLanguage | undefined {
  if (/\.(js|mjs|cjs)$/i.test(file)) return 'javascript';
  if (/\.lua$/i.test(file)) return 'lua';
  return undefined;
}

export const scriptStrategySchema = z
  .strictObject({
    type: z.literal('script'),
    // Relative paths are relative to the configuration file's directory (load.ts).
    file: nonEmpty,
    language: z.enum(LANGUAGES).optional(),
    timeout_ms: int(1, 10_000).default(100),
    memory_mb: int(16, 4096).default(64),
    // Credentials the script reads (a session or tenant header): never passed to the upstream.
    strip_headers: stringList(lowerHeaderName),
  })
  .superRefine((s, ctx) => {
    if (s.language === undefined && languageOf(s.file) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['language'], message: 'is required when the file name does not end in .js or .lua (javascript or lua)' });
    }
  });

/** The core strategy: id from its position, language settled. */
export function finishScript(s: z.output<typeof scriptStrategySchema>, endpointId: string, index: number): ScriptStrategy {
  return {
    type: 'script',
    id: endpointId + '#' + index,
    language: s.language ?? languageOf(s.file) ?? 'javascript',
    file: s.file,
    timeout_ms: s.timeout_ms,
    memory_mb: s.memory_mb,
    strip_headers: s.strip_headers,
  };
}
