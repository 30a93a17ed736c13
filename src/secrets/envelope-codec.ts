// SecretCodec over a keyring: envelope encryption (a fresh AES-256-GCM data key per value, wrapped under the
// keyring key named in the value) for secrets the gateway must read back, and a keyed HMAC for API keys,
// which it only compares.
//
// Envelope: `pcenc1.<kid>.<b64url wrap-iv|wrapped-dek|wrap-tag>.<b64url iv>.<b64url ciphertext|tag>`.
// The wrap authenticates `pcenc1.<kid>` too, so relabelling a value with another key id fails. The data key
// is independent of the keyring key, so a rotation re-wraps 60 bytes and never touches the ciphertext.
// API key hash: `hmac-sha256:<kid>:<b64url HMAC-SHA256(HKDF(key, "portcullis api-key hash"), apiKey)>`.
import { createCipheriv, createDecipheriv, hash, hkdfSync, randomBytes } from 'node:crypto';
import type { SecretCodec } from './secret-codec.ts';
import type { Keyring, KeyringKey } from './keyring.ts';
import { SecretError } from './secret-error.ts';

const VERSION = 'pcenc1';
const HASH_SCHEME = 'hmac-sha256';
const HASH_INFO = 'portcullis api-key hash';
const WRAP_INFO = 'portcullis secret wrap';
const CHECK_INFO = 'portcullis key check';
const CHECK_SCHEME = 'kcv1';
const DEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = IV_BYTES + DEK_BYTES + TAG_BYTES;
/** Binds the content to the format; the key id is bound by the wrap. */
const CONTENT_AAD = Buffer.from(VERSION);

interface DerivedKey {
  id: string;
  /** Key-encryption key: the keyring key itself is never used directly, so its two uses stay separate. */
  wrapKey: Buffer;
  hmac: (message: string) => string;
  wrapAad: Buffer;
  hashPrefix: string;
}

export function createSecretCodec(keyring: Keyring): SecretCodec {
  const derived = new Map<string, DerivedKey>();
  for (const k of keyring.keys) derived.set(k.id, derive(k));
  const active = derived.get(keyring.active.id);
  if (active === undefined) throw new SecretError('SECRET_KEY_INVALID', `the active key '${keyring.active.id}' is not among the keyring's keys`);
  const all = [...derived.values()];
  const checks: ReadonlyMap<string, string> = new Map(keyring.keys.map((k) => [k.id, checkValue(k)]));

  function keyFor(id: string): DerivedKey {
    const key = derived.get(id);
    if (key === undefined)
      throw new SecretError(
        'SECRET_KEY_UNKNOWN',
        `a stored secret is protected by key '${id}', which the keyring does not hold: add that key (after the active one) and run \`portcullis secrets rekey\``,
      );
    return key;
  }

  function wrap(dek: Buffer, key: DerivedKey): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.wrapKey, iv);
    cipher.setAAD(key.wrapAad);
    const wrapped = Buffer.concat([iv, cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return wrapped.toString('base64url');
  }

  function unwrap(parsed: Parsed): Buffer {
    const key = keyFor(parsed.kid);
    const raw = parsed.wrapped;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.wrapKey, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(key.wrapAad);
      decipher.setAuthTag(raw.subarray(IV_BYTES + DEK_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, IV_BYTES + DEK_BYTES)), decipher.final()]);
    } catch {
      throw corrupt(`its data key does not authenticate under key '${parsed.kid}'`);
    }
  }

  return {
    activeKeyId: active.id,
    keyIds: Object.freeze(keyring.keys.map((k) => k.id)),

    encrypt(plaintext) {
      if (typeof plaintext !== 'string') throw new TypeError('encrypt() takes a string');
      const dek = randomBytes(DEK_BYTES);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', dek, iv);
      cipher.setAAD(CONTENT_AAD);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      const out = `${VERSION}.${active.id}.${wrap(dek, active)}.${iv.toString('base64url')}.${body.toString('base64url')}`;
      dek.fill(0);
      return out;
    },

    decrypt(envelope) {
      const parsed = parse(envelope);
      const dek = unwrap(parsed);
      try {
        const decipher = createDecipheriv('aes-256-gcm', dek, parsed.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(CONTENT_AAD);
        decipher.setAuthTag(parsed.body.subarray(parsed.body.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(parsed.body.subarray(0, parsed.body.length - TAG_BYTES)), decipher.final()]);
        return plain.toString('utf8');
      } catch {
        throw corrupt('its ciphertext does not authenticate');
      } finally {
        dek.fill(0);
      }
    },

    keyIdOf(stored) {
      if (typeof stored === 'string') {
        if (stored.startsWith(`${VERSION}.`)) return parse(stored).kid;
        if (stored.startsWith(`${HASH_SCHEME}:`)) {
          const parts: readonly (string | undefined)[] = stored.split(':');
          const kid = parts[1];
          if (parts.length === 3 && kid !== undefined && kid !== '') return kid;
        }
      }
      throw corrupt('it is neither an envelope nor an API key hash');
    },

    rewrap(envelope) {
      const parsed = parse(envelope);
      // Already under the active key: nothing to do (keeps rekey idempotent and cheap).
      if (parsed.kid === active.id) return envelope;
      const dek = unwrap(parsed);
      try {
        return `${VERSION}.${active.id}.${wrap(dek, active)}.${parsed.ivText}.${parsed.bodyText}`;
      } finally {
        dek.fill(0);
      }
    },

    hashApiKey(key) {
      return hashWith(active, key);
    },

    apiKeyHashes(key) {
      // One HMAC per keyring key (usually one or two); active first, the likeliest match.
      const out = new Array<string>(all.length);
      let i = 0;
      for (const derivedKey of all) out[i++] = hashWith(derivedKey, key);
      return out;
    },

    keyCheckValues: () => checks,
  };
}

