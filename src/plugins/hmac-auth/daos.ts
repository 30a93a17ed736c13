// The hmac-auth plugin's entity (Kong's hmac-auth/daos.lua): `hmacauth_credentials`, a consumer's username
// and shared secret. The secret is kept encrypted, not hashed: verifying an HMAC needs it in plaintext.
import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../../schema/common.ts';
import { ofConsumer } from '../../schema/entities/consumer.ts';
import { namedBy, defineEntity } from '../../schema/entity-definition.ts';
import { IDENTITY_KEYWORD } from '../../schema/identity-text.ts';
import { definePluginDaos } from '../plugin-daos.ts';

export const HmacAuthCredentialSchema = Type.Object(
  {
    ...EntityBase,
    consumer: Type.Optional(Nullable(ForeignRef)),
    username: Type.String({
      minLength: 1,
      maxLength: 255,
      [IDENTITY_KEYWORD]: 'label',
      description:
        'The name a client signs as (`hmac username="…"`), sent upstream as X-Credential-Identifier. Unique; no invisible characters, and not a lookalike of another username.',
    }),
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The shared HMAC secret; generated (64 hex characters) when left out and then shown once, in the answer to the create. Write-only: stored encrypted, never returned by reads.',
        'x-secret': 'encrypted',
      }),
    ),
  },
  { additionalProperties: false, $id: 'hmacauth_credential' },
);

export type HmacAuthCredential = Static<typeof HmacAuthCredentialSchema>;

export const HmacAuthCredentials = defineEntity({
  kind: 'hmacauth_credentials',
  schema: HmacAuthCredentialSchema,
  adminPath: 'hmac-auths',
  nestedPath: 'hmac-auth',
  ...namedBy('username'),
  ...ofConsumer('username'),
  // Kong's `secret = { type = "string", auto = true }`
  generate(fields) {
    fields.secret ??= randomBytes(32).toString('hex');
  },
  generatedSecrets: ['secret'],
  label: 'hmac-auth',
});

export default definePluginDaos({ plugin: 'hmac-auth', entities: [HmacAuthCredentials], migrations: new URL('./migrations/', import.meta.url) });
