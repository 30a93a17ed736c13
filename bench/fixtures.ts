// Bench fixtures: fresh HS256/ES256 keys and tokens, and the Portcullis YAML rendered from bench/portcullis.yaml.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';

export type Alg = 'HS256' | 'ES256';
export const ALGS: readonly Alg[] = ['HS256', 'ES256'];

/** What a gateway needs to verify one algorithm's tokens. */
export interface VerifyKey {
  alg: Alg;
  /** The key claim (iss) Portcullis uses to find the credential. */
  iss: string;
  /** HS256: the shared secret; ES256: the SPKI public key in PEM. */
  key: string;
}

export interface Fixtures {
  dir: string;
  keys: Record<Alg, VerifyKey>;
  /** Valid for one hour. */
  tokens: Record<Alg, string>;
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

export async function makeFixtures(dir: string, upstreamUrl: string): Promise<Fixtures> {
  const hsSecret = randomBytes(32).toString('base64url');
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const esPublicPem = es.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keys: Record<Alg, VerifyKey> = {
    HS256: { alg: 'HS256', iss: 'bench-hs256-issuer', key: hsSecret },
    ES256: { alg: 'ES256', iss: 'bench-es256-issuer', key: esPublicPem },
  };

  const sign = (alg: Alg, iss: string, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ scope: 'bench' })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(iss)
      .setSubject(`${alg.toLowerCase()}-client`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);

  const tokens: Record<Alg, string> = {
    HS256: await sign('HS256', keys.HS256.iss, new TextEncoder().encode(hsSecret)),
    ES256: await sign('ES256', keys.ES256.iss, es.privateKey),
  };
  const otherEs = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forgedTokens: Record<Alg, string> = {
    HS256: await sign('HS256', keys.HS256.iss, new TextEncoder().encode(`${hsSecret}-wrong`)),
    ES256: await sign('ES256', keys.ES256.iss, otherEs.privateKey),
  };

  const outsiderSecret = randomBytes(32).toString('base64url');
  const outsiderToken = await sign('HS256', 'bench-outsider-issuer', new TextEncoder().encode(outsiderSecret));

  const pemIndented = esPublicPem
    .trimEnd()
    .split('\n')
    .map((line) => `          ${line}`)
    .join('\n');
  const render = (variant: PortcullisVariant) =>
    readFileSync(TEMPLATE, 'utf8')
      .replaceAll('{{UPSTREAM_URL}}', upstreamUrl.replace(/\/$/, ''))
      .replaceAll('{{HS256_ISS}}', keys.HS256.iss)
      .replaceAll('{{HS256_SECRET}}', hsSecret)
      .replaceAll('{{ES256_ISS}}', keys.ES256.iss)
      .replaceAll('{{ES256_PUBLIC_PEM}}', pemIndented)
      .replaceAll('{{OUTSIDER_ISS}}', 'bench-outsider-issuer')
      .replaceAll('{{OUTSIDER_SECRET}}', outsiderSecret)
      .replaceAll('{{VERIFIED_TOKEN_CACHE_SIZE}}', String(CACHE_SIZE[variant]));
  const portcullisConfigs = { cached: join(dir, 'portcullis.yaml'), uncached: join(dir, 'portcullis-uncached.yaml') };
  for (const variant of ['cached', 'uncached'] as const) writeFileSync(portcullisConfigs[variant], render(variant));
  // For poking at the gateways by hand (curl) while debugging; the dir is private to this user.
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ tokens, forgedTokens, outsiderToken }, null, 2));

  return { dir, keys, tokens, forgedTokens, outsiderToken, portcullisConfigs };
}
