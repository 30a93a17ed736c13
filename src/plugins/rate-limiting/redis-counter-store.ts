// Counters in Redis, shared by every node: one Lua script per request checks every limited window and then
// increments all of them or none, atomically (Redis runs a script alone) and in one round trip, so a limit
// holds exactly across nodes under any concurrency. Kong's redis policy reads, then increments: not exact.
// Keys: portcullis:rl:<scope>:<identifier>:<period>:<window start ms>, expiring once their window stops mattering.
import type { Redis } from 'ioredis';
import { EXPIRY_SLACK_MS, type CounterStore, type PeriodLimit, type SlidingCounts } from './counter-store.ts';
import type { Windows, Slots } from './periods.ts';
import { leaseRedisClient, type RedisLease, type RedisSettings } from './redis-clients.ts';

/**
 * KEYS: every limit's current-window key, then (sliding) every limit's previous-window key.
 * ARGV: n, sliding (1|0), then per limit: limit, weight of the previous window, key lifetime in ms.
 * Returns { refused limit index or -1, count × n, previous count × n when sliding }.
 * `floor(previous × weight)` is sliding-window.ts's slidingUsed(), in Lua's (IEEE double) arithmetic.
 */
const CONSUME_LUA = `
local n = tonumber(ARGV[1])
local sliding = ARGV[2] == '1'
local out = {}
local refused = -1
for i = 1, n do
  local base = 2 + (i - 1) * 3
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  local used = count
  out[1 + i] = count
  if sliding then
    local previous = tonumber(redis.call('GET', KEYS[n + i]) or '0')
    out[1 + n + i] = previous
    used = count + math.floor(previous * tonumber(ARGV[base + 2]))
  end
  if used >= tonumber(ARGV[base + 1]) then refused = i - 1 end
end
if refused == -1 then
  for i = 1, n do
    local count = redis.call('INCR', KEYS[i])
    if count == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 + (i - 1) * 3 + 3]) end
    out[1 + i] = count
  end
end
out[1] = refused
return out
`;

/** Sent as EVALSHA, falling back to EVAL once per connection when Redis has not seen the script yet. */
const SCRIPTS = { portcullisRateLimit: { lua: CONSUME_LUA } };

type ScriptClient = Redis & { portcullisRateLimit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]> };

export class RedisCounterStore implements CounterStore {
  readonly remote = true;
  private readonly settings: RedisSettings;
  private readonly prefix: string;
  private lease: RedisLease | null = null;
  private closed = false;

  /** `scope` keeps apart the counters of different plugin instances (their id) or tests sharing one Redis. */
  constructor(settings: RedisSettings, scope: string) {
    this.settings = settings;
    this.prefix = `portcullis:rl:${scope}:`;
  }

  async consume(identifier: string, limits: readonly PeriodLimit[], windows: Windows, counts: Slots, sliding?: SlidingCounts): Promise<number> {
    const n = limits.length;
    const keysAndArgs: (string | number)[] = [];
    const base = `${this.prefix}${identifier}:`;
    // Windows are indexed by a period's position in PERIODS, weights by a limit's: `?? 0` only satisfies the types.
    for (const { period, index } of limits) keysAndArgs.push(`${base}${period}:${windows.starts[index] ?? 0}`);
    if (sliding !== undefined) for (const { period, index } of limits) keysAndArgs.push(`${base}${period}:${windows.prevStarts[index] ?? 0}`);
    const numKeys = keysAndArgs.length;
    keysAndArgs.push(n, sliding === undefined ? 0 : 1);
    const lastEnds = sliding === undefined ? windows.ends : windows.nextEnds;
    const now = windows.starts[0] ?? 0;
    for (const [i, { limit, index }] of limits.entries()) {
      keysAndArgs.push(limit, sliding === undefined ? 0 : (sliding.weights[i] ?? 0), (lastEnds[index] ?? 0) - now + EXPIRY_SLACK_MS);
    }
    // Everything read from `windows` and `sliding.weights` above, before the first await.
    const client = (await this.client().ready()) as ScriptClient;
    const reply = await client.portcullisRateLimit(numKeys, ...keysAndArgs);
    const refused = reply.at(0);
    if (refused === undefined || reply.length !== 1 + (sliding === undefined ? n : 2 * n)) {
      throw new Error(`rate-limiting script replied ${reply.length} values for ${n} limits`);
    }
    for (let i = 0; i < n; i++) counts[i] = reply[1 + i] ?? 0;
    if (sliding !== undefined) for (let i = 0; i < n; i++) sliding.previous[i] = reply[1 + n + i] ?? 0;
    return refused;
  }

  /**
   * Gives the connection back (the plugin instance is gone or its Redis settings changed). Requests of the
   * config being replaced may still finish on it: the client closes only after the pool's grace period.
   */
  close(): void {
    this.closed = true;
    this.lease?.release();
  }

  /** Leased on first use: a config compiled only to be checked never opens a connection. */
  private client(): RedisLease {
    if (this.lease !== null) return this.lease;
    if (this.closed) throw new Error('the Redis counter store is closed');
    return (this.lease = leaseRedisClient(this.settings, SCRIPTS));
  }
}
