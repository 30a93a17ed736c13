// Service: an upstream API (Kong `services`). `url` is shorthand for protocol/host/port/path.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Host, Name, Nullable, Port, TimeoutMs } from '../common.ts';

export const ServiceSchema = Type.Object({
  ...EntityBase,
  name: Type.Optional(Name),
  enabled: Type.Boolean({ default: true }),
  protocol: Type.Union([Type.Literal('http'), Type.Literal('https')], { default: 'http' }),
  host: Host,
  port: Type.Optional(Port),
  path: Type.Optional(Nullable(Type.String({ pattern: '^/', description: 'Path prefix sent upstream.' }))),
  retries: Type.Integer({ minimum: 0, maximum: 32767, default: 5, description: 'Retries when a connection to a target fails.' }),
  connect_timeout: Type.Integer({ ...TimeoutMs, default: 60000 }),
  write_timeout: Type.Integer({ ...TimeoutMs, default: 60000 }),
  read_timeout: Type.Integer({ ...TimeoutMs, default: 60000 }),
  tls_verify: Type.Optional(Nullable(Type.Boolean())),
  client_certificate: Type.Optional(Nullable(ForeignRef)),
  ca_certificates: Type.Optional(Nullable(Type.Array(Type.String()))),
}, { additionalProperties: false, $id: 'service' });

export type Service = Static<typeof ServiceSchema>;
