// The jwt plugin's config: Kong 3.x's fields first (same names, defaults and rules), then Portcullis's own.
import { Type, type Static } from '@sinclair/typebox';
import { ALL_ALGORITHMS, ASYMMETRIC_ALGORITHMS } from './algorithms.ts';

const AnyAlgorithm = Type.Union(ALL_ALGORITHMS.map((a) => Type.Literal(a)));
const AsymmetricAlgorithm = Type.Union(ASYMMETRIC_ALGORITHMS.map((a) => Type.Literal(a)));
const Names = (description: string, defaults: string[]) => Type.Array(Type.String({ minLength: 1 }), { description, default: defaults });

export const IssuerSchema = Type.Object(
  {
    issuer: Type.String({
      minLength: 1,
      description:
        "Exact `iss` value of the trusted issuer. A token whose `iss` equals it is verified against this issuer's JWKS instead of a `jwt_secrets` credential. Required (no default).",
    }),
    jwks_uri: Type.String({
      pattern: '^https?://',
      description:
        "URL of the issuer's JSON Web Key Set. Must be https, except on a loopback address. A host that is or resolves to a loopback, private (RFC 1918, ULA), link-local, CGNAT or reserved address is refused at fetch time unless the operator allows its network with `--jwks-allow-private` (PORTCULLIS_JWKS_ALLOW_PRIVATE). Required (no default).",
    }),
    audiences: Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), Type.Null()], {
      description: "When set, the token's `aud` (string or array) must contain one of these values.",
      default: null,
    }),
    algorithms: Type.Array(AsymmetricAlgorithm, {
      minItems: 1,
      description: 'Algorithms accepted from this issuer. Asymmetric only: a JWKS key is never used as an HMAC secret.',
      default: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'],
    }),
    consumer_claims: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Claims naming the caller, tried in order; the first one present (a non-empty string) is mapped to a consumer.',
      default: ['client_id', 'sub'],
    }),
    consumer_match: Type.Array(Type.Union([Type.Literal('custom_id'), Type.Literal('username'), Type.Literal('id')]), {
      minItems: 1,
      description: 'Consumer fields the claim value is matched against, in order.',
      default: ['custom_id', 'username', 'id'],
    }),
  },
  { additionalProperties: false },
);

