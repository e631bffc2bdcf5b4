import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreateCookieSecrets } from '../../src/companion/keys/cookie-secrets.ts';
import { loadOrCreateSigningKeys, rotateSigningKeys, SIGNING_KEYS_FILE } from '../../src/companion/keys/signing-keys.ts';

describe('signing keys', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcp-authz-keys-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('generates ES256 on first start into a private file and loads the same key afterwards', async () => {
    const dir = join(root, 'a');
    const first = await loadOrCreateSigningKeys(dir, { rs256: false });
    assert.ok(first.ok);
    assert.equal(first.keys.length, 1);
    assert.equal(first.keys[0]!.alg, 'ES256');
    assert.equal(first.keys[0]!.crv, 'P-256');
    assert.deepEqual(first.created, [first.keys[0]!.kid]);
    assert.equal(statSync(join(dir, SIGNING_KEYS_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const again = await loadOrCreateSigningKeys(dir, { rs256: false });
    assert.ok(again.ok);
    assert.deepEqual(again.created, []);
    assert.equal(again.keys[0]!.kid, first.keys[0]!.kid);
  });

  it('adds RS256 when asked, ES256 staying first', async () => {
    const dir = join(root, 'b');
    await loadOrCreateSigningKeys(dir, { rs256: false });
    const both = await loadOrCreateSigningKeys(dir, { rs256: true });
    assert.ok(both.ok);
    assert.deepEqual(both.keys.map((k) => k.alg), ['ES256', 'RS256']);
  });

  it('rotates to a new current key and keeps exactly one previous key per algorithm', async () => {
    const dir = join(root, 'c');
    const start = await loadOrCreateSigningKeys(dir, { rs256: false });
    assert.ok(start.ok);
    const one = await rotateSigningKeys(dir, { rs256: false });
    assert.ok(one.ok);
    assert.deepEqual(one.keys.map((k) => k.kid), [one.created[0], start.keys[0]!.kid]);
    const two = await rotateSigningKeys(dir, { rs256: false });
    assert.ok(two.ok);
    assert.deepEqual(two.keys.map((k) => k.kid), [two.created[0], one.created[0]], 'the oldest key is dropped');
    const onDisk = JSON.parse(readFileSync(join(dir, SIGNING_KEYS_FILE), 'utf8')) as { keys: Array<{ kid: string }> };
    assert.deepEqual(onDisk.keys.map((k) => k.kid), two.keys.map((k) => k.kid));
  });

  it('reports a damaged key file instead of replacing it', async () => {
    const dir = join(root, 'd');
    await loadOrCreateSigningKeys(dir, { rs256: false });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, SIGNING_KEYS_FILE), '{"keys": [{"kid": 1}]}');
    const r = await loadOrCreateSigningKeys(dir, { rs256: false });
    assert.equal(r.ok, false);
  });
});

describe('cookie secrets', () => {
  it('are generated once and kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-cookie-'));
    try {
      const a = loadOrCreateCookieSecrets(dir);
      const b = loadOrCreateCookieSecrets(dir);
      assert.ok(a.ok && b.ok);
      assert.deepEqual(a.keys, b.keys);
      assert.ok(a.keys[0]!.length >= 43);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
