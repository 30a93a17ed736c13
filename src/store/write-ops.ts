// Applying WriteOps inside the write transaction: rows built from admin records (secrets sealed or hashed,
// foreign keys and unique fields as columns), before/after images for the audit log (also of each row a delete
// cascades to), errors mapped to the catalogue. The caller owns the transaction, the lock and the version bump.
import type { PluginRegistry } from '../plugins/registry.ts';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { REDACTED, redactSecrets } from '../secrets/secret-fields.ts';
import { dropUnsetNulls } from '../schema/unset-nulls.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { ENTITIES, KINDS, kindOf, type Kind, storedHashOf } from '../schema/entity-catalogue.ts';
import { recordFromRow, selectById, type EntitySqlRow } from './entity-repository.ts';
import { publicRecord } from './records.ts';
import { referenceId } from '../schema/entity-shapes.ts';
import { hasPath, mergeSecrets, seal, splitSecrets, unseal, type SecretValues } from './sealed-secrets.ts';
import type { SqlQueryable, SqlValue } from './sql-client.ts';
import { mapWriteError, schemaViolation, uniqueViolation } from './store-errors.ts';
import type { AuditEntry, EntityInput, EntityRecord, WriteOp } from './store.ts';
import { TABLES, isUuid } from './tables.ts';
import { checkLookalikes, lookalikeColumns } from './lookalike-keys.ts';
import { hashPassword } from '../secrets/password-hash.ts';

export interface WriteContext {
  codec: SecretCodec;
  plugins: PluginRegistry;
  /** Unix seconds. */
  now: number;
}

export interface AppliedOp {
  action: AuditEntry['action'];
  kind: Kind;
  id: string;
  /** The record as reads now show it; null for a delete. */
  after: EntityRecord | null;
  /** Null when nothing was there (insert) or nothing was deleted. */
  auditBefore: Record<string, unknown> | null;
  auditAfter: Record<string, unknown> | null;
  /** False for a delete of a missing id: nothing to audit. */
  changed: boolean;
  /** Deletes only: the rows ON DELETE CASCADE removed with it, each audited as a delete of its own. */
  cascaded?: readonly CascadedDelete[];
}

/** A child row a delete took with it (a consumer's credentials, an upstream's targets, a route's plugins). */
export interface CascadedDelete {
  kind: Kind;
  id: string;
  auditBefore: Record<string, unknown>;
}

/** Per parent kind, the child kinds and columns whose foreign key cascades on delete (ENTITIES). */
const CASCADES: ReadonlyMap<Kind, readonly { kind: Kind; column: string }[]> = (() => {
  const map = new Map<Kind, { kind: Kind; column: string }[]>();
  for (const kind of KINDS) {
    for (const { column, key } of TABLES[kind].references) {
      if (key.onDelete !== 'cascade') continue;
      const parent = kindOf(key.kind);
      const list = map.get(parent) ?? [];
      list.push({ kind, column });
      map.set(parent, list);
    }
  }
  return map;
})();

/** The columns of one row, ready for SQL. */
interface RowValues {
  id: string;
  columns: Record<string, SqlValue>;
  secrets: SecretValues;
  /** The plaintext of a keyed-hash secret (an API key) the write carries: checked against older keys' hashes. */
  apiKey: string | undefined;
}

export async function applyOp(q: SqlQueryable, ctx: WriteContext, op: WriteOp): Promise<AppliedOp> {
  const record = op.op === 'delete' ? undefined : op.record;
  try {
    switch (op.op) {
      case 'insert':
        return await insert(q, ctx, op.kind, op.record);
      case 'upsert': {
        const stored = await selectById(q, op.kind, requireId(op.record));
        return stored ? await update(q, ctx, op.kind, op.record, stored, false) : await insert(q, ctx, op.kind, op.record);
      }
      case 'update': {
        const stored = await selectById(q, op.kind, requireId(op.record));
        if (!stored) throw new GatewayError('ADMIN_NOT_FOUND');
        return await update(q, ctx, op.kind, op.record, stored, true);
      }
      case 'delete':
        return await remove(q, ctx, op.kind, op.id);
    }
  } catch (err) {
    throw mapWriteError(err, op.op === 'delete' ? 'delete' : 'write', op.kind, record, ctx.plugins);
  }
}

async function insert(q: SqlQueryable, ctx: WriteContext, kind: Kind, record: EntityInput): Promise<AppliedOp> {
  const values = await rowValues(kind, record, ctx, undefined);
  await checkApiKeyUnique(q, ctx, kind, values, record);
  await checkLookalikes(q, ctx.plugins, kind, values.id, values.columns, record);
  const cols = { ...values.columns, id: values.id, secrets: seal(ctx.codec, values.secrets), created_at: ctx.now, updated_at: ctx.now };
  const names = Object.keys(cols);
  const row = returned(
    (
      await q.query<EntitySqlRow>(
        `INSERT INTO ${TABLES[kind].table} (${names.join(', ')}) VALUES (${names.map((n, i) => placeholder(n, i + 1)).join(', ')}) RETURNING *`,
        Object.values(cols),
      )
    ).rows,
  );
  return { action: 'create', kind, id: values.id, ...images(kind, ctx, undefined, row, values.secrets), changed: true };
}

