/**
 * The oidc-provider Redis adapter against a real redis-server: CRUD and TTLs,
 * uid/userCode indexes, grant-family revocation, single-use `consume` under
 * races between two replicas (two adapter classes on two connections), fail-
 * closed behaviour when Redis is down or hung, key names, and no payload in
 * any output.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import {
  ConsumeConflictError,
  DEFAULT_KEY_PREFIX,
  RedisUnavailableError,
  createRedisAdapterFactory,
  createRedisClient,
  isConsumeConflict,
  isRedisUnavailable,
  type AdapterPayload,
  type RedisAdapterClass,
} from '../../src/companion/storage/redis-adapter.ts';
import { sleep } from '../support/process.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';

const P = DEFAULT_KEY_PREFIX;

type Client = ReturnType<typeof createRedisClient>;

let redis: RunningRedis;
let clientA: Client;
let clientB: Client;
/** Replica A and replica B: separate connections, separate adapter classes. */
let A: RedisAdapterClass;
let B: RedisAdapterClass;

const uid = (): string => randomUUID().replaceAll('-', '');

function raw(args: string[]): Promise<unknown> {
  return clientA.sendCommand(args);
}

async function pttl(key: string): Promise<number> {
  return Number(await raw(['PTTL', key]));
}

async function exists(key: string): Promise<boolean> {
  return Number(await raw(['EXISTS', key])) === 1;
}

before(async () => {
  redis = await startRedis();
  clientA = createRedisClient({ url: redis.url, onError: () => {} });
  clientB = createRedisClient({ url: redis.url, onError: () => {} });
  await Promise.all([clientA.connect(), clientB.connect()]);
  A = createRedisAdapterFactory(clientA);
  B = createRedisAdapterFactory(clientB);
});

after(async () => {
  clientA?.destroy();
  clientB?.destroy();
  await redis?.stop();
});

describe('adapter shape', () => {
  it('is a class oidc-provider constructs per model, and also works as a (name) => adapter factory', () => {
    // oidc-provider v9 lib/helpers/type_validators.js: constructable = function with an object prototype
    assert.equal(typeof A, 'function');
    assert.equal(typeof A.prototype, 'object');
    const viaNew = new A('AccessToken');
    const factory = (name: string) => new A(name);
    assert.equal(viaNew.model, 'AccessToken');
    assert.equal(factory('Session').model, 'Session');
    for (const m of ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId'] as const) {
      assert.equal(typeof viaNew[m], 'function', m);
    }
    assert.equal(A.keyPrefix, 'mcp-authz:oidc:');
  });
});

