// `portcullis admin-token create|list|revoke`: admin API tokens managed on the database itself, without the admin
// API: how to get back in after losing every admin token, and how to script token handling on a stopped node.
import { AdminTokenInputSchema } from '../../admin/routes/admin-tokens.ts';
import { isGatewayError } from '../../errors/gateway-error.ts';
import { applySchema } from '../../schema/validate.ts';
import type { Actor, AdminRole, AdminTokenRecord, Store } from '../../store/store.ts';
import { CliError } from '../cli-error.ts';
import { openLocalStore } from '../local-store.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

/** Who the audit log names for these commands: whoever could open the database, on this machine. */
export const CLI_ACTOR: Actor = { id: 'cli', name: 'cli (local)', role: 'admin' };

const STORE_FLAGS = '[--data DIR | --database-url URL] [--key-file FILE]';
const USAGE = {
  create: `portcullis admin-token create --name NAME [--role admin|read-only] ${STORE_FLAGS}`,
  list: `portcullis admin-token list ${STORE_FLAGS}`,
  revoke: `portcullis admin-token revoke ID|NAME [--force] ${STORE_FLAGS}`,
};

const STORE_OPTIONS = {
  data: { type: 'string', default: process.env.PORTCULLIS_DATA || './data' },
  'database-url': { type: 'string', default: process.env.DATABASE_URL || undefined },
  'key-file': { type: 'string' },
} as const;

/** The admin API equivalents, for the message shown while a node holds the PGlite folder. */
const WHILE_RUNNING =
  'While it runs, use its admin API with an admin token: POST /admin-tokens {"name":…,"role":…} to create, ' +
  'GET /admin-tokens to list, DELETE /admin-tokens/{id} to revoke.';

function open(values: { data: string; 'database-url'?: string; 'key-file'?: string }, createDatabase: boolean): Promise<Store> {
  return openLocalStore({
    data: values.data,
    databaseUrl: values['database-url'],
    keyFile: values['key-file'],
    createDatabase,
    whileRunning: WHILE_RUNNING,
    entities: false,
  });
}

function noPositionals(positionals: string[], usage: string): void {
  if (positionals.length > 0) throw new CliError(`unexpected argument '${positionals[0]}'\nusage: ${usage}`, 2);
}

export async function runAdminTokenCreate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...STORE_OPTIONS, name: { type: 'string' }, role: { type: 'string', default: 'admin' } },
    USAGE.create,
  );
  noPositionals(positionals, USAGE.create);
  if (values.name === undefined) throw new CliError(`--name is required (what the token is for; the audit log shows it)\nusage: ${USAGE.create}`, 2);
  // The admin API's own rules for a token's name and role.
  const input = { name: values.name, role: values.role };
  const errors = applySchema(AdminTokenInputSchema, input, '');
  if (errors.length > 0) throw new CliError(`${errors.map((e) => `--${e.path}: ${e.message}`).join('\n')}\nusage: ${USAGE.create}`, 2);
  const store = await open(values, true);
  try {
    const { token, record } = await store.adminTokens.create(input.name, input.role as AdminRole, CLI_ACTOR);
    // stdout carries the token alone, so `TOKEN=$(portcullis admin-token create …)` captures exactly it.
    process.stdout.write(`${token}\n`);
    process.stderr.write(`created ${record.role} token '${record.name}' (id ${record.id}); it is shown only this once: store it now\n`);
    return 0;
  } catch (err) {
    if (isGatewayError(err) && err.code === 'ADMIN_UNIQUE_VIOLATION') {
      throw new CliError(`an admin token named '${input.name}' already exists: pick another --name, or revoke it first`);
    }
    throw err;
  } finally {
    await store.close();
  }
}

function when(seconds: number | null): string {
  return seconds === null ? 'never' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A plain table: ids, names, roles and dates only (the store never hands out a hash or a token). */
export function tokenTable(tokens: readonly AdminTokenRecord[]): string {
  const header = ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED'];
  const rows = [header, ...tokens.map((t) => [t.id, t.name, t.role, when(t.created_at), when(t.last_used_at)])];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

export async function runAdminTokenList(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, STORE_OPTIONS, USAGE.list);
  noPositionals(positionals, USAGE.list);
  const store = await open(values, false);
  try {
    const tokens = await store.adminTokens.list();
    process.stdout.write(tokens.length === 0 ? 'no admin tokens (make one: portcullis admin-token create --name NAME)\n' : tokenTable(tokens));
    return 0;
  } finally {
    await store.close();
  }
}

export async function runAdminTokenRevoke(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...STORE_OPTIONS, force: { type: 'boolean', default: false } }, USAGE.revoke);
  if (positionals.length !== 1) throw new CliError(`name one token to revoke, by id or name\nusage: ${USAGE.revoke}`, 2);
  const wanted = positionals[0];
  const store = await open(values, false);
  try {
    const all = await store.adminTokens.list();
    const target = all.find((t) => t.id === wanted) ?? all.find((t) => t.name === wanted);
    if (target === undefined) throw new CliError(`no admin token with id or name '${wanted}' (see \`portcullis admin-token list\`)`);
    const lastAdmin = target.role === 'admin' && all.filter((t) => t.role === 'admin').length === 1;
    if (lastAdmin && !values.force) {
      throw new CliError(
        `'${target.name}' is the last admin token: without one nobody can manage the admin API. ` +
          'Create another first (portcullis admin-token create --name NAME), or pass --force to revoke it anyway',
      );
    }
    await store.adminTokens.delete(target.id, CLI_ACTOR);
    process.stdout.write(`revoked ${target.role} token '${target.name}' (id ${target.id})\n`);
    if (lastAdmin) process.stderr.write('no admin token is left: `portcullis admin-token create --name NAME` makes one\n');
    return 0;
  } finally {
    await store.close();
  }
}
