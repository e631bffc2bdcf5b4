import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyRedirectUri, inferApplicationType } from '../../src/companion/redirect-uri-rules.ts';

describe('classifyRedirectUri', () => {
  it('accepts what real MCP clients register', () => {
    assert.deepEqual(classifyRedirectUri('https://claude.ai/api/mcp/auth_callback'), { ok: true, kind: 'https', host: 'claude.ai' });
    assert.deepEqual(classifyRedirectUri('http://localhost:6274/oauth/callback'), { ok: true, kind: 'loopback', host: 'localhost:6274' });
    assert.deepEqual(classifyRedirectUri('http://127.0.0.1:33418/'), { ok: true, kind: 'loopback', host: '127.0.0.1:33418' });
    assert.deepEqual(classifyRedirectUri('http://[::1]:8080/cb'), { ok: true, kind: 'loopback', host: '[::1]:8080' });
    assert.deepEqual(classifyRedirectUri('cursor://anysphere.cursor-mcp/oauth/callback'), { ok: true, kind: 'private-use', host: 'anysphere.cursor-mcp' });
    assert.deepEqual(classifyRedirectUri('com.example.app:/oauth2redirect'), { ok: true, kind: 'private-use', host: 'com.example.app' });
  });

  it('refuses scripts, data, files, plain http elsewhere, fragments and credentials', () => {
    for (const uri of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x', 'blob:https://a/b',
      'http://example.com/cb', 'https://a.example/cb#x', 'https://user:pw@a.example/cb', 'not a uri']) {
      assert.equal(classifyRedirectUri(uri).ok, false, uri);
    }
  });
});

describe('inferApplicationType', () => {
  it('makes loopback and private-use clients native, keeps https-only clients as declared', () => {
    assert.equal(inferApplicationType(['http://127.0.0.1:1/cb'], 'web'), 'native');
    assert.equal(inferApplicationType(['cursor://x/cb', 'https://claude.ai/cb'], 'web'), 'native');
    assert.equal(inferApplicationType(['https://claude.ai/cb'], 'web'), 'web');
    assert.equal(inferApplicationType(['https://claude.ai/cb'], 'native'), 'native');
  });

  it('leaves a client with an https loopback redirect alone (native may not use one)', () => {
    assert.equal(inferApplicationType(['http://127.0.0.1:1/cb', 'https://localhost/cb'], 'web'), 'web');
  });
});