describe('CRUD and TTL', () => {
  it('upsert/find/destroy round-trip a JSON payload exactly, under mcp-authz:oidc:<Model>:<id>', async () => {
    const at = new A('AccessToken');
    const id = uid();
    const payload: AdapterPayload = {
      iat: 1700000000, exp: 1700003600, jti: id, kind: 'AccessToken', accountId: 'alice',
      scope: 'openid mcp:read', amr: [], claims: {}, extra: { nested: [1, 2.5, null, 'ü'] }, big: 9007199254740991,
    };
    await at.upsert(id, payload, 60);
    assert.deepEqual(await at.find(id), payload);
    assert.equal(await raw(['HGET', `${P}AccessToken:${id}`, 'payload']), JSON.stringify(payload));
    const ttl = await pttl(`${P}AccessToken:${id}`);
    assert.ok(ttl > 58_000 && ttl <= 60_000, `ttl ${ttl}`);

    // replica B sees it too; upsert overwrites
    assert.deepEqual(await new B('AccessToken').find(id), payload);
    await at.upsert(id, { ...payload, scope: 'openid' }, 60);
    assert.equal((await new B('AccessToken').find(id))?.scope, 'openid');

    // same id under another model is another entry
    assert.equal(await new A('RefreshToken').find(id), undefined);

    await new B('AccessToken').destroy(id);
    assert.equal(await at.find(id), undefined);
    assert.equal(await exists(`${P}AccessToken:${id}`), false);
    await at.destroy(id); // idempotent
    assert.equal(await at.find(uid()), undefined);
  });

  it('entries expire after expiresIn seconds, with their indexes and grant set', async () => {
    const session = new A('Session');
    const device = new A('DeviceCode');
    const sid = uid();
    const sUid = uid();
    const dc = uid();
    const grantId = uid();
    await session.upsert(sid, { jti: sid, uid: sUid, kind: 'Session' }, 1);
    await device.upsert(dc, { jti: dc, userCode: 'ABCD-1234', grantId, kind: 'DeviceCode' }, 1);
    assert.ok(await session.findByUid(sUid));
    assert.ok(await device.findByUserCode('ABCD-1234'));
    const t = await pttl(`${P}grant:${grantId}`);
    assert.ok(t > 0 && t <= 1000, `grant set ttl ${t}`);
    await sleep(1200);
    assert.equal(await session.find(sid), undefined);
    assert.equal(await session.findByUid(sUid), undefined);
    assert.equal(await device.find(dc), undefined);
    assert.equal(await device.findByUserCode('ABCD-1234'), undefined);
    for (const k of [`${P}uid:${sUid}`, `${P}userCode:ABCD-1234`, `${P}grant:${grantId}`]) {
      assert.equal(await exists(k), false, k);
    }
  });

  it('clockTolerance is added to the TTL; a Client registration without expiresIn has no TTL', async () => {
    const Tol = createRedisAdapterFactory(clientA, { clockTolerance: 15 });
    const id = uid();
    await new Tol('AuthorizationCode').upsert(id, { jti: id }, 60);
    const ttl = await pttl(`${P}AuthorizationCode:${id}`);
    assert.ok(ttl > 74_000 && ttl <= 75_000, `ttl ${ttl}`);

    const client = new A('Client');
    const clientId = `dcr-${uid()}`;
    const metadata = { client_id: clientId, client_secret: 's3cr3t', redirect_uris: ['https://app.example/cb'] };
    await client.upsert(clientId, metadata);
    assert.equal(await pttl(`${P}Client:${clientId}`), -1);
    assert.deepEqual(await new B('Client').find(clientId), metadata);
  });

  it('the grant set lives as long as its longest-lived member (forever if one has no TTL)', async () => {
    const grantId = uid();
    await new A('AuthorizationCode').upsert(uid(), { grantId }, 10);
    await new A('RefreshToken').upsert(uid(), { grantId }, 100);
    await new A('AccessToken').upsert(uid(), { grantId }, 50);
    const ttl = await pttl(`${P}grant:${grantId}`);
    assert.ok(ttl > 98_000 && ttl <= 100_000, `ttl ${ttl}`);
    await new A('RefreshToken').upsert(uid(), { grantId });
    assert.equal(await pttl(`${P}grant:${grantId}`), -1);
    assert.equal(Number(await raw(['SCARD', `${P}grant:${grantId}`])), 4);
  });
});

describe('uid and userCode indexes', () => {
  it('findByUid finds the Session by its uid; re-keying and destroy drop the stale index', async () => {
    const sessions = new A('Session');
    const id = uid();
    const u1 = uid();
    const u2 = uid();
    await sessions.upsert(id, { jti: id, uid: u1, accountId: 'alice', kind: 'Session' }, 60);
    assert.equal(await raw(['GET', `${P}uid:${u1}`]), `${P}Session:${id}`);
    assert.equal(await pttl(`${P}uid:${u1}`) > 58_000, true);
    assert.equal((await new B('Session').findByUid(u1))?.accountId, 'alice');
    assert.equal(await new A('Interaction').findByUid(u1), undefined, 'index belongs to Session only');

    await sessions.upsert(id, { jti: id, uid: u2, accountId: 'alice', kind: 'Session' }, 60);
    assert.equal(await sessions.findByUid(u1), undefined);
    assert.equal(await exists(`${P}uid:${u1}`), false);
    assert.equal((await sessions.findByUid(u2))?.uid, u2);

    await sessions.destroy(id);
    assert.equal(await sessions.findByUid(u2), undefined);
    assert.equal(await exists(`${P}uid:${u2}`), false);
    assert.equal(await sessions.findByUid(uid()), undefined);
  });

  it('findByUserCode finds the DeviceCode; it reflects consumption', async () => {
    const codes = new A('DeviceCode');
    const id = uid();
    const userCode = `UC-${uid().slice(0, 8)}`;
    await codes.upsert(id, { jti: id, userCode, grantId: uid(), kind: 'DeviceCode' }, 60);
    assert.equal((await new B('DeviceCode').findByUserCode(userCode))?.jti, id);
    assert.equal(await raw(['GET', `${P}userCode:${userCode}`]), `${P}DeviceCode:${id}`);
    await codes.consume(id);
    const found = await new B('DeviceCode').findByUserCode(userCode);
    assert.equal(typeof found?.consumed, 'number');
    await codes.destroy(id);
    assert.equal(await codes.findByUserCode(userCode), undefined);
    assert.equal(await exists(`${P}userCode:${userCode}`), false);
  });
});

