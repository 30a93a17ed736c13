// Read-only lookups over consumers and their credentials, built once per compiled config.
import type { Consumer, JwtSecret, KeyAuthCredential } from '../schema/entities/consumer.ts';
import type { KeyAuthSecret } from './entities.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';

export type ConsumerRecord = Consumer & { id: string };
export type JwtSecretRecord = JwtSecret & { id: string; key: string; consumerId: string };
/** `key` (declarative files) or `key_hash` (the store: the plaintext is never kept), exactly one. */
export type KeyAuthRecord = Omit<KeyAuthCredential, 'key'> & { id: string; consumerId: string } & KeyAuthSecret;

export interface ConsumerDirectory {
  byId(id: string): ConsumerRecord | undefined;
  byUsername(username: string): ConsumerRecord | undefined;
  byCustomId(customId: string): ConsumerRecord | undefined;
  /** Kong's anonymous lookup: an id or a username. */
  byIdOrUsername(value: string): ConsumerRecord | undefined;
  /** ACL groups of a consumer (empty when none). */
  groups(consumerId: string): readonly string[];
  jwtSecretByKey(key: string): JwtSecretRecord | undefined;
  /** The credential whose API key is `key`: plaintext-keyed rows by map, hashed rows by one HMAC per keyring key. */
  keyAuthByKey(key: string): KeyAuthRecord | undefined;
}

export function buildConsumerDirectory(input: {
  consumers: ConsumerRecord[];
  jwt_secrets: JwtSecretRecord[];
  keyauth_credentials: KeyAuthRecord[];
  acls: { consumerId: string; group: string }[];
  /** Needed when any key-auth row carries a `key_hash`. */
  codec?: SecretCodec;
}): ConsumerDirectory {
  const byId = new Map<string, ConsumerRecord>();
  const byUsername = new Map<string, ConsumerRecord>();
  const byCustomId = new Map<string, ConsumerRecord>();
  for (const c of input.consumers) {
    byId.set(c.id, c);
    if (c.username) byUsername.set(c.username, c);
    if (c.custom_id) byCustomId.set(c.custom_id, c);
  }
  const groups = new Map<string, string[]>();
  for (const acl of input.acls) {
    const list = groups.get(acl.consumerId) ?? [];
    if (!list.includes(acl.group)) list.push(acl.group);
    groups.set(acl.consumerId, list);
  }
  for (const list of groups.values()) Object.freeze(list);
  const jwtByKey = new Map(input.jwt_secrets.map((s) => [s.key, s]));
  const keyAuthByKey = new Map<string, KeyAuthRecord>();
  const keyAuthByHash = new Map<string, KeyAuthRecord>();
  for (const k of input.keyauth_credentials) {
    if (k.key_hash !== undefined) keyAuthByHash.set(k.key_hash, k);
    else keyAuthByKey.set(k.key, k);
  }
  const codec = input.codec;
  if (keyAuthByHash.size > 0 && codec === undefined) {
    throw new Error('key-auth credentials are stored hashed but no secret codec was given to check keys against them');
  }
  const none: readonly string[] = Object.freeze([]);
  return {
    byId: (id) => byId.get(id),
    byUsername: (u) => byUsername.get(u),
    byCustomId: (c) => byCustomId.get(c),
    byIdOrUsername: (v) => byId.get(v) ?? byUsername.get(v),
    groups: (id) => groups.get(id) ?? none,
    jwtSecretByKey: (k) => jwtByKey.get(k),
    keyAuthByKey(k) {
      const plain = keyAuthByKey.get(k);
      // No hashed rows (DB-less): no HMAC on the request path.
      if (plain !== undefined || keyAuthByHash.size === 0) return plain;
      // Active key first; keys hashed before a rotation match under the key they were hashed with.
      for (const hash of codec!.apiKeyHashes(k)) {
        const found = keyAuthByHash.get(hash);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}
