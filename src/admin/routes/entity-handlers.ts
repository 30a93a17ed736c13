// Kong's generated entity endpoints as handlers: a collection (list, create), one entity (get, put, patch,
// delete) by id or endpoint key, either at the top level or within a parent (`/consumers/{c}/key-auth`), and
// the entity a foreign key points at (`/routes/{r}/service`).
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../errors/gateway-error.ts';
import { ENTITIES, type Kind, mapKinds, parentKindOf } from '../../schema/entity-catalogue.ts';
import { referenceId } from '../../schema/entity-shapes.ts';
import { isUuid } from '../../store/tables.ts';
import type { EntityRecord } from '../../store/store.ts';
import type { AdminContext, AdminRequest, AdminResponse } from '../admin-route.ts';
import { buildRecord, mergePatch, schemaViolation } from '../entity-input.ts';
import { commit, mustGet, notFound, present, requestBody, requestPath } from '../entity-store.ts';
import { listOptions, pageBody } from '../list-query.ts';

type Handler = (req: AdminRequest, ctx: AdminContext) => Promise<AdminResponse>;

/**
 * Path capture name per kind: `/services/:service/routes/:route`, `/consumers/:consumer/key-auth/:keyauth`
 * (the path segment, singular, without dashes).
 */
export const PARAM: Readonly<Record<Kind, string>> = mapKinds((definition) =>
  (definition.nestedPath ?? definition.adminPath.replace(/s$/, '')).replaceAll('-', ''),
);

/** A collection nested under a parent: the child's foreign-key field and the parent's kind. */
export interface Scope {
  field: string;
  parent: Kind;
}

/** The path segment naming the `kind` entity: the route's pattern has it, so the router always sets it. */
function pathKey(req: AdminRequest, kind: Kind): string {
  const name = PARAM[kind];
  const key = Object.hasOwn(req.params, name) ? req.params[name] : undefined;
  if (key === undefined) throw new Error(`an admin route for ${kind} has no :${name} in its pattern`);
  return key;
}

async function parentOf(req: AdminRequest, ctx: AdminContext, scope: Scope | undefined): Promise<{ field: string; id: string } | undefined> {
  if (!scope) return undefined;
  const parent = await mustGet(ctx, scope.parent, pathKey(req, scope.parent));
  return { field: scope.field, id: parent.id };
}

export function listHandler(kind: Kind, scope?: Scope): Handler {
  return async (req, ctx) => {
    const options = listOptions(req.query);
    const parent = await parentOf(req, ctx, scope);
    if (kind === 'consumers' && !scope && req.query.has('custom_id')) return consumerByCustomId(req, ctx);
    const page = await ctx.store.list(kind, { ...options, parent });
    return { status: 200, body: pageBody(page, requestPath(req), req.query) };
  };
}

/** Kong's `GET /consumers?custom_id=`: the one consumer with that custom_id, as a one-page list. */
async function consumerByCustomId(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  const customId = req.query.get('custom_id');
  if (!customId)
    throw new GatewayError('ADMIN_INVALID_QUERY', { message: 'custom_id must be an unempty string', fields: { custom_id: 'must be an unempty string' } });
  let offset: string | undefined;
  do {
    const page = await ctx.store.list('consumers', { size: 1000, offset });
    const found = page.data.find((c) => c.custom_id === customId);
    if (found) return { status: 200, body: { data: [found], next: null } };
    offset = page.offset ?? undefined;
  } while (offset !== undefined);
  return { status: 200, body: { data: [], next: null } };
}

export function createHandler(kind: Kind, scope?: Scope): Handler {
  return async (req, ctx) => {
    const parent = await parentOf(req, ctx, scope);
    const body = requestBody(req, ctx, kind);
    const id = typeof body.id === 'string' ? body.id : randomUUID();
    const built = await buildRecord(ctx, { kind, body, id, generate: true, parent });
    const result = await commit(ctx, req, [{ op: 'insert', kind, record: built.record }]);
    return { status: 201, body: present(ctx, kind, result.records[0], built.generated) };
  };
}

export function getHandler(kind: Kind, scope?: Scope): Handler {
  return async (req, ctx) => {
    const parent = await parentOf(req, ctx, scope);
    return { status: 200, body: present(ctx, kind, await mustGet(ctx, kind, pathKey(req, kind), parent)) };
  };
}

/** PUT creates or replaces: by id, or by endpoint key (`PUT /services/foo` makes a service named foo). */
export function putHandler(kind: Kind, scope?: Scope): Handler {
  return async (req, ctx) => {
    const parent = await parentOf(req, ctx, scope);
    const key = pathKey(req, kind);
    const body = requestBody(req, ctx, kind);
    return upsert(req, ctx, kind, key, body, parent);
  };
}