describe('revokeByGrantId', () => {
  it('removes every token of the grant, on every model, and nothing else', async () => {
    const g1 = uid();
    const g2 = uid();
    const userCode = `UC-${uid().slice(0, 8)}`;
    const mine = [
      ['AccessToken', uid()], ['AccessToken', uid()], ['RefreshToken', uid()],
      ['AuthorizationCode', uid()], ['DeviceCode', uid()], ['BackchannelAuthenticationRequest', uid()],
    ] as const;
    const others = [['AccessToken', uid()], ['RefreshToken', uid()]] as const;
    for (const [model, id] of mine) {
      await new A(model).upsert(id, { jti: id, grantId: g1, ...(model === 'DeviceCode' ? { userCode } : {}) }, 60);
    }
    for (const [model, id] of others) await new A(model).upsert(id, { jti: id, grantId: g2 }, 60);
    const sessionId = uid();
    await new A('Session').upsert(sessionId, { uid: uid(), authorizations: { c: { grantId: g1 } } }, 60);
    await new A('Grant').upsert(g1, { jti: g1, accountId: 'alice' }, 60);
    const clientId = uid();
    await new A('Client').upsert(clientId, { client_id: clientId });

    // replica B revokes what replica A wrote
    await new B('RefreshToken').revokeByGrantId(g1);

    for (const [model, id] of mine) assert.equal(await new A(model).find(id), undefined, `${model} revoked`);
    assert.equal(await new A('DeviceCode').findByUserCode(userCode), undefined);
    assert.equal(await exists(`${P}userCode:${userCode}`), false);
    assert.equal(await exists(`${P}grant:${g1}`), false);
    for (const [model, id] of others) assert.ok(await new A(model).find(id), `${model} of another grant kept`);
    assert.equal(Number(await raw(['SCARD', `${P}grant:${g2}`])), 2);
    assert.ok(await new A('Session').find(sessionId), 'session kept');
    assert.ok(await new A('Grant').find(g1), 'the Grant record is oidc-provider\'s to destroy (revokeGrantPolicy)');
    assert.ok(await new A('Client').find(clientId), 'client kept');

    await new A('AccessToken').revokeByGrantId(g1); // idempotent
    await new A('AccessToken').revokeByGrantId(uid());
  });

  it('destroy removes the entry from its grant set', async () => {
    const g = uid();
    const a = uid();
    const b = uid();
    await new A('AccessToken').upsert(a, { grantId: g }, 60);
    await new A('AccessToken').upsert(b, { grantId: g }, 60);
    await new A('AccessToken').destroy(a);
    assert.deepEqual(await raw(['SMEMBERS', `${P}grant:${g}`]), [`${P}AccessToken:${b}`]);
  });
});

