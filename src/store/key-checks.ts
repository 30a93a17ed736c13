// The store's record of the secret keys its values are under (migrations/005_secret_key_checks.sql), and the
// check a node runs before it serves: its keyring must hold those keys. A key id both sides know must carry the
// same check value, and at least one recorded key must be in the keyring; else the node refuses to start,
// naming the key ids on each side. Without a record yet (a new database, or one made before the table), the
// stored values themselves are the evidence: one sample per key id must decrypt.
import type { Logger } from 'pino';
import type { SecretCodec } from '../secrets/secret-codec.ts';
import { SecretError } from '../secrets/secret-error.ts';
import { KINDS } from '../schema/entity-catalogue.ts';
import { CONFIG_WRITE_LOCK } from './locks.ts';
import type { SqlClient, SqlQueryable } from './sql-client.ts';
import { TABLES } from './tables.ts';

export interface KeyCheckOutcome {
  /** Key ids recorded now (first keyed, upgraded, or a key new to the store). */
  recorded: string[];
  /** Recorded key ids this keyring lacks: values under them (API key hashes kept past a rotation) will not verify. */
  absent: string[];
}

/** Compares the keyring with the store's record and records its new keys; throws SECRET_KEY_MISMATCH on a difference. */
export async function checkSecretKeys(sql: SqlClient, codec: SecretCodec, logger?: Logger): Promise<KeyCheckOutcome> {
  const outcome = await sql.transaction(async (tx) => {
    await tx.query(CONFIG_WRITE_LOCK); // two nodes keying a new store at once agree on one record
    await verifyKeys(tx, codec);
    return recordKeys(tx, codec, false);
  });
  if (outcome.recorded.length > 0) logger?.info({ key_ids: outcome.recorded }, 'store: recorded secret key check values');
  if (outcome.absent.length > 0) {
    logger?.warn(
      { key_ids: outcome.absent },
      'the database records secret keys this keyring lacks: values still under them (API key hashes from before a rotation) will not verify',
    );
  }
  return outcome;
}

/** Throws SECRET_KEY_MISMATCH when the keyring does not hold the keys the store was keyed with. */
export async function verifyKeys(tx: SqlQueryable, codec: SecretCodec, refusing = 'refusing to start'): Promise<void> {
  const mine = codec.keyCheckValues();
  const recorded = new Map(
    (await tx.query<{ key_id: string; check_value: string }>('SELECT key_id, check_value FROM secret_key_checks')).rows.map((r) => [r.key_id, r.check_value]),
  );
  const differ: string[] = [];
  let storeKeys: string[];
  if (recorded.size > 0) {
    storeKeys = [...recorded.keys()];
    for (const [id, value] of recorded) if (mine.has(id) && mine.get(id) !== value) differ.push(id);
  } else {
    const evidence = await storedKeyEvidence(tx);
    storeKeys = [...evidence.keys()];
    for (const [id, sample] of evidence) {
      if (sample === undefined || !mine.has(id)) continue;
      try {
        codec.decrypt(sample);
      } catch {
        differ.push(id);
      }
    }
  }
  const shared = storeKeys.filter((id) => mine.has(id));
  if (differ.length === 0 && (storeKeys.length === 0 || shared.length > 0)) return;
  const here = [...mine.keys()].map((id) => `'${id}'`).join(', ');
  const there = storeKeys.map((id) => `'${id}'`).join(', ');
  const why =
    differ.length > 0
      ? `key id${differ.length > 1 ? 's' : ''} ${differ.map((id) => `'${id}'`).join(', ')} name${differ.length > 1 ? '' : 's'} a different key here than in the database`
      : 'this node holds none of the keys the database was keyed with';
  throw new SecretError(
    'SECRET_KEY_MISMATCH',
    `${refusing}: this node's secret keys cannot open what the database holds (${why}). ` +
      `This node's keyring: ${here}; the database's keys: ${there}. ` +
      'Give every node the same keys (PORTCULLIS_SECRET_KEY or PORTCULLIS_SECRET_KEYS, PORTCULLIS_KEY_FILE or --key-file, or <data>/secret-keys on PGlite); see docs/secrets.md',
  );
}

/**
 * Records the keyring's check values. `replace` (after a rekey) makes the record exactly the keyring; otherwise
 * keys new to the store are added and the record is otherwise kept.
 */
export async function recordKeys(tx: SqlQueryable, codec: SecretCodec, replace: boolean): Promise<KeyCheckOutcome> {
  const mine = codec.keyCheckValues();
  if (replace) await tx.query('DELETE FROM secret_key_checks WHERE NOT (key_id = ANY($1::text[]))', [[...mine.keys()]]);
  const before = new Set((await tx.query<{ key_id: string }>('SELECT key_id FROM secret_key_checks')).rows.map((r) => r.key_id));
  const recorded: string[] = [];
  for (const [id, value] of mine) {
    if (before.has(id)) continue;
    await tx.query('INSERT INTO secret_key_checks (key_id, check_value) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [id, value]);
    recorded.push(id);
  }
  return { recorded, absent: [...before].filter((id) => !mine.has(id)) };
}

/** Key ids the stored values are under, each with one envelope to try (API key hashes alone give no sample). */
async function storedKeyEvidence(tx: SqlQueryable): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (const kind of KINDS) {
    const { rows } = await tx.query<{ kid: string; secrets: string }>(
      `SELECT DISTINCT ON (split_part(secrets, '.', 2)) split_part(secrets, '.', 2) AS kid, secrets FROM ${TABLES[kind].table} WHERE secrets IS NOT NULL`,
    );
    for (const r of rows) if (!out.has(r.kid)) out.set(r.kid, r.secrets);
  }
  // after every envelope: a key id with both keeps an envelope to try
  for (const kind of KINDS) {
    const hashed = TABLES[kind].keyedHash;
    if (hashed === undefined) continue;
    const hashes = await tx.query<{ kid: string }>(
      `SELECT DISTINCT split_part(${hashed.column}, ':', 2) AS kid FROM ${TABLES[kind].table} WHERE ${hashed.column} IS NOT NULL`,
    );
    for (const r of hashes.rows) if (!out.has(r.kid)) out.set(r.kid, undefined);
  }
  return out;
}
