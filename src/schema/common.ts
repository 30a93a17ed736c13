// Building blocks shared by the entity schemas (Kong's typedefs: names, tags, hosts, ports, timeouts).
import { Type, type TSchema } from '@sinclair/typebox';
import './formats.ts';

export const Uuid = Type.String({ format: 'uuid', description: 'Entity id (UUID).' });
export const Name = Type.String({ pattern: '^[A-Za-z0-9.\\-_~]+$', minLength: 1, maxLength: 128, description: 'Unique name: letters, digits, `.-_~`.' });
export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { description: 'Free-form tags for filtering.' });
export const Port = Type.Integer({ minimum: 0, maximum: 65535 });
export const TimeoutMs = Type.Integer({ minimum: 1, maximum: 2147483646 });
export const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.\\-_\\[\\]:]+$', description: 'Hostname or IP address.' });
export const Timestamp = Type.Integer({ minimum: 0, description: 'Unix time in seconds.' });

/** A reference to another entity: `{ id }` or `{ name }` (declarative files may also use a bare string). */
export const ForeignRef = Type.Object(
  { id: Type.Optional(Uuid), name: Type.Optional(Type.String()), username: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** Fields every stored entity has. */
export const EntityBase = {
  id: Type.Optional(Uuid),
  created_at: Type.Optional(Timestamp),
  updated_at: Type.Optional(Timestamp),
  tags: Type.Optional(Tags),
};