describe('consume: single use across replicas', () => {
  it('sets consumed (epoch seconds) once; a second consume is rejected as invalid_grant', async () => {
    const codes = new A('AuthorizationCode');
    const id = uid();
    await codes.upsert(id, { jti: id, kind: 'AuthorizationCode' }, 60);
    const before = Math.floor(Date.now() / 1000);
    await codes.consume(id);
    const consumed = (await new B('AuthorizationCode').find(id))?.consumed;
    assert.equal(typeof consumed, 'number');
    assert.ok(consumed! >= before && consumed! <= before + 1);
    assert.ok(await pttl(`${P}AuthorizationCode:${id}`) > 58_000, 'consume keeps the TTL');

    const err = await new B('AuthorizationCode').consume(id).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ConsumeConflictError);
    assert.ok(isConsumeConflict(err));
    // what oidc-provider's error handler reads (lib/shared/error_handler.js, lib/helpers/err_out.js)
    assert.equal(err.message, 'invalid_grant');
    assert.equal(err.statusCode, 400);
    assert.equal(err.expose, true);
    assert.equal(err.error_description, 'grant request is invalid');
    assert.equal(err.reason, 'already_consumed');
    assert.equal(isRedisUnavailable(err), false);
    assert.equal((await codes.find(id))?.consumed, consumed, 'first consume time kept');
  });

  it('consuming a missing entry is rejected (not found), PAR reuse maps to invalid_request_uri', async () => {
    const err = await new A('RefreshToken').consume(uid()).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ConsumeConflictError);
    assert.equal(err.reason, 'not_found');
    assert.equal(await exists(`${P}RefreshToken:x`), false);

    const par = new A('PushedAuthorizationRequest');
    const id = uid();
    await par.upsert(id, { jti: id }, 60);
    await par.consume(id);
    const parErr = await new B('PushedAuthorizationRequest').consume(id).then(() => null, (e: unknown) => e);
    assert.ok(parErr instanceof ConsumeConflictError);
    assert.equal(parErr.message, 'invalid_request_uri');
  });

  it('consumed is a latch: a later upsert of the entry without it does not clear it', async () => {
    const rts = new A('RefreshToken');
    const id = uid();
    await rts.upsert(id, { jti: id, grantId: uid() }, 60);
    await rts.consume(id);
    await new B('RefreshToken').upsert(id, { jti: id, grantId: uid(), extra: 1 }, 60);
    assert.equal(typeof (await rts.find(id))?.consumed, 'number');
    await assert.rejects(rts.consume(id), ConsumeConflictError);

    const id2 = uid();
    await rts.upsert(id2, { jti: id2, consumed: 1700000000 }, 60);
    assert.equal((await rts.find(id2))?.consumed, 1700000000);
    await assert.rejects(rts.consume(id2), ConsumeConflictError);
  });

  it('oidc-provider interleaving: both replicas find it unconsumed, only one consume passes', async () => {
    const id = uid();
    await new A('AuthorizationCode').upsert(id, { jti: id }, 60);
    const [seenA, seenB] = await Promise.all([new A('AuthorizationCode').find(id), new B('AuthorizationCode').find(id)]);
    assert.equal(seenA?.consumed, undefined);
    assert.equal(seenB?.consumed, undefined);
    await new A('AuthorizationCode').consume(id);
    await assert.rejects(new B('AuthorizationCode').consume(id), (e: unknown) => e instanceof ConsumeConflictError && e.message === 'invalid_grant');
    // a third attempt sees consumed at find time: oidc-provider's own reuse branch takes over
    assert.equal(typeof (await new B('AuthorizationCode').find(id))?.consumed, 'number');
  });

  it('50 ids, each raced by 8 consumes over two connections, all at once: exactly one winner per id; losers revoke the family', async () => {
    const rounds = 50;
    const perClient = 4;
    const ids = Array.from({ length: rounds }, () => ({ code: uid(), rt: uid(), at: uid(), grantId: uid() }));
    for (const { code, rt, at, grantId } of ids) {
      await new A('AuthorizationCode').upsert(code, { jti: code, grantId }, 60);
      await new A('RefreshToken').upsert(rt, { jti: rt, grantId }, 60);
      await new A('AccessToken').upsert(at, { jti: at, grantId }, 60);
      await new A('Grant').upsert(grantId, { jti: grantId }, 60);
    }
    const adaptersA = new A('AuthorizationCode');
    const adaptersB = new B('AuthorizationCode');
    const results = await Promise.all(ids.map(({ code }) => {
      const attempts: Promise<void>[] = [];
      for (let i = 0; i < perClient; i++) attempts.push(adaptersA.consume(code), adaptersB.consume(code));
      return Promise.allSettled(attempts);
    }));
    for (const [i, settled] of results.entries()) {
      const won = settled.filter((s) => s.status === 'fulfilled').length;
      assert.equal(won, 1, `id #${i}: ${won} winners`);
      for (const s of settled) {
        if (s.status === 'rejected') {
          assert.ok(s.reason instanceof ConsumeConflictError, String(s.reason));
          assert.equal(s.reason.message, 'invalid_grant');
        }
      }
    }
    // reuse detected for every id → the whole family (and the Grant) is gone
    for (const { code, rt, at, grantId } of ids) {
      assert.equal(await new A('AuthorizationCode').find(code), undefined);
      assert.equal(await new A('RefreshToken').find(rt), undefined);
      assert.equal(await new A('AccessToken').find(at), undefined);
      assert.equal(await new A('Grant').find(grantId), undefined);
    }
  });

  it('50 refresh tokens raced by two replicas with revokeGrantOnReuse: false: exactly one winner, nothing else deleted', async () => {
    const events: unknown[] = [];
    const opts = { revokeGrantOnReuse: false, onConsumeConflict: (e: unknown) => events.push(e) };
    const RA = createRedisAdapterFactory(clientA, opts);
    const RB = createRedisAdapterFactory(clientB, opts);
    const ids = Array.from({ length: 50 }, () => ({ rt: uid(), at: uid(), grantId: uid() }));
    for (const { rt, at, grantId } of ids) {
      await new RA('RefreshToken').upsert(rt, { jti: rt, grantId }, 60);
      await new RA('AccessToken').upsert(at, { jti: at, grantId }, 60);
    }
    const a = new RA('RefreshToken');
    const b = new RB('RefreshToken');
    const results = await Promise.all(ids.map(({ rt }) => Promise.allSettled([a.consume(rt), b.consume(rt)])));
    for (const settled of results) {
      assert.deepEqual(settled.map((s) => s.status).sort(), ['fulfilled', 'rejected']);
    }
    assert.equal(events.length, 50);
    assert.deepEqual(events[0], { model: 'RefreshToken', reason: 'already_consumed', revoked: 0 });
    for (const { rt, at } of ids) {
      assert.equal(typeof (await a.find(rt))?.consumed, 'number');
      assert.ok(await new RA('AccessToken').find(at));
    }
  });
});

