// Read-only lookups over consumers and their credentials, built once per compiled config.
import type { Consumer, JwtSecret, KeyAuthCredential } from '../schema/entities/consumer.ts';

export type ConsumerRecord = Consumer & { id: string };
export type JwtSecretRecord = JwtSecret & { id: string; key: string; consumerId: string };
export type KeyAuthRecord = KeyAuthCredential & { id: string; key: string; consumerId: string };

export interface ConsumerDirectory {
  byId(id: string): ConsumerRecord | undefined;
  byUsername(username: string): ConsumerRecord | undefined;
  byCustomId(customId: string): ConsumerRecord | undefined;
  /** Kong's anonymous lookup: an id or a username. */
  byIdOrUsername(value: string): ConsumerRecord | undefined;
  /** ACL groups of a consumer (empty when none). */
  groups(consumerId: string): readonly string[];
  jwtSecretByKey(key: string): JwtSecretRecord | undefined;
  keyAuthByKey(key: string): KeyAuthRecord | undefined;
}

export function buildConsumerDirectory(input: {
  consumers: ConsumerRecord[];
  jwtSecrets: JwtSecretRecord[];
  keyAuth: KeyAuthRecord[];
  acls: { consumerId: string; group: string }[];
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
  const jwtByKey = new Map(input.jwtSecrets.map((s) => [s.key, s]));
  const keyAuthByKey = new Map(input.keyAuth.map((k) => [k.key, k]));
  const none: readonly string[] = Object.freeze([]);
  return {
    byId: (id) => byId.get(id),
    byUsername: (u) => byUsername.get(u),
    byCustomId: (c) => byCustomId.get(c),
    byIdOrUsername: (v) => byId.get(v) ?? byUsername.get(v),
    groups: (id) => groups.get(id) ?? none,
    jwtSecretByKey: (k) => jwtByKey.get(k),
    keyAuthByKey: (k) => keyAuthByKey.get(k),
  };
}
