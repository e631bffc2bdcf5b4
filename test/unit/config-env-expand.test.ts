import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandEnv } from '../../src/config/env-expand.ts';

describe('expandEnv', () => {
  it('expands ${VAR} and ${VAR:-default} in nested strings but not in keys', () => {
    const tree = {
      '${KEY}': 'x',
      list: ['${A}', 'pre-${A}-post', '${MISSING:-fallback}', '${EMPTY:-used}', 7, true, null],
      nested: { url: 'https://${HOST}/mcp' },
    };
    const result = expandEnv(tree, { A: 'alpha', HOST: 'mcp.example.com', EMPTY: '', KEY: 'nope' });
    assert.deepEqual(result, {
      ok: true,
      value: {
        '${KEY}': 'x',
        list: ['alpha', 'pre-alpha-post', 'fallback', 'used', 7, true, null],
        nested: { url: 'https://mcp.example.com/mcp' },
      },
    });
  });

  it('keeps a set-but-empty variable without default as the empty string', () => {
    assert.deepEqual(expandEnv({ v: '[${E}]' }, { E: '' }), { ok: true, value: { v: '[]' } });
  });

  it('turns $${ into a literal ${ and does not expand what follows', () => {
    const result = expandEnv({ v: 'cost: $${API_KEY} and ${A}' }, { A: 'a', API_KEY: 'secret' });
    assert.deepEqual(result, { ok: true, value: { v: 'cost: ${API_KEY} and a' } });
  });

  it('does not re-expand references inside substituted values', () => {
    assert.deepEqual(expandEnv({ v: '${A}' }, { A: '${B}', B: 'b' }), { ok: true, value: { v: '${B}' } });
  });

  it('names the config path of every unset variable', () => {
    const tree = {
      endpoints: [{ strategies: [{ type: 'jwt' }, { keys: [{ key: '${API_KEY}', subject: '${WHO}' }] }] }],
    };
    const result = expandEnv(tree, {});
    assert.deepEqual(result, {
      ok: false,
      errors: [
        { path: 'endpoints[0].strategies[1].keys[0].key', message: 'environment variable API_KEY is not set' },
        { path: 'endpoints[0].strategies[1].keys[0].subject', message: 'environment variable WHO is not set' },
      ],
    });
  });

  it('rejects unterminated and malformed references', () => {
    const result = expandEnv({ a: 'x${OPEN', b: '${1BAD}', c: '${A-b}' }, {});
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ['a', 'b', 'c'],
    );
    assert.match(result.errors[0]!.message, /unterminated/);
    assert.match(result.errors[1]!.message, /invalid variable reference/);
  });

  it('does not mutate its input', () => {
    const tree = { v: ['${A}'] };
    expandEnv(tree, { A: 'a' });
    assert.deepEqual(tree, { v: ['${A}'] });
  });
});