describe('Redis unavailable: fail closed, fast', () => {
  const ops = (Cls: RedisAdapterClass): Array<[string, () => Promise<unknown>]> => [
    ['find', () => new Cls('AccessToken').find('x')],
    ['upsert', () => new Cls('AccessToken').upsert('x', { a: 1 }, 60)],
    ['consume', () => new Cls('AuthorizationCode').consume('x')],
    ['destroy', () => new Cls('AccessToken').destroy('x')],
    ['revokeByGrantId', () => new Cls('AccessToken').revokeByGrantId('g')],
    ['findByUid', () => new Cls('Session').findByUid('u')],
    ['findByUserCode', () => new Cls('DeviceCode').findByUserCode('c')],
  ];

  async function expectUnavailable(name: string, fn: () => Promise<unknown>, withinMs: number): Promise<void> {
    const t0 = performance.now();
    const err = await fn().then(() => null, (e: unknown) => e);
    const ms = performance.now() - t0;
    assert.ok(err instanceof RedisUnavailableError, `${name}: ${inspect(err)}`);
    assert.ok(isRedisUnavailable(err), name);
    assert.equal(err.statusCode, 503);
    assert.ok(ms < withinMs, `${name} took ${ms.toFixed(0)} ms`);
  }

  it('Redis stopped: every operation rejects within 1 s', async () => {
    const r = await startRedis();
    const client = createRedisClient({ url: r.url, onError: () => {} });
    await client.connect();
    const Cls = createRedisAdapterFactory(client);
    await new Cls('AccessToken').upsert('x', { a: 1 }, 60);
    await r.stop();
    await sleep(50);
    for (const [name, fn] of ops(Cls)) await expectUnavailable(name, fn, 1000);
    client.destroy();
  });

  it('Redis never reachable (nothing listening): operations reject within 1 s', async () => {
    const r = await startRedis();
    await r.stop(); // a port that was just free
    const client = createRedisClient({ url: r.url, onError: () => {} });
    const connecting = client.connect().catch(() => {});
    const Cls = createRedisAdapterFactory(client);
    for (const [name, fn] of ops(Cls)) await expectUnavailable(name, fn, 1000);
    client.destroy();
    await connecting;
  });

  it('Redis hung (SIGSTOP): operations reject in about 1 s, then at once once the socket timeout drops the link; recovery after SIGCONT', async () => {
    const r = await startRedis();
    const client = createRedisClient({ url: r.url, onError: () => {} });
    await client.connect();
    const Cls = createRedisAdapterFactory(client);
    await new Cls('AccessToken').upsert('x', { a: 1 }, 60);
    process.kill(r.pid, 'SIGSTOP');
    try {
      await expectUnavailable('find', () => new Cls('AccessToken').find('x'), 1200);
      await expectUnavailable('consume', () => new Cls('AuthorizationCode').consume('x'), 1200);
      await sleep(1500); // socket timeout (2 s of silence) closes the connection
      for (const [name, fn] of ops(Cls)) await expectUnavailable(name, fn, 300);
    } finally {
      process.kill(r.pid, 'SIGCONT');
    }
    try {
      const t0 = Date.now();
      let back: AdapterPayload | undefined;
      while (!back && Date.now() - t0 < 8000) {
        back = await new Cls('AccessToken').find('x').catch(() => undefined);
        if (!back) await sleep(100);
      }
      assert.deepEqual(back, { a: 1 }, 'works again after Redis resumes');
    } finally {
      client.destroy();
      await r.stop();
    }
  });

  it('a client with an offline queue (default node-redis) is still bounded by operationTimeoutMs', async () => {
    const r = await startRedis();
    const client = createClient({ url: r.url, socket: { reconnectStrategy: 100 } });
    client.on('error', () => {});
    await client.connect();
    const Cls = createRedisAdapterFactory(client, { operationTimeoutMs: 300 });
    await r.stop();
    await sleep(50);
    await expectUnavailable('find', () => new Cls('AccessToken').find('x'), 800);
    client.destroy();
  });

  it('isRedisUnavailable recognises connection errors, their causes, and busy replies only', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(isRedisUnavailable(refused), true);
    assert.equal(isRedisUnavailable(new Error('wrapped', { cause: refused })), true);
    assert.equal(isRedisUnavailable(new AggregateError([refused])), true);
    assert.equal(isRedisUnavailable(new RedisUnavailableError('find')), true);
    class ErrorReply extends Error {}
    assert.equal(isRedisUnavailable(new ErrorReply('LOADING Redis is loading the dataset in memory')), true);
    assert.equal(isRedisUnavailable(new ErrorReply('WRONGTYPE Operation against a key')), false);
    assert.equal(isRedisUnavailable(new Error('boom')), false);
    assert.equal(isRedisUnavailable(new ConsumeConflictError('AuthorizationCode', 'already_consumed')), false);
    assert.equal(isRedisUnavailable(null), false);
    assert.equal(isRedisUnavailable('ECONNREFUSED'), false);
  });
});

