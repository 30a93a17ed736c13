// The key-auth plugin's entity (Kong's key-auth/daos.lua): `keyauth_credentials`, a consumer's API keys,
// kept only as the keyring's keyed hash.
import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../../schema/common.ts';
import { ofConsumer } from '../../schema/entities/consumer.ts';
import { defineEntity, keyText } from '../../schema/entity-definition.ts';
import { fieldPath } from '../../schema/validate.ts';
import { definePluginDaos } from '../plugin-daos.ts';

export const KeyAuthCredentialSchema = Type.Object(
  {
    ...EntityBase,
    consumer: Type.Optional(Nullable(ForeignRef)),
    key: Type.Optional(
      Type.String({ minLength: 1, description: 'The API key. Write-only: stored as a keyed hash, never returned by reads.', 'x-secret': 'hashed' }),
    ),
    // What `config dump` writes instead of the key: the stored hash round-trips without revealing the key.
    key_hash: Type.Optional(
      Type.String({
        pattern: '^hmac-sha256:[^:]+:[A-Za-z0-9_-]+$',
        description:
          'The stored keyed hash of the API key (`hmac-sha256:<key id>:<digest>`), as `config dump` exports it; instead of `key`, never with it. Only matches keys on a cluster holding the same secret key.',
      }),
    ),
    ttl: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  },
  { additionalProperties: false, $id: 'keyauth_credential' },
);

export type KeyAuthCredential = Static<typeof KeyAuthCredentialSchema>;

export const KeyAuthCredentials = defineEntity({
  kind: 'keyauth_credentials',
  schema: KeyAuthCredentialSchema,
  adminPath: 'key-auths',
  nestedPath: 'key-auth',
  endpointKey: 'key',
  unique: [['key']],
  ...ofConsumer('id'),
  columns: {},
  hashed: { field: 'key', stored: 'key_hash', scheme: 'keyed' },
  // a dumped credential carries the stored hash of its key instead of the key
  generate(fields) {
    if (fields.key === undefined && fields.key_hash === undefined) fields.key = randomBytes(16).toString('hex');
  },
  generatedSecrets: ['key'],
  check: (fields, path) =>
    fields.key !== undefined && fields.key_hash !== undefined ? [{ path: fieldPath(path, 'key_hash'), message: "cannot be set together with 'key'" }] : [],
  // the key is a secret: only the id orders them
  sortBy: [],
  naturalKey: ({ fields, path }) => keyText(fields.key ?? fields.key_hash, path),
  label: 'key-auth',
});

export default definePluginDaos({ plugin: 'key-auth', entities: [KeyAuthCredentials], migrations: new URL('./migrations/', import.meta.url) });
