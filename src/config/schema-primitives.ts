/**
 * Small zod building blocks shared by the configuration schemas (endpoints, serve, the
 * authorization server), so every part words its errors the same way.
 */
import { z } from 'zod';
import { hasQueryOrFragment, httpsUrlProblem } from './url-rules.ts';

/** A string check whose message (if any) becomes an issue at the value's path. */
export function checkedString(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  });
}

/** A plain object (not null, not an array): for refinements that run on partially valid input. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Any string but the empty one. */
export const nonEmpty = z.string().min(1, 'must not be empty');

/**
 * A whole number in [min, max]. One check with one message (not z.int().min().max()): a z.int()
 * failure aborts the whole parse, hiding the cross-endpoint checks, and chained checks would
 * report 1.5 twice.
 */
export const int = (min: number, max: number) =>
  z.number().superRefine((n, ctx) => {
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number between ${min} and ${max}`, input: n });
    }
  });

/** RFC 6749 §3.3 scope-token: no spaces (scopes travel space-delimited) and no quotes. */
export const scopeToken = checkedString((v) =>
  /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(v) ? undefined : 'must be a scope token (no spaces, quotes or backslashes)',
);

/** A list that defaults to empty. */
export const stringList = <T extends z.ZodType<string>>(item: T) => z.array(item).default(() => []);

/** An https URL (http only on loopback). */
export const httpsUrl = checkedString(httpsUrlProblem);

/** An issuer identifier: an https URL without query or fragment (RFC 8414 §2). */
export const issuerUrl = checkedString(
  (v) => httpsUrlProblem(v) ?? (hasQueryOrFragment(v) ? 'must not contain a query or fragment' : undefined),
);

/**
 * Header names: letters, digits and '-'. nginx drops headers containing '_' by default and the
 * generated config embeds these names, so nothing else is safe.
 */
export function headerNameProblem(v: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9-]*$/.test(v) ? undefined : 'must be a header name made of letters, digits and "-"';
}

/** A header name as written (see {@link headerNameProblem}). */
export const headerName = checkedString(headerNameProblem);
