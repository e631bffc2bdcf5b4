/**
 * Assertions shared by the configuration unit tests: unwrap a LoadResult that must be valid, or
 * the formatted error lines of one that must fail, and the smallest one-endpoint file.
 * @module
 */
import assert from 'node:assert/strict';
import type { AppConfig } from '../../src/config/app-config.ts';
import { formatErrors } from '../../src/config/format-errors.ts';
import type { LoadResult } from '../../src/config/load.ts';

/** The config of a result that must be valid; fails the test with every error line otherwise. */
export function validConfig(result: LoadResult): AppConfig {
  if (!result.ok) assert.fail(`expected a valid config, got:\n${formatErrors(result.errors).join('\n')}`);
  return result.config;
}

/** The formatted error lines (`path: message`) of a result that must be rejected. */
export function errorLines(result: LoadResult): string[] {
  if (result.ok) assert.fail('expected errors, config was accepted');
  return formatErrors(result.errors);
}

/** One endpoint (/mcp) with a single `none` strategy, plus `extra` lines appended after it. */
export function oneEndpointYaml(extra = ''): string {
  return `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    strategies: [{ type: none }]
${extra}`;
}
