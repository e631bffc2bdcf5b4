/**
 * Lua scripts of the Redis oidc-provider adapter, and a runner that calls them
 * by SHA (EVALSHA) and falls back to EVAL when the server does not know the
 * script yet (restart, SCRIPT FLUSH, failover).
 *
 * Data layout (prefix `P`, default `mcp-authz:oidc:`):
 * - `P<Model>:<id>`  hash: `payload` (the JSON string oidc-provider gave to
 *   upsert), `consumed` (epoch seconds, set once), `grantId`, `uidKey`,
 *   `userCodeKey` (names of its secondary index keys). TTL = expiresIn.
 * - `Pgrant:<grantId>` set of the entry keys issued under that grant; its TTL
 *   is the longest TTL of its members (none if a member has none).
 * - `Puid:<uid>`, `PuserCode:<userCode>` string: the entry key; same TTL.
 *
 * Every script runs atomically on the Redis server. Scripts touch keys derived
 * from hash fields/set members, so this layout targets a single Redis (or a
 * Sentinel-managed primary), not Redis Cluster.
 * @module
 */
import { createHash } from 'node:crypto';

/** Deletes an entry and the secondary indexes that still point at it. */
const DROP = `
local function drop(key)
  local f = redis.call('HMGET', key, 'uidKey', 'userCodeKey')
  local n = redis.call('DEL', key)
  if f[1] and redis.call('GET', f[1]) == key then redis.call('DEL', f[1]) end
  if f[2] and redis.call('GET', f[2]) == key then redis.call('DEL', f[2]) end
  return n
end
local function revokeGrant(grantKey)
  local n = 0
  for _, member in ipairs(redis.call('SMEMBERS', grantKey)) do n = n + drop(member) end
  redis.call('DEL', grantKey)
  return n
end
`;

/**
 * KEYS: entry, grant set or '', uid index or '', userCode index or ''.
 * ARGV: payload JSON, ttl ms ('0' = no expiry), consumed from the payload or '', grantId or '',
 * key prefix.
 * A `consumed` already recorded is kept: consumption is a one-way latch.
 */
export const UPSERT = `
local key, grantKey, uidKey, userCodeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl = tonumber(ARGV[2])
local prev = redis.call('HMGET', key, 'consumed', 'grantId', 'uidKey', 'userCodeKey')
local consumed = prev[1]
if not consumed and ARGV[3] ~= '' then consumed = ARGV[3] end
if prev[2] and prev[2] ~= ARGV[4] then
  redis.call('SREM', ARGV[5] .. 'grant:' .. prev[2], key)
end
if prev[3] and prev[3] ~= uidKey and redis.call('GET', prev[3]) == key then redis.call('DEL', prev[3]) end
if prev[4] and prev[4] ~= userCodeKey and redis.call('GET', prev[4]) == key then redis.call('DEL', prev[4]) end
redis.call('DEL', key)
local fields = {'payload', ARGV[1]}
if consumed then table.insert(fields, 'consumed'); table.insert(fields, consumed) end
if ARGV[4] ~= '' then table.insert(fields, 'grantId'); table.insert(fields, ARGV[4]) end
if uidKey ~= '' then table.insert(fields, 'uidKey'); table.insert(fields, uidKey) end
if userCodeKey ~= '' then table.insert(fields, 'userCodeKey'); table.insert(fields, userCodeKey) end
redis.call('HSET', key, unpack(fields))
if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
for _, idx in ipairs({uidKey, userCodeKey}) do
  if idx ~= '' then
    if ttl > 0 then redis.call('SET', idx, key, 'PX', ttl) else redis.call('SET', idx, key) end
  end
end
if grantKey ~= '' then
  local current = redis.call('PTTL', grantKey)
  redis.call('SADD', grantKey, key)
  if ttl <= 0 then
    redis.call('PERSIST', grantKey)
  elseif current == -2 or (current >= 0 and current < ttl) then
    redis.call('PEXPIRE', grantKey, ttl)
  end
end
return 1
`;

/**
 * KEYS: entry. ARGV: now (epoch s), revoke on reuse ('1'/'0'), key prefix.
 * Returns {1} won, {0} no such entry, {2, revokedCount} already consumed.
 * On reuse with revocation enabled, every entry of the grant and the Grant
 * record itself are deleted in the same atomic step (oidc-provider's own
 * reuse path does the same through revoke(); lib/helpers/revoke.js).
 */
export const CONSUME = `${DROP}
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {0} end
if redis.call('HSETNX', key, 'consumed', ARGV[1]) == 1 then return {1} end
local revoked = 0
if ARGV[2] == '1' then
  local grantId = redis.call('HGET', key, 'grantId')
  if grantId then
    revoked = revokeGrant(ARGV[3] .. 'grant:' .. grantId)
    revoked = revoked + redis.call('DEL', ARGV[3] .. 'Grant:' .. grantId)
  end
end
return {2, revoked}
`;

/** KEYS: entry. ARGV: key prefix. Deletes it, its indexes and its grant-set membership. */
export const DESTROY = `${DROP}
local key = KEYS[1]
local grantId = redis.call('HGET', key, 'grantId')
local n = drop(key)
if grantId then redis.call('SREM', ARGV[1] .. 'grant:' .. grantId, key) end
return n
`;

/** KEYS: grant set. Deletes every entry of the grant (any model) and the set. */
export const REVOKE_BY_GRANT = `${DROP}
return revokeGrant(KEYS[1])
`;

/**
 * KEYS: index (uid / userCode). ARGV: this model's key prefix (`P<Model>:`).
 * Returns {payload, consumed} of the indexed entry, or nil.
 */
export const FIND_BY_INDEX = `
local key = redis.call('GET', KEYS[1])
if not key or string.sub(key, 1, #ARGV[1]) ~= ARGV[1] then return false end
return redis.call('HMGET', key, 'payload', 'consumed')
`;

/** The one client method the adapter needs; node-redis `RedisClientType` (v5/v6) satisfies it. */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A Lua script with its SHA1, run via EVALSHA with an EVAL fallback on NOSCRIPT. */
export class Script {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisCommandClient, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await client.sendCommand(['EVALSHA', this.sha, ...tail]);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return client.sendCommand(['EVAL', this.source, ...tail]);
      }
      throw err;
    }
  }
}
