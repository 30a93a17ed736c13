// What entity routes share around the store: lookups that answer Kong's 404, the one way a write commits
// (whole-config check inside the transaction, then this node rebuilds), bodies read by their encoding, and
// records shown without secrets.
import type { ConfigEntities } from '../schema/entity-catalogue.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { stripSecrets } from '../secrets/secret-fields.ts';
import type { Kind } from '../schema/entity-catalogue.ts';
import { isWritableStore, type EntityRecord, type Store, type WriteOp, type WriteResult } from '../store/store.ts';
import type { AdminContext, AdminRequest } from './admin-route.ts';
import { bodyObject, inferFormBody } from './entity-input.ts';

export function notFound(): GatewayError {
  return new GatewayError('ADMIN_NOT_FOUND');
}

export async function mustGet(ctx: AdminContext, kind: Kind, key: string, parent?: { field: string; id: string }): Promise<EntityRecord> {
  const found = await ctx.store.get(kind, key, parent);
  if (!found) throw notFound();
  return found;
}

function writableStore(ctx: AdminContext): Store {
  if (!isWritableStore(ctx.store)) throw new GatewayError('ADMIN_DB_LESS_READ_ONLY');
  return ctx.store;
}

/**
 * Commits `ops` in one transaction, refused (store unchanged) when the whole config would not build, then
 * swaps this node's gateway to the new version before answering: the caller's next proxied request sees it.
 */
export async function commit(ctx: AdminContext, req: AdminRequest, ops: readonly WriteOp[]): Promise<WriteResult> {
  // What the check saw is what committed (writes are serialised by the store's lock; a retried write checks
  // again, and the last check is the one that committed): this node builds it without reading it again.
  let checked: ConfigEntities | undefined;
  const result = await writableStore(ctx).write(ops, {
    actor: req.actor,
    requestId: req.requestId,
    check: async (entities) => {
      checked = undefined;
      await ctx.checkConfig(entities);
      checked = entities;
    },
  });
  try {
    await ctx.applyLocally(result.version, checked);
  } catch (err) {
    // committed and checked: the change stands, and the node catches up on its next notification
    ctx.logger.error(
      { err: { message: err instanceof Error ? err.message : undefined }, version: result.version, request_id: req.requestId },
      'admin write committed but this node could not apply it yet',
    );
  }
  return result;
}

/** The request body as an object, form values read by the kind's schema (a plugin's by its config schema). */
export function requestBody(req: AdminRequest, ctx: AdminContext, kind: Kind, pluginName?: string): Record<string, unknown> {
  const body = bodyObject(req.body);
  return req.bodyType === 'form' ? inferFormBody(ctx, kind, body, pluginName) : body;
}

/** A record as answers show it: no secret, except one this request generated (shown once, on its creation). */
export function present(
  ctx: AdminContext,
  kind: Kind,
  record: EntityRecord | null | undefined,
  generated: Record<string, string> = {},
): Record<string, unknown> {
  if (!record) throw notFound();
  return { ...stripSecrets(kind, record, ctx.plugins), ...generated };
}

/** The collection path as the client wrote it (for `next`), without a trailing slash. */
export function requestPath(req: AdminRequest): string {
  const raw = (req.raw.url ?? '').split('?').at(0) ?? '';
  if (!raw.startsWith('/')) return req.path.split('/').map(encodeURIComponent).join('/');
  return raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
}
