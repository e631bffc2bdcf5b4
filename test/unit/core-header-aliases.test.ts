/** Header-alias rules: which names backends would read as a controlled header. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aliasKey, spoofedAlias } from '../../src/core/header-aliases.ts';

const CONTROLLED = ['x-mcp-subject', 'x-mcp-email', 'authorization', 'remote-user'];

test('every non-alphanumeric separator builds the same variable name', () => {
  for (const n of ['X-MCP-Subject', 'X_MCP_Subject', 'X.MCP.Subject', 'x~mcp~subject', 'X+MCP+Subject']) assert.equal(aliasKey(n), 'x_mcp_subject');
});

test('aliases are found; exact names and unrelated headers are not', () => {
  assert.equal(spoofedAlias({ 'x.mcp.subject': 'a' }, CONTROLLED), 'x.mcp.subject');
  assert.equal(spoofedAlias({ 'remote_user': 'a' }, CONTROLLED), 'remote_user');
  assert.equal(spoofedAlias({ 'x-mcp-subject': 'a', 'remote-user': 'b', 'authorization': 'c' }, CONTROLLED), null);
  assert.equal(spoofedAlias({ 'x-mcp-subjects': 'a', 'authorization_': 'b', 'content-type': 'c' }, CONTROLLED), null);
});
