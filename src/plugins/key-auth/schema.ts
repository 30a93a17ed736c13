// The key-auth plugin's config: Kong 3.x's fields, names and defaults.
import { Type, type Static } from '@sinclair/typebox';

/** Kong's `typedefs.header_name`: a key name is looked up as a header, a query parameter or a body field. */
const KeyName = Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 256 });

export const KeyAuthConfigSchema = Type.Object({
  key_names: Type.Array(KeyName, {
    minItems: 1,
    description: 'Names the plugin looks for a key under, in order: as a header, a query parameter and (with `key_in_body`) a body field. Letters, digits, `_` and `-` only.',
    default: ['apikey'],
  }),
  hide_credentials: Type.Boolean({
    description: 'If true, the header and query parameter holding the key (and, with `key_in_body`, the body field of that name) are removed before the request is proxied.',
    default: false,
  }),
  anonymous: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
    description: 'Consumer id or username to use as an "anonymous" consumer when authentication fails (logical OR with other auth plugins). Null: failures are refused with 401.',
    default: null,
  }),
  key_in_header: Type.Boolean({
    description: 'If true, the plugin reads request headers named after `key_names`.',
    default: true,
  }),
  key_in_query: Type.Boolean({
    description: 'If true, the plugin reads query parameters named after `key_names`.',
    default: true,
  }),
  key_in_body: Type.Boolean({
    description: 'If true, the plugin also reads body fields named after `key_names` (after the header and query parameter of each name): `application/x-www-form-urlencoded`, `application/json` and `multipart/form-data` bodies. Only requests on such routes are buffered, up to the route\'s request-size limit (at most 8 MiB; 413 beyond).',
    default: false,
  }),
  run_on_preflight: Type.Boolean({
    description: 'Whether to authenticate OPTIONS preflight requests. If false, OPTIONS requests are always allowed.',
    default: true,
  }),
  realm: Type.Union([Type.String({ pattern: '^[^"\\\\\\r\\n]*$' }), Type.Null()], {
    description: 'When authentication fails, sent as the `realm` attribute of `WWW-Authenticate` (`Key realm="<realm>"`; plain `Key` when null).',
    default: null,
  }),
}, { additionalProperties: false });

export type KeyAuthConfig = Static<typeof KeyAuthConfigSchema>;

/** Rules the schema cannot express. */
export function validateKeyAuthConfig(config: KeyAuthConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!config.key_in_header && !config.key_in_query && !config.key_in_body) {
    errors['config.key_in_header'] = 'at least one of key_in_header, key_in_query and key_in_body must be true, or no request could ever carry a key';
  }
  return errors;
}
