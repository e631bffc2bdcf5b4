/**
 * Turn zod issues into {@link ConfigError}s worded for people editing YAML: "is required",
 * "must be a string, got a number", one error per unknown key with a "did you mean".
 * Messages never echo input values, because the values may be secrets.
 */
import type { z } from 'zod';
import { formatPath, type ConfigError } from './config-error.ts';

type RawIssue = z.core.$ZodRawIssue;

/** Parse-time error map plus the per-object key lists needed for unknown-key suggestions. */
export interface IssueTranslator {
  errorMap: (issue: RawIssue) => string | undefined;
  toErrors: (issues: readonly z.core.$ZodIssue[]) => ConfigError[];
}

/** Create a translator for one parse: it remembers which keys each failing object allows. */
export function createIssueTranslator(): IssueTranslator {
  const allowedKeys = new Map<string, string[]>();

  const errorMap = (issue: RawIssue): string | undefined => {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'is required';
        return `must be ${article(issue.expected)}, got ${describe(issue.input)}`;
      case 'too_small':
        return issue.origin === 'array'
          ? `must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`
          : `must be at least ${issue.minimum}`;
      case 'too_big':
        return issue.origin === 'array' ? `must have at most ${issue.maximum} items` : `must be at most ${issue.maximum}`;
      case 'invalid_value':
        return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      case 'invalid_union': {
        if (typeof issue.discriminator !== 'string' || !Array.isArray(issue.options)) return undefined;
        const options = issue.options.map(String).join(', ');
        const given = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
        return given === undefined ? `is required (one of: ${options})` : `must be one of: ${options}`;
      }
      case 'unrecognized_keys': {
        const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        if (shape !== undefined) allowedKeys.set(formatPath(issue.path ?? []), Object.keys(shape));
        return 'unknown key';
      }
      default:
        return undefined;
    }
  };

  const toErrors = (issues: readonly z.core.$ZodIssue[]): ConfigError[] => {
    const errors: ConfigError[] = [];
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        const allowed = allowedKeys.get(formatPath(issue.path)) ?? [];
        for (const key of issue.keys) {
          errors.push({ path: formatPath([...issue.path, key]), message: unknownKeyMessage(key, allowed) });
        }
      } else {
        errors.push({ path: formatPath(issue.path), message: issue.message });
      }
    }
    return errors;
  };

  return { errorMap, toErrors };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function article(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
  }
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'number' && !Number.isInteger(input)) return 'a fractional number';
  return article(typeof input);
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const close = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate) }))
    .filter(({ distance }) => distance <= Math.max(1, Math.floor(key.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  if (close !== undefined) return `unknown key (did you mean "${close.candidate}"?)`;
  return allowed.length > 0 ? `unknown key (allowed: ${allowed.join(', ')})` : 'unknown key';
}

/** Levenshtein distance; inputs are short config keys, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