async function upsert(
  req: AdminRequest,
  ctx: AdminContext,
  kind: Kind,
  key: string,
  body: Record<string, unknown>,
  parent?: { field: string; id: string },
): Promise<AdminResponse> {
  let existing = await ctx.store.get(kind, key, parent);
  // a UUID names an id, never an endpoint key that happens to look like one
  if (existing && isUuid(key) && existing.id.toLowerCase() !== key.toLowerCase()) existing = undefined;
  const endpointKey = ENTITIES[kind].endpointKey;
  if (!isUuid(key) && endpointKey !== undefined) {
    if (body[endpointKey] !== undefined && body[endpointKey] !== key) {
      throw schemaViolation([{ path: endpointKey, message: `does not match the ${endpointKey} in the path` }]);
    }
    body[endpointKey] = key;
  }
  if (!existing && isUuid(key) && parent && (await ctx.store.get(kind, key))) {
    // the id is taken by an entity of another parent: a nested PUT never moves it
    throw new GatewayError('ADMIN_UNIQUE_VIOLATION', {
      message: `primary key violation on key '{id="${key}"}'`,
      fields: { id: `already used under another ${parent.field}` },
    });
  }
  const id = existing?.id ?? (isUuid(key) ? key : randomUUID());
  const built = await buildRecord(ctx, { kind, body, id, generate: true, parent });
  const result = await commit(ctx, req, [{ op: 'upsert', kind, record: built.record }]);
  return { status: 200, body: present(ctx, kind, result.records[0], built.generated) };
}

/** PATCH merges the body over the stored entity (Kong's way) and re-validates the whole record. */
export function patchHandler(kind: Kind, scope?: Scope): Handler {
  return async (req, ctx) => {
    const parent = await parentOf(req, ctx, scope);
    const existing = await mustGet(ctx, kind, pathKey(req, kind), parent);
    return patch(req, ctx, kind, existing);
  };
}

async function patch(req: AdminRequest, ctx: AdminContext, kind: Kind, existing: EntityRecord): Promise<AdminResponse> {
  const body = requestBody(req, ctx, kind, typeof existing.name === 'string' ? existing.name : undefined);
  const merged = mergePatch(ctx, kind, existing, body);
  const built = await buildRecord(ctx, { kind, body: merged, id: existing.id, generate: false });
  const result = await commit(ctx, req, [{ op: 'update', kind, record: built.record }]);
  return { status: 200, body: present(ctx, kind, result.records[0]) };
}

/** DELETE answers 204 for a missing entity at the top level (Kong), 404 within a parent that lacks it. */
export function deleteHandler(kind: Kind, scope?: Scope): Handler {
  return async (req, ctx) => {
    const parent = await parentOf(req, ctx, scope);
    const existing = await ctx.store.get(kind, pathKey(req, kind), parent);
    if (!existing) {
      if (scope) throw notFound();
      return { status: 204 };
    }
    await commit(ctx, req, [{ op: 'delete', kind, id: existing.id }]);
    return { status: 204 };
  };
}

/** The entity `field` of a `kind` points at: `GET /routes/{r}/service`. */
async function referenced(req: AdminRequest, ctx: AdminContext, kind: Kind, field: string): Promise<{ owner: EntityRecord; ref: string | null }> {
  const owner = await mustGet(ctx, kind, pathKey(req, kind));
  return { owner, ref: referenceId(owner[field]) };
}

export function foreignGetHandler(kind: Kind, field: string): Handler {
  const target = parentKindOf(kind, field);
  return async (req, ctx) => {
    const { ref } = await referenced(req, ctx, kind, field);
    if (ref === null) throw notFound();
    return { status: 200, body: present(ctx, target, await mustGet(ctx, target, ref)) };
  };
}

export function foreignPatchHandler(kind: Kind, field: string): Handler {
  const target = parentKindOf(kind, field);
  return async (req, ctx) => {
    const { ref } = await referenced(req, ctx, kind, field);
    if (ref === null) throw notFound();
    return patch(req, ctx, target, await mustGet(ctx, target, ref));
  };
}

/** Kong's PUT on `/routes/{r}/service`: replace the service the route points at, or create one and point the route at it. */
export function foreignPutHandler(kind: Kind, field: string): Handler {
  const target = parentKindOf(kind, field);
  return async (req, ctx) => {
    const { owner, ref } = await referenced(req, ctx, kind, field);
    const body = requestBody(req, ctx, target);
    if (ref !== null) return upsert(req, ctx, target, ref, body);
    const id = randomUUID();
    const created = await buildRecord(ctx, { kind: target, body, id, generate: true });
    // the owner as stored, now pointing at the new entity (validated like any write of it)
    const stored = { ...owner };
    delete stored.updated_at;
    const relinked = await buildRecord(ctx, { kind, body: { ...stored, [field]: { id } }, id: owner.id, generate: false, parent: { field, id } });
    const result = await commit(ctx, req, [
      { op: 'insert', kind: target, record: created.record },
      { op: 'update', kind, record: relinked.record },
    ]);
    return { status: 200, body: present(ctx, target, result.records[0], created.generated) };
  };
}

/** Kong refuses to delete through a foreign-key path: 405 when it points somewhere, 404 when it does not. */
export function foreignDeleteHandler(kind: Kind, field: string): Handler {
  return async (req, ctx) => {
    const { ref } = await referenced(req, ctx, kind, field);
    if (ref === null) throw notFound();
    throw new GatewayError('ADMIN_METHOD_NOT_ALLOWED', { headers: { Allow: 'GET, PUT, PATCH' } });
  };
}
