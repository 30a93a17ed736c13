// The acl plugin's entity (Kong's acl/daos.lua): `acls`, the groups a consumer belongs to.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../../schema/common.ts';
import { ofConsumer } from '../../schema/entities/consumer.ts';
import { defineEntity } from '../../schema/entity-definition.ts';
import { IDENTITY_KEYWORD } from '../../schema/identity-text.ts';
import { definePluginDaos } from '../plugin-daos.ts';

export const AclSchema = Type.Object(
  {
    ...EntityBase,
    consumer: Type.Optional(Nullable(ForeignRef)),
    group: Type.String({
      minLength: 1,
      maxLength: 255,
      [IDENTITY_KEYWORD]: 'label',
      description: 'Group name (sent upstream in X-Consumer-Groups): no invisible characters.',
    }),
  },
  { additionalProperties: false, $id: 'acl' },
);

export type Acl = Static<typeof AclSchema>;

export const Acls = defineEntity({
  kind: 'acls',
  schema: AclSchema,
  adminPath: 'acls',
  endpointKey: 'group',
  unique: [['consumer', 'group']],
  ...ofConsumer('group'),
  columns: { group: 'group_name' },
  sortBy: ['group'],
  naturalKey: ({ fields, refs, parentKey }) => `${parentKey}|${JSON.stringify(refs.consumer ?? '')}|${String(fields.group)}`,
  label: 'acl-group',
});

export default definePluginDaos({ plugin: 'acl', entities: [Acls], migrations: new URL('./migrations/', import.meta.url) });