function derive(k: KeyringKey): DerivedKey {
  const hkdf = (info: string) => Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), info, 32));
  return {
    id: k.id,
    wrapKey: hkdf(WRAP_INFO),
    hmac: createHmacSha256(hkdf(HASH_INFO)),
    wrapAad: Buffer.from(`${VERSION}.${k.id}`),
    hashPrefix: `${HASH_SCHEME}:${k.id}:`,
  };
}

/** `kcv1:<b64url HMAC-SHA256(HKDF(key, "portcullis key check"), "portcullis key check")>`: its own derived key. */
function checkValue(k: KeyringKey): string {
  const key = Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), CHECK_INFO, 32));
  return `${CHECK_SCHEME}:${createHmacSha256(key)(CHECK_INFO)}`;
}

function hashWith(key: DerivedKey, apiKey: string): string {
  if (typeof apiKey !== 'string') throw new TypeError('API keys are strings');
  return key.hashPrefix + key.hmac(apiKey);
}

const SHA256_BLOCK = 64;
const SHA256_BYTES = 32;

/**
 * HMAC-SHA256 (RFC 2104) with the padded keys computed once and two one-shot `crypto.hash` calls per message:
 * several times faster than `createHmac` per call, which matters because key-auth runs it on every request.
 * Scratch buffers are reused (calls are synchronous, so never shared between two in flight).
 */
export function createHmacSha256(key: Buffer): (message: string) => string {
  if (key.length > SHA256_BLOCK) throw new Error('HMAC key longer than a block');
  let inner = Buffer.alloc(SHA256_BLOCK + 256);
  const outer = Buffer.alloc(SHA256_BLOCK + SHA256_BYTES);
  const padded = Buffer.alloc(SHA256_BLOCK);
  key.copy(padded);
  for (const [i, k] of padded.entries()) {
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  padded.fill(0);
  return (message) => {
    const length = Buffer.byteLength(message, 'utf8');
    if (SHA256_BLOCK + length > inner.length) {
      const grown = Buffer.alloc(SHA256_BLOCK + length);
      inner.copy(grown, 0, 0, SHA256_BLOCK);
      inner = grown;
    }
    inner.write(message, SHA256_BLOCK, 'utf8');
    const innerDigest = hash('sha256', inner.subarray(0, SHA256_BLOCK + length), 'buffer') as Buffer;
    inner.fill(0, SHA256_BLOCK, SHA256_BLOCK + length); // leave no copy of the API key behind
    innerDigest.copy(outer, SHA256_BLOCK);
    return hash('sha256', outer, 'base64url');
  };
}

interface Parsed {
  kid: string;
  wrapped: Buffer;
  iv: Buffer;
  ivText: string;
  body: Buffer;
  bodyText: string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function parse(envelope: string): Parsed {
  if (typeof envelope !== 'string') throw corrupt('it is not a string');
  // Parts typed as possibly missing: a short envelope must fail here, whatever the compiler's index checks.
  const parts: readonly (string | undefined)[] = envelope.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw corrupt(`it is not a ${VERSION} envelope`);
  const [, kid, wrappedText, ivText, bodyText] = parts;
  if (
    kid === undefined ||
    kid === '' ||
    wrappedText === undefined ||
    ivText === undefined ||
    bodyText === undefined ||
    !B64URL.test(wrappedText) ||
    !B64URL.test(ivText) ||
    !B64URL.test(bodyText)
  )
    throw corrupt('it is malformed');
  const wrapped = Buffer.from(wrappedText, 'base64url');
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (wrapped.length !== WRAPPED_BYTES || iv.length !== IV_BYTES || body.length < TAG_BYTES) throw corrupt('a part has the wrong length');
  return { kid, wrapped, iv, ivText, body, bodyText };
}

function corrupt(why: string): SecretError {
  return new SecretError('SECRET_CORRUPT', `a stored secret cannot be decrypted: ${why}`);
}