export const JwtConfigSchema = Type.Object(
  {
    // --- Kong 3.x -----------------------------------------------------------------------------------
    uri_param_names: Names('A list of querystring parameters that the plugin inspects to retrieve JWTs.', ['jwt']),
    cookie_names: Names('A list of cookie names that the plugin inspects to retrieve JWTs.', []),
    header_names: Names('A list of HTTP header names that the plugin inspects to retrieve JWTs (`Bearer <token>`).', ['authorization']),
    key_claim_name: Type.String({
      minLength: 1,
      description: 'The claim holding the key that identifies the credential (`jwt_secrets.key`). Read from the payload, then from the header.',
      default: 'iss',
    }),
    secret_is_base64: Type.Boolean({
      description: 'If true, credential secrets are base64 encoded; tokens are signed with the decoded secret.',
      default: false,
    }),
    claims_to_verify: Type.Union([Type.Array(Type.Union([Type.Literal('exp'), Type.Literal('nbf')])), Type.Null()], {
      description: 'Registered claims (RFC 7519) to verify for credential tokens: `exp` and/or `nbf`. Issuer tokens always have them checked when present.',
      default: null,
    }),
    anonymous: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description: 'Consumer id or username to use as an "anonymous" consumer when authentication fails.',
      default: null,
    }),
    run_on_preflight: Type.Boolean({
      description: 'Whether to authenticate OPTIONS preflight requests. If false, OPTIONS requests are always allowed.',
      default: true,
    }),
    maximum_expiration: Type.Number({
      minimum: 0,
      maximum: 31536000,
      description: 'Limits token lifetime to this many seconds in the future (0: no limit). Needs `exp` in `claims_to_verify`; applies to issuer tokens too.',
      default: 0,
    }),
    realm: Type.Union([Type.String(), Type.Null()], {
      description: 'When authentication fails, sent as the `realm` attribute of `WWW-Authenticate`.',
      default: null,
    }),

    // --- Portcullis ---------------------------------------------------------------------------------
    issuers: Type.Array(IssuerSchema, {
      description: 'Trusted external issuers whose tokens are verified against their JWKS and mapped to consumers by claim.',
      default: [],
    }),
    allowed_algorithms: Type.Union([Type.Array(AnyAlgorithm, { minItems: 1 }), Type.Null()], {
      description: "When set, only these algorithms are accepted, on top of each credential's pinned `algorithm` and each issuer's `algorithms`.",
      default: null,
    }),
    clock_skew: Type.Integer({
      minimum: 0,
      maximum: 600,
      description: 'Seconds of leeway when checking `exp` and `nbf` (0, as Kong, which has none).',
      default: 0,
    }),
    iat_leeway: Type.Integer({
      minimum: 0,
      maximum: 600,
      description:
        "Seconds an `iat` (issued-at) claim may lie ahead of the gateway's clock, for issuers whose clock runs a little fast; a token issued further in the future is refused (`JWT_ISSUED_IN_FUTURE`). `clock_skew` applies when larger. Tokens without `iat` are not affected.",
      default: 60,
    }),
    typ: Type.Union([Type.Array(Type.String({ minLength: 1, pattern: '^[!-~]+$' }), { minItems: 1 }), Type.Null()], {
      description:
        "Accepted values of the token header's `typ`, compared case-insensitively and with or without the `application/` prefix (RFC 8725 §3.11); a token without `typ` is accepted. Other types, such as `dpop+jwt` or `secevent+jwt`, are refused (`JWT_TYPE_INVALID`) so a token minted for another purpose is not taken as an access token. null: any `typ`.",
      default: ['JWT', 'at+jwt'],
    }),
    audiences: Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), Type.Null()], {
      description: 'For credential tokens: when set, `aud` (string or array) must contain one of these values.',
      default: null,
    }),
    issuers_allowed: Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), Type.Null()], {
      description: 'For credential tokens: when set, `iss` must be one of these values.',
      default: null,
    }),
    max_token_size: Type.Integer({
      minimum: 64,
      maximum: 1048576,
      description: 'Largest token accepted, in bytes; larger ones are refused before any decoding.',
      default: 8192,
    }),
    verified_token_cache_size: Type.Integer({
      minimum: 0,
      maximum: 1000000,
      description: 'How many verified tokens to remember (0: off). A hit skips decoding and signature checks but still checks `exp`/`nbf`.',
      default: 10000,
    }),
    jwks_refresh_cooldown: Type.Number({
      minimum: 0,
      maximum: 86400,
      description: 'Least number of seconds between two JWKS fetches for one issuer, however many unknown `kid`s arrive.',
      default: 30,
    }),
    jwks_max_age: Type.Number({
      minimum: 1,
      maximum: 604800,
      description:
        'Seconds after which a JWKS is refetched in the background (the old keys serve meanwhile); also bounds how long an issuer token stays in the verified-token cache.',
      default: 600,
    }),
    jwks_timeout: Type.Integer({
      minimum: 1,
      maximum: 60000,
      description: 'Milliseconds a JWKS fetch may take, connection to last byte.',
      default: 5000,
    }),
    jwks_max_size: Type.Integer({
      minimum: 256,
      maximum: 4194304,
      description: 'Largest JWKS document accepted, in bytes.',
      default: 131072,
    }),
  },
  { additionalProperties: false },
);

export type JwtConfig = Static<typeof JwtConfigSchema>;
export type IssuerConfig = Static<typeof IssuerSchema>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Rules the schema cannot express: Kong's conditional on `maximum_expiration`, issuer sanity. */
export function validateJwtConfig(config: JwtConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  if (config.maximum_expiration > 0 && !(config.claims_to_verify ?? []).includes('exp')) {
    errors['config.claims_to_verify'] = "must contain 'exp' when 'maximum_expiration' is set";
  }
  const seen = new Set<string>();
  const allowed = config.allowed_algorithms;
  config.issuers.forEach((issuer, i) => {
    if (seen.has(issuer.issuer)) errors[`config.issuers.${i}.issuer`] = `duplicate issuer '${issuer.issuer}'`;
    seen.add(issuer.issuer);
    let url: URL | undefined;
    try {
      url = new URL(issuer.jwks_uri);
    } catch {
      errors[`config.issuers.${i}.jwks_uri`] = 'must be a valid URL';
    }
    if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      errors[`config.issuers.${i}.jwks_uri`] = 'must use https (http only on a loopback address)';
    }
    if (allowed && !issuer.algorithms.some((a) => allowed.includes(a))) {
      errors[`config.issuers.${i}.algorithms`] = 'none of these is in allowed_algorithms';
    }
  });
  return errors;
}
