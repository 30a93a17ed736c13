// Passwords (basic-auth) are kept as salted scrypt hashes in PHC string form, never readable and slow to guess:
// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64 without padding). Kong keeps sha1(password .. consumer_id),
// which a leaked dump turns back into passwords in seconds; scrypt makes each guess cost ~32 MiB and tens of ms.
// Hashing and checking run on libuv's thread pool (async scrypt), never on the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** RFC 7914's interactive parameters: N = 2^15, r = 8, p = 1 (about 32 MiB and 50 ms a hash). */
const COST_LOG2 = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Refuse hashes whose parameters would let a stored value make every check cost minutes or gigabytes. */
const MAX_COST_LOG2 = 20;

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{32,})$/;

/** Whether `value` is a password hash this module made (or can check): what a dumped `password_hash` must be. */
export function isPasswordHash(value: string): boolean {
  const m = PHC.exec(value);
  return m !== null && Number(m[1]) <= MAX_COST_LOG2 && Number(m[1]) >= 10;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, { N: 2 ** COST_LOG2, r: BLOCK_SIZE, p: PARALLELISM });
  return `$scrypt$ln=${COST_LOG2},r=${BLOCK_SIZE},p=${PARALLELISM}$${b64(salt)}$${b64(hash)}`;
}

/** True when `password` hashes to `stored`; false for a wrong password and for a malformed hash (fails closed). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  if (m === null) return false;
  const ln = m.at(1);
  const r = m.at(2);
  const p = m.at(3);
  const salt = m.at(4);
  const hash = m.at(5);
  if (ln === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) return false;
  if (Number(ln) > MAX_COST_LOG2 || Number(ln) < 10) return false;
  const expected = Buffer.from(hash, 'base64');
  const options: ScryptOptions = { N: 2 ** Number(ln), r: Number(r), p: Number(p), maxmem: 256 * 2 ** Number(ln) * Number(r) + 1024 * 1024 };
  const actual = await derive(password, Buffer.from(salt, 'base64'), expected.length, options).catch(() => null);
  return actual !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
}

function derive(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { maxmem: 64 * 1024 * 1024, ...options }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
