// Plugin instance: a named plugin with config, scoped globally or to a service, route and/or consumer.
import { Type, type Static } from '@sinclair/typebox';
import { EntityBase, ForeignRef, Nullable } from '../common.ts';

export const PluginEntitySchema = Type.Object({
  ...EntityBase,
  name: Type.String({ minLength: 1 }),
  instance_name: Type.Optional(Nullable(Type.String())),
  enabled: Type.Boolean({ default: true }),
  config: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'Validated against the plugin\'s own schema.' }),
  protocols: Type.Array(Type.String(), { default: ['grpc', 'grpcs', 'http', 'https'] }),
  service: Type.Optional(Nullable(ForeignRef)),
  route: Type.Optional(Nullable(ForeignRef)),
  consumer: Type.Optional(Nullable(ForeignRef)),
  ordering: Type.Optional(Nullable(Type.Unknown())),
}, { additionalProperties: false, $id: 'plugin' });

export type PluginEntity = Static<typeof PluginEntitySchema>;
