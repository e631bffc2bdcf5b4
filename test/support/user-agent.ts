/**
 * A minimal browser for OAuth flows in tests: a cookie jar (path-scoped, Secure ignored on
 * loopback http), manual redirect following, and HTML form reading (login and consent pages).
 * It plays the person in front of the browser: it signs in, allows or denies, and stops at the
 * client's redirect URI instead of fetching it, like a browser handing a URL to an app.
 * @module
 */

/** A response as the test sees it. */
export interface UaResponse {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

/** A form found in a page. */
export interface HtmlForm {
  action: string;
  /** Every input with a name and a value (hidden ones included). */
  fields: Record<string, string>;
}

interface StoredCookie {
  value: string;
  path: string;
}

function decodeEntities(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every `<form method="post">` in `html`, resolved against `base`. */
export function parseForms(html: string, base: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b[^>]*>/g)) {
      const name = /\bname="([^"]*)"/.exec(input[0]);
      const value = /\bvalue="([^"]*)"/.exec(input[0]);
      if (name) fields[decodeEntities(name[1]!)] = value ? decodeEntities(value[1]!) : '';
    }
    forms.push({ action: new URL(decodeEntities(m[1]!), base).href, fields });
  }
  return forms;
}

/** A cookie-keeping client with manual redirects. */
export interface UserAgent {
  /** GET `url`, without following redirects. */
  get(url: string): Promise<UaResponse>;
  /** POST a urlencoded form to `url`, without following redirects. */
  post(url: string, fields: Record<string, string>): Promise<UaResponse>;
  /**
   * Follow redirects from `response` while they stay on `origin`; returns the first response
   * that is not such a redirect, or `{ redirect }` when a Location leaves `origin` (the client's
   * redirect URI: loopback port, cursor://…).
   */
  follow(response: UaResponse, origin: string): Promise<UaResponse | { redirect: string }>;
  /** Names of the cookies held. */
  cookieNames(): string[];
  /** Drop a cookie (to simulate a browser without it). */
  dropCookie(name: string): void;
}

/** A fresh user agent with an empty cookie jar. */
export function createUserAgent(): UserAgent {
  const jar = new Map<string, StoredCookie>();

  function cookieHeader(url: URL): string {
    return [...jar.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  function store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, { value, path });
    }
  }

  async function send(url: string, init: RequestInit): Promise<UaResponse> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = cookieHeader(u);
    if (cookies) headers.set('cookie', cookies);
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    store(res.headers);
    return { status: res.status, url, headers: res.headers, body: await res.text() };
  }

  const ua: UserAgent = {
    get: (url) => send(url, { method: 'GET' }),
    post: (url, fields) => send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
    async follow(response, origin) {
      let current = response;
      for (let hops = 0; hops < 20; hops++) {
        const location = current.headers.get('location');
        if (current.status < 300 || current.status > 399 || location === null) return current;
        const next = new URL(location, current.url);
        if (next.origin !== origin) return { redirect: next.href };
        current = await ua.get(next.href);
      }
      throw new Error('too many redirects');
    },
    cookieNames: () => [...jar.keys()],
    dropCookie: (name) => {
      jar.delete(name);
    },
  };
  return ua;
}
