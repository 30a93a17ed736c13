// The audit trail: one row per change (entity writes, config replacements, admin tokens, rekeys), newest
// first when listed. Images are admin-shaped with secrets already redacted by the caller.
import { checkPageSize, decodeAuditOffset, encodeAuditOffset } from './pagination.ts';
import type { SqlQueryable, SqlValue } from './sql-client.ts';
import type { Actor, AuditEntry } from './store.ts';

export interface AuditInput {
  actor: Pick<Actor, 'id' | 'name'>;
  requestId?: string | null;
  action: AuditEntry['action'];
  kind: AuditEntry['kind'];
  entityId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export async function appendAudit(q: SqlQueryable, entry: AuditInput): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (actor_id, actor_name, request_id, action, kind, entity_id, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
    [
      entry.actor.id,
      entry.actor.name,
      entry.requestId ?? null,
      entry.action,
      entry.kind,
      entry.entityId,
      entry.before === null ? null : JSON.stringify(entry.before),
      entry.after === null ? null : JSON.stringify(entry.after),
    ],
  );
}

interface AuditRow {
  id: number;
  at: Date | string;
  actor_id: string;
  actor_name: string;
  request_id: string | null;
  action: AuditEntry['action'];
  kind: AuditEntry['kind'];
  entity_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export async function listAudit(
  q: SqlQueryable,
  options: { size: number; offset?: string; kind?: string; entityId?: string },
): Promise<{ data: AuditEntry[]; offset: string | null }> {
  checkPageSize(options.size);
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (options.kind !== undefined) {
    params.push(options.kind);
    where.push(`kind = $${params.length}`);
  }
  if (options.entityId !== undefined) {
    params.push(options.entityId);
    where.push(`entity_id = $${params.length}`);
  }
  if (options.offset !== undefined) {
    params.push(decodeAuditOffset(options.offset));
    where.push(`id < $${params.length}`);
  }
  params.push(options.size + 1);
  const rows = (
    await q.query<AuditRow>(
      `SELECT * FROM audit_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    )
  ).rows;
  const more = rows.length > options.size;
  const page = more ? rows.slice(0, options.size) : rows;
  // a page cut short has a last entry: the next page holds the older ones
  const last = more ? page.at(-1) : undefined;
  return {
    data: page.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      actor: { id: r.actor_id, name: r.actor_name },
      request_id: r.request_id,
      action: r.action,
      kind: r.kind,
      entity_id: r.entity_id,
      before: r.before,
      after: r.after,
    })),
    offset: last === undefined ? null : encodeAuditOffset(last.id),
  };
}
