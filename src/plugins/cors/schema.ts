// cors config: Kong 3.x fields and defaults, including private_network and allow_origin_absent.
import { Type, type Static } from '@sinclair/typebox';
import { originEntryError } from './origin-policy.ts';

export const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

const Method = Type.Union(CORS_METHODS.map((m) => Type.Literal(m)));

export const CorsConfigSchema = Type.Object(
  {
    origins: Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], {
      default: null,
      description:
        'Allowed origins for `Access-Control-Allow-Origin`: exact origins, `*`, or regexes (an entry with any ' +
        'character outside `A-Za-z0-9.:/-` is a regex, anchored at both ends; one without `:` is matched against the ' +
        'host only). Empty or null allows every origin.',
    }),
    headers: Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], {
      default: null,
      description: 'Value for `Access-Control-Allow-Headers` on preflight; null echoes `Access-Control-Request-Headers`.',
    }),
    exposed_headers: Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], {
      default: null,
      description: 'Value for `Access-Control-Expose-Headers`; null exposes no extra headers.',
    }),
    // Not nullable: TypeBox's Value.Default merges a given array into a union's array default index by index.
    methods: Type.Array(Method, {
      default: [...CORS_METHODS],
      description: 'Value for `Access-Control-Allow-Methods` on preflight.',
    }),
    max_age: Type.Union([Type.Number(), Type.Null()], {
      default: null,
      description: 'How long, in seconds, a browser may cache a preflight answer (`Access-Control-Max-Age`); null omits it.',
    }),
    credentials: Type.Boolean({
      default: false,
      description: 'Send `Access-Control-Allow-Credentials: true` (with `*` origins, the request Origin is reflected instead).',
    }),
    private_network: Type.Boolean({
      default: false,
      description: 'Answer `Access-Control-Request-Private-Network: true` preflights with `Access-Control-Allow-Private-Network: true`.',
    }),
    preflight_continue: Type.Boolean({
      default: false,
      description: 'Proxy preflight requests to the upstream instead of answering them at the gateway.',
    }),
    allow_origin_absent: Type.Boolean({
      default: true,
      description: 'Add CORS headers to responses for requests without an `Origin` header.',
    }),
  },
  { additionalProperties: false },
);

export type CorsConfig = Static<typeof CorsConfigSchema>;

/** Kong's custom validator on `origins`: each entry is `*` or a valid regex. */
export function validateCors(config: CorsConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  config.origins?.forEach((entry, i) => {
    const error = originEntryError(entry);
    if (error !== null) errors[`config.origins[${i}]`] = error;
  });
  return errors;
}
