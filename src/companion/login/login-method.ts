import type { IncomingMessage } from 'node:http';

/**
 * How a person proves who they are on the companion's login page. Each method renders its part
 * of the page and handles its form; the interaction routes only dispatch. The built-in method is
 * `password` (configured users); federation to an upstream OIDC IdP becomes a second method whose
 * `authenticate` answers `redirect` (to the IdP) and whose callback finishes the login.
 */

/** Outcome of one login attempt. */
export type LoginOutcome =
  | { kind: 'authenticated'; accountId: string }
  /** Shown to the person on the login page; never says which of username or password was wrong. */
  | { kind: 'rejected'; message: string }
  /** Continue elsewhere (an upstream IdP); the method's own callback completes the login. */
  | { kind: 'redirect'; location: string; setCookies?: string[] };

/** The authorization request a login attempt belongs to. */
export interface LoginContext {
  /** oidc-provider's interaction id. */
  interactionUid: string;
}

/** Outcome of the return leg from an upstream IdP (the method's callback). */
export type CallbackOutcome =
  | { kind: 'authenticated'; interactionUid: string; accountId: string; clearCookies: string[] }
  /**
   * The sign-in failed. With `interactionUid` (the browser's own, verified transaction) and
   * `denied`, the MCP client is told `access_denied`; without, only the page is shown (the
   * callback could not be tied to a request, e.g. a tampered state).
   */
  | { kind: 'failed'; interactionUid?: string; denied: boolean; message: string; reason: string; clearCookies: string[] };

/** What a method may show again after a failed attempt. */
export interface LoginFormState {
  username?: string;
}

/** One way to sign in. */
export interface LoginMethod {
  /** Stable identifier, sent back as the form's `method` field. */
  readonly id: string;
  /** Heading of this method's section on the login page. */
  readonly label: string;
  /** The method's form fields as HTML; every interpolated value must be escaped. */
  renderFields(state: LoginFormState): string;
  /**
   * Check a submitted form (fields by name). Never throws for a wrong credential. `context` is
   * always given by the interaction routes; methods that redirect need it.
   */
  authenticate(form: Readonly<Record<string, string>>, context?: LoginContext): Promise<LoginOutcome>;
  /** For methods that redirect: handle the return to `<issuer>/consent/callback`. */
  callback?(req: IncomingMessage): Promise<CallbackOutcome>;
}
