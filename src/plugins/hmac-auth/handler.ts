// hmac-auth's access phase (Kong's access.lua): a date within the clock skew, the hmac parameters from
// Proxy-Authorization or Authorization, the signature over the listed headers under the credential's
// secret, optionally the body's Digest; then the consumer, or the anonymous fallback (logical OR).
import { createHash } from 'node:crypto';
import type { PluginHandler } from '../contract.ts';
import type { RequestContext } from '../../gateway/context.ts';
import type { ConsumerDirectory } from '../../config/consumer-directory.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { challenge } from '../../http/www-authenticate.ts';
import { anonymousConsumer } from '../anonymous-consumer.ts';
import { parseAuthorizationParams, type AuthorizationParams } from './authorization-params.ts';
import { clientHeaders, type ClientHeaders } from './client-headers.ts';
import type { CredentialIndex, HmacCredential } from './credential-index.ts';
import { parseHttpDate } from './http-date.ts';
import { signatureMatches, signingString } from './signature.ts';
import type { HmacAlgorithm, HmacAuthConfig } from './schema.ts';

interface Failure {
  code: Extract<ErrorCode, `HMAC_AUTH_${string}`>;
  /** For the problem body: what the client got wrong (never the secret, never the expected signature). */
  detail?: string;
}

const PSEUDO_HEADERS: ReadonlySet<string> = new Set(['request-line', '@request-target']);

export interface HmacAuthDeps {
  consumers: ConsumerDirectory;
  credentials: CredentialIndex;
  /** Milliseconds since the epoch (tests move the clock). */
  now?: () => number;
}

