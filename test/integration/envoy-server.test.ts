/**
 * The ext_authz server's behaviour around the decision: a failure inside the service is a gRPC
 * error (Envoy then answers status_on_error 503), never an OK; a malformed CheckRequest is
 * INVALID_ARGUMENT; every decision is observed; Health reports SERVING; stop() drains.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createExtAuthzClient, type ExtAuthzClient } from '../../src/envoy/client.ts';
import { AUTHORIZATION_SERVICE } from '../../src/envoy/protos.ts';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import { startExtAuthzServer, type ExtAuthzServer } from '../../src/envoy/server.ts';
import type { CoreConfig, CoreRequest, Decision } from '../../src/core/types.ts';
import type { CachedDecider } from '../../src/node/decision-cache.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import type { Observer } from '../../src/service/observe.ts';
import { API_KEY, fixtureConfig } from '../contract/fixture-config.ts';

const config: CoreConfig = fixtureConfig({ issuerUrl: 'http://127.0.0.1:9', jwksUri: 'http://127.0.0.1:9/jwks', upstreamUrl: 'http://127.0.0.1:9' });

function recordingObserver(): Observer & { decisions: Array<{ req: CoreRequest; d: Decision; cached: boolean; seconds: number }>; failures: unknown[] } {
  const decisions: Array<{ req: CoreRequest; d: Decision; cached: boolean; seconds: number }> = [];
  const failures: unknown[] = [];
  return {
    decisions,
    failures,
    decided(adapter, req, d, seconds, cached) {
      assert.equal(adapter, 'ext_authz');
      decisions.push({ req, d, cached, seconds });
    },
    failed(adapter, err) {
      assert.equal(adapter, 'ext_authz');
      failures.push(err);
    },
  };
}

function apiKeyCheck(): CheckRequestMessage {
  return {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1' } } },
      request: { http: { id: '7', method: 'POST', path: '/keys/mcp', host: 'mcp.example.test', scheme: 'https', headers: { ':path': '/keys/mcp', 'x-api-key': API_KEY } } },
      context_extensions: { mcp_authz_endpoint: 'keys-mcp' },
    },
  };
}

async function withServer(decider: CachedDecider, observer: Observer, body: (client: ExtAuthzClient) => Promise<void>): Promise<void> {
  const server = await startExtAuthzServer({ config, decider, observer }, '127.0.0.1:0');
  const client = createExtAuthzClient('127.0.0.1:' + server.port);
  try {
    await body(client);
  } finally {
    client.close();
    await server.stop();
  }
}

describe('ext_authz server', () => {
  it('a decider that throws → INTERNAL, observed as a failure, never OK', async () => {
    const observer = recordingObserver();
    const broken: CachedDecider = { decide: () => Promise.reject(new Error('redis down')) };
    await withServer(broken, observer, async (client) => {
      await assert.rejects(client.check(apiKeyCheck()), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INTERNAL);
        // Nothing from inside the service leaks to Envoy's logs.
        assert.equal(err.details, 'authorization check failed');
        return true;
      });
      assert.equal(observer.failures.length, 1);
      assert.equal((observer.failures[0] as Error).message, 'redis down');
      assert.equal(observer.decisions.length, 0);
    });
  });

  it('an observer that throws while logging a decision → error status, not the decision', async () => {
    const observer = recordingObserver();
    observer.decided = () => {
      throw new Error('log sink full');
    };
    await withServer(createCachedDecider(config, nodePorts()), observer, async (client) => {
      await assert.rejects(client.check(apiKeyCheck()), (err: grpc.ServiceError) => err.code === grpc.status.INTERNAL);
      assert.equal(observer.failures.length, 1);
    });
  });

  it('a CheckRequest without HTTP attributes → INVALID_ARGUMENT', async () => {
    const observer = recordingObserver();
    await withServer(createCachedDecider(config, nodePorts()), observer, async (client) => {
      await assert.rejects(client.check({ attributes: {} }), (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT);
      assert.equal(observer.failures.length, 1);
    });
  });

  it('decisions are timed and observed with their endpoint and request id', async () => {
    const observer = recordingObserver();
    await withServer(createCachedDecider(config, nodePorts()), observer, async (client) => {
      await client.check(apiKeyCheck());
      const res = await client.check(apiKeyCheck());
      assert.equal(res.status?.code ?? 0, 0);
      assert.equal(res.dynamic_metadata?.fields?.['mcp_authz_subject']?.stringValue, 'ci-bot');
      assert.equal(observer.decisions.length, 2);
      for (const o of observer.decisions) {
        assert.equal(o.d.action, 'allow');
        assert.equal(o.d.endpoint, 'keys-mcp');
        assert.equal(o.req.requestId, '7');
        assert.ok(o.seconds >= 0 && o.seconds < 5);
      }
    });
  });

  it('the cached flag reaches the observer', async () => {
    const observer = recordingObserver();
    let calls = 0;
    const decider: CachedDecider = {
      async decide(req) {
        calls++;
        return { decision: { action: 'respond', endpoint: null, status: 404, headers: {}, body: '', reason: 'no_endpoint' }, cached: calls > 1 && req.path === '/keys/mcp' };
      },
    };
    await withServer(decider, observer, async (client) => {
      await client.check(apiKeyCheck());
      await client.check(apiKeyCheck());
      assert.deepEqual(observer.decisions.map((o) => o.cached), [false, true]);
    });
  });

  describe('grpc.health.v1.Health', () => {
    let server: ExtAuthzServer;
    let client: ExtAuthzClient;
    before(async () => {
      server = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer: recordingObserver() }, '127.0.0.1:0');
      client = createExtAuthzClient('127.0.0.1:' + server.port);
    });
    after(async () => {
      client?.close();
      await server?.stop();
    });

    it('the server and the Authorization service are SERVING', async () => {
      assert.equal(await client.health(''), 'SERVING');
      assert.equal(await client.health(AUTHORIZATION_SERVICE), 'SERVING');
    });

    it('an unknown service is NOT_FOUND', async () => {
      await assert.rejects(client.health('no.such.Service'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
    });
  });

  it('stop() closes the port', async () => {
    const server = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer: recordingObserver() }, '127.0.0.1:0');
    const client = createExtAuthzClient('127.0.0.1:' + server.port);
    assert.equal(await client.health(), 'SERVING');
    await server.stop();
    await assert.rejects(client.check(apiKeyCheck(), 500), (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED);
    client.close();
  });
});
