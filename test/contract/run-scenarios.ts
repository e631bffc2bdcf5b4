/**
 * Runs the scenario table against one adapter. An adapter only says how to send a request and what
 * the client and the upstream received; every assertion lives here, so all adapters are held to
 * exactly the same outcomes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { EchoUpstream } from '../support/echo-upstream.ts';
import { request } from '../support/http.ts';
import type { RunningIssuer } from '../support/issuer.ts';
import { SCENARIOS, expectedJson, type AdapterName, type Scenario, type ScenarioRequest } from './scenarios.ts';

export interface Observed {
  status: number;
  /** Lower-cased response headers. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Lower-cased headers the upstream received, or null when nothing reached it. */
  upstream: Record<string, string> | null;
  /** Request target (path + query) the upstream received, when the adapter can tell. */
  upstreamUrl?: string;
}

export type Send = (req: ScenarioRequest) => Promise<Observed>;

/**
 * For adapters behind a real proxy: send the scenario to the proxy at `base()` and report what the
 * recording upstream received (null when nothing reached it).
 */
export function sendThroughProxy(base: () => string, upstream: () => EchoUpstream): Send {
  return async (req) => {
    const up = upstream();
    up.clear();
    const res = await request(base() + req.path, { method: req.method, headers: req.headers, localAddress: req.localAddress, body: req.body ?? (req.method === 'POST' ? '{}' : undefined) });
    const seen = up.requests.length ? up.requests[up.requests.length - 1] : null;
    return { status: res.status, headers: res.headers, body: res.body, upstream: seen ? (seen.headers as Record<string, string>) : null, upstreamUrl: seen?.url };
  };
}

/**
 * Register one test per scenario; `deps` is read lazily because servers start in `before`.
 * `scenarios` defaults to the main table; a feature's own table (with its own fixture) may be passed.
 */
export function runScenarioTable(adapter: AdapterName, deps: () => { issuer: RunningIssuer; send: Send }, scenarios: Scenario[] = SCENARIOS): void {
  for (const s of scenarios) {
    const difference = s.differs?.[adapter];
    it(s.name + (difference ? ` [${adapter}: ${difference.why}]` : ''), async () => {
      const d = deps();
      const req = await s.request({ issuer: d.issuer });
      const got = await d.send(req);
      const e = difference ? difference.expect : s.expect;
      const where = `${req.method} ${req.path} → ${got.status} ${got.body}`;
      assert.equal(got.status, e.status, where);
      const challenge = got.headers['www-authenticate'];
      if (e.challenge === null) assert.equal(challenge, undefined, 'no challenge expected');
      else if (e.challenge !== undefined) assert.equal(challenge, e.challenge);
      if (e.error) assert.equal(JSON.parse(got.body).error, e.error);
      if (e.json !== undefined) assert.deepEqual(JSON.parse(got.body), expectedJson(e.json, d.issuer.url));
      for (const [name, value] of Object.entries(e.responseHeaders ?? {})) assert.equal(got.headers[name], value, 'response header ' + name);
      if (e.status === 200 && e.upstream) {
        assert.ok(got.upstream, 'the upstream received the request');
        for (const [name, value] of Object.entries(e.upstream)) assert.equal(got.upstream[name], value, 'upstream header ' + name);
      }
      if (e.status !== 200 && e.status !== 204) assert.equal(got.upstream, null, 'a denied request never reaches the upstream');
      for (const name of e.upstreamAbsent ?? []) assert.equal(got.upstream?.[name], undefined, 'upstream must not see ' + name);
      for (const [name, re] of Object.entries(e.upstreamMatch ?? {})) assert.match(got.upstream?.[name] ?? '', re, 'upstream header ' + name);
      if (e.upstreamQuery) {
        const params = new URL(got.upstreamUrl ?? '', 'http://upstream').searchParams;
        const seen: Record<string, string[]> = {};
        for (const [k, v] of params) (seen[k] ??= []).push(v);
        assert.deepEqual(seen, e.upstreamQuery, 'upstream query of ' + got.upstreamUrl);
      }
    });
  }
}
