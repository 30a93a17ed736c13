// Test-only helpers for the jwt plugin's tests: key pairs, a token signer that can also forge odd
// tokens, resolved configs and a real consumer directory. Never imported by the plugin itself.
import { pino, type Logger } from 'pino';
import { parseAllowedNetworks } from '../../../src/plugins/jwt/jwks-address-policy.ts';
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { buildConsumerDirectory, type ConsumerDirectory, type ConsumerRecord } from '../../../src/config/consumer-directory.ts';
import type { ConfigEntities, RowOf } from '../../../src/schema/entity-catalogue.ts';
import { emptyEntities } from '../../../src/schema/entity-shapes.ts';
import { PersistentState } from '../../../src/config/persistent-state.ts';
import { pluginConfig } from '../../helpers/plugin-config.ts';
import plugin from '../../../src/plugins/jwt/index.ts';
import type { JwtConfig } from '../../../src/plugins/jwt/schema.ts';
import type { Algorithm } from '../../../src/plugins/jwt/algorithms.ts';

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export const nowS = (): number => Math.floor(Date.now() / 1000);

export interface KeyPair {
  alg: Algorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
}

const generated = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

/**
 * A key pair for `alg`. RSA generation is slow, so pairs are shared per key type and `slot`: every
 * RS and PS algorithm gets the same RSA key in slot 0; ask for another slot for a different key.
 */
export function keyPair(alg: Exclude<Algorithm, `HS${string}`>, slot = 0): KeyPair {
  const type = alg.startsWith('RS') || alg.startsWith('PS') ? 'rsa' : alg;
  let pair = generated.get(`${type}/${slot}`);
  if (pair === undefined) {
    if (type === 'rsa') pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    else if (alg === 'ES256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    else if (alg === 'ES384') pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    else if (alg === 'ES512') pair = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    else pair = generateKeyPairSync('ed25519');
    generated.set(`${type}/${slot}`, pair);
  }
  return { alg, ...pair, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Signs `payload` with `header.alg` (any header, even a lying one) using `key`. */
export function signToken(header: Record<string, unknown>, payload: unknown, key: string | Buffer | KeyObject, signAs?: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = signAs ?? String(header.alg);
  const hash = HASH[alg.slice(2)] ?? 'sha256';
  let signature: Buffer;
  if (alg.startsWith('HS')) {
    const secret = typeof key === 'string' || Buffer.isBuffer(key) ? key : key.export();
    signature = createHmac(hash, secret).update(input).digest();
  } else if (alg.startsWith('RS')) signature = sign(hash, Buffer.from(input), key as KeyObject);
  else if (alg.startsWith('PS')) {
    signature = sign(hash, Buffer.from(input), { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  } else if (alg.startsWith('ES')) signature = sign(hash, Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else if (alg === 'EdDSA') signature = sign(null, Buffer.from(input), key as KeyObject);
  else signature = Buffer.alloc(0);
  return `${input}.${signature.toString('base64url')}`;
}

/** Kong defaults plus `overrides`, as the config loader builds and checks them (throws on a config it would refuse). */
export function jwtConfig(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return pluginConfig(plugin, overrides);
}

/** A real consumer directory (the gateway's own implementation) and entity set over the given rows. */
export function directory(
  consumers: ConsumerRecord[],
  secrets: Omit<RowOf<'jwt_secrets'>, 'id'>[] = [],
): { consumers: ConsumerDirectory; entities: ConfigEntities } {
  const entities = emptyEntities();
  entities.consumers = consumers;
  entities.jwt_secrets = secrets.map((s, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ...s }));
  return { consumers: buildConsumerDirectory(consumers), entities };
}

/** The loopback network test JWKS servers listen on: a test that fetches from one opts in with this. */
export const LOOPBACK_JWKS = ['127.0.0.1/32'];

export function pluginEnv(fixture: ReturnType<typeof directory>, options: { jwksAllowPrivate?: string[]; logger?: Logger } = {}) {
  const state = new PersistentState();
  const shared = new Map<string, unknown>();
  return {
    instanceId: 'test-instance',
    consumers: fixture.consumers,
    entities: fixture.entities,
    shared: <T>(key: string, build: () => T): T => {
      if (!shared.has(key)) shared.set(key, build());
      return shared.get(key) as T;
    },
    logger: options.logger ?? pino({ level: 'silent' }),
    persistent: <T>(key: string, init: () => T, dispose?: (value: T) => void) => state.get(key, init, dispose),
    allowedPrivateNetworks: options.jwksAllowPrivate ? parseAllowedNetworks(options.jwksAllowPrivate) : undefined,
    /** Disposes what the plugin kept (closes JWKS caches), as a rebuild that drops it would. */
    dispose: () => state.dispose(),
  };
}

/** A public JWK for `pair` with a kid (and its alg unless `alg: null`). */
export function jwk(pair: KeyPair, kid: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: pair.alg, use: 'sig', ...extra };
}

export interface JwksServer {
  url: string;
  /** Requests received so far. */
  fetches: number;
  /** The document served; replace to rotate keys. */
  document: unknown;
  status: number;
  delayMs: number;
  close(): Promise<void>;
}

/** A JWKS endpoint on 127.0.0.1 that counts its fetches. */
export async function startJwksServer(keys: Record<string, unknown>[]): Promise<JwksServer> {
  const { createServer } = await import('node:http');
  const state: JwksServer = { url: '', fetches: 0, document: { keys }, status: 200, delayMs: 0, close: async () => {} };
  const server = createServer((_req, res) => {
    state.fetches++;
    const body = typeof state.document === 'string' ? state.document : JSON.stringify(state.document);
    const status = state.status;
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }, state.delayMs).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  state.url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A port with nothing listening (bound, then released). */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
