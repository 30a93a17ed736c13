// GET /audit: the change log (who, when, what, before and after with secrets redacted), newest first, paged
// like every Kong list (`size`, `offset`, `next`) and filtered by `?kind=` and `?entity_id=`. Both roles may read it.
import type { AdminRequest, AdminResponse, AdminRoute, AdminContext } from '../admin-route.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { KINDS } from '../../schema/entity-catalogue.ts';
import { checkPageSize } from '../../store/pagination.ts';
import { DEFAULT_PAGE_SIZE } from '../list-query.ts';

/** What `?kind=` may name: every entity kind, plus the log's own subjects. */
export const AUDIT_KINDS: readonly string[] = [...KINDS, 'config', 'admin_tokens', 'secrets'];

/** Kong's `size` rule: an integer from 1 to 1000 (digits only), 100 when absent. */
function pageSize(query: URLSearchParams): number {
  const raw = query.get('size');
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const size = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  checkPageSize(size);
  return size;
}

function nonEmpty(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value === '') throw new GatewayError('ADMIN_INVALID_QUERY', { detail: `${name}: empty`, fields: { [name]: 'must not be empty' } });
  return value;
}

async function listAudit(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  const size = pageSize(req.query);
  const offset = nonEmpty(req.query, 'offset');
  const kind = nonEmpty(req.query, 'kind');
  const entityId = nonEmpty(req.query, 'entity_id');
  if (kind !== undefined && !AUDIT_KINDS.includes(kind)) {
    throw new GatewayError('ADMIN_INVALID_QUERY', { detail: `kind: unknown kind '${kind}'`, fields: { kind: `expected one of ${AUDIT_KINDS.join(', ')}` } });
  }
  const page = await ctx.audit.list({ size, offset, kind, entityId });
  let next: string | null = null;
  if (page.offset !== null) {
    const params = new URLSearchParams(req.query);
    params.set('offset', page.offset);
    next = `/audit?${params.toString()}`;
  }
  return { status: 200, body: page.offset === null ? { data: page.data, next } : { data: page.data, offset: page.offset, next } };
}

export const auditRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: '/audit',
    write: false,
    handle: listAudit,
    summary: 'change log, newest first: who, when, before and after, secrets redacted (`?kind=`, `?entity_id=`)',
  },
];
