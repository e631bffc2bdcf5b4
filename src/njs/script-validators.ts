/**
 * Validator scripts compiled into the check bundle, by strategy id. Empty as written: when a
 * configuration has script strategies, src/nginx/script-bundle.ts replaces this module at build
 * time with one that imports each script's `validate`.
 */

/** A script's `validate(request)`; may return a promise. */
export type Validator = (request: unknown) => unknown;

const validators: Record<string, Validator | null> = {};

export default validators;