/** Replaces a stored row; `keepSecrets` (update, not upsert) keeps stored secrets the record leaves out. */
async function update(q: SqlQueryable, ctx: WriteContext, kind: Kind, record: EntityInput, stored: EntitySqlRow, keepSecrets: boolean): Promise<AppliedOp> {
  const storedSecrets = unseal(ctx.codec, stored.secrets);
  const values = await rowValues(kind, record, ctx, keepSecrets ? { secrets: storedSecrets, hash: storedHash(kind, stored) } : undefined);
  await checkApiKeyUnique(q, ctx, kind, values, record);
  await checkLookalikes(q, ctx.plugins, kind, values.id, values.columns, record);
  const cols: Record<string, SqlValue> = { ...values.columns, secrets: seal(ctx.codec, values.secrets), updated_at: Math.max(ctx.now, stored.created_at) };
  const names = Object.keys(cols);
  const row = returned(
    (
      await q.query<EntitySqlRow>(
        `UPDATE ${TABLES[kind].table} SET ${names.map((n, i) => `${n} = ${placeholder(n, i + 1)}`).join(', ')} WHERE id = $${names.length + 1} RETURNING *`,
        [...Object.values(cols), values.id],
      )
    ).rows,
  );
  const before = auditImage(kind, ctx, stored, storedSecrets);
  return { action: 'update', kind, id: values.id, ...images(kind, ctx, before, row, values.secrets), changed: true };
}

async function remove(q: SqlQueryable, ctx: WriteContext, kind: Kind, id: string): Promise<AppliedOp> {
  if (!isUuid(id)) return { action: 'delete', kind, id, after: null, auditBefore: null, auditAfter: null, changed: false };
  // The database drops the children without a word: read them first (the write lock keeps them as read until
  // the delete), so the audit log shows every entity the delete removed, not only the one it named.
  const cascaded = await cascadedChildren(q, ctx, kind, id, new Set());
  const row = (await q.query<EntitySqlRow>(`DELETE FROM ${TABLES[kind].table} WHERE id = $1 RETURNING *`, [id])).rows.at(0);
  if (row === undefined) return { action: 'delete', kind, id, after: null, auditBefore: null, auditAfter: null, changed: false };
  return {
    action: 'delete',
    kind,
    id: row.id,
    after: null,
    auditBefore: auditImage(kind, ctx, row, unseal(ctx.codec, row.secrets)),
    auditAfter: null,
    changed: true,
    cascaded,
  };
}

