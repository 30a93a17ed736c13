// Route: how requests are matched to a service (Kong `routes`, traditional_compatible flavour).
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Name, Nullable, Port } from '../common.ts';
import { defineEntity, NAMED_BY_NAME } from '../entity-definition.ts';

const StreamEndpoint = Type.Object({ ip: Type.Optional(Type.String({ minLength: 1 })), port: Type.Optional(Port) }, { additionalProperties: false });
const Method = Type.String({ pattern: '^[A-Z]+$', description: 'HTTP method, upper case.' });

export const RouteSchema = Type.Object(
  {
    ...EntityBase,
    name: Type.Optional(Name),
    service: Type.Optional(Nullable(ForeignRef)),
    // Kong's stream and gRPC protocols are refused as not supported yet when the file loads. `ws`/`wss` routes take
    // WebSocket handshakes only (plain / over TLS); `http`/`https` routes take handshakes too.
    protocols: Type.Array(Type.Union([Type.Literal('http'), Type.Literal('https'), Type.Literal('ws'), Type.Literal('wss')]), {
      default: ['http', 'https'],
      minItems: 1,
      description: '`http`/`https` take every request, WebSocket handshakes included; `ws`/`wss` take WebSocket handshakes only (other requests: 426).',
    }),
    methods: Type.Optional(Nullable(Type.Array(Method))),
    hosts: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.*\\-_]+(:[0-9]+)?$' })))),
    paths: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, pattern: '^(/|~)' }), { description: 'Prefixes, or regexes starting with `~`.' }))),
    headers: Type.Optional(Nullable(Type.Record(Type.String({ pattern: '^[A-Za-z0-9\\-_]+$' }), Type.Array(Type.String(), { minItems: 1 })))),
    https_redirect_status_code: Type.Union([Type.Literal(426), Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)], { default: 426 }),
    regex_priority: Type.Integer({ default: 0 }),
    strip_path: Type.Boolean({ default: true }),
    path_handling: Type.Union([Type.Literal('v0'), Type.Literal('v1')], { default: 'v0' }),
    preserve_host: Type.Boolean({ default: false }),
    request_buffering: Type.Boolean({ default: true }),
    response_buffering: Type.Boolean({ default: true }),
    snis: Type.Optional(Nullable(Type.Array(Type.String()))),
    // Stream-routing attributes: Kong exports them as null on http routes; anything else is refused.
    sources: Type.Optional(Nullable(Type.Array(StreamEndpoint))),
    destinations: Type.Optional(Nullable(Type.Array(StreamEndpoint))),
  },
  { additionalProperties: false, $id: 'route' },
);

export type Route = Static<typeof RouteSchema>;

export const Routes = defineEntity({
  kind: 'routes',
  schema: RouteSchema,
  adminPath: 'routes',
  ...NAMED_BY_NAME,
  foreign: { service: { kind: 'services', onDelete: 'restrict', required: false } },
  label: 'route',
});
