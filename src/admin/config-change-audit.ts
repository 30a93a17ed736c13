// How a whole-config replacement (POST /config, `kill -HUP`) is audited in DB-less mode: how many entities of
// each kind were served before and after, and the diff: each entity created, updated or deleted by kind, id and
// label, with the names of the fields an update changed. Never the entities themselves: GET /config shows them,
// and two full images made every reload of a 200-consumer file a 360 KB audit entry.
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { diffEntities, summarize } from '../config/diff/diff-entities.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { KINDS, keyedSecrets, type Kind } from '../schema/entity-catalogue.ts';
import { emptyEntities } from '../schema/entity-shapes.ts';

/** Most changes one entry lists; the rest are counted (`diff_omitted`). */
export const MAX_LISTED_CHANGES = 100;

export interface ConfigChangeImages {
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

export function configChangeImages(before: ConfigEntities | undefined, after: ConfigEntities, plugins: PluginRegistry): ConfigChangeImages {
  const live = before ?? emptyEntities();
  // API keys are plaintext on both sides here: the same key is the same credential, not a change
  const keyOwners = new Map<string, string | null>();
  for (const secret of keyedSecrets(live)) if (secret.plain !== undefined) keyOwners.set(secret.plain, secret.id);
  for (const secret of keyedSecrets(after)) if (secret.plain !== undefined && !keyOwners.has(secret.plain)) keyOwners.set(secret.plain, null);
  const changes = diffEntities(live, after, { plugins, keyOwners });
  const diff = changes.slice(0, MAX_LISTED_CHANGES).map((c) => ({
    action: c.action,
    kind: c.kind,
    id: c.id,
    label: c.label,
    ...(c.action === 'update' ? { fields: changedFields(c.before ?? {}, c.after ?? {}) } : {}),
  }));
  return {
    before: before === undefined ? null : { entities: counts(before) },
    after: {
      entities: counts(after),
      changes: summarize(changes),
      diff,
      ...(changes.length > diff.length ? { diff_omitted: changes.length - diff.length } : {}),
    },
  };
}

function counts(entities: ConfigEntities): Partial<Record<Kind, number>> {
  const out: Partial<Record<Kind, number>> = {};
  for (const kind of KINDS) {
    const n = entities[kind].length;
    if (n > 0) out[kind] = n;
  }
  return out;
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).sort();
}
