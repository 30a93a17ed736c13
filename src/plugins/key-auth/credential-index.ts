// The keyauth_credentials of a compiled config by API key: built once per config and shared by every key-auth
// instance (PluginEnv.shared). Keys from a declarative file are matched by a map; keys the store keeps only
// as keyed hashes are matched by hashing what the client presented, once per keyring key.
import type { RowOf } from '../../schema/entity-catalogue.ts';
import type { PluginEnv } from '../contract.ts';

export type KeyAuthCredential = RowOf<'keyauth_credentials'>;

export type KeyAuthCredentials = (key: string) => KeyAuthCredential | undefined;

export function keyAuthCredentials(env: Pick<PluginEnv, 'entities' | 'shared' | 'codec'>): KeyAuthCredentials {
  return env.shared(
    'key-auth:credentials-by-key',
    () => {
      const byKey = new Map<string, KeyAuthCredential>();
      const byHash = new Map<string, KeyAuthCredential>();
      for (const row of env.entities.keyauth_credentials) {
        if (row.key_hash !== undefined) byHash.set(row.key_hash, row);
        else if (row.key !== undefined) byKey.set(row.key, row);
      }
      const codec = env.codec;
      // compileConfig refuses hashed rows without a codec; without either, keys are plain (DB-less)
      if (byHash.size === 0 || codec === undefined) return (key: string) => byKey.get(key);
      return (key: string) => {
        const plain = byKey.get(key);
        if (plain !== undefined) return plain;
        // Active key first; keys hashed before a rotation match under the key they were hashed with.
        for (const hash of codec.apiKeyHashes(key)) {
          const found = byHash.get(hash);
          if (found !== undefined) return found;
        }
        return undefined;
      };
    },
    ['keyauth_credentials'],
  );
}
