// The keyring: the 32-byte master keys secrets at rest are protected with, loaded from the environment, a key
// file, or (single machine default) a key file generated in the data directory. The first key is active (new
// values use it); the others stay only so values written before a rotation still decrypt and verify.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SecretError } from './secret-error.ts';

export const KEY_BYTES = 32;
/** Name of the generated key file inside the data directory. */
export const DATA_DIR_KEY_FILE = 'secret-keys';

export interface KeyringKey {
  /** Short id stored beside every value it protects; letters, digits, `_` and `-`. */
  readonly id: string;
  readonly key: Buffer;
}

export interface Keyring {
  /** Active key first. */
  readonly keys: readonly KeyringKey[];
  readonly active: KeyringKey;
  get(id: string): KeyringKey | undefined;
}

export interface LoadedKeyring extends Keyring {
  /** Where the keys came from (for a startup log line; never the keys themselves). */
  readonly source: 'env' | 'key-file' | 'data-dir';
  /** The key file read or created, when the keys came from a file. */
  readonly file?: string;
  /** True when this call created `<dataDir>/secret-keys` with a fresh key: tell the operator to back it up. */
  readonly generated: boolean;
}

export interface LoadKeyringOptions {
  env?: NodeJS.ProcessEnv;
  /** Key file path; wins over `PORTCULLIS_KEY_FILE`. */
  keyFile?: string;
  /** Data directory: its `secret-keys` file is used, or created, when no other source is given. */
  dataDir?: string;
  /**
   * Create `<dataDir>/secret-keys` when missing (default true). Commands that only work on existing secrets
   * (rekey) pass false: a fresh key could not decrypt anything already stored.
   */
  create?: boolean;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/;

const HOW_TO =
  'set PORTCULLIS_SECRET_KEY to a base64 32-byte key (e.g. `openssl rand -base64 32`), ' +
  'PORTCULLIS_SECRET_KEYS to "id:base64key,..." (first is active), or PORTCULLIS_KEY_FILE to a file of "id:base64key" lines';

/** A keyring from keys in hand (tests, or callers with their own key management). The first is active. */
export function keyringFromKeys(keys: readonly { id: string; key: Buffer | Uint8Array }[]): Keyring {
  if (keys.length === 0) throw new SecretError('SECRET_KEY_MISSING', `the keyring holds no key: ${HOW_TO}`);
  const byId = new Map<string, KeyringKey>();
  const list: KeyringKey[] = [];
  for (const [i, k] of keys.entries()) {
    if (typeof k.id !== 'string' || !ID_PATTERN.test(k.id)) {
      throw new SecretError('SECRET_KEY_INVALID', `key #${i + 1} has an invalid id: ids are 1-32 letters, digits, '_' or '-'`);
    }
    if (byId.has(k.id)) throw new SecretError('SECRET_KEY_INVALID', `key id '${k.id}' appears twice in the keyring`);
    if (k.key.length !== KEY_BYTES) {
      throw new SecretError(
        'SECRET_KEY_INVALID',
        `key '${k.id}' is ${k.key.length} bytes; keys must be exactly ${KEY_BYTES} bytes (base64 of 32 random bytes)`,
      );
    }
    // A private copy: the caller's buffer may be reused or zeroed.
    const entry = Object.freeze({ id: k.id, key: Buffer.from(k.key) });
    byId.set(k.id, entry);
    list.push(entry);
  }
  const active = list.at(0);
  if (active === undefined) throw new SecretError('SECRET_KEY_MISSING', `the keyring holds no key: ${HOW_TO}`);
  return Object.freeze({ keys: Object.freeze(list), active, get: (id: string) => byId.get(id) });
}

/** Short stable id of a key: the first 8 hex digits of its SHA-256 (reveals nothing usable about the key). */
export function keyIdFor(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Loads the keyring from, in order: `PORTCULLIS_SECRET_KEYS` or `PORTCULLIS_SECRET_KEY`; a key file
 * (`keyFile` or `PORTCULLIS_KEY_FILE`); `<dataDir>/secret-keys`, created with one fresh key when missing.
 * Throws SecretError when no source is given or a key is malformed.
 */
export function loadKeyring(options: LoadKeyringOptions = {}): LoadedKeyring {
  // Rejected before any key is read: a typo'd option must not silently fall through to generating a key.
  for (const name of Object.keys(options)) {
    if (!['env', 'keyFile', 'dataDir', 'create'].includes(name)) throw new TypeError(`loadKeyring: unknown option '${name}'`);
  }
  const env = options.env ?? process.env;
  const many = nonEmpty(env.PORTCULLIS_SECRET_KEYS);
  const one = nonEmpty(env.PORTCULLIS_SECRET_KEY);
  const keyFile = nonEmpty(options.keyFile) ?? nonEmpty(env.PORTCULLIS_KEY_FILE);
  if (many !== undefined && one !== undefined) {
    throw new SecretError(
      'SECRET_KEY_INVALID',
      'both PORTCULLIS_SECRET_KEYS and PORTCULLIS_SECRET_KEY are set: set only one (PORTCULLIS_SECRET_KEYS for several keys during a rotation)',
    );
  }
  if ((many ?? one) !== undefined && keyFile !== undefined) {
    throw new SecretError('SECRET_KEY_INVALID', 'secret keys are given both in the environment and as a key file: give only one source');
  }
  if (many !== undefined) {
    return loaded(parseKeyList(many.split(','), 'PORTCULLIS_SECRET_KEYS'), 'env');
  }
  if (one !== undefined) {
    const key = decodeKey(one, 'PORTCULLIS_SECRET_KEY');
    return loaded(keyringFromKeys([{ id: keyIdFor(key), key }]), 'env');
  }
  if (keyFile !== undefined) return loaded(readKeyFile(keyFile), 'key-file', keyFile);
  if (options.dataDir !== undefined) {
    const file = join(options.dataDir, DATA_DIR_KEY_FILE);
    if (statSync(file, { throwIfNoEntry: false })) return loaded(readKeyFile(file), 'data-dir', file);
    if (options.create === false) throw new SecretError('SECRET_KEY_MISSING', `no secret key configured and no key file at ${file}: ${HOW_TO}`);
    const created = generateKeyFile(options.dataDir, file);
    return created ? loaded(created, 'data-dir', file, true) : loaded(readKeyFile(file), 'data-dir', file);
  }
  throw new SecretError('SECRET_KEY_MISSING', `no secret key configured: ${HOW_TO}`);
}

function loaded(keyring: Keyring, source: LoadedKeyring['source'], file?: string, generated = false): LoadedKeyring {
  return Object.freeze({ ...keyring, source, ...(file === undefined ? {} : { file }), generated });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `id:base64key` entries (a bare `base64key` gets its fingerprint as id); blank entries and `#` comments skipped. */
function parseKeyList(entries: readonly string[], where: string): Keyring {
  const keys: { id: string; key: Buffer }[] = [];
  for (const [i, raw] of entries.entries()) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const colon = entry.indexOf(':');
    const label = `${where} entry #${i + 1}`;
    if (colon === -1) {
      const key = decodeKey(entry, label);
      keys.push({ id: keyIdFor(key), key });
    } else {
      const id = entry.slice(0, colon).trim();
      if (!ID_PATTERN.test(id)) throw new SecretError('SECRET_KEY_INVALID', `${label}: invalid key id: ids are 1-32 letters, digits, '_' or '-'`);
      keys.push({ id, key: decodeKey(entry.slice(colon + 1), `${label} (id '${id}')`) });
    }
  }
  if (keys.length === 0) throw new SecretError('SECRET_KEY_MISSING', `${where} holds no key: ${HOW_TO}`);
  return keyringFromKeys(keys);
}

function decodeKey(text: string, label: string): Buffer {
  const trimmed = text.trim();
  // Buffer.from(…, 'base64') silently skips junk characters: check the alphabet first.
  if (!BASE64_PATTERN.test(trimmed))
    throw new SecretError('SECRET_KEY_INVALID', `${label} is not base64: keys are base64 of 32 random bytes (e.g. \`openssl rand -base64 32\`)`);
  const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretError(
      'SECRET_KEY_INVALID',
      `${label} decodes to ${key.length} bytes; keys must be exactly ${KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return key;
}

function readKeyFile(file: string): Keyring {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    throw new SecretError('SECRET_KEY_MISSING', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!stat.isFile()) throw new SecretError('SECRET_KEY_INVALID', `key file ${file} is not a regular file`);
  // Windows has no POSIX modes: the check would refuse every file there.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new SecretError(
      'SECRET_KEY_INVALID',
      `key file ${file} is readable by group or others (mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')}): run \`chmod 600 ${file}\``,
    );
  }
  return parseKeyList(readFileSync(file, 'utf8').split(/\r?\n/), `key file ${file}`);
}

/** Creates the key file with one fresh key; returns undefined when another process created it first. */
function generateKeyFile(dataDir: string, file: string): Keyring | undefined {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const id = keyIdFor(key);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600); // exclusive: never overwrite a key another process just wrote
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  try {
    writeSync(
      fd,
      `# Portcullis secret keys: "id:base64key" per line, first is active. Back this file up:\n# without it, stored secrets cannot be decrypted.\n${id}:${key.toString('base64')}\n`,
    );
  } finally {
    closeSync(fd);
  }
  return keyringFromKeys([{ id, key }]);
}
