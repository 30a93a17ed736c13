// Plugin instance: a named plugin with config, scoped globally or to a service, route and/or consumer.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, KongProtocol, Name, Nullable } from '../common.ts';
import { defineEntity, keyText, rowForeignField } from '../entity-definition.ts';

/** Kong Enterprise's dynamic ordering (`ordering.before.access: [...]`); exports carry it as null. */
const PhaseList = Nullable(Type.Object({ access: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) }, { additionalProperties: false }));
const Ordering = Type.Object({ before: Type.Optional(PhaseList), after: Type.Optional(PhaseList) }, { additionalProperties: false });

export const PluginEntitySchema = Type.Object(
  {
    ...EntityBase,
    name: Type.String({ minLength: 1 }),
    instance_name: Type.Optional(Nullable(Name)),
    enabled: Type.Boolean({ default: true }),
    config: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "Validated against the plugin's own schema." }),
    protocols: Type.Array(KongProtocol, {
      default: ['grpc', 'grpcs', 'http', 'https'],
      minItems: 1,
      description:
        'Protocols the plugin runs on. As in Kong, a plugin runs on every HTTP request (http, https, ws, wss alike) when any of these belongs to the HTTP subsystem (grpc, grpcs, http, https, ws, wss), and never when all are stream protocols (tcp, tls, tls_passthrough, udp).',
    }),
    service: Type.Optional(Nullable(ForeignRef)),
    route: Type.Optional(Nullable(ForeignRef)),
    consumer: Type.Optional(Nullable(ForeignRef)),
    ordering: Type.Optional(Nullable(Ordering)),
  },
  { additionalProperties: false, $id: 'plugin' },
);

export type PluginEntity = Static<typeof PluginEntitySchema>;

export const Plugins = defineEntity({
  kind: 'plugins',
  schema: PluginEntitySchema,
  adminPath: 'plugins',
  endpointKey: 'instance_name',
  unique: [['instance_name'], ['name', 'service', 'route', 'consumer']],
  foreign: {
    service: { kind: 'services', onDelete: 'cascade', required: false },
    route: { kind: 'routes', onDelete: 'cascade', required: false },
    consumer: { kind: 'consumers', onDelete: 'cascade', required: false },
  },
  columns: { name: 'name', instance_name: 'instance_name' },
  sortBy: ['name', 'instance_name'],
  naturalKey: ({ fields, refs, parentKey }) =>
    `${parentKey}|${JSON.stringify([refs.service, refs.route, refs.consumer])}|${String(fields.name)}|${keyText(fields.instance_name)}`,
  label: 'plugin',
  describe(row, parent) {
    const scopes: string[] = [];
    for (const field of ['service', 'route', 'consumer'] as const) if (row[rowForeignField(field)]) scopes.push(`${field} ${parent(field)}`);
    const instance = typeof row.instance_name === 'string' && row.instance_name !== '' ? ` (${row.instance_name})` : '';
    return `${String(row.name)}${instance} ${scopes.length === 0 ? '(global)' : `for ${scopes.join(' and ')}`}`;
  },
});
