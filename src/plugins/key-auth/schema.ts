// The key-auth plugin's config: Kong 3.x's fields, names and defaults.
import { Type, type Static } from '@sinclair/typebox';
import { QUOTABLE_PATTERN } from '../../http/www-authenticate.ts';

/** Kong's `typedefs.header_name`: a key name is looked up as a header, a query parameter or a body field. */
const KeyName = Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 256 });

export const KeyAuthConfigSchema = Type.Object(
  {
    key_names: Type.Array(KeyName, {
      minItems: 1,
      description:
        'Names the plugin looks for a key under, in order: as a header, a query parameter and (with `key_in_body`) a body field. Letters, digits, `_` and `-` only; a name with `_` also matches the header spelled with `-`. A name sent twice is refused as a duplicate.',
      default: ['apikey'],
    }),
    hide_credentials: Type.Boolean({
      description:
        'If true, the header and query parameter holding the key (and, with `key_in_body`, the body field of that name) are removed before the request is proxied.',
      default: false,
    }),
    anonymous: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description:
        'Consumer id or username to use as an "anonymous" consumer when authentication fails (logical OR with other auth plugins). Null: failures are refused with 401.',
      default: null,
    }),
    key_in_header: Type.Boolean({
      description:
        'If true, the plugin reads request headers named after `key_names`. With key_in_header, key_in_query and key_in_body all false, as Kong allows, every request is refused with 401.',
      default: true,
    }),
    key_in_query: Type.Boolean({
      description: 'If true, the plugin reads query parameters named after `key_names`.',
      default: true,
    }),
    key_in_body: Type.Boolean({
      description:
        "If true, the plugin also reads body fields named after `key_names` (after the header and query parameter of each name): `application/x-www-form-urlencoded`, `application/json` and `multipart/form-data` bodies. Only requests on such routes are buffered, up to the route's request-size limit (at most 8 MiB; 413 beyond).",
      default: false,
    }),
    run_on_preflight: Type.Boolean({
      description: 'Whether to authenticate OPTIONS preflight requests. If false, OPTIONS requests are always allowed.',
      default: true,
    }),
    realm: Type.Union([Type.String({ pattern: QUOTABLE_PATTERN }), Type.Null()], {
      description:
        'When authentication fails, sent as the `realm` attribute of `WWW-Authenticate` (`Key realm="<realm>"`, `"` and `\\` escaped; plain `Key` when null). No control characters.',
      default: null,
    }),
  },
  { additionalProperties: false },
);

export type KeyAuthConfig = Static<typeof KeyAuthConfigSchema>;
