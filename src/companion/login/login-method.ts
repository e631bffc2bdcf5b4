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
  | { kind: 'redirect'; location: string };

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
  /** Check a submitted form (fields by name). Never throws for a wrong credential. */
  authenticate(form: Readonly<Record<string, string>>): Promise<LoginOutcome>;
}