export function createHmacAuthHandler(config: HmacAuthConfig, deps: HmacAuthDeps): PluginHandler {
  const { consumers, credentials } = deps;
  const now = deps.now ?? Date.now;
  // Kong sends its challenge with every 401 of this plugin: `hmac`, or `hmac realm="<realm>"`.
  const hmacChallenge = Object.freeze({ 'www-authenticate': challenge('hmac', config.realm) });
  const anonymous = config.anonymous === null ? null : anonymousConsumer(consumers, config.anonymous);
  const allowed: ReadonlyMap<string, HmacAlgorithm> = new Map(config.algorithms.map((a) => [a, a]));
  const enforced = config.enforce_headers;
  const clockSkew = config.clock_skew;
  const hide = config.hide_credentials;
  const checkBody = config.validate_request_body;

  function withinSkew(headers: ClientHeaders, name: string): boolean {
    const value = headers.first(name);
    const sent = value === undefined ? null : parseHttpDate(value);
    return sent !== null && Math.abs(Math.floor(now() / 1000) - sent) <= clockSkew;
  }

  /** null once authenticated; the failure otherwise (no Error built: failures are common and stacks cost). */
  function authenticate(ctx: RequestContext): Failure | null | Promise<Failure | null> {
    const headers = clientHeaders(ctx);
    const authorization = headers.first('authorization');
    const proxyAuthorization = headers.first('proxy-authorization');
    if (authorization === undefined && proxyAuthorization === undefined) return { code: 'HMAC_AUTH_MISSING' };
    // Checked before the signature, as Kong does: a stale request costs no HMAC.
    if (!withinSkew(headers, 'x-date') && !withinSkew(headers, 'date')) return { code: 'HMAC_AUTH_DATE_INVALID' };

    let params = proxyAuthorization === undefined ? null : parseAuthorizationParams(proxyAuthorization);
    let carrier = 'proxy-authorization';
    if (params === null) {
      params = authorization === undefined ? null : parseAuthorizationParams(authorization);
      carrier = 'authorization';
      // Kong clears Authorization whenever Proxy-Authorization held no signature, parsed or not.
      // (Proxy-Authorization itself never reaches the upstream: it is hop-by-hop here.)
      if (hide) delete ctx.headers.authorization;
    }
    const signed = checkParams(params, headers, carrier);
    if ('code' in signed) return signed;

    const credential = credentials.byHeaderUsername(signed.username);
    const signer = credential === undefined ? undefined : credentials.signer(credential, signed.algorithm);
    if (credential === undefined || signer === undefined) return { code: 'HMAC_AUTH_INVALID', detail: 'no credential has this username' };
    const signing = signingString({ method: ctx.method, requestUri: ctx.requestUri, httpVersion: ctx.httpVersion, header: headers.first }, signed.headers);
    if (!signatureMatches(signer, signing, signed.signature)) {
      return { code: 'HMAC_AUTH_SIGNATURE_MISMATCH' };
    }
    // Only a verified signer makes the gateway buffer a body.
    if (checkBody) return digestMatches(ctx, headers).then((ok) => (ok ? succeed(ctx, credential) : { code: 'HMAC_AUTH_DIGEST_MISMATCH' as const }));
    return succeed(ctx, credential);
  }

  /** Kong's validate_params, plus: no header the signature covers may be sent twice. */
  function checkParams(
    params: AuthorizationParams | null,
    headers: ClientHeaders,
    carrier: string,
  ): Failure | (AuthorizationParams & { algorithm: HmacAlgorithm }) {
    if (params === null)
      return { code: 'HMAC_AUTH_INVALID', detail: 'no hmac username, algorithm, headers and signature in Proxy-Authorization or Authorization' };
    for (const name of enforced) {
      if (!params.headers.includes(name)) return { code: 'HMAC_AUTH_INVALID', detail: 'enforced header not used for signature creation' };
    }
    const algorithm = allowed.get(params.algorithm);
    if (algorithm === undefined) return { code: 'HMAC_AUTH_INVALID', detail: 'algorithm not supported' };
    // The gateway checks the first of two lines, the upstream may read the other: refused, unlike Kong.
    if (headers.repeated(carrier) || params.headers.some((name) => signedHeaderRepeated(headers, name))) {
      return { code: 'HMAC_AUTH_INVALID', detail: 'a header the signature covers was sent more than once' };
    }
    return { ...params, algorithm };
  }

  function succeed(ctx: RequestContext, credential: HmacCredential): null {
    const consumer = consumers.byId(credential.consumerId);
    if (consumer === undefined) {
      throw new GatewayError('INTERNAL', { detail: 'the hmac-auth credential belongs to no known consumer' });
    }
    // Kong sends the credential's username upstream as X-Credential-Identifier.
    ctx.authenticate(consumer, { id: credential.id, type: 'hmac-auth', identifier: credential.username });
    return null;
  }

  function decide(ctx: RequestContext, failure: Failure | null): void {
    if (failure === null) return;
    if (anonymous === null) throw new GatewayError(failure.code, { detail: failure.detail, headers: { ...hmacChallenge } });
    ctx.authenticate(anonymous(), null);
  }

  return {
    access(ctx) {
      // Logical OR: a credential from a higher-priority auth plugin already settles it.
      if (anonymous !== null && ctx.credential !== null) return;
      const failure = authenticate(ctx);
      if (failure instanceof Promise)
        return failure.then((f) => {
          decide(ctx, f);
        });
      decide(ctx, failure);
    },
  };
}

function signedHeaderRepeated(headers: ClientHeaders, name: string): boolean {
  if (PSEUDO_HEADERS.has(name)) return false;
  const lower = name.toLowerCase();
  if (headers.first(lower) !== undefined || !lower.includes('_')) return headers.repeated(lower);
  return headers.repeated(lower.replace(/_/g, '-'));
}

/**
 * Kong's validate_body: `Digest: SHA-256=<base64>` of the body as received; without Digest, only an empty
 * body passes. Beyond the buffer limit the read fails with 413, as for every body a plugin reads.
 */
async function digestMatches(ctx: RequestContext, headers: ClientHeaders): Promise<boolean> {
  const body = await ctx.readBody();
  if (headers.repeated('digest')) return false;
  const digest = headers.first('digest');
  if (digest === undefined) return body.length === 0;
  return digest === `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}
