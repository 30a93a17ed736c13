// How decK names entities in diff and sync output: the kind as decK spells it (`key-auth`, `acl-group`) and a
// human label (`users`, `acl for service users`, `web-app for consumer web-app`). API keys are never shown.
import type { ConfigEntities } from '../../schema/entity-catalogue.ts';
import type { Kind } from '../../schema/entity-catalogue.ts';
import type { Row } from './entity-records.ts';

export const KIND_LABEL: Readonly<Record<Kind, string>> = {
  services: 'service',
  routes: 'route',
  upstreams: 'upstream',
  targets: 'target',
  consumers: 'consumer',
  jwt_secrets: 'jwt-auth',
  keyauth_credentials: 'key-auth',
  acls: 'acl-group',
  plugins: 'plugin',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The label of one row; `entities` is the side the row belongs to (parents are named from it). */
export function entityLabel(kind: Kind, row: Row, entities: ConfigEntities): string {
  const name = (list: readonly Record<string, unknown>[], id: unknown, ...fields: string[]): string => {
    const parent = list.find((r) => r.id === id);
    for (const f of fields) if (parent && str(parent[f])) return parent[f] as string;
    return String(id);
  };
  const forConsumer = () => ` for consumer ${name(entities.consumers, row.consumerId, 'username', 'custom_id')}`;
  switch (kind) {
    case 'services':
    case 'routes':
    case 'upstreams':
      return str(row.name) ?? row.id;
    case 'consumers':
      return str(row.username) ?? str(row.custom_id) ?? row.id;
    case 'targets':
      return `${String(row.target)} for upstream ${name(entities.upstreams, row.upstreamId, 'name')}`;
    case 'jwt_secrets':
      return `${String(row.key)}${forConsumer()}`;
    case 'keyauth_credentials':
      return `${row.id}${forConsumer()}`;
    case 'acls':
      return `${String(row.group)}${forConsumer()}`;
    case 'plugins': {
      const scopes: string[] = [];
      if (row.serviceId) scopes.push(`service ${name(entities.services, row.serviceId, 'name')}`);
      if (row.routeId) scopes.push(`route ${name(entities.routes, row.routeId, 'name')}`);
      if (row.consumerId) scopes.push(`consumer ${name(entities.consumers, row.consumerId, 'username', 'custom_id')}`);
      const instance = str(row.instance_name) ? ` (${String(row.instance_name)})` : '';
      return `${String(row.name)}${instance} ${scopes.length === 0 ? '(global)' : `for ${scopes.join(' and ')}`}`;
    }
  }
}
