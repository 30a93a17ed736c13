// JSON Schema documents for every entity and plugin config, straight from the TypeBox schemas.
import type { TSchema } from '@sinclair/typebox';
import { ServiceSchema } from './entities/service.ts';
import { RouteSchema } from './entities/route.ts';
import { UpstreamSchema, TargetSchema } from './entities/upstream.ts';
import { ConsumerSchema, JwtSecretSchema, KeyAuthCredentialSchema, AclSchema } from './entities/consumer.ts';
import { PluginEntitySchema } from './entities/plugin.ts';
import { loadPluginRegistry } from '../plugins/registry.ts';

export async function renderJsonSchemas(): Promise<Record<string, TSchema>> {
  const out: Record<string, TSchema> = {
    'entity.service': ServiceSchema,
    'entity.route': RouteSchema,
    'entity.upstream': UpstreamSchema,
    'entity.target': TargetSchema,
    'entity.consumer': ConsumerSchema,
    'entity.jwt_secret': JwtSecretSchema,
    'entity.keyauth_credential': KeyAuthCredentialSchema,
    'entity.acl': AclSchema,
    'entity.plugin': PluginEntitySchema,
  };
  for (const [name, module] of await loadPluginRegistry()) out[`plugin.${name}`] = module.configSchema;
  // JSON round trip drops TypeBox's symbol keys, leaving plain JSON Schema
  return JSON.parse(JSON.stringify(out)) as Record<string, TSchema>;
}
