// Test fixtures for the store contract: entity records as the admin layer hands them to the store (schema
// defaults filled, ids generated), unique names, the actor, and an assertion for catalogue errors.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { isGatewayError } from '../../../src/errors/gateway-error.ts';
import type { ErrorCode } from '../../../src/errors/catalogue.ts';
import type { PluginRegistry } from '../../../src/plugins/registry.ts';
import { applySchema } from '../../../src/schema/validate.ts';
import { ENTITIES, type Kind } from '../../../src/schema/entity-catalogue.ts';
import type { Actor, EntityInput, EntityRecord, Store, WriteOp } from '../../../src/store/store.ts';

export const ACTOR: Actor = { id: 'contract-actor', name: 'contract', role: 'admin' };

let counter = 0;
const RUN = randomBytes(3).toString('hex');
/** A name no other case uses. */
export function uniq(prefix: string): string {
  return `${prefix}-${RUN}-${++counter}`;
}

export function secretValue(label: string): string {
  return `${label}-${randomBytes(12).toString('hex')}`;
}

/** An entity with schema defaults applied, as the admin layer writes it. */
export function entity(kind: Kind, fields: Record<string, unknown>, plugins: PluginRegistry): EntityInput {
  const record: Record<string, unknown> = { id: randomUUID(), ...structuredClone(fields) };
  for (const [key, value] of Object.entries(record)) if (value === undefined) delete record[key];
  const errors = applySchema(ENTITIES[kind].schema, record, '');
  assert.deepEqual(errors, [], `fixture ${kind} is invalid`);
  if (kind === 'plugins') {
    const module = plugins.get(String(record.name));
    assert.ok(module, `plugin ${String(record.name)} is not bundled`);
    assert.deepEqual(applySchema(module.configSchema, record.config, 'config'), [], 'fixture plugin config is invalid');
  }
  return record as EntityInput;
}

export const ref = (id: string) => ({ id });

/** Builders for one valid record of each kind (children need their parent's id). */
export function builders(plugins: PluginRegistry) {
  return {
    service: (f: Record<string, unknown> = {}) => entity('services', { name: uniq('svc'), host: 'upstream.test', port: 80, ...f }, plugins),
    route: (serviceId: string | null, f: Record<string, unknown> = {}) =>
      entity('routes', { name: uniq('route'), service: serviceId && ref(serviceId), paths: ['/x'], ...f }, plugins),
    upstream: (f: Record<string, unknown> = {}) => entity('upstreams', { name: uniq('up'), ...f }, plugins),
    target: (upstreamId: string, f: Record<string, unknown> = {}) =>
      entity('targets', { upstream: ref(upstreamId), target: `${uniq('t')}:8080`, ...f }, plugins),
    consumer: (f: Record<string, unknown> = {}) => entity('consumers', { username: uniq('user'), ...f }, plugins),
    jwt: (consumerId: string, f: Record<string, unknown> = {}) =>
      entity('jwt_secrets', { consumer: ref(consumerId), key: uniq('iss'), secret: secretValue('jwtsecret'), ...f }, plugins),
    keyauth_credentials: (consumerId: string, f: Record<string, unknown> = {}) =>
      entity('keyauth_credentials', { consumer: ref(consumerId), key: secretValue('apikey'), ...f }, plugins),
    acl: (consumerId: string, f: Record<string, unknown> = {}) => entity('acls', { consumer: ref(consumerId), group: uniq('group'), ...f }, plugins),
    plugin: (name: string, config: Record<string, unknown>, f: Record<string, unknown> = {}) => entity('plugins', { name, config, ...f }, plugins),
  };
}

export async function write(store: Store, ops: WriteOp[], requestId = 'req-contract') {
  return store.write(ops, { actor: ACTOR, requestId });
}

export async function insert(store: Store, kind: Kind, record: EntityInput): Promise<EntityRecord> {
  return (await write(store, [{ op: 'insert', kind, record }])).records[0]!;
}

/** Awaits `promise`, expecting a GatewayError with `code` (and Kong's `message` when given). */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: string | RegExp): Promise<Error> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(isGatewayError(caught), `expected a GatewayError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.kongMessage}`);
  if (typeof message === 'string') assert.equal(caught.kongMessage, message);
  else if (message) assert.match(caught.kongMessage, message);
  return caught;
}

/** Everything SQL holds for `kind`, as text: to prove a plaintext secret is not in it. */
export async function rawTable(store: Store, table: string): Promise<string> {
  const rows = (await store.sql.query(`SELECT * FROM ${table}`)).rows;
  return JSON.stringify(rows);
}
