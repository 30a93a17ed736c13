// The hmac-auth plugin's config: Kong's fields, names and defaults (kong/plugins/hmac-auth/schema.lua).
import { Type, type Static } from '@sinclair/typebox';
import { QUOTABLE_PATTERN } from '../../http/www-authenticate.ts';

/** The digests a signature may use, in Kong's order (Kong's `ALGORITHMS`). */
export const HMAC_ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

export const HmacAuthConfigSchema = Type.Object(
  {
    hide_credentials: Type.Boolean({
      description:
        'If true, the `Authorization` header holding the signature is removed before the request is proxied (`Proxy-Authorization` never reaches the upstream: it is a hop-by-hop header).',
      default: false,
    }),
    clock_skew: Type.Number({
      exclusiveMinimum: 0,
      description:
        "Seconds the `X-Date` or `Date` header may differ from the gateway's clock, either way; older or newer requests are refused, which bounds replays.",
      default: 300,
    }),
    anonymous: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description:
        'Consumer id or username to use as an "anonymous" consumer when authentication fails (logical OR with other auth plugins). Null: failures are refused with 401.',
      default: null,
    }),
    validate_request_body: Type.Boolean({
      description:
        "If true, a request with a body must carry `Digest: SHA-256=<base64 of the body's SHA-256>` matching it (checked after the signature; a request without a body may leave Digest out). Only such requests are buffered, up to the route's request-size limit (at most 8 MiB; 413 beyond).",
      default: false,
    }),
    enforce_headers: Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Headers (and the `request-line` / `@request-target` pseudo-headers) the client must at least include in its signature, compared as written.',
      default: [],
    }),
    algorithms: Type.Array(Type.Union(HMAC_ALGORITHMS.map((a) => Type.Literal(a))), {
      description: 'HMAC digest algorithms accepted: `hmac-sha1`, `hmac-sha256`, `hmac-sha384` and `hmac-sha512`.',
      default: [...HMAC_ALGORITHMS],
    }),
    realm: Type.Union([Type.String({ pattern: QUOTABLE_PATTERN }), Type.Null()], {
      description:
        'When authentication fails, sent as the `realm` attribute of `WWW-Authenticate` (`hmac realm="<realm>"`, `"` and `\\` escaped; plain `hmac` when null). No control characters.',
      default: null,
    }),
  },
  { additionalProperties: false },
);

export type HmacAuthConfig = Static<typeof HmacAuthConfigSchema>;
