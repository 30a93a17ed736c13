// Building blocks shared by the entity schemas (Kong's typedefs: names, tags, hosts, ports, timeouts).
import { Type, type TSchema } from '@sinclair/typebox';
import './formats.ts';
import { IDENTITY_KEYWORD } from './identity-text.ts';

export const Uuid = Type.String({ format: 'uuid', description: 'Entity id (UUID).' });
/**
 * Kong 3.x `utf8_name`: ASCII letters, digits and `.-_~`, plus any non-ASCII character (Kong allows Unicode
 * letters and digits; a pattern without the `u` flag cannot say "letter", so other non-ASCII passes too).
 * Identity text: no invisible characters or spaces, and unique by lookalike key as well (identity-text.ts).
 */
export const Name = Type.String({
  pattern: '^(?:[A-Za-z0-9.\\-_~]|[^\\x00-\\x7F])+$',
  minLength: 1,
  maxLength: 128,
  [IDENTITY_KEYWORD]: 'name',
  description: 'Unique name: letters, digits, `.-_~`; no invisible characters, and not a lookalike of another (case, width, confusable letters).',
});
/** Kong's `typedefs.tag`: printable ASCII but `,` and `/` (the tag filter's separators), or non-ASCII text. */
export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[ !-+\\-.0-~\\u0080-\\uffff]+$', [IDENTITY_KEYWORD]: 'label' }), {
  description: 'Free-form tags for filtering: no `,`, `/` or invisible characters.',
});
export const Port = Type.Integer({ minimum: 0, maximum: 65535 });
export const TimeoutMs = Type.Integer({ minimum: 1, maximum: 2147483646 });
export const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.\\-_\\[\\]:]+$', description: 'Hostname or IP address.' });
export const Timestamp = Type.Integer({ minimum: 0, description: 'Unix time in seconds.' });
/** Kong's `auto_timestamp_ms` (targets): seconds with a millisecond fraction, e.g. `1700000000.123`. */
export const TimestampMs = Type.Number({ minimum: 0, description: 'Unix time in seconds, with milliseconds.' });
/** Kong header names (`typedefs.header_name`): an RFC 7230 token. */
export const HeaderName = Type.String({ minLength: 1, pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$" });

/** Every protocol Kong 3.x knows (`kong.constants.PROTOCOLS`); this gateway serves http and https. */
export const KONG_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;
export const KongProtocol = Type.Union(KONG_PROTOCOLS.map((p) => Type.Literal(p)));

/** A reference to another entity: `{ id }` or `{ name }` (declarative files may also use a bare string). */
export const ForeignRef = Type.Object(
  { id: Type.Optional(Uuid), name: Type.Optional(Type.String()), username: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/**
 * Fields every stored entity has. (Kong exports write `null` for unset fields; the declarative loader reads a
 * null on an optional field as absent, so `tags: null` is accepted without widening every type.)
 */
export const EntityBase = {
  id: Type.Optional(Uuid),
  created_at: Type.Optional(Timestamp),
  updated_at: Type.Optional(Timestamp),
  tags: Type.Optional(Tags),
  ws_id: Type.Optional(
    Type.String({ format: 'uuid', description: 'Workspace the entity was exported from (`kong config db_export`); one workspace per file.' }),
  ),
};
