// Upstream and target: a virtual host name balanced over targets (Kong `upstreams`, `targets`).
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, HeaderName, Nullable, TimestampMs, Uuid } from '../common.ts';
import { HealthchecksSchema } from './upstream-healthchecks.ts';
import { IDENTITY_KEYWORD } from '../identity-text.ts';
import { defineEntity, keyText, NAMED_BY_NAME } from '../entity-definition.ts';

/** What Kong 3.x may hash on; only `none` (plain weighted round-robin) is served here, the rest are refused. */
const HashInput = Type.Union(
  ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'].map((h) => Type.Literal(h)),
  { default: 'none' },
);
const HashParam = Nullable(Type.String({ minLength: 1 }));

export const UpstreamSchema = Type.Object(
  {
    ...EntityBase,
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: '^[A-Za-z0-9.\\-_]+$',
      [IDENTITY_KEYWORD]: 'name',
      description: 'Virtual hostname services refer to in `host`; unique regardless of case.',
    }),
    algorithm: Type.Union(
      ['round-robin', 'consistent-hashing', 'least-connections', 'latency'].map((a) => Type.Literal(a)),
      { default: 'round-robin', description: 'Only `round-robin` is served; the others are refused (not supported yet).' },
    ),
    hash_on: HashInput,
    hash_fallback: HashInput,
    hash_on_header: Type.Optional(Nullable(HeaderName)),
    hash_fallback_header: Type.Optional(Nullable(HeaderName)),
    hash_on_cookie: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    hash_on_cookie_path: Type.String({ pattern: '^/', default: '/' }),
    hash_on_query_arg: Type.Optional(HashParam),
    hash_fallback_query_arg: Type.Optional(HashParam),
    hash_on_uri_capture: Type.Optional(HashParam),
    hash_fallback_uri_capture: Type.Optional(HashParam),
    slots: Type.Integer({ minimum: 10, maximum: 65536, default: 10000 }),
    healthchecks: HealthchecksSchema,
    host_header: Type.Optional(Nullable(Type.String({ minLength: 1, description: "Host header sent to every target (default: the target's own host)." }))),
    client_certificate: Type.Optional(
      Nullable(Type.Union([Uuid, ForeignRef], { description: 'Refused unless null: mutual TLS to targets is not supported yet.' })),
    ),
    use_srv_name: Type.Boolean({ default: false, description: 'Refused when true: SRV records are not resolved yet.' }),
  },
  { additionalProperties: false, $id: 'upstream' },
);

export const TargetSchema = Type.Object(
  {
    ...EntityBase,
    created_at: Type.Optional(TimestampMs),
    updated_at: Type.Optional(TimestampMs),
    upstream: Type.Optional(Nullable(ForeignRef)),
    target: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.\\-_\\[\\]:]+$', description: '`host:port` (port defaults to 8000).' }),
    weight: Type.Integer({ minimum: 0, maximum: 65535, default: 100, description: '0 takes the target out of rotation.' }),
  },
  { additionalProperties: false, $id: 'target' },
);

export type Upstream = Static<typeof UpstreamSchema>;
export type Target = Static<typeof TargetSchema>;

export const Upstreams = defineEntity({
  kind: 'upstreams',
  schema: UpstreamSchema,
  adminPath: 'upstreams',
  ...NAMED_BY_NAME,
  foreign: {},
  label: 'upstream',
});

export const Targets = defineEntity({
  kind: 'targets',
  schema: TargetSchema,
  adminPath: 'targets',
  endpointKey: 'target',
  unique: [['upstream', 'target']],
  foreign: { upstream: { kind: 'upstreams', onDelete: 'cascade', required: true } },
  columns: { target: 'target' },
  sortBy: ['target'],
  naturalKey: ({ fields, refs, parentKey }) => `${parentKey}|${keyText(refs.upstream)}|${String(fields.target)}`,
  label: 'target',
  describe: (row, parent) => `${String(row.target)} for upstream ${parent('upstream')}`,
});
