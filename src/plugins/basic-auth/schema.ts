// The basic-auth plugin's config: Kong's fields, names and defaults (kong/plugins/basic-auth/schema.lua).
import { Type, type Static } from '@sinclair/typebox';
import { QUOTABLE_PATTERN } from '../../http/www-authenticate.ts';

export const BasicAuthConfigSchema = Type.Object(
  {
    anonymous: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      description:
        'Consumer id or username to use as an "anonymous" consumer when authentication fails (logical OR with other auth plugins); not its `custom_id`. Null: failures are refused with 401.',
      default: null,
    }),
    hide_credentials: Type.Boolean({
      description:
        'If true, the `Authorization` header the credentials were read from is removed before the request is proxied. (`Proxy-Authorization` is hop-by-hop: never proxied either way.)',
      default: false,
    }),
    realm: Type.String({
      pattern: QUOTABLE_PATTERN,
      description:
        'Sent as the `realm` attribute of the `WWW-Authenticate: Basic realm="<realm>"` challenge of every 401 (`"` and `\\` escaped). No control characters.',
      default: 'service',
    }),
  },
  { additionalProperties: false },
);

export type BasicAuthConfig = Static<typeof BasicAuthConfigSchema>;
