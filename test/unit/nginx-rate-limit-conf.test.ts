import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NGINX_TIMING, renderConf } from '../../src/nginx/render-conf.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { rateLimitConfig } from '../contract/rate-limit-fixture.ts';

const OPTS = Object.assign({}, NGINX_TIMING, { dir: '/etc/nginx/mcp-authz', checkSocket: '/run/c.sock', cachePath: '/var/cache/m', logPath: '/var/log/m.log', checkKey: 'a'.repeat(32) });

/** The body of `location <name> { … }` in server.conf (named locations hold no nested braces). */
function location(conf: string, name: string): string {
  const start = conf.indexOf('location ' + name + ' {');
  assert.ok(start >= 0, 'no location ' + name);
  return conf.slice(start, conf.indexOf('\n}', start));
}

describe('nginx conf for rate limits', () => {
  it('adds nothing to a configuration without rate limits', () => {
    const files = renderConf(fixtureConfig({ issuerUrl: 'https://i.example', jwksUri: 'https://i.example/jwks', upstreamUrl: 'http://127.0.0.1:3000' }), OPTS);
    for (const [name, text] of Object.entries(files)) {
      assert.doesNotMatch(text, /limit_req|try_files|mcp_authz_limited/, name);
      assert.ok(!name.endsWith('-upstream.conf'), name);
    }
  });

  it('gives each limited endpoint a zone keyed on the checked subject, and only those', () => {
    const http = renderConf(rateLimitConfig('http://127.0.0.1:3000'), OPTS)['http.conf'];
    assert.match(http, /^limit_req_zone \$mcp_authz_subject zone=mcp_authz_rl_slow_mcp:10m rate=1r\/m;$/m);
    assert.match(http, /^limit_req_zone \$mcp_authz_subject zone=mcp_authz_rl_fast_mcp:10m rate=5r\/s;$/m);
    assert.doesNotMatch(http, /mcp_authz_rl_plain_mcp/);
  });

  it('hands allowed requests to a named location that limits and proxies, and never checks again', () => {
    const files = renderConf(rateLimitConfig('http://127.0.0.1:3000'), OPTS);
    const endpoint = files['endpoint-slow-mcp.conf'];
    assert.match(endpoint, /^auth_request \/_mcp_authz\/check\/slow-mcp;$/m);
    assert.match(endpoint, /^try_files \/mcp-authz-rate-limited @mcp_authz_limited_slow_mcp;$/m);
    assert.match(endpoint, /^limit_req zone=mcp_authz_norl;$/m);
    assert.doesNotMatch(endpoint, /proxy_pass/);
    const limited = location(files['server.conf'], '@mcp_authz_limited_slow_mcp');
    assert.match(limited, /limit_req zone=mcp_authz_rl_slow_mcp burst=2 nodelay;/);
    assert.match(limited, /limit_req_status 429;/);
    assert.match(limited, /include \/etc\/nginx\/mcp-authz\/endpoint-slow-mcp-upstream\.conf;/);
    assert.doesNotMatch(limited, /auth_request/);
    const tooMany = location(files['server.conf'], '@mcp_authz_rate_limited_slow_mcp');
    assert.match(tooMany, /add_header Retry-After 63 always;/);
    assert.match(tooMany, /return 429 '\{"error":"rate_limited",/);
    // The check location may not count an inherited limit_req first.
    assert.match(location(files['server.conf'], '^~ /_mcp_authz/check/'), /limit_req zone=mcp_authz_norl;/);
    // An unlimited endpoint keeps an inherited limit_req and proxies in place.
    assert.doesNotMatch(files['endpoint-plain-mcp.conf'], /limit_req|try_files/);
    assert.match(files['endpoint-plain-mcp.conf'], /^proxy_pass http:\/\/mcp_authz_up_plain_mcp\/base;$/m);
    // In a named location proxy_pass takes no URI: the upstream path is applied by rewrite instead.
    assert.match(files['endpoint-pathed-mcp-upstream.conf'], /^proxy_pass http:\/\/mcp_authz_up_pathed_mcp;$/m);
    assert.match(location(files['server.conf'], '@mcp_authz_limited_pathed_mcp'), /rewrite \^\/pathed\/mcp\/\(\.\*\)\$ \/base\$1 break;/);
  });
});
