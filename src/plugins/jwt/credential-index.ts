// The jwt_secrets of a compiled config by their key claim value: built once per config and shared by every
// jwt plugin instance (PluginEnv.shared).
import type { RowOf } from '../../schema/entity-catalogue.ts';
import type { PluginEnv } from '../contract.ts';

/** A jwt credential as the verifier reads it: its key is always set (generated when a write left it out). */
export type JwtCredential = RowOf<'jwt_secrets'> & { key: string };

export type JwtCredentials = (key: string) => JwtCredential | undefined;

export function jwtCredentials(env: Pick<PluginEnv, 'entities' | 'shared'>): JwtCredentials {
  return env.shared(
    'jwt:credentials-by-key',
    () => {
      const byKey = new Map<string, JwtCredential>();
      for (const row of env.entities.jwt_secrets) if (hasKey(row)) byKey.set(row.key, row);
      return (key: string) => byKey.get(key);
    },
    ['jwt_secrets'],
  );
}

function hasKey(row: RowOf<'jwt_secrets'>): row is JwtCredential {
  return typeof row.key === 'string';
}
