// The acl plugin's config: Kong 3.x's fields first (same names, defaults and rules), then Portcullis's own.
import { Type, type Static } from '@sinclair/typebox';

const Groups = (description: string) => Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], { description, default: null });

/** An HTTP method token, upper case as sent on the wire. */
const Method = Type.String({ pattern: '^[A-Z]+$', maxLength: 32 });

export const AclConfigSchema = Type.Object(
  {
    // --- Kong 3.x -----------------------------------------------------------------------------------
    allow: Groups('Groups allowed to consume the service or route. Exactly one of `allow` and `deny` must be non-empty.'),
    deny: Groups('Groups not allowed to consume the service or route. Exactly one of `allow` and `deny` must be non-empty.'),
    hide_groups_header: Type.Boolean({
      description: "If true, the consumer's groups are not sent upstream in `X-Consumer-Groups` (nor authenticated groups in `X-Authenticated-Groups`).",
      default: false,
    }),
    always_use_authenticated_groups: Type.Boolean({
      description:
        "If true, groups an auth plugin put in `ctx.shared.authenticated_groups` are used even when a consumer with a credential is authenticated, falling back to the consumer's groups when there are none. By default they are used only when there is no consumer or it is the anonymous one.",
      default: false,
    }),

    // --- Portcullis ---------------------------------------------------------------------------------
    group_methods: Type.Record(Type.String({ minLength: 1 }), Type.Array(Method, { minItems: 1, uniqueItems: true }), {
      description:
        "Per-group HTTP method restrictions, e.g. `{ partners: [GET, HEAD] }`. A request passes only when at least one of the consumer's groups that grants access (with `allow`: its groups in the list; with `deny`: all its groups) also allows the method; a group without an entry allows every method. Otherwise 403 `ACL_METHOD_FORBIDDEN`. With any entry, a request carrying a method-override header (`X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override`) is refused with 400 `METHOD_OVERRIDE_REFUSED` (elsewhere the gateway strips them).",
      default: {},
    }),
  },
  { additionalProperties: false },
);

export type AclConfig = Static<typeof AclConfigSchema>;

const nonEmpty = (list: readonly string[] | null): list is readonly string[] => list !== null && list.length > 0;

/** Kong's entity checks (`only_one_of`, `at_least_one_of` on allow/deny), and group_methods sanity. */
export function validateAclConfig(config: AclConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  const { allow, deny } = config;
  if (nonEmpty(allow) && nonEmpty(deny)) errors['config.allow'] = "only one of these fields must be non-empty: 'config.allow', 'config.deny'";
  else if (!nonEmpty(allow) && !nonEmpty(deny)) errors['config.allow'] = "at least one of these fields must be non-empty: 'config.allow', 'config.deny'";
  else {
    for (const group of Object.keys(config.group_methods)) {
      // An entry that can never apply is a typo waiting to surprise someone.
      if (nonEmpty(allow) && !allow.includes(group)) {
        errors[`config.group_methods.${group}`] = `group '${group}' is not in 'allow': its methods would never apply`;
      } else if (nonEmpty(deny) && deny.includes(group)) {
        errors[`config.group_methods.${group}`] = `group '${group}' is in 'deny': its consumers are refused whatever the method`;
      }
    }
  }
  return errors;
}
