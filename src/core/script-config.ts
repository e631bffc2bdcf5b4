/**
 * The `script` inbound strategy's configuration and its contract with the runtime that executes
 * scripts (a sandboxed worker in Node, the njs VM in nginx). Plain data: embedded in the njs bundle.
 */

/** Languages a validator script may be written in; Lua runs only in the Node adapters. */
export type ScriptLanguage = 'javascript' | 'lua';

export interface ScriptStrategy {
  type: 'script';
  /** Key the runtime registers the compiled validator under: `<endpoint id>#<strategy index>`. */
  id: string;
  language: ScriptLanguage;
  /** Absolute path of the script file (loaded once at start, or compiled into the njs bundle). */
  file: string;
  /** Wall-clock limit of one call, in milliseconds (Node adapters; njs can only bound async waits). */
  timeout_ms: number;
  /** Heap limit of the sandbox, in MiB (Node adapters only). */
  memory_mb: number;
  /** Lower-cased headers the script reads credentials from: removed upstream, like an API key. */
  strip_headers: string[];
}

/** What a validator receives: the request, with header names lower-cased. */
export interface ScriptInput {
  method: string;
  path: string;
  /** Raw query string without the leading `?`, or ''. */
  query: string;
  headers: Record<string, string>;
  client_ip: string;
}
