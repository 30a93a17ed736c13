// How decK names entities in diff and sync output: the kind as decK spells it (`key-auth`, `acl-group`, each
// definition's `label`) and a human label (`users`, `acl for service users`, `web-app for consumer web-app`,
// each definition's `describe`). API keys are never shown.
import { ENTITIES, foreignKeyOf, kindOf, mapKinds, rowsOf, type ConfigEntities, type Kind } from '../../schema/entity-catalogue.ts';
import { rowForeignField, type RowView } from '../../schema/entity-definition.ts';

export const KIND_LABEL: Readonly<Record<Kind, string>> = mapKinds((definition) => definition.label);

/** The label of one row; `entities` is the side the row belongs to (parents are named from it). */
export function entityLabel(kind: Kind, row: RowView, entities: ConfigEntities): string {
  const parent = (field: string): string => {
    const key = foreignKeyOf(kind, field);
    const id = row[rowForeignField(field)];
    if (key === undefined) return String(id);
    const target = kindOf(key.kind);
    const found = rowsOf(entities, target).find((r) => r.id === id);
    return found === undefined ? String(id) : ENTITIES[target].describe(found, () => '');
  };
  return ENTITIES[kind].describe(row, parent);
}
