// HMAC (RFC 2104) under one credential's secret, with its padded keys computed once: two one-shot
// `crypto.hash` calls per request instead of a `createHmac` that imports the key again every time
// (about 3 µs against 20 µs here), as the keyring's API-key hashes do (secrets/envelope-codec.ts).
import { hash } from 'node:crypto';
import type { HmacAlgorithm } from './schema.ts';

/** Digest and block size (bytes) of each algorithm. */
const SPECS: Readonly<Record<HmacAlgorithm, { digest: string; block: number }>> = {
  'hmac-sha1': { digest: 'sha1', block: 64 },
  'hmac-sha256': { digest: 'sha256', block: 64 },
  'hmac-sha384': { digest: 'sha384', block: 128 },
  'hmac-sha512': { digest: 'sha512', block: 128 },
};

/** The MAC of a message (the signing string's bytes). */
export type Signer = (message: Buffer) => Buffer;

export function createSigner(algorithm: HmacAlgorithm, secret: string): Signer {
  const { digest, block } = SPECS[algorithm];
  let key: Buffer = Buffer.from(secret, 'utf8');
  // RFC 2104: a key longer than the block is hashed first
  if (key.length > block) key = digestOf(digest, key);
  const inner = Buffer.alloc(block);
  const outer = Buffer.alloc(block);
  for (let i = 0; i < block; i++) {
    const k = i < key.length ? key.readUInt8(i) : 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  key.fill(0);
  return (message) => digestOf(digest, Buffer.concat([outer, digestOf(digest, Buffer.concat([inner, message]))]));
}

function digestOf(algorithm: string, data: Buffer): Buffer {
  return hash(algorithm, data, 'buffer');
}
