// The jwt plugin's entity (Kong's jwt/daos.lua): `jwt_secrets`, a consumer's key, algorithm and secret or public key.
import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../../schema/common.ts';
import { ofConsumer } from '../../schema/entities/consumer.ts';
import { defineEntity } from '../../schema/entity-definition.ts';
import { definePluginDaos } from '../plugin-daos.ts';
import { jwtSecretErrors } from './credential-check.ts';

export const JwtAlgorithm = Type.Union(
  ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'].map((a) => Type.Literal(a)),
  { default: 'HS256' },
);

export const JwtSecretSchema = Type.Object(
  {
    ...EntityBase,
    consumer: Type.Optional(Nullable(ForeignRef)),
    key: Type.Optional(Type.String({ minLength: 1, description: 'Value of the key claim (default `iss`) that selects this credential.' })),
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'HMAC secret (HS*), at least as long as the hash: 32 bytes for HS256, 48 for HS384, 64 for HS512 (RFC 7518 §3.2); generated (64 bytes) when left out. Write-only: stored encrypted, never returned by reads.',
        'x-secret': 'encrypted',
      }),
    ),
    rsa_public_key: Type.Optional(
      Nullable(
        Type.String({
          description:
            "PEM public key for RS/ES/PS/EdDSA; required for those algorithms and checked when written: a public key (never a private one) of the algorithm's type and curve, RSA at least 2048 bits.",
        }),
      ),
    ),
    algorithm: JwtAlgorithm,
  },
  { additionalProperties: false, $id: 'jwt_secret' },
);

export type JwtSecret = Static<typeof JwtSecretSchema>;

export const JwtSecrets = defineEntity({
  kind: 'jwt_secrets',
  schema: JwtSecretSchema,
  adminPath: 'jwts',
  nestedPath: 'jwt',
  endpointKey: 'key',
  unique: [['key']],
  ...ofConsumer('key'),
  columns: { key: 'key' },
  generate(fields) {
    fields.key ??= randomBytes(16).toString('hex');
    fields.secret ??= randomBytes(32).toString('hex');
  },
  generatedSecrets: ['secret'],
  check: (fields, path) => jwtSecretErrors(fields, path),
  sortBy: ['key'],
  naturalKey: ({ fields }) => String(fields.key),
  label: 'jwt-auth',
});

export default definePluginDaos({ plugin: 'jwt', entities: [JwtSecrets], migrations: new URL('./migrations/', import.meta.url) });
