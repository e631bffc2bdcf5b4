/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the person-at-
 * the-browser steps of OAuth flows, plus capturing the last hop of an authorization: a redirect
 * to a native app's custom scheme (`cursor://…`, which Chromium cannot open) or to a loopback
 * redirect_uri with no server listening.
 *
 * How redirects are captured: a CDP session on the page with `Network.enable`, watching
 * `Network.requestWillBeSent`. Chromium emits it for the custom-scheme URL whichever way the
 * navigation happened — server 302/303 (also after a redirect chain or a form POST), script
 * `location.href`, meta refresh — with the full query string, before aborting it. Playwright's
 * own events are not enough: a server redirect to a custom scheme shows up as a `request` event
 * only while no `page.route` is installed, and `Page.frameRequestedNavigation` only fires for
 * navigations the page itself starts (script, meta, link), never for server redirects.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from './process.ts';

export type { Browser, Page } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running headless Chromium. */
export interface LaunchedBrowser {
  browser: Browser;
  /** Pid of the Chromium browser process. */
  pid: number;
  /** Chromium's profile: a fresh temp dir per launch (Playwright's `launch()` creates and removes it). */
  userDataDir: string;
  /**
   * A fresh temp dir per launch, Chromium's `HOME` (and XDG config/cache dirs): what it writes outside
   * the profile (crash reports database, NSS db) lands here. Removed by `close()`.
   */
  home: string;
  /** Pids of this browser's live processes: those whose command line names `userDataDir` or `home`. */
  processes(): number[];
  /** A new page in its own browser context (own cookies), closed with the browser. */
  newPage(): Promise<Page>;
  /**
   * Close the browser; if it has not closed within 10 s, or any of its processes still runs 3 s
   * later, SIGKILL them. Removes `home` (and the profile, should Playwright not have). Idempotent.
   */
  close(): Promise<void>;
}

/** Dirs of browsers still open; their processes are SIGKILLed if the test process exits without closing them. */
const open = new Set<string[]>();
process.once('exit', () => {
  for (const dirs of open) for (const pid of processesUsing(dirs)) kill(pid);
});

/** Launch headless Chromium. */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const home = mkdtempSync(join(tmpdir(), 'mcp-authz-chromium-'));
  const dirs = [home];
  open.add(dirs);
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') };
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, env, timeout: 30_000 });
  } catch (err) {
    await cleanUp(dirs);
    throw err;
  }
  // Playwright does not expose the pid of a launched browser: it is the child of ours with this HOME.
  // (Only the browser process itself: Chromium's children overwrite their environment area with
  // their process title, so /proc/<pid>/environ of a renderer no longer shows HOME.)
  const pid = childrenWithHome(home)[0];
  const userDataDir = pid === undefined ? undefined : /--user-data-dir=(\S+)/.exec(cmdline(pid))?.[1];
  if (pid === undefined || userDataDir === undefined) {
    await browser.close();
    await cleanUp(dirs);
    throw new Error('launchBrowser: cannot find the Chromium process');
  }
  // Every Chromium process names the profile dir on its command line; crashpad handlers name
  // `home` (their --database is under it).
  dirs.push(userDataDir);
  let closing: Promise<void> | undefined;

  async function close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([browser.close().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    // Helpers (crashpad handlers, zygotes) may outlive the browser process by a moment.
    await waitFor(() => processesUsing(dirs).length === 0, 3000).catch(() => {});
    await cleanUp(dirs);
  }

  return {
    browser,
    pid,
    userDataDir,
    home,
    processes: () => processesUsing(dirs),
    newPage: () => browser.newPage(),
    close: () => (closing ??= close()),
  };
}

/** SIGKILL what is left of a browser's processes, wait for them to die, remove its dirs. */
async function cleanUp(dirs: string[]): Promise<void> {
  for (const pid of processesUsing(dirs)) kill(pid);
  await waitFor(() => processesUsing(dirs).length === 0, 2000).catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  open.delete(dirs);
}

/** A redirect being watched for by {@link captureRedirect}. */
export interface RedirectCapture {
  /** The first navigation to the target, with its full query string (and fragment). Rejects after the timeout. */
  readonly url: Promise<URL>;
  /** Every navigation to the target seen so far. */
  readonly seen: URL[];
  /** Stop watching. */
  dispose(): Promise<void>;
}

/** Options of {@link captureRedirect}. */
export interface CaptureOptions {
  /** How long `url` waits (default 15000 ms). */
  timeoutMs?: number;
}

/**
 * Watch `page` for a navigation to `target` (scheme, host, port and path must match; any query or
 * fragment). Call it before starting the navigation, then e.g.
 * `await page.goto(authorizeUrl).catch(() => {})` (the page load itself fails: Chromium aborts the
 * custom-scheme navigation, and a loopback URL without a listener is refused) and `await capture.url`.
 */
export async function captureRedirect(page: Page, target: string, o: CaptureOptions = {}): Promise<RedirectCapture> {
  const want = endpointOf(new URL(target));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const seen: URL[] = [];
  let resolve!: (u: URL) => void;
  let reject!: (e: Error) => void;
  const url = new Promise<URL>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  url.catch(() => {}); // a capture nobody awaits must not become an unhandled rejection
  const timeoutMs = o.timeoutMs ?? 15_000;
  const timer = setTimeout(() => reject(new Error(`captureRedirect: no navigation to ${target} within ${timeoutMs} ms (page at ${page.url()})`)), timeoutMs);
  cdp.on('Network.requestWillBeSent', (e) => {
    let u: URL;
    try {
      u = new URL(e.request.url + (e.request.urlFragment ?? ''));
    } catch {
      return;
    }
    if (endpointOf(u) !== want) return;
    seen.push(u);
    clearTimeout(timer);
    resolve(u);
  });
  return {
    url,
    seen,
    async dispose() {
      clearTimeout(timer);
      reject(new Error('captureRedirect: disposed'));
      await cdp.detach().catch(() => {});
    },
  };
}

/** Capture a redirect to a native app's custom scheme, e.g. `cursor://anysphere.cursor-mcp/oauth/callback`. */
export function captureCustomSchemeRedirect(page: Page, redirectUri: string, o?: CaptureOptions): Promise<RedirectCapture> {
  if (/^https?:$/.test(new URL(redirectUri).protocol)) throw new Error(`not a custom scheme: ${redirectUri}`);
  return captureRedirect(page, redirectUri, o);
}

/** Capture a redirect to a loopback redirect_uri (`http://127.0.0.1:<port>/…`) where nothing listens. */
export function captureLoopbackRedirect(page: Page, redirectUri: string, o?: CaptureOptions): Promise<RedirectCapture> {
  const { protocol, hostname } = new URL(redirectUri);
  if (protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) throw new Error(`not a loopback URL: ${redirectUri}`);
  return captureRedirect(page, redirectUri, o);
}

/** Chromium processes whose command line mentions `dir` (e.g. a browser's user-data dir), from `ps`. */
export function chromiumProcessesUsing(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('chromium') && line.includes(dir));
}

/** `scheme://host[:port]/path` of a URL: what a redirect must match, query and fragment aside. */
function endpointOf(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Live processes whose command line mentions one of `dirs` (a zombie's command line reads empty). */
function processesUsing(dirs: string[]): number[] {
  return pids().filter((pid) => {
    const cmd = cmdline(pid);
    return dirs.some((dir) => cmd.includes(dir));
  });
}

/** This process's children whose environment has `HOME=<home>`. */
function childrenWithHome(home: string): number[] {
  return pids().filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) return false;
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HOME=${home}`);
    } catch {
      return false;
    }
  });
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
