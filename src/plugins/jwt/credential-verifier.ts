// Kong's jwt flow: the key claim names a jwt_secrets credential, whose pinned algorithm and key verify
// the token; then claims, then the credential's consumer. Order and messages follow Kong 3.x.
import type { ConsumerDirectory } from '../../config/consumer-directory.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { CredentialKeys } from './credential-keys.ts';
import type { JwtCredentials } from './credential-index.ts';
import { freezeDeep, member, type DecodedToken } from './decode-token.ts';
import { verifyClaims, type ClaimRules } from './verify-claims.ts';
import { verifySignature } from './verify-signature.ts';
import type { VerifiedToken } from './verified-token-cache.ts';

export interface CredentialVerifierOptions {
  keyClaimName: string;
  allowedAlgorithms: ReadonlySet<string> | null;
  rules: ClaimRules;
  consumers: ConsumerDirectory;
  credentials: JwtCredentials;
  keys: CredentialKeys;
}

export type CredentialVerifier = (token: DecodedToken, now: number) => VerifiedToken;

export function createCredentialVerifier(options: CredentialVerifierOptions): CredentialVerifier {
  const { keyClaimName, allowedAlgorithms, rules, consumers, credentials, keys } = options;
  const missingClaim = `No mandatory '${keyClaimName}' in claims`;
  const invalidClaim = `Invalid '${keyClaimName}' in claims`;
  const noCredential = `No credentials found for given '${keyClaimName}'`;

  return (token, now) => {
    // Kong reads the payload first, then the header (`claims[k] or header[k]`).
    let keyValue = member(token.claims, keyClaimName);
    if (keyValue === undefined || keyValue === null || keyValue === false) keyValue = member(token.header, keyClaimName);
    if (keyValue === undefined || keyValue === null || keyValue === false) {
      throw new GatewayError('JWT_MISSING_KEY_CLAIM', { message: missingClaim });
    }
    if (typeof keyValue !== 'string' || keyValue === '') throw new GatewayError('JWT_MISSING_KEY_CLAIM', { message: invalidClaim });

    const secret = credentials(keyValue);
    if (secret === undefined) throw new GatewayError('JWT_NO_CREDENTIAL', { message: noCredential });

    // The credential pins the algorithm: an HS256 token can't be "signed" with an RS256 credential's public key.
    const alg = token.alg.name;
    if (alg !== secret.algorithm) {
      throw new GatewayError('JWT_INVALID_ALGORITHM', { detail: "the token's alg differs from the credential's algorithm" });
    }
    if (allowedAlgorithms !== null && !allowedAlgorithms.has(alg)) {
      throw new GatewayError('JWT_INVALID_ALGORITHM', { detail: "the token's alg is not in allowed_algorithms" });
    }
    if (!verifySignature(token, keys.get(secret))) throw new GatewayError('JWT_INVALID_SIGNATURE');

    const validity = verifyClaims(token.claims, rules, now);

    const consumer = consumers.byId(secret.consumerId);
    if (consumer === undefined) {
      throw new GatewayError('JWT_NO_CONSUMER', { message: `Could not find consumer for '${keyClaimName}=${keyValue}'` });
    }
    return {
      consumer,
      credential: { id: secret.id, type: 'jwt', identifier: secret.key, claims: freezeDeep(token.claims) },
      validFrom: validity.validFrom,
      validUntil: validity.validUntil,
    };
  };
}
