// Admin API tokens: `pcat_` + 32 random bytes (base64url), shown once at creation. Only the SHA-256 is kept:
// with 256 bits of entropy a plain hash cannot be brute-forced, and it doubles as the lookup key, so a
// verify is one indexed query and never compares secrets byte by byte in JavaScript.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.ts';
import { appendAudit } from './audit-log.ts';
import type { SqlClient } from './sql-client.ts';
import { errorText } from './error-fields.ts';
import { kongPretty } from './store-errors.ts';
import type { Actor, AdminRole, AdminTokenRecord, Store } from './store.ts';
import { isUuid } from './tables.ts';

export const ADMIN_TOKEN_PREFIX = 'pcat_';
const TOKEN = /^pcat_[A-Za-z0-9_-]{43}$/;
/** last_used_at is advisory: write it at most once a minute per token, not on every request. */
const LAST_USED_GRANULARITY_S = 60;

export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateAdminToken(): string {
  return ADMIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

interface TokenRow {
  id: string;
  name: string;
  role: AdminRole;
  created_at: number;
  last_used_at: number | null;
}

const COLUMNS = 'id, name, role, created_at, last_used_at';

export function adminTokens(sql: SqlClient, logger: Logger): Store['adminTokens'] {
  return {
    async create(name: string, role: AdminRole, actor: Actor) {
      const token = generateAdminToken();
      const now = Math.floor(Date.now() / 1000);
      const record = await sql.transaction(async (tx) => {
        const row = await tx.query<TokenRow>(
          `INSERT INTO admin_tokens (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
          [randomUUID(), name, role, hashAdminToken(token), now],
        );
        if (row.rows.length === 0) {
          throw new GatewayError('ADMIN_UNIQUE_VIOLATION', {
            message: `UNIQUE violation detected on '${kongPretty({ name })}'`,
            fields: { name: 'already exists' },
          });
        }
        const inserted = row.rows.at(0);
        if (inserted === undefined) throw new Error('INSERT … RETURNING gave no row');
        const created = toRecord(inserted);
        await appendAudit(tx, { actor, action: 'token-create', kind: 'admin_tokens', entityId: created.id, before: null, after: { ...created } });
        return created;
      });
      return { token, record };
    },

    async verify(token: string) {
      if (!TOKEN.test(token)) return undefined;
      const row = (await sql.query<TokenRow>(`SELECT ${COLUMNS} FROM admin_tokens WHERE token_hash = $1`, [hashAdminToken(token)])).rows.at(0);
      if (row === undefined) return undefined;
      const now = Math.floor(Date.now() / 1000);
      if (row.last_used_at === null || row.last_used_at <= now - LAST_USED_GRANULARITY_S) {
        // Not awaited: bookkeeping must not slow or fail the request it authenticates.
        sql.query('UPDATE admin_tokens SET last_used_at = $2 WHERE id = $1', [row.id, now]).catch((err: unknown) => {
          logger.warn({ err: { message: errorText(err, 'message') } }, 'store: could not record admin token use');
        });
      }
      return { id: row.id, name: row.name, role: row.role };
    },

    async list() {
      return (await sql.query<TokenRow>(`SELECT ${COLUMNS} FROM admin_tokens ORDER BY created_at, name`)).rows.map(toRecord);
    },

    async delete(id: string, actor: Actor) {
      if (!isUuid(id)) return false;
      return sql.transaction(async (tx) => {
        const row = (await tx.query<TokenRow>(`DELETE FROM admin_tokens WHERE id = $1 RETURNING ${COLUMNS}`, [id])).rows.at(0);
        if (row === undefined) return false;
        await appendAudit(tx, { actor, action: 'token-delete', kind: 'admin_tokens', entityId: row.id, before: { ...toRecord(row) }, after: null });
        return true;
      });
    },

    async count() {
      return (await sql.query<{ n: number }>('SELECT count(*)::int8 AS n FROM admin_tokens')).rows.at(0)?.n ?? 0;
    },
  };
}

function toRecord(row: TokenRow): AdminTokenRecord {
  return { id: row.id, name: row.name, role: row.role, created_at: row.created_at, last_used_at: row.last_used_at };
}
