// The rate-limiting plugin's config: Kong 3.x's fields, names, defaults and entity checks.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PERIODS } from './periods.ts';

const Limit = (period: string) =>
  Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], {
    description: `The number of HTTP requests that can be made per ${period}.`,
    default: null,
  });

const Nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description, default: null });

/** Kong's shared Redis connection record, for the `redis` policy (which requires `host` and `port`). */
const RedisSchema = Type.Object(
  {
    host: Nullable(Type.String({ minLength: 1 }), 'Redis host.'),
    port: Nullable(Type.Integer({ minimum: 0, maximum: 65535 }), 'Redis port.'),
    timeout: Type.Integer({
      minimum: 0,
      maximum: 2147483646,
      description: 'Milliseconds connecting to Redis and any Redis command may take; past it the request is handled as with Redis down (see `fault_tolerant`).',
      default: 2000,
    }),
    username: Nullable(Type.String(), 'Username for Redis ACL authentication (Redis 6+); none when null.'),
    password: Type.Union([Type.String(), Type.Null()], {
      description: 'Password for Redis AUTH; none when null. Write-only: stored encrypted, never returned by reads.',
      default: null,
      'x-secret': 'encrypted',
    }),
    database: Type.Integer({ minimum: 0, description: 'Redis database number.', default: 0 }),
    ssl: Type.Boolean({ description: 'Connect to Redis over TLS.', default: false }),
    ssl_verify: Type.Boolean({ description: "Verify the Redis server's certificate.", default: false }),
    server_name: Nullable(Type.String({ minLength: 1 }), 'SNI server name for TLS connections to Redis.'),
  },
  { additionalProperties: false, description: 'Redis connection, for the `redis` policy.', default: {} },
);

export const RateLimitingConfigSchema = Type.Object(
  {
    second: Limit('second'),
    minute: Limit('minute'),
    hour: Limit('hour'),
    day: Limit('day'),
    month: Limit('month'),
    year: Limit('year'),
    window_type: Type.Union([Type.Literal('fixed'), Type.Literal('sliding')], {
      description:
        "How windows count (Kong Enterprise's rate-limiting-advanced field). `fixed`, Kong's: each period is counted in calendar-aligned windows (every minute from :00) that start afresh, so a client may send up to twice a limit around a boundary. `sliding`: the previous window's count also weighs, by the part of the current window still to come (`current + floor(previous × remaining fraction)`), which smooths out boundary bursts. With `sliding`, `RateLimit-Reset` and `Retry-After` on a refusal give the seconds until a request would pass again.",
      default: 'fixed',
    }),
    limit_by: Type.Union(
      ['consumer', 'credential', 'ip', 'service', 'header', 'path'].map((v) => Type.Literal(v)),
      {
        description:
          'The entity requests are counted per. `consumer` and `credential` fall back to the client IP when nobody is authenticated (the anonymous consumer counts as one consumer, as in Kong); so do `service`, `header` (header absent) and `path` (another path).',
        default: 'consumer',
      },
    ),
    header_name: Nullable(
      Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 256 }),
      'Header whose value requests are counted per, with `limit_by: header`.',
    ),
    path: Nullable(Type.String({ pattern: '^/', minLength: 1 }), 'Path whose requests share one counter, with `limit_by: path`.'),
    policy: Type.Union([Type.Literal('local'), Type.Literal('cluster'), Type.Literal('redis')], {
      description:
        "Where counters live. `local`: in this node's memory, shared by its worker threads, so a limit holds exactly per node (each node counts on its own). `redis`: in Redis (`config.redis`), shared by every node. `cluster`: in the database, shared by every node of a database-mode cluster; refused in DB-less mode, as Kong does. Redis and database counters are exact across nodes: one atomic round trip checks every limited window and counts the request in all of them or none.",
      default: 'local',
    }),
    fault_tolerant: Type.Boolean({
      description:
        "What happens while the counter store (Redis or the database) cannot be reached, or when `local` counters have no room for a new identifier (the node's table is full of live ones: identifiers already counted keep counting). If true, requests are proxied without limits and a warning is logged (at most one every few seconds); if false, clients get `500` (`RATE_LIMIT_STORE_UNAVAILABLE`). Limiting resumes by itself once the store is back (or buckets expire).",
      default: true,
    }),
    redis: RedisSchema,
    hide_client_headers: Type.Boolean({
      description: 'If true, no rate-limit headers (nor `Retry-After`) are sent to the client.',
      default: false,
    }),
    error_code: Type.Integer({
      minimum: 100,
      maximum: 599,
      description: 'HTTP status returned when a limit is exceeded.',
      default: 429,
    }),
    error_message: Type.String({
      description: 'The `message` returned when a limit is exceeded.',
      default: 'API rate limit exceeded',
    }),
    sync_rate: Type.Number({
      description:
        'Kong: how often, in seconds, to sync counters to Redis; -1 is synchronous. Accepted for compatibility, but counters here are always updated synchronously (as with -1), so limits stay exact.',
      default: -1,
    }),
  },
  { additionalProperties: false },
);

export type RateLimitingConfig = Static<typeof RateLimitingConfigSchema>;

/**
 * Kong's entity checks and custom validator. `cluster` in DB-less mode is refused when the config is built
 * (counter-store-for.ts), where the mode is known.
 */
export function validateRateLimitingConfig(config: RateLimitingConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  if (PERIODS.every((p) => config[p] === null)) {
    errors.config = `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}`;
  }
  // A longer period may not allow fewer requests than a shorter one.
  PERIODS.forEach((lower, i) => {
    const v1 = config[lower];
    if (v1 === null) return;
    for (const upper of PERIODS.slice(i + 1)) {
      const v2 = config[upper];
      if (v2 !== null && v2 < v1 && !('config' in errors)) {
        errors.config = `The limit for ${upper}(${v2.toFixed(1)}) cannot be lower than the limit for ${lower}(${v1.toFixed(1)})`;
      }
    }
  });
  if (config.policy === 'redis') {
    if (config.redis.host === null) errors['config.redis.host'] = 'required field missing';
    if (config.redis.port === null) errors['config.redis.port'] = 'required field missing';
  }
  if (config.policy !== 'redis' && config.sync_rate !== -1) {
    errors['config.sync_rate'] = 'sync_rate can only be used with the redis policy';
  } else if (config.policy === 'redis' && config.sync_rate !== -1 && config.sync_rate < 0.02) {
    errors['config.sync_rate'] = 'sync_rate must be greater than 0.02, or -1 to disable';
  }
  if (config.limit_by === 'header' && config.header_name === null) errors['config.header_name'] = 'required field missing';
  if (config.limit_by === 'path' && config.path === null) errors['config.path'] = 'required field missing';
  return errors;
}
