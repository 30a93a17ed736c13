// Upstream and target: a virtual host name balanced over targets (Kong `upstreams`, `targets`).
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../common.ts';

export const UpstreamSchema = Type.Object({
  ...EntityBase,
  name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.\\-_]+$', description: 'Virtual hostname services refer to in `host`.' }),
  algorithm: Type.Union([Type.Literal('round-robin'), Type.Literal('consistent-hashing'), Type.Literal('least-connections')], { default: 'round-robin' }),
  hash_on: Type.Union([Type.Literal('none'), Type.Literal('consumer'), Type.Literal('ip'), Type.Literal('header')], { default: 'none' }),
  hash_on_header: Type.Optional(Nullable(Type.String())),
  slots: Type.Integer({ minimum: 10, maximum: 65536, default: 10000 }),
  host_header: Type.Optional(Nullable(Type.String())),
  healthchecks: Type.Optional(Type.Unknown({ description: 'Health checks (active and passive); arrive with the mesh.' })),
}, { additionalProperties: false, $id: 'upstream' });

export const TargetSchema = Type.Object({
  ...EntityBase,
  upstream: Type.Optional(Nullable(ForeignRef)),
  target: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.\\-_\\[\\]:]+$', description: '`host:port` (port defaults to 8000).' }),
  weight: Type.Integer({ minimum: 0, maximum: 65535, default: 100 }),
}, { additionalProperties: false, $id: 'target' });

export type Upstream = Static<typeof UpstreamSchema>;
export type Target = Static<typeof TargetSchema>;
