// Bench fixtures: fresh HS256/ES256 keys, one consumer and token per bench client, and the Portcullis YAML rendered
// from bench/portcullis.yaml.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { stringify } from 'yaml';

export type Alg = 'HS256' | 'ES256';
export const ALGS: readonly Alg[] = ['HS256', 'ES256'];

/**
 * Bench clients per algorithm, as measured from outside: each is its own consumer with its own credential and
 * token, so the gateway's per-consumer state (verified-token cache, ACL groups, rate-limit counters) is exercised
 * with more than one entry. They share one key per algorithm so the peers, which hold one key, verify them all.
 */
export const CONSUMERS_PER_ALG = 100;

/** What a gateway needs to verify one algorithm's tokens. */
export interface VerifyKey {
  alg: Alg;
  /** HS256: the shared secret; ES256: the SPKI public key in PEM. */
  key: string;
}

export interface Fixtures {
  dir: string;
  keys: Record<Alg, VerifyKey>;
  /** One token per client (CONSUMERS_PER_ALG), valid for one hour; the first one is the single-token mode's. */
  tokens: Record<Alg, string[]>;
  /** Right issuer, wrong signature: every gateway must refuse it. */
  forgedTokens: Record<Alg, string>;
  /** Portcullis only: a valid token of a consumer outside the ACL's allowed group. */
  outsiderToken: string;
  /** Rendered configs: `cached` keeps the jwt plugin's verified-token cache (default size), `uncached` sets it to 0. */
  portcullisConfigs: Record<PortcullisVariant, string>;
}

export type PortcullisVariant = 'cached' | 'uncached';
const CACHE_SIZE: Record<PortcullisVariant, number> = { cached: 10000, uncached: 0 };

const TEMPLATE = new URL('./portcullis.yaml', import.meta.url);

/** A fresh temp dir for one bench run: fixtures, rendered config, child logs and profiles. */
export function makeWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
}

/** Client `i`'s key claim: its credential's `key` in Portcullis, the token's `iss`. */
const issuer = (alg: Alg, i: number) => `bench-${alg.toLowerCase()}-client-${i}`;

export async function makeFixtures(dir: string, upstreamUrl: string): Promise<Fixtures> {
  const hsSecret = randomBytes(32).toString('base64url');
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const esPublicPem = es.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keys: Record<Alg, VerifyKey> = { HS256: { alg: 'HS256', key: hsSecret }, ES256: { alg: 'ES256', key: esPublicPem } };
  const signingKeys = { HS256: new TextEncoder().encode(hsSecret), ES256: es.privateKey };

  const sign = (alg: Alg, iss: string, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ scope: 'bench' }).setProtectedHeader({ alg, typ: 'JWT' }).setIssuer(iss).setSubject(iss).setIssuedAt().setExpirationTime('1h').sign(key);

  const clients = Array.from({ length: CONSUMERS_PER_ALG }, (_, i) => i);
  const tokens: Record<Alg, string[]> = {
    HS256: await Promise.all(clients.map((i) => sign('HS256', issuer('HS256', i), signingKeys.HS256))),
    ES256: await Promise.all(clients.map((i) => sign('ES256', issuer('ES256', i), signingKeys.ES256))),
  };
  const otherEs = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forgedTokens: Record<Alg, string> = {
    HS256: await sign('HS256', issuer('HS256', 0), new TextEncoder().encode(`${hsSecret}-wrong`)),
    ES256: await sign('ES256', issuer('ES256', 0), otherEs.privateKey),
  };

  const outsiderSecret = randomBytes(32).toString('base64url');
  const outsiderToken = await sign('HS256', 'bench-outsider-issuer', new TextEncoder().encode(outsiderSecret));

  const credential = (alg: Alg, i: number) =>
    alg === 'HS256' ? { key: issuer(alg, i), algorithm: alg, secret: hsSecret } : { key: issuer(alg, i), algorithm: alg, rsa_public_key: esPublicPem };
  const consumers = [
    ...ALGS.flatMap((alg) => clients.map((i) => ({ username: issuer(alg, i), jwt_secrets: [credential(alg, i)], acls: [{ group: 'bench-clients' }] }))),
    { username: 'bench-outsider', jwt_secrets: [{ key: 'bench-outsider-issuer', algorithm: 'HS256', secret: outsiderSecret }] },
  ];
  const consumersYaml = stringify({ consumers }, { lineWidth: 0 });
  const render = (variant: PortcullisVariant) =>
    readFileSync(TEMPLATE, 'utf8')
      .replaceAll('{{UPSTREAM_URL}}', upstreamUrl.replace(/\/$/, ''))
      .replaceAll('{{CONSUMERS}}', consumersYaml)
      .replaceAll('{{VERIFIED_TOKEN_CACHE_SIZE}}', String(CACHE_SIZE[variant]));
  const portcullisConfigs = { cached: join(dir, 'portcullis.yaml'), uncached: join(dir, 'portcullis-uncached.yaml') };
  for (const variant of ['cached', 'uncached'] as const) writeFileSync(portcullisConfigs[variant], render(variant));
  // For poking at the gateways by hand (curl) while debugging; the dir is private to this user.
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ tokens, forgedTokens, outsiderToken }, null, 2));

  return { dir, keys, tokens, forgedTokens, outsiderToken, portcullisConfigs };
}
