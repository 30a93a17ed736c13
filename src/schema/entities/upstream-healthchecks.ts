// An upstream's `healthchecks` record with every field, bound and default Kong 3.x declares and exports.
import { Type } from '@sinclair/typebox';
import { HeaderName, Nullable } from '../common.ts';

const seconds = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 65535, default: def, description });
/** Kong's `one_byte_integer`: 0 turns the counter (and what it drives) off. */
const counter = (description: string) => Type.Integer({ minimum: 0, maximum: 255, default: 0, description });
const statuses = (def: number[]) => Type.Array(Type.Integer({ minimum: 100, maximum: 999 }), { default: def });
const checkType = Type.Union(
  ['tcp', 'http', 'https', 'grpc', 'grpcs'].map((t) => Type.Literal(t)),
  { default: 'http' },
);
const strict = { additionalProperties: false } as const;

const ActiveHealthchecks = Type.Object(
  {
    type: checkType,
    timeout: seconds(1, 'Probe timeout, seconds.'),
    concurrency: Type.Integer({ minimum: 1, maximum: 2147483648, default: 10 }),
    http_path: Type.String({ pattern: '^/', default: '/' }),
    https_sni: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    https_verify_certificate: Type.Boolean({ default: true }),
    headers: Type.Optional(Nullable(Type.Record(HeaderName, Type.Array(Type.String())))),
    healthy: Type.Object(
      {
        interval: seconds(0, 'Seconds between probes of healthy targets; 0 disables them (anything else is refused: not supported yet).'),
        http_statuses: statuses([200, 302]),
        successes: counter('Successful probes that mark a target healthy.'),
      },
      strict,
    ),
    unhealthy: Type.Object(
      {
        interval: seconds(0, 'Seconds between probes of unhealthy targets; 0 disables them (anything else is refused: not supported yet).'),
        http_statuses: statuses([429, 404, 500, 501, 502, 503, 504, 505]),
        tcp_failures: counter('Probe TCP failures that mark a target unhealthy.'),
        timeouts: counter('Probe timeouts that mark a target unhealthy.'),
        http_failures: counter('Failed probes that mark a target unhealthy.'),
      },
      strict,
    ),
  },
  strict,
);

const PassiveHealthchecks = Type.Object(
  {
    type: checkType,
    healthy: Type.Object(
      {
        http_statuses: statuses([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]),
        successes: counter('Proxied successes that mark a target healthy again.'),
      },
      strict,
    ),
    unhealthy: Type.Object(
      {
        http_statuses: statuses([429, 500, 503]),
        tcp_failures: counter('TCP failures that mark a target unhealthy; above 0 is refused (circuit breaker not supported yet).'),
        timeouts: counter('Timeouts that mark a target unhealthy; above 0 is refused (circuit breaker not supported yet).'),
        http_failures: counter('Failed responses that mark a target unhealthy; above 0 is refused (circuit breaker not supported yet).'),
      },
      strict,
    ),
  },
  strict,
);

export const HealthchecksSchema = Type.Object(
  {
    active: ActiveHealthchecks,
    passive: PassiveHealthchecks,
    threshold: Type.Number({
      minimum: 0,
      maximum: 100,
      default: 0,
      description: 'Healthy-weight percentage below which the whole upstream counts as unhealthy.',
    }),
  },
  {
    ...strict,
    description:
      "Kong's health checker. Accepted with checks off, as Kong exports by default; enabling active or passive checks is refused (not supported yet).",
  },
);
