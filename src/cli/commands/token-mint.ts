// `portcullis token mint CONSUMER`: a development JWT signed with the consumer's HS* jwt credential, read from
// --config FILE, else from the database `start` uses (DATABASE_URL, or PGlite in --data), else from the demo
// file. The ttl is capped at the jwt plugins' `maximum_expiration`, so the token is one the gateway accepts.
// The real issuer is the auth server; this exists so the demo can be tried with curl in one line.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { CliError } from '../cli-error.ts';
import { DEMO_CONFIG } from '../demo-services.ts';
import { lockHolder } from '../../store/drivers/data-dir-lock.ts';
import { findConsumer, mintSourceFromEntities, mintSourceFromFile, type MintSource } from '../mint-credentials.ts';

const USAGE = 'portcullis token mint CONSUMER [--config FILE | --data DIR | --database-url URL] [--key-file FILE] [--ttl SECONDS]';
const DEFAULT_TTL = 300;

export async function runTokenMint(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      'key-file': { type: 'string' },
      ttl: { type: 'string' },
    },
  });
  const who = positionals[0];
  if (!who) throw new CliError(`token mint needs a CONSUMER (username or custom_id)\nusage: ${USAGE}`, 2);
  const asked = values.ttl === undefined ? undefined : Number(values.ttl);
  if (asked !== undefined && (!Number.isInteger(asked) || asked <= 0 || asked > 86_400))
    throw new CliError('--ttl must be a whole number of seconds, 1..86400', 2);

  const source = await readSource(values);
  const consumer = findConsumer(source, who);
  if (!consumer) throw new CliError(`no consumer '${who}' in ${source.from}`);
  const credential = source.credentials.find((s) => s.consumer === consumer && s.algorithm.startsWith('HS'));
  if (!credential || !credential.secret)
    throw new CliError(`consumer '${who}' has no HS256/384/512 jwt credential with a secret to sign with (in ${source.from})`);

  // The gateway refuses a token that lives longer than a jwt plugin's maximum_expiration (Kong: "exp" too far).
  const limit = source.limits.reduce<(typeof source.limits)[number] | undefined>(
    (min, l) => (min === undefined || l.seconds < min.seconds ? l : min),
    undefined,
  );
  let ttl = asked ?? DEFAULT_TTL;
  if (limit !== undefined && ttl > limit.seconds) {
    process.stderr.write(
      `portcullis: ${asked === undefined ? 'the default ttl' : `--ttl ${asked}`} is more than the ${limit.where} allows (${limit.seconds} s): the token lives ${limit.seconds} s\n`,
    );
    ttl = limit.seconds;
  }
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: consumer.username ?? consumer.id ?? consumer.custom_id })
    .setProtectedHeader({ alg: credential.algorithm, typ: 'JWT' })
    .setIssuer(credential.key)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttl)
    .sign(new TextEncoder().encode(credential.secret));
  process.stdout.write(`${token}\n`);
  return 0;
}

async function readSource(values: { config?: string; data?: string; 'database-url'?: string; 'key-file'?: string }): Promise<MintSource> {
  if (values.config !== undefined) return mintSourceFromFile(values.config);
  const databaseUrl = values['database-url'] ?? (process.env.DATABASE_URL || undefined);
  const data = resolve(values.data ?? (process.env.PORTCULLIS_DATA || './data'));
  if (databaseUrl === undefined) {
    if (!existsSync(join(data, 'pglite'))) {
      if (values.data !== undefined)
        throw new CliError(`no database in ${data}: pass --data DIR (the folder \`portcullis start\` uses), --database-url URL, or --config FILE`);
      return mintSourceFromFile(DEMO_CONFIG); // a fresh clone, before any start: the demo's credentials
    }
    // PGlite lets one process open the folder: while the node runs, its database is out of reach.
    const pid = lockHolder(join(data, 'pglite'));
    if (pid !== undefined) {
      if (values.data !== undefined)
        throw new CliError(
          `the data folder ${data} is in use by a running portcullis node (pid ${pid}): pass --config FILE with the credential, or stop the node`,
        );
      process.stderr.write(
        `portcullis: ${data} is held by the running node (pid ${pid}); signing with the demo file's credential (${DEMO_CONFIG}); pass --config FILE for another\n`,
      );
      return mintSourceFromFile(DEMO_CONFIG);
    }
  }
  const { openLocalStore } = await import('../local-store.ts');
  const store = await openLocalStore({
    data,
    databaseUrl,
    keyFile: values['key-file'],
    createDatabase: false,
    entities: true,
    whileRunning: 'Pass --config FILE with the credential instead.',
  });
  try {
    return mintSourceFromEntities((await store.snapshot()).entities);
  } finally {
    await store.close();
  }
}
