import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteStorage } from '../../src/companion/storage/sqlite-adapter.ts';

describe('SQLite adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-sqlite-'));
  const path = join(dir, 'sub', 'as.sqlite');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores, finds, expires and destroys entries per model; the file is private', async () => {
    const storage = openSqliteStorage(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const clients = storage.adapter('Client');
    const grants = storage.adapter('Grant');
    await clients.upsert('c1', { client_id: 'c1', redirect_uris: ['http://127.0.0.1/cb'] });
    assert.deepEqual(await clients.find('c1'), { client_id: 'c1', redirect_uris: ['http://127.0.0.1/cb'] });
    assert.equal(await grants.find('c1'), undefined, 'models are separate');
    await clients.upsert('short', { x: 1 }, -1);
    assert.equal(await clients.find('short'), undefined, 'expired entries are never returned');
    await clients.destroy('c1');
    assert.equal(await clients.find('c1'), undefined);
    await storage.close();
  });

  it('consumes once, finds by uid and user code, and revokes by grant id', async () => {
    const storage = openSqliteStorage(path);
    const codes = storage.adapter('AuthorizationCode');
    const tokens = storage.adapter('RefreshToken');
    await codes.upsert('code1', { grantId: 'g1', kind: 'AuthorizationCode' }, 60);
    await codes.consume('code1');
    const consumed = await codes.find('code1');
    assert.equal(typeof consumed?.consumed, 'number');
    await assert.rejects(codes.consume('code1'), (err: Error & { error?: string }) => err.error === 'invalid_grant', 'a second consume loses');
    await tokens.upsert('rt1', { grantId: 'g1' }, 60);
    await tokens.upsert('rt2', { grantId: 'g2' }, 60);
    await tokens.revokeByGrantId('g1');
    assert.equal(await tokens.find('rt1'), undefined);
    assert.ok(await tokens.find('rt2'));
    const sessions = storage.adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
    assert.equal((await sessions.findByUid('u1'))?.accountId, 'alice');
    const devices = storage.adapter('DeviceCode');
    await devices.upsert('d1', { userCode: 'ABCD' }, 60);
    assert.ok(await devices.findByUserCode('ABCD'));
    await storage.close();
  });

  it('keeps everything across a reopen, and a re-upsert clears consumption', async () => {
    const storage = openSqliteStorage(path);
    const tokens = storage.adapter('RefreshToken');
    assert.ok(await tokens.find('rt2'));
    const codes = storage.adapter('AuthorizationCode');
    assert.equal(typeof (await codes.find('code1'))?.consumed, 'number');
    await codes.upsert('code1', { grantId: 'g1' }, 60);
    assert.equal((await codes.find('code1'))?.consumed, undefined);
    await storage.close();
  });
});
