// Opens the database store directly, as `portcullis start` would, for commands that work without a running node
// (admin-token): PostgreSQL with --database-url / DATABASE_URL, else PGlite in --data, under the same secret keys.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isGatewayError } from '../errors/gateway-error.ts';
import { createLogger } from '../observability/logger.ts';
import { loadPluginRegistry } from '../plugins/registry.ts';
import { createSecretCodec } from '../secrets/envelope-codec.ts';
import { loadKeyring } from '../secrets/keyring.ts';
import { SecretError } from '../secrets/secret-error.ts';
import { DataDirInUseError } from '../store/drivers/data-dir-lock.ts';
import { openStore, PGLITE_SUBDIR } from '../store/open-store.ts';
import type { PgPoolSettings } from '../store/drivers/postgres-client.ts';
import type { Store } from '../store/store.ts';
import { CliError } from './cli-error.ts';

/** Exit code when the database cannot be reached (the config commands use 3 for an unreachable admin API). */
export const EXIT_UNREACHABLE = 3;

/**
 * What a command run beside the nodes may take of the server's connections: they work one statement at a time,
 * and the second connection only covers a statement issued while a transaction is open. Few, so that the
 * rescue (`admin-token create`) still gets in when the nodes use their whole budget.
 */
export const CLI_PG_POOL: PgPoolSettings = { size: 2 };

export interface LocalStoreOptions {
  /** PGlite data folder, as given to `portcullis start --data`. */
  data: string;
  databaseUrl?: string;
  keyFile?: string;
  /**
   * A PGlite folder without a database: create it (and its secret key file) as a first `portcullis start`
   * would, instead of refusing. Only for commands that make sense on a fresh folder.
   */
  createDatabase: boolean;
  /** What to do instead while a node holds the PGlite folder (its admin API endpoints), in a sentence. */
  whileRunning: string;
  /**
   * The command reads or writes entities, so the store needs the plugins (their config schemas). Admin tokens
   * do not: without them a command starts a third of a second sooner.
   */
  entities: boolean;
}

export async function openLocalStore(options: LocalStoreOptions): Promise<Store> {
  const databaseUrl = options.databaseUrl || undefined;
  const dataDir = resolve(options.data);
  const fresh = databaseUrl === undefined && !existsSync(join(dataDir, PGLITE_SUBDIR));
  if (fresh && !options.createDatabase) {
    throw new CliError(`no database in ${dataDir}: pass --data DIR (the folder \`portcullis start\` uses), or --database-url / DATABASE_URL for PostgreSQL`);
  }
  let keyring;
  try {
    // A key is generated only with the database it will protect: a fresh key beside an existing database could
    // decrypt nothing in it (and a PostgreSQL cluster's keys always come from its operator).
    keyring = loadKeyring({ env: process.env, keyFile: options.keyFile, dataDir: databaseUrl ? undefined : dataDir, create: fresh });
  } catch (err) {
    if (err instanceof SecretError) throw new CliError(err.message);
    throw err;
  }
  // Said out loud: a mistyped --data would otherwise quietly get a database of its own.
  if (fresh) process.stderr.write(`no database in ${dataDir} yet: creating one, as a first \`portcullis start\` would\n`);
  if (keyring.generated) process.stderr.write(`generated the secret key file ${keyring.file}: back it up with the database\n`);
  const logger = createLogger(process.env.PORTCULLIS_LOG_LEVEL ?? 'warn', 'stderr');
  try {
    const plugins = options.entities ? await loadPluginRegistry() : new Map();
    return await openStore({
      databaseUrl,
      dataDir: databaseUrl ? undefined : dataDir,
      pgPool: CLI_PG_POOL,
      codec: createSecretCodec(keyring),
      plugins,
      logger,
    });
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      throw new CliError(
        `the data folder ${dataDir} is in use by a running portcullis node (pid ${err.pid}), and PGlite lets only one process open it.\n` +
          `  ${options.whileRunning}\n` +
          `  Or stop the node (kill ${err.pid}), run this command again, then start the node.\n` +
          `  (If pid ${err.pid} is not a portcullis node, the lock is stale: remove ${err.lockFile}.)`,
      );
    }
    if (isGatewayError(err) && (err.code === 'STORE_UNAVAILABLE' || err.code === 'STORE_BUSY')) throw new CliError(err.detail ?? err.message, EXIT_UNREACHABLE);
    throw err;
  }
}
