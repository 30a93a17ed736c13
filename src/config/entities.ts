// The normalised entity set: flat lists with ids and resolved references. Declarative files load into it;
// the store (a later issue) persists it; compile.ts turns it into what the request path reads.
import type { Service } from '../schema/entities/service.ts';
import type { Route } from '../schema/entities/route.ts';
import type { Upstream, Target } from '../schema/entities/upstream.ts';
import type { Consumer, JwtSecret, KeyAuthCredential, Acl } from '../schema/entities/consumer.ts';
import type { PluginEntity } from '../schema/entities/plugin.ts';

type WithId<T> = Omit<T, 'id'> & { id: string };

export type ServiceRow = WithId<Service> & { port: number };
export type RouteRow = WithId<Route> & { serviceId: string | null };
export type UpstreamRow = WithId<Upstream>;
export type TargetRow = WithId<Target> & { upstreamId: string };
export type ConsumerRow = WithId<Consumer>;
export type JwtSecretRow = WithId<JwtSecret> & { key: string; consumerId: string };
/**
 * An API key credential: `key` in plaintext when it comes from a declarative file, `keyHash` (the codec's
 * `hashApiKey`) when it comes from the store, which never keeps API keys in a readable form. Exactly one is set.
 */
export type KeyAuthRow = WithId<Omit<KeyAuthCredential, 'key'>> & { consumerId: string } & KeyAuthSecret;
export type KeyAuthSecret = { key: string; keyHash?: undefined } | { key?: undefined; keyHash: string };
export type AclRow = WithId<Acl> & { consumerId: string };
export type PluginRow = WithId<PluginEntity> & {
  serviceId: string | null;
  routeId: string | null;
  consumerId: string | null;
};

export interface ConfigEntities {
  services: ServiceRow[];
  routes: RouteRow[];
  upstreams: UpstreamRow[];
  targets: TargetRow[];
  consumers: ConsumerRow[];
  jwtSecrets: JwtSecretRow[];
  keyAuth: KeyAuthRow[];
  acls: AclRow[];
  plugins: PluginRow[];
}
