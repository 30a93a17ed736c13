// `portcullis` command line: start the platform, check and sync config files, mint demo tokens, manage admin tokens.
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.ts';

// Node's on-disk compile cache: a start loads some 250 TypeScript modules, and each proxy worker thread loads
// them again; from the cache that takes about a fifth less time. Kept in the project's node_modules/.cache (the
// installing user's), not the shared temp folder, where another local user could plant entries. Commands below
// are imported lazily, after this. The environment variable carries it into worker threads.
const compileCache = enableCompileCache(fileURLToPath(new URL('../../node_modules/.cache/node-compile-cache', import.meta.url)));
if (compileCache.directory !== undefined) process.env.NODE_COMPILE_CACHE ??= compileCache.directory;

const USAGE = `usage: portcullis <command> [options]

commands:
  start [--config FILE | --database-url URL | --data DIR] [--seed FILE] [--demo]
        [--listen HOST:PORT] [--admin-listen HOST:PORT] [--poll-interval 5s] [--node-id ID] [--key-file FILE]
        [--tls-listen HOST:PORT --tls-cert FILE --tls-key FILE] [--trusted-proxies CIDR,...]
        [--identity-headers NAME,...] [--jwks-allow-private CIDR,...]
        [--client-header-timeout 10s] [--client-body-timeout 10s] [--keepalive-timeout 60s]
        [--pg-pool-size 5] [--pg-pool-timeout 5s] [--workers N|auto] [--plugin-dir DIR]...
                                          run a gateway node: --config FILE is DB-less (admin API read-only
                                          but for POST /config); else database mode on DATABASE_URL
                                          (PostgreSQL; several nodes share it) or on PGlite in --data
                                          (default ./data). Default (npm start): --demo, seeding the demo
                                          config on first start. A PostgreSQL node opens at most
                                          --pg-pool-size connections plus one for LISTEN; a write waits up
                                          to --pg-pool-timeout for one, then 503 STORE_BUSY (README: sizing).
                                          Env: PORTCULLIS_LISTEN, PORTCULLIS_ADMIN_LISTEN
                                          (default 127.0.0.1:8001), PORTCULLIS_NODE_ID, PORTCULLIS_SECRET_KEY.
                                          --workers: proxy threads on the same port (default auto: one per
                                          core; 1: no threads; env PORTCULLIS_WORKERS); --plugin-dir: load
                                          your own plugins (DIR/<name>/index.ts) beside the bundled ones
  config validate FILE [--online]         check a declarative file; lists every error with its path
                                          (--online: also ask the admin API to validate each change)
  config diff FILE [--select-tag TAG]... [--exit-code]
                                          what sync would create, update and delete on the admin API
  config sync FILE [--dry-run] [--select-tag TAG]...
                                          make the admin API's configuration what the file says
  config dump [-o FILE] [--format yaml|json] [--select-tag TAG]...
                                          write the admin API's configuration as a declarative file
                                          (config commands: --admin-url URL (default http://127.0.0.1:8001),
                                          --admin-token TOKEN or PORTCULLIS_ADMIN_TOKEN; exit 1 refused,
                                          2 usage, 3 admin API unreachable)
  token mint CONSUMER [--config FILE | --data DIR | --database-url URL] [--key-file FILE] [--ttl SECONDS]
                                          sign a development JWT from the consumer's jwt credential: in
                                          FILE, else the database \`start\` uses (the demo file while a
                                          node holds the PGlite folder); ttl (default 300) capped at the
                                          jwt plugins' maximum_expiration
  help, --help, -h                        this text
  version, --version, -v                  the portcullis version
  secrets rekey [--data DIR] [--key-file FILE]
                                          re-encrypt stored secrets under the active secret key
                                          (PostgreSQL when DATABASE_URL is set; see docs/secrets.md)
  admin-token create --name NAME [--role admin|read-only]
                                          make an admin API token (default role admin); prints it once,
                                          alone on stdout
  admin-token list                        ids, names, roles and last use (never a token or its hash)
  admin-token revoke ID|NAME [--force]    delete a token; the last admin token only with --force
                                          (admin-token commands open the database directly, for lockout
                                          recovery: --data DIR (default ./data), or --database-url URL /
                                          DATABASE_URL, --key-file FILE; a node running on the PGlite folder
                                          holds it: use its admin API, /admin-tokens, or stop it first;
                                          exit 1 refused, 2 usage, 3 database unreachable)
`;

type Command = (args: string[]) => Promise<number>;

// Loaded on demand: a `config diff` should not pay for the store, PGlite and the gateway it never uses.
// A Map, not an object literal: `portcullis constructor` must be an unknown command, not Object.prototype's.
const commands: ReadonlyMap<string, () => Promise<Command>> = new Map([
  ['start', async () => (await import('./commands/start.ts')).runStart],
  ['config validate', async () => (await import('./commands/config-validate.ts')).runConfigValidate],
  ['config diff', async () => (await import('./commands/config-diff.ts')).runConfigDiff],
  ['config sync', async () => (await import('./commands/config-sync.ts')).runConfigSync],
  ['config dump', async () => (await import('./commands/config-dump.ts')).runConfigDump],
  ['token mint', async () => (await import('./commands/token-mint.ts')).runTokenMint],
  ['secrets rekey', async () => (await import('./commands/secrets-rekey.ts')).runSecretsRekey],
  ['admin-token create', async () => (await import('./commands/admin-token.ts')).runAdminTokenCreate],
  ['admin-token list', async () => (await import('./commands/admin-token.ts')).runAdminTokenList],
  ['admin-token revoke', async () => (await import('./commands/admin-token.ts')).runAdminTokenRevoke],
]);

const HELP = new Set(['help', '--help', '-h']);
const VERSION = new Set(['version', '--version', '-v']);

async function main(argv: string[]): Promise<number> {
  const two = commands.get(argv.slice(0, 2).join(' '));
  if (two !== undefined) return (await two())(argv.slice(2));
  const first = argv.at(0);
  const one = first === undefined ? undefined : commands.get(first);
  if (one !== undefined) return (await one())(argv.slice(1));
  if (first === undefined || HELP.has(first)) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (VERSION.has(first)) {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`portcullis ${pkg.version}\n`);
    return 0;
  }
  process.stderr.write(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`portcullis: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
