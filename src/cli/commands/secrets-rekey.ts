// `portcullis secrets rekey`: re-wraps every stored secret that is not under the active secret key, the middle
// step of a key rotation (docs/secrets.md). Opens the same store as `portcullis start` (--data DIR, or
// DATABASE_URL), and reports what it cannot re-key: API key hashes under older keys.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPluginRegistry } from '../../plugins/registry.ts';
import { createLogger } from '../../observability/logger.ts';
import { loadKeyring } from '../../secrets/keyring.ts';
import { createSecretCodec } from '../../secrets/envelope-codec.ts';
import { SecretError } from '../../secrets/secret-error.ts';
import { keyedSecrets } from '../../schema/entity-catalogue.ts';
import { openStore, PGLITE_SUBDIR } from '../../store/open-store.ts';
import { CliError } from '../cli-error.ts';
import { CLI_PG_POOL } from '../local-store.ts';

export async function runSecretsRekey(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string', default: './data' },
      'key-file': { type: 'string' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = resolve(values.data);
  let keyring;
  try {
    // Never generate a key here: a fresh key could not decrypt anything already stored.
    keyring = loadKeyring({ env: process.env, keyFile: values['key-file'], dataDir: databaseUrl ? undefined : dataDir, create: false });
  } catch (err) {
    if (err instanceof SecretError) throw new CliError(err.message);
    throw err;
  }
  // Opening a folder without a database would create an empty one and report "0": say what is wrong instead.
  if (!databaseUrl && !existsSync(join(dataDir, PGLITE_SUBDIR))) {
    throw new CliError(`no database in ${dataDir}: pass --data DIR (the folder \`portcullis start\` uses), or set DATABASE_URL for PostgreSQL`);
  }
  const codec = createSecretCodec(keyring);
  const logger = createLogger(process.env.PORTCULLIS_LOG_LEVEL ?? 'warn', 'stderr');
  const store = await openStore({
    databaseUrl,
    dataDir: databaseUrl ? undefined : dataDir,
    pgPool: CLI_PG_POOL,
    codec,
    plugins: await loadPluginRegistry(),
    logger,
  });
  try {
    const count = await store.rekeySecrets({ id: 'cli', name: 'cli', role: 'admin' });
    process.stdout.write(`re-encrypted the secrets of ${count} entit${count === 1 ? 'y' : 'ies'} under key '${codec.activeKeyId}'\n`);
    const { entities } = await store.snapshot();
    const older = new Map<string, number>();
    for (const { hash } of keyedSecrets(entities)) {
      if (hash === undefined) continue;
      const kid = codec.keyIdOf(hash);
      if (kid !== codec.activeKeyId) older.set(kid, (older.get(kid) ?? 0) + 1);
    }
    for (const [kid, n] of older) {
      process.stdout.write(
        `${n} API key(s) are hashed under key '${kid}' and cannot be re-keyed (their plaintext is not stored): they verify only while '${kid}' stays in the keyring; reissue them before removing it\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
