/** The companion's URL paths, below the issuer's path. Dependency-free so the config schema can use them. */

/** Route paths below the issuer's path; envoy/, traefik/ and docker/ route these to the companion. */
export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  registration: '/register',
  jwks: '/jwks',
  // Below /token so every host-proxy route that reaches /token/… reaches it too.
  revocation: '/token/revocation',
  interaction: '/consent',
  // Below /consent so every host-proxy route to the login pages reaches it; an interaction id
  // is never "callback". The redirect_uri registered at an upstream IdP (login.oidc).
  loginCallback: '/consent/callback',
} as const;