describe('keys and logging', () => {
  it('every key lives under the namespace: <Model>:<id>, grant:<grantId>, uid:<uid>, userCode:<code>', async () => {
    const r = await startRedis();
    const client = createRedisClient({ url: r.url, onError: () => {} });
    await client.connect();
    try {
      const Cls = createRedisAdapterFactory(client);
      await new Cls('Session').upsert('s1', { uid: 'u1' }, 60);
      await new Cls('DeviceCode').upsert('d1', { userCode: 'WXYZ', grantId: 'g1' }, 60);
      await new Cls('RefreshToken').upsert('r1', { grantId: 'g1' }, 60);
      await new Cls('Client').upsert('c1', { client_id: 'c1' });
      const keys = (await client.sendCommand(['KEYS', '*'])) as string[];
      assert.deepEqual(keys.sort(), [
        'mcp-authz:oidc:Client:c1',
        'mcp-authz:oidc:DeviceCode:d1',
        'mcp-authz:oidc:RefreshToken:r1',
        'mcp-authz:oidc:Session:s1',
        'mcp-authz:oidc:grant:g1',
        'mcp-authz:oidc:uid:u1',
        'mcp-authz:oidc:userCode:WXYZ',
      ]);
      const Other = createRedisAdapterFactory(client, { keyPrefix: 'tenant2:' });
      await new Other('AccessToken').upsert('a1', {}, 60);
      assert.equal(await client.sendCommand(['EXISTS', 'tenant2:AccessToken:a1']), 1);

      // scripts are re-sent after a SCRIPT FLUSH (restart / failover)
      await client.sendCommand(['SCRIPT', 'FLUSH']);
      await new Cls('RefreshToken').consume('r1');
      await assert.rejects(new Cls('RefreshToken').consume('r1'), ConsumeConflictError);
    } finally {
      client.destroy();
      await r.stop();
    }
  });

  it('no payload or token id reaches stdout, stderr, console, or any error message', async () => {
    const secret = `SECRET-${uid()}`;
    const tokenId = `TOKEN-${uid()}`;
    const captured: string[] = [];
    const orig = {
      out: process.stdout.write.bind(process.stdout),
      err: process.stderr.write.bind(process.stderr),
      log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug,
    };
    const sink = (chunk: unknown): boolean => {
      captured.push(String(chunk));
      return true;
    };
    const consoleSink = (...args: unknown[]): void => {
      captured.push(args.map((a) => inspect(a)).join(' '));
    };
    process.stdout.write = sink as typeof process.stdout.write;
    process.stderr.write = sink as typeof process.stderr.write;
    Object.assign(console, { log: consoleSink, warn: consoleSink, error: consoleSink, info: consoleSink, debug: consoleSink });
    const errors: unknown[] = [];
    const r = await startRedis();
    try {
      const client = createRedisClient({ url: r.url }); // default onError → console.warn
      await client.connect();
      const Cls = createRedisAdapterFactory(client);
      const rt = new Cls('RefreshToken');
      const payload = { jti: tokenId, grantId: uid(), accountId: secret, claims: { secret } };
      await rt.upsert(tokenId, payload, 60);
      await rt.find(tokenId);
      await rt.consume(tokenId);
      await rt.consume(tokenId).catch((e: unknown) => errors.push(e));
      await rt.consume(`${tokenId}-missing`).catch((e: unknown) => errors.push(e));
      await client.sendCommand(['SET', `${P}RefreshToken:${tokenId}-bad`, secret]);
      await rt.find(`${tokenId}-bad`).catch((e: unknown) => errors.push(e));
      await client.sendCommand(['HSET', `${P}RefreshToken:${tokenId}-junk`, 'payload', `{"x":"${secret}"`]);
      await rt.find(`${tokenId}-junk`).catch((e: unknown) => errors.push(e));
      await r.stop();
      await sleep(50);
      await rt.upsert(tokenId, payload, 60).catch((e: unknown) => errors.push(e));
      await rt.find(tokenId).catch((e: unknown) => errors.push(e));
      client.destroy();
    } finally {
      Object.assign(process.stdout, { write: orig.out });
      Object.assign(process.stderr, { write: orig.err });
      Object.assign(console, { log: orig.log, warn: orig.warn, error: orig.error, info: orig.info, debug: orig.debug });
      await r.stop();
    }
    assert.equal(errors.length, 6);
    const text = captured.join('\n') + errors.map((e) => `${String(e)} ${inspect(e, { depth: 5 })} ${JSON.stringify(e)}`).join('\n');
    assert.ok(captured.some((l) => l.includes('redis: ')), 'the outage was reported');
    assert.equal(text.includes(secret), false, 'payload leaked');
    assert.equal(text.includes(tokenId), false, 'token id leaked');
  });
});
