// Consumer and its credentials (Kong `consumers`, `jwt_secrets`, `keyauth_credentials`, `acls`).
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../common.ts';
import { IDENTITY_KEYWORD } from '../identity-text.ts';

/** Consumer identities: what upstreams receive in X-Consumer-Username / X-Consumer-Custom-ID. */
const Identity = (description: string) => Type.String({ minLength: 1, maxLength: 255, [IDENTITY_KEYWORD]: 'label', description });

export const ConsumerSchema = Type.Object({
  ...EntityBase,
  username: Type.Optional(Nullable(Identity('Unique username; at least one of `username` and `custom_id`. No invisible characters, and not a lookalike of another username.'))),
  custom_id: Type.Optional(Nullable(Identity('Unique id from another system; at least one of `username` and `custom_id`. No invisible characters, and not a lookalike of another custom_id.'))),
}, { additionalProperties: false, $id: 'consumer' });

export const JwtAlgorithm = Type.Union(
  ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'].map((a) => Type.Literal(a)),
  { default: 'HS256' },
);

export const JwtSecretSchema = Type.Object({
  ...EntityBase,
  consumer: Type.Optional(Nullable(ForeignRef)),
  key: Type.Optional(Type.String({ minLength: 1, description: 'Value of the key claim (default `iss`) that selects this credential.' })),
  secret: Type.Optional(Type.String({ minLength: 1, description: 'HMAC secret (HS*), at least as long as the hash: 32 bytes for HS256, 48 for HS384, 64 for HS512 (RFC 7518 §3.2); generated (64 bytes) when left out. Write-only: stored encrypted, never returned by reads.', 'x-secret': 'encrypted' })),
  rsa_public_key: Type.Optional(Nullable(Type.String({ description: 'PEM public key for RS/ES/PS/EdDSA; required for those algorithms and checked when written: a public key (never a private one) of the algorithm\'s type and curve, RSA at least 2048 bits.' }))),
  algorithm: JwtAlgorithm,
}, { additionalProperties: false, $id: 'jwt_secret' });

export const KeyAuthCredentialSchema = Type.Object({
  ...EntityBase,
  consumer: Type.Optional(Nullable(ForeignRef)),
  key: Type.Optional(Type.String({ minLength: 1, description: 'The API key. Write-only: stored as a keyed hash, never returned by reads.', 'x-secret': 'hashed' })),
  // What `config dump` writes instead of the key: the stored hash round-trips without revealing the key.
  key_hash: Type.Optional(Type.String({ pattern: '^hmac-sha256:[^:]+:[A-Za-z0-9_-]+$', description: 'The stored keyed hash of the API key (`hmac-sha256:<key id>:<digest>`), as `config dump` exports it; instead of `key`, never with it. Only matches keys on a cluster holding the same secret key.' })),
  ttl: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
}, { additionalProperties: false, $id: 'keyauth_credential' });

export const AclSchema = Type.Object({
  ...EntityBase,
  consumer: Type.Optional(Nullable(ForeignRef)),
  group: Type.String({ minLength: 1, maxLength: 255, [IDENTITY_KEYWORD]: 'label', description: 'Group name (sent upstream in X-Consumer-Groups): no invisible characters.' }),
}, { additionalProperties: false, $id: 'acl' });

export type Consumer = Static<typeof ConsumerSchema>;
export type JwtSecret = Static<typeof JwtSecretSchema>;
export type KeyAuthCredential = Static<typeof KeyAuthCredentialSchema>;
export type Acl = Static<typeof AclSchema>;
