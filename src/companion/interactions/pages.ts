/**
 * The server-rendered pages of the Authorization Server: login, consent and errors. Plain HTML,
 * every value escaped, one inline stylesheet allowed by its hash. The CSP forbids framing
 * (clickjacking of the consent button) but sets no `form-action`: browsers apply form-action to
 * the redirects that follow a form post, which would block the final 303 to `cursor://…`.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../html.ts';

const CSS = 'body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}' +
  'h1{font-size:1.4rem}label{display:block;margin:.6rem 0}input{display:block;width:100%;padding:.4rem;box-sizing:border-box;font-size:1rem}' +
  'button{font-size:1rem;padding:.45rem 1.1rem;margin:.8rem .5rem 0 0}.warn{background:#fff4ce;border:1px solid #e0c060;padding:.6rem;border-radius:4px}' +
  '.error{color:#b00020}code{word-break:break-all}ul{padding-left:1.2rem}.muted{color:#666;font-size:.9rem}';

const STYLE_SOURCE = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

/** Content-Security-Policy of every page. */
export const PAGE_CSP = `default-src 'none'; style-src ${STYLE_SOURCE}; frame-ancestors 'none'; base-uri 'none'`;

/** Headers every page is sent with. */
export function pageHeaders(): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': PAGE_CSP,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // The page URL carries the interaction id; keep it out of Referer headers.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>
${body}
</main></body></html>
`;
}

/** One login method's section of the login page. */
export interface LoginSection {
  methodId: string;
  label: string;
  /** Already-escaped field HTML from the method. */
  fieldsHtml: string;
}

/** What the login page shows. */
export interface LoginPageInput {
  action: string;
  csrf: string;
  clientName: string;
  sections: LoginSection[];
  error?: string;
}

/** The login page: one form per login method, each posting its method id and the CSRF token. */
export function loginPage(p: LoginPageInput): string {
  const forms = p.sections.map((s) => `<form method="post" action="${escapeHtml(p.action)}">
<h2>${escapeHtml(s.label)}</h2>
<input type="hidden" name="csrf" value="${escapeHtml(p.csrf)}">
<input type="hidden" name="method" value="${escapeHtml(s.methodId)}">
${s.fieldsHtml}
<button type="submit">Sign in</button>
</form>`).join('\n');
  const error = p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : '';
  return layout('Sign in', `<h1>Sign in</h1>
<p><strong>${escapeHtml(p.clientName)}</strong> wants to access MCP servers on your behalf.</p>
${error}
${forms}`);
}

/** One resource on the consent page. */
export interface ConsentResource {
  resource: string;
  /** Scopes that will be granted. */
  scopes: string[];
  /** Requested scopes this account may not be granted. */
  unavailable: string[];
}

/** What the consent page shows. */
export interface ConsentPageInput {
  confirmAction: string;
  denyAction: string;
  csrf: string;
  accountId: string;
  clientName: string;
  clientId: string;
  /** True when the client registered itself (DCR): its name is a claim, not a fact. */
  selfRegistered: boolean;
  /** True for `registration.static_client`: a configured name, used by whichever app asked. */
  sharedClient?: boolean;
  redirectUri: string;
  /** Host (or scheme, for private-use URIs) the code will be sent to. */
  redirectHost: string;
  redirectKind: 'https' | 'loopback' | 'private-use';
  resources: ConsentResource[];
}

function redirectNotice(p: ConsentPageInput): string {
  if (p.redirectKind === 'loopback') {
    return `<p class="warn">The approval is sent to <strong>${escapeHtml(p.redirectHost)}</strong>, a program on this computer. ` +
      'Continue only if you just started signing in from an app on this machine.</p>';
  }
  if (p.redirectKind === 'private-use') {
    return `<p class="warn">The approval is sent to the app registered for <strong>${escapeHtml(p.redirectHost)}</strong> links on this computer. ` +
      'Continue only if you just started signing in from that app.</p>';
  }
  return `<p>The approval is sent to <strong>${escapeHtml(p.redirectHost)}</strong>.</p>`;
}

function resourceList(resources: readonly ConsentResource[]): string {
  return resources.map((r) => {
    const scopes = r.scopes.length > 0
      ? `<ul>${r.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
      : '<p class="muted">No permissions (the server may refuse requests).</p>';
    const unavailable = r.unavailable.length > 0
      ? `<p class="muted">Not available to your account: ${r.unavailable.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>`
      : '';
    return `<li><code>${escapeHtml(r.resource)}</code>${scopes}${unavailable}</li>`;
  }).join('\n');
}

/** The consent page: who asks, where the approval goes, for which servers and scopes. */
export function consentPage(p: ConsentPageInput): string {
  const unverified = p.sharedClient
    ? ' <span class="muted">(a name shared by every app that registers here: the app is not verified)</span>'
    : p.selfRegistered ? ' <span class="muted">(name given by the app itself, not verified)</span>' : '';
  return layout('Allow access?', `<h1>Allow access?</h1>
<p>Signed in as <strong>${escapeHtml(p.accountId)}</strong>.</p>
<p><strong>${escapeHtml(p.clientName)}</strong>${unverified} wants to use these MCP servers as you:</p>
<ul>
${resourceList(p.resources)}
</ul>
${redirectNotice(p)}
<p class="muted">Client id <code>${escapeHtml(p.clientId)}</code>, redirect <code>${escapeHtml(p.redirectUri)}</code></p>
<form method="post" action="${escapeHtml(p.confirmAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(p.csrf)}">
<button type="submit">Allow</button>
</form>
<form method="post" action="${escapeHtml(p.denyAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(p.csrf)}">
<button type="submit">Deny</button>
</form>`);
}

/** An error page; `detail` is shown escaped. With `backUrl`, a link returns to the app. */
export function errorPage(title: string, detail: string, backUrl?: string): string {
  const next = backUrl === undefined
    ? '<p class="muted">Start signing in again from your app.</p>'
    : `<p><a id="return" href="${escapeHtml(backUrl)}">Return to the app</a></p>`;
  return layout(title, `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(detail)}</p>
${next}`);
}
