// ip-restriction config: Kong 3.x fields (allow, deny, status, message), each entry an IP or a CIDR block.
import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { isIpOrCidr } from '../../net/ip-ranges.ts';

if (!FormatRegistry.Has('ip-or-cidr')) FormatRegistry.Set('ip-or-cidr', isIpOrCidr);

const IpOrCidr = Type.String({ format: 'ip-or-cidr', description: 'IPv4 or IPv6 address, optionally with a /prefix.' });

export const IpRestrictionConfigSchema = Type.Object(
  {
    allow: Type.Union([Type.Array(IpOrCidr), Type.Null()], {
      default: null,
      description: 'IPs or CIDR blocks allowed in; any other client is refused. At least one of `allow` and `deny` is required.',
    }),
    deny: Type.Union([Type.Array(IpOrCidr), Type.Null()], {
      default: null,
      description: 'IPs or CIDR blocks refused; checked before `allow`. At least one of `allow` and `deny` is required.',
    }),
    status: Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.Null()], {
      default: null,
      description: 'HTTP status for refused requests (null: 403).',
    }),
    message: Type.Union([Type.String(), Type.Null()], {
      default: null,
      description: 'Message for refused requests (null: `IP address not allowed: {client ip}`, as Kong 3.x).',
    }),
  },
  { additionalProperties: false },
);

export type IpRestrictionConfig = Static<typeof IpRestrictionConfigSchema>;

/** Kong's entity check `at_least_one_of = { "config.allow", "config.deny" }`. */
export function validateIpRestriction(config: IpRestrictionConfig): Record<string, string> {
  if (config.allow === null && config.deny === null) {
    return { 'config.allow': "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" };
  }
  return {};
}
