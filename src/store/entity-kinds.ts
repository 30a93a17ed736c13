// The entity kinds the store keeps and the admin API serves, with Kong's relations: which field is the
// endpoint key (`/services/{id or name}`), which fields are unique, which foreign keys cascade on delete and
// which refuse it. One table for the store's SQL, the admin API's paths and the CLI's sync order.
import type { TSchema } from '@sinclair/typebox';
import type { Kind } from '../config/declarative/flatten.ts';
import { ServiceSchema } from '../schema/entities/service.ts';
import { RouteSchema } from '../schema/entities/route.ts';
import { UpstreamSchema, TargetSchema } from '../schema/entities/upstream.ts';
import { ConsumerSchema, JwtSecretSchema, KeyAuthCredentialSchema, AclSchema } from '../schema/entities/consumer.ts';
import { PluginEntitySchema } from '../schema/entities/plugin.ts';

export type { Kind };

export interface ForeignKey {
  /** Kind referred to. */
  kind: Kind;
  /** Kong's `on_delete`: delete the children with the parent, or refuse to delete a parent that has children. */
  onDelete: 'cascade' | 'restrict';
  /** The entity cannot exist without it (targets, credentials, acls). */
  required: boolean;
}

export interface KindSpec {
  kind: Kind;
  schema: TSchema;
  /** Top-level admin path segment (`/key-auths`). */
  adminPath: string;
  /** Path segment when nested under a parent (`/consumers/{c}/key-auth`); same as adminPath when absent. */
  nestedPath?: string;
  /** Field besides `id` a path may name the entity by (Kong's `endpoint_key`); looked up within the parent when nested. */
  endpointKey?: string;
  /** Unique field sets (each a list of field names; foreign keys by field name). Null values never clash. */
  unique: readonly (readonly string[])[];
  foreign: Readonly<Record<string, ForeignKey>>;
}

export const KIND_SPECS: Readonly<Record<Kind, KindSpec>> = {
  services: { kind: 'services', schema: ServiceSchema, adminPath: 'services', endpointKey: 'name', unique: [['name']], foreign: {} },
  routes: {
    kind: 'routes', schema: RouteSchema, adminPath: 'routes', endpointKey: 'name', unique: [['name']],
    foreign: { service: { kind: 'services', onDelete: 'restrict', required: false } },
  },
  upstreams: { kind: 'upstreams', schema: UpstreamSchema, adminPath: 'upstreams', endpointKey: 'name', unique: [['name']], foreign: {} },
  targets: {
    kind: 'targets', schema: TargetSchema, adminPath: 'targets', endpointKey: 'target', unique: [['upstream', 'target']],
    foreign: { upstream: { kind: 'upstreams', onDelete: 'cascade', required: true } },
  },
  consumers: { kind: 'consumers', schema: ConsumerSchema, adminPath: 'consumers', endpointKey: 'username', unique: [['username'], ['custom_id']], foreign: {} },
  jwt_secrets: {
    kind: 'jwt_secrets', schema: JwtSecretSchema, adminPath: 'jwts', nestedPath: 'jwt', endpointKey: 'key', unique: [['key']],
    foreign: { consumer: { kind: 'consumers', onDelete: 'cascade', required: true } },
  },
  keyauth_credentials: {
    kind: 'keyauth_credentials', schema: KeyAuthCredentialSchema, adminPath: 'key-auths', nestedPath: 'key-auth', endpointKey: 'key', unique: [['key']],
    foreign: { consumer: { kind: 'consumers', onDelete: 'cascade', required: true } },
  },
  acls: {
    kind: 'acls', schema: AclSchema, adminPath: 'acls', endpointKey: 'group', unique: [['consumer', 'group']],
    foreign: { consumer: { kind: 'consumers', onDelete: 'cascade', required: true } },
  },
  plugins: {
    kind: 'plugins', schema: PluginEntitySchema, adminPath: 'plugins', endpointKey: 'instance_name',
    unique: [['instance_name'], ['name', 'service', 'route', 'consumer']],
    foreign: {
      service: { kind: 'services', onDelete: 'cascade', required: false },
      route: { kind: 'routes', onDelete: 'cascade', required: false },
      consumer: { kind: 'consumers', onDelete: 'cascade', required: false },
    },
  },
};

/** Parents before children: the order a sync creates in (and deletes in reverse). */
export const KIND_ORDER: readonly Kind[] = ['services', 'routes', 'upstreams', 'targets', 'consumers', 'jwt_secrets', 'keyauth_credentials', 'acls', 'plugins'];
