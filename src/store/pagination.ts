// Keyset pagination shared by the database and DB-less stores: pages ordered by id, the cursor is the last
// id seen (base64url, opaque to clients), page sizes as Kong allows them. The audit trail pages the same way.
import { GatewayError } from '../errors/gateway-error.ts';
import { isUuid } from './tables.ts';

export const MAX_PAGE_SIZE = 1000;

export function checkPageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new GatewayError('ADMIN_INVALID_QUERY', {
      message: `size must be an integer between 1 and ${MAX_PAGE_SIZE}`,
      fields: { size: `must be an integer between 1 and ${MAX_PAGE_SIZE}` },
    });
  }
}

export function encodeOffset(lastId: string): string {
  return Buffer.from(JSON.stringify([lastId])).toString('base64url');
}

/** The id to continue after; throws Kong's "'…' is not a valid offset" for anything this store did not hand out. */
export function decodeOffset(offset: string | undefined): string | undefined {
  if (offset === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(offset, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const id: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
  if (!isUuid(id)) throw invalidOffset(offset);
  return id.toLowerCase();
}

/** The audit trail's cursor: the id of the last entry returned (the next page holds older entries). */
export function encodeAuditOffset(lastId: number): string {
  return Buffer.from(String(lastId)).toString('base64url');
}

export function decodeAuditOffset(offset: string): number {
  const id = Number(Buffer.from(offset, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(id) || id < 1) throw invalidOffset(offset);
  return id;
}

export function invalidOffset(offset: string): GatewayError {
  // Quote at most a short prefix of what the client sent.
  const shown = offset.length > 64 ? `${offset.slice(0, 64)}…` : offset;
  return new GatewayError('ADMIN_INVALID_QUERY', { message: `'${shown}' is not a valid offset: bad encoding`, fields: { offset: 'invalid offset' } });
}

/** Kong's `?tags=`: `all` needs every tag, `any` at least one. */
export function tagsMatch(tags: unknown, filter: { values: readonly string[]; match: 'all' | 'any' } | undefined): boolean {
  if (filter === undefined) return true;
  const have: readonly unknown[] = Array.isArray(tags) ? tags : [];
  return filter.match === 'all' ? filter.values.every((t) => have.includes(t)) : filter.values.some((t) => have.includes(t));
}
