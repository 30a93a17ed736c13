// /admin-tokens: who may call the admin API. Admin role only, reads included (a token list tells an attacker
// whom to impersonate). Tokens are stored hashed; the plaintext is shown once, in the POST answer.
// DB-less mode has no store to keep them in: tokens come from the environment there, so these answer 405.
import { Type } from '@sinclair/typebox';
import type { AdminContext, AdminRequest, AdminRoute } from '../admin-route.ts';
import type { AdminTokenRecord, Store } from '../../store/store.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { applySchema } from '../../schema/validate.ts';
import { schemaViolation } from '../entity-input.ts';
import { IDENTITY_KEYWORD, identityTextProblem } from '../../schema/identity-text.ts';

export const AdminTokenInputSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[^\\x00-\\x1f\\x7f]+$',
      [IDENTITY_KEYWORD]: 'label',
      description: 'What the token is for (shown in the audit log): no invisible characters.',
    }),
    role: Type.Union([Type.Literal('read-only'), Type.Literal('admin')], {
      description: '`read-only` may only read; `admin` may also write and manage tokens.',
    }),
  },
  { additionalProperties: false },
);

function tokenStore(req: AdminRequest, ctx: AdminContext): Store['adminTokens'] {
  if (req.actor.role !== 'admin') throw new GatewayError('ADMIN_FORBIDDEN', { detail: 'managing admin tokens needs the admin role' });
  if (ctx.mode !== 'database' || !('adminTokens' in ctx.store))
    throw new GatewayError('ADMIN_TOKENS_DB_LESS', { detail: 'in DB-less mode tokens come from PORTCULLIS_ADMIN_TOKEN and PORTCULLIS_ADMIN_READONLY_TOKEN' });
  return ctx.store.adminTokens;
}

/** Only these fields leave the server: never a hash, never a token. */
function publicRecord(record: AdminTokenRecord): AdminTokenRecord {
  return { id: record.id, name: record.name, role: record.role, created_at: record.created_at, last_used_at: record.last_used_at };
}

function parseInput(body: unknown): { name: string; role: 'read-only' | 'admin' } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('ADMIN_SCHEMA_VIOLATION', { detail: 'expected a JSON object with name and role', fields: { body: 'expected an object' } });
  }
  const input = structuredClone(body) as Record<string, unknown>;
  const errors = applySchema(AdminTokenInputSchema, input, '');
  // the audit log names the actor by it: no bidi override or zero-width space may disguise who did what
  const problem = errors.length === 0 ? identityTextProblem(input.name as string, 'label') : undefined;
  if (problem) errors.push({ path: 'name', message: problem });
  // Kong's wording: `schema violation (a: …)`, `2 schema violations (a: …; b: …)`
  if (errors.length > 0) throw schemaViolation(errors);
  return input as { name: string; role: 'read-only' | 'admin' };
}

// Deleting tokens one at a time on this node, so two admins deleting each other cannot both pass the
// "last admin token" check between reading the list and deleting.
let deletions: Promise<unknown> = Promise.resolve();

async function deleteToken(req: AdminRequest, ctx: AdminContext) {
  const tokens = tokenStore(req, ctx);
  const run = deletions.then(async () => {
    const all = await tokens.list();
    const target = all.find((t) => t.id === req.params.id);
    if (target === undefined) return; // Kong: deleting what is not there is not an error
    if (target.role === 'admin' && all.filter((t) => t.role === 'admin').length === 1) {
      throw new GatewayError('ADMIN_LAST_ADMIN_TOKEN', {
        detail:
          target.id === req.actor.id
            ? 'this is the last admin token: create another admin token first, or nobody could manage the API'
            : 'it is the last admin token: create another admin token first',
      });
    }
    await tokens.delete(target.id, req.actor);
  });
  deletions = run.catch(() => {});
  await run;
  return { status: 204 };
}

export const adminTokenRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: '/admin-tokens',
    write: false,
    role: 'admin',
    modes: ['database'],
    summary: 'list admin tokens: id, name, role, created_at, last_used_at (never a token or its hash)',
    handle: async (req, ctx) => ({ status: 200, body: { data: (await tokenStore(req, ctx).list()).map(publicRecord), next: null } }),
  },
  {
    method: 'GET',
    pattern: '/admin-tokens/:id',
    write: false,
    role: 'admin',
    modes: ['database'],
    summary: 'one admin token',
    handle: async (req, ctx) => {
      const found = (await tokenStore(req, ctx).list()).find((t) => t.id === req.params.id);
      if (!found) throw new GatewayError('ADMIN_NOT_FOUND', { detail: `no admin token with id ${req.params.id}` });
      return { status: 200, body: publicRecord(found) };
    },
  },
  {
    method: 'POST',
    pattern: '/admin-tokens',
    write: true,
    summary: 'create a token (`name`, `role`): the answer carries it, the only time it is shown',
    handle: async (req, ctx) => {
      const tokens = tokenStore(req, ctx);
      const input = parseInput(req.body);
      const { token, record } = await tokens.create(input.name, input.role, req.actor);
      // the server marks every admin answer no-store, this one (a plaintext token) above all
      return { status: 201, body: { ...publicRecord(record), token } };
    },
  },
  { method: 'DELETE', pattern: '/admin-tokens/:id', write: true, handle: deleteToken, summary: 'revoke a token (never the last admin token)' },
];