/** Rows a delete of `kind` `id` cascades to, and theirs in turn, each once, with its redacted before image. */
async function cascadedChildren(q: SqlQueryable, ctx: WriteContext, kind: Kind, id: string, seen: Set<string>): Promise<CascadedDelete[]> {
  const out: CascadedDelete[] = [];
  for (const child of CASCADES.get(kind) ?? []) {
    const rows = (await q.query<EntitySqlRow>(`SELECT * FROM ${TABLES[child.kind].table} WHERE ${child.column} = $1 ORDER BY id`, [id])).rows;
    for (const row of rows) {
      const key = `${child.kind}:${row.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ kind: child.kind, id: row.id, auditBefore: auditImage(child.kind, ctx, row, unseal(ctx.codec, row.secrets)) });
      out.push(...(await cascadedChildren(q, ctx, child.kind, row.id, seen)));
    }
  }
  return out;
}

function images(kind: Kind, ctx: WriteContext, before: Record<string, unknown> | undefined, row: EntitySqlRow, secrets: SecretValues) {
  const after = publicRecord(kind, recordFromRow(kind, row), ctx.plugins);
  return { after, auditBefore: before ?? null, auditAfter: auditImage(kind, ctx, row, secrets, after) };
}

/** Public record (`row`'s, unless given) with each secret the row holds shown as "[REDACTED]". */
function auditImage(
  kind: Kind,
  ctx: WriteContext,
  row: EntitySqlRow,
  secrets: SecretValues,
  record: EntityRecord = publicRecord(kind, recordFromRow(kind, row), ctx.plugins),
): Record<string, unknown> {
  // mergeSecrets copies: `record` may be the write's after-image, which must stay without secrets.
  const full = mergeSecrets(record, secrets);
  const hashed = ENTITIES[kind].hashed;
  if (hashed !== undefined && storedHash(kind, row) !== null) full[hashed.field] = REDACTED;
  return redactSecrets(kind, full, ctx.plugins);
}

/** The hash a row keeps of its hashed secret (a keyed hash's column, or a password hash in `data`), if any. */
function storedHash(kind: Kind, row: EntitySqlRow): string | null {
  // a keyed hash has a column of its own; a password hash travels in `data`
  return storedHashOf(kind, ENTITIES[kind].hashed?.scheme === 'keyed' ? row : row.data) ?? null;
}

async function rowValues(
  kind: Kind,
  record: EntityInput,
  ctx: WriteContext,
  keep: { secrets: SecretValues; hash: string | null } | undefined,
): Promise<RowValues> {
  const id = requireId(record);
  const split = splitSecrets(kind, record, ctx.plugins);
  const data = split.record;
  const hashed = ENTITIES[kind].hashed;
  // A hashed secret may arrive already hashed (`key_hash`, `password_hash`: a `config dump` loaded back).
  const given = hashed === undefined ? undefined : data[hashed.stored];
  const givenHash = typeof given === 'string' ? given : undefined;
  for (const field of ['id', 'created_at', 'updated_at', 'tags']) Reflect.deleteProperty(data, field);
  if (hashed !== undefined) Reflect.deleteProperty(data, hashed.stored);
  const columns: Record<string, SqlValue> = {};
  for (const { field, column, key } of TABLES[kind].references) {
    const ref = referenceId(data[field]);
    if (ref !== null && !isUuid(ref)) throw schemaViolation(`${field}.id`, 'expected a valid UUID');
    if (ref === null && key.required) throw schemaViolation(field, 'required field missing');
    Reflect.deleteProperty(data, field);
    columns[column] = ref === null ? null : ref.toLowerCase();
  }
  dropUnsetNulls(ENTITIES[kind].schema, data);
  for (const [field, column] of Object.entries(TABLES[kind].columns)) {
    const value = data[field];
    columns[column] = typeof value === 'string' ? value : null;
  }
  Object.assign(columns, lookalikeColumns(kind, data));
  columns.data = JSON.stringify(data);
  columns.tags = stringList(record.tags);

  // An update that leaves a secret out keeps it; naming it (even as null) replaces it.
  const secrets: SecretValues = {};
  if (keep) for (const [path, value] of Object.entries(keep.secrets)) if (!hasPath(record, path)) secrets[path] = value;
  Object.assign(secrets, split.encrypted);
  if (hashed === undefined) return { id: id.toLowerCase(), columns, secrets, apiKey: undefined };

  // An update that names neither the secret nor its hash keeps the stored hash.
  let hash: string | null = null;
  if (split.hashed !== undefined) hash = hashed.scheme === 'keyed' ? ctx.codec.hashApiKey(split.hashed) : await hashPassword(split.hashed);
  else if (givenHash !== undefined) hash = givenHash;
  else if (keep && !hasPath(record, hashed.field) && !hasPath(record, hashed.stored)) hash = keep.hash;
  if (hashed.scheme === 'keyed') columns[hashed.stored] = hash;
  else {
    if (hash !== null) data[hashed.stored] = hash;
    columns.data = JSON.stringify(data);
  }
  return { id: id.toLowerCase(), columns, secrets, apiKey: hashed.scheme === 'keyed' ? split.hashed : undefined };
}

/** Keys hashed under an older keyring key have other hashes: the unique index alone would miss them. */
async function checkApiKeyUnique(q: SqlQueryable, ctx: WriteContext, kind: Kind, values: RowValues, record: EntityInput): Promise<void> {
  const keyed = TABLES[kind].keyedHash;
  if (keyed === undefined || values.apiKey === undefined) return;
  const clash = await q.query(`SELECT 1 FROM ${TABLES[kind].table} WHERE ${keyed.column} = ANY($1::text[]) AND id <> $2 LIMIT 1`, [
    ctx.codec.apiKeyHashes(values.apiKey),
    values.id,
  ]);
  if (clash.rows.length > 0) throw uniqueViolation(kind, [keyed.field], record, ctx.plugins);
}

/** The row an INSERT or UPDATE … RETURNING * gave back: one, or the statement failed and threw. */
function returned(rows: readonly EntitySqlRow[]): EntitySqlRow {
  const row = rows.at(0);
  if (row === undefined) throw new Error('a write returned no row');
  return row;
}

/** Tags as a text[] column: the record's list (the schema checked its items are strings), or null. */
function stringList(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const list: readonly unknown[] = value;
  return list.every((item): item is string => typeof item === 'string') ? [...list] : null;
}

function requireId(record: EntityInput): string {
  if (!isUuid(record.id)) throw schemaViolation('id', 'expected a valid UUID');
  return record.id;
}

function placeholder(column: string, n: number): string {
  if (column === 'data') return `$${n}::jsonb`;
  if (column === 'tags') return `$${n}::text[]`;
  return `$${n}`;
}
