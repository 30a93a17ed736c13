// The entities basic-auth owns (Kong's daos.lua): `basicauth_credentials`, a username and a password per
// credential of a consumer. The password is write-only and kept as a salted scrypt hash (`password_hash`),
// where Kong keeps sha1(password .. consumer_id): a leaked dump must not give the passwords back.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../../schema/common.ts';
import { ofConsumer } from '../../schema/entities/consumer.ts';
import { namedBy, defineEntity } from '../../schema/entity-definition.ts';
import { IDENTITY_KEYWORD } from '../../schema/identity-text.ts';
import { fieldPath } from '../../schema/validate.ts';
import { definePluginDaos } from '../plugin-daos.ts';

/** secrets/password-hash.ts's PHC form, with the cost bounds isPasswordHash() accepts (2^10 to 2^20). */
const PASSWORD_HASH_PATTERN = '^\\$scrypt\\$ln=(1[0-9]|20),r=\\d{1,2},p=\\d{1,2}\\$[A-Za-z0-9+/]{16,}\\$[A-Za-z0-9+/]{32,}$';

export const BasicAuthCredentialSchema = Type.Object(
  {
    ...EntityBase,
    consumer: Type.Optional(Nullable(ForeignRef)),
    // Sent upstream as X-Credential-Identifier: identity text. A `:` could never be sent (it ends the
    // username in `user:pass`), so it is refused rather than stored as a credential that cannot work.
    username: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[^:]+$',
      [IDENTITY_KEYWORD]: 'label',
      description:
        'Unique username the client sends in `Authorization: Basic base64(username:password)`; sent upstream as X-Credential-Identifier. No `:`, no invisible characters, and not a lookalike of another username.',
    }),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The password, as given (whitespace kept). Required when creating, unless `password_hash` is given. Write-only: stored as a salted scrypt hash, never returned by reads.',
        'x-secret': 'hashed',
      }),
    ),
    // What `config dump` writes instead of the password: the stored hash round-trips without revealing it.
    password_hash: Type.Optional(
      Type.String({
        pattern: PASSWORD_HASH_PATTERN,
        description:
          'The stored scrypt hash of the password (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`), as `config dump` exports it; instead of `password`, never with it.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'basicauth_credential' },
);

export type BasicAuthCredential = Static<typeof BasicAuthCredentialSchema>;

export const BasicAuthCredentials = defineEntity({
  kind: 'basicauth_credentials',
  schema: BasicAuthCredentialSchema,
  adminPath: 'basic-auths',
  nestedPath: 'basic-auth',
  ...namedBy('username'),
  ...ofConsumer('username'),
  hashed: { field: 'password', stored: 'password_hash', scheme: 'password' },
  // Kong's `password = { required = true }`: no `generate`, so a whole write must give the password (or the
  // hash a dump carries) while a partial update keeps it (config/validate-entity.ts). Not both at once:
  check: (fields, path) =>
    fields.password !== undefined && fields.password_hash !== undefined
      ? [{ path: fieldPath(path, 'password_hash'), message: "cannot be set together with 'password'" }]
      : [],
  label: 'basic-auth',
});

export default definePluginDaos({ plugin: 'basic-auth', entities: [BasicAuthCredentials], migrations: new URL('./migrations/', import.meta.url) });
