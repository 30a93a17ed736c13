// The entities the bad-input suite works on: one of each kind (plus one plugin per installed plugin), and how
// to make a new valid one of each kind, so every case has a real target to write to.
import assert from 'node:assert/strict';
import type { TestAdmin } from '../helpers/admin.ts';
import { ENTITIES, type Kind } from '../../src/schema/entity-catalogue.ts';

/** Base config per plugin: the smallest config each accepts. */
const PLUGIN_CONFIGS: Record<string, Record<string, unknown>> = {
  acl: { allow: ['bi-group'] },
  'ip-restriction': { allow: ['10.0.0.0/8'] },
  'rate-limiting': { minute: 100 },
};

export interface Fixtures {
  ids: Partial<Record<Kind, string>>;
  /** POST path and a valid body for a new entity of each kind (unique values from `n`). */
  create: Record<Kind, (n: string) => { path: string; body: Record<string, unknown> }>;
  /** Admin path of the fixture entity of each kind. */
  entityPath(kind: Kind): string;
  /** Plugin fixture per installed plugin name: its id. */
  plugins: Record<string, string>;
}

export async function createFixtures(admin: TestAdmin): Promise<Fixtures> {
  const ok = async (method: string, path: string, body: unknown) => {
    const res = await admin.request(method, path, { body });
    assert.ok(res.status === 201 || res.status === 200, `fixture ${method} ${path}: ${res.text}`);
    return res.body as { id: string };
  };
  const ids: Partial<Record<Kind, string>> = {};
  ids.services = (await ok('POST', '/services', { name: 'bi-svc', host: 'bi.internal' })).id;
  ids.routes = (await ok('POST', `/services/${ids.services}/routes`, { name: 'bi-route', paths: ['/bi'] })).id;
  ids.upstreams = (await ok('POST', '/upstreams', { name: 'bi-up' })).id;
  ids.targets = (await ok('POST', `/upstreams/${ids.upstreams}/targets`, { target: '10.0.0.1:80' })).id;
  ids.consumers = (await ok('POST', '/consumers', { username: 'bi-user', custom_id: 'bi-custom' })).id;
  ids.jwt_secrets = (await ok('POST', `/consumers/${ids.consumers}/jwt`, { key: 'bi-jwt-key' })).id;
  ids.keyauth_credentials = (await ok('POST', `/consumers/${ids.consumers}/key-auth`, { key: 'bi-secret-api-key' })).id;
  ids.basicauth_credentials = (await ok('POST', `/consumers/${ids.consumers}/basic-auth`, { username: 'bi-basic', password: 'bi-secret-password' })).id;
  ids.acls = (await ok('POST', `/consumers/${ids.consumers}/acls`, { group: 'bi-group' })).id;
  ids.hmacauth_credentials = (await ok('POST', `/consumers/${ids.consumers}/hmac-auth`, { username: 'bi-hmac', secret: 'bi-hmac-secret' })).id;
  const plugins: Record<string, string> = {};
  for (const name of admin.context.plugins.keys()) {
    plugins[name] = (await ok('POST', '/plugins', { name, config: PLUGIN_CONFIGS[name] ?? {} })).id;
  }
  ids.plugins = plugins.cors;
  return {
    ids,
    plugins,
    create: {
      services: (n) => ({ path: '/services', body: { name: `svc-${n}`, host: 'n.internal' } }),
      routes: (n) => ({ path: '/routes', body: { name: `route-${n}`, paths: [`/${n}`], service: { id: ids.services } } }),
      upstreams: (n) => ({ path: '/upstreams', body: { name: `up-${n}` } }),
      targets: (n) => ({ path: `/upstreams/${ids.upstreams}/targets`, body: { target: `${n}.internal:80` } }),
      consumers: (n) => ({ path: '/consumers', body: { username: `user-${n}` } }),
      jwt_secrets: (n) => ({ path: `/consumers/${ids.consumers}/jwt`, body: { key: `jwt-${n}` } }),
      keyauth_credentials: (n) => ({ path: `/consumers/${ids.consumers}/key-auth`, body: { key: `key-${n}` } }),
      basicauth_credentials: (n) => ({ path: `/consumers/${ids.consumers}/basic-auth`, body: { username: `basic-${n}`, password: `password-${n}` } }),
      acls: (n) => ({ path: `/consumers/${ids.consumers}/acls`, body: { group: `group-${n}` } }),
      hmacauth_credentials: (n) => ({ path: `/consumers/${ids.consumers}/hmac-auth`, body: { username: `hmac-${n}` } }),
      plugins: (n) => ({ path: `/routes/${ids.routes}/plugins`, body: { name: 'correlation-id', instance_name: `pl-${n}` } }),
    },
    entityPath: (kind) => (kind === 'targets' ? `/upstreams/${ids.upstreams}/targets/${ids.targets}` : `/${ENTITIES[kind].adminPath}/${ids[kind]}`),
  };
}
