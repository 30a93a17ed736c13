// Each consumer's ACL groups in a compiled config: built once per config and shared by every acl instance
// (PluginEnv.shared). A group listed twice for a consumer counts once.
import type { PluginEnv } from '../contract.ts';

export type ConsumerGroups = (consumerId: string) => readonly string[];

const NONE: readonly string[] = Object.freeze([]);

export function consumerGroups(env: Pick<PluginEnv, 'entities' | 'shared'>): ConsumerGroups {
  return env.shared(
    'acl:groups-by-consumer',
    () => {
      const groups = new Map<string, string[]>();
      for (const acl of env.entities.acls) {
        const list = groups.get(acl.consumerId) ?? [];
        if (!list.includes(acl.group)) list.push(acl.group);
        groups.set(acl.consumerId, list);
      }
      for (const list of groups.values()) Object.freeze(list);
      return (consumerId: string) => groups.get(consumerId) ?? NONE;
    },
    ['acls'],
  );
}
