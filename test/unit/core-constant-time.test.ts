import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual } from '../../src/core/constant-time.ts';

test('equal strings', () => {
  assert.equal(constantTimeEqual('', ''), true);
  assert.equal(constantTimeEqual('a', 'a'), true);
  assert.equal(constantTimeEqual('ak_live_0123456789abcdef', 'ak_live_0123456789abcdef'), true);
  assert.equal(constantTimeEqual('ünïcödé ✓', 'ünïcödé ✓'), true);
});

test('unequal strings of the same length, differing anywhere', () => {
  const base = 'ak_live_0123456789abcdef';
  for (let i = 0; i < base.length; i++) {
    const other = base.slice(0, i) + (base[i] === 'x' ? 'y' : 'x') + base.slice(i + 1);
    assert.equal(constantTimeEqual(base, other), false, `differs at ${i}`);
    assert.equal(constantTimeEqual(other, base), false, `differs at ${i} (swapped)`);
  }
});

test('a difference in the high byte of a UTF-16 unit is detected', () => {
  assert.equal(constantTimeEqual('\u0141', '\u0041'), false);
  assert.equal(constantTimeEqual('\u0100', '\u0000'), false);
});

test('different lengths are never equal, including prefixes and NUL padding', () => {
  assert.equal(constantTimeEqual('', 'a'), false);
  assert.equal(constantTimeEqual('a', ''), false);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
  assert.equal(constantTimeEqual('abcd', 'abc'), false);
  assert.equal(constantTimeEqual('abc', 'abc\u0000'), false);
  assert.equal(constantTimeEqual('abc\u0000', 'abc'), false);
  assert.equal(constantTimeEqual('\u0000', ''), false);
});

test('lengths whose XOR is zero in low bits still differ', () => {
  // 1 ^ 257 = 256: any nonzero XOR must fail the comparison.
  assert.equal(constantTimeEqual('a', 'a' + '\u0000'.repeat(256)), false);
  assert.equal(constantTimeEqual('x'.repeat(256), ''), false);
});
