// Service: an upstream API (Kong `services`). `url` is shorthand for protocol/host/port/path.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Host, Name, Nullable, Port, TimeoutMs, Uuid } from '../common.ts';
import { defineEntity, NAMED_BY_NAME } from '../entity-definition.ts';

export const ServiceSchema = Type.Object(
  {
    ...EntityBase,
    name: Type.Optional(Name),
    enabled: Type.Boolean({ default: true, description: 'When false, the service and its routes are left out as if absent.' }),
    // Kong also knows grpc(s), tcp, tls and udp: those are refused as not supported yet when the file loads.
    protocol: Type.Union([Type.Literal('http'), Type.Literal('https'), Type.Literal('ws'), Type.Literal('wss')], {
      default: 'http',
      description: '`ws` connects like `http`, `wss` like `https` (TLS, verified); frames are relayed untouched either way.',
    }),
    host: Host,
    port: Type.Optional(Port),
    path: Type.Optional(Nullable(Type.String({ pattern: '^/', description: 'Path prefix sent upstream.' }))),
    retries: Type.Integer({ minimum: 0, maximum: 32767, default: 5, description: 'Retries when a connection to a target fails.' }),
    connect_timeout: Type.Integer({ ...TimeoutMs, default: 60000 }),
    write_timeout: Type.Integer({ ...TimeoutMs, default: 60000 }),
    read_timeout: Type.Integer({ ...TimeoutMs, default: 60000 }),
    tls_verify: Type.Optional(
      Nullable(Type.Boolean({ description: 'Upstream certificates are always verified (system trust store): `true` and null load, `false` is refused.' })),
    ),
    tls_verify_depth: Type.Optional(
      Nullable(Type.Integer({ minimum: 0, maximum: 64, description: 'Refused unless null: the chain depth is not configurable yet.' })),
    ),
    client_certificate: Type.Optional(
      Nullable(Type.Union([Uuid, ForeignRef], { description: 'Refused unless null: mutual TLS to the upstream is not supported yet.' })),
    ),
    ca_certificates: Type.Optional(
      Nullable(Type.Array(Uuid, { description: 'Refused unless null or empty: upstreams are verified against the system trust store.' })),
    ),
  },
  { additionalProperties: false, $id: 'service' },
);

export type Service = Static<typeof ServiceSchema>;

/** The port a service without one connects to: 443 over TLS, 80 otherwise (Kong's default). */
export function defaultServicePort(protocol: unknown): number {
  return protocol === 'https' || protocol === 'wss' ? 443 : 80;
}

export const Services = defineEntity({
  kind: 'services',
  schema: ServiceSchema,
  adminPath: 'services',
  ...NAMED_BY_NAME,
  foreign: {},
  label: 'service',
});
