// acl's access phase, as Kong 3.x: pick the groups (the consumer's, or those an auth plugin asserted in
// ctx.shared.authenticated_groups), refuse or pass, and tell the upstream which groups the caller is in.
import type { PluginEnv, PluginHandler } from '../contract.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { IdentityHeader } from '../../gateway/identity-headers.ts';
import { sentMethodOverride } from '../../gateway/hop-by-hop.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { compileGroupPolicy, type GroupVerdict } from './group-policy.ts';
import type { AclConfig } from './schema.ts';
import { consumerGroups } from './group-index.ts';

/** Kong's header for groups that came from an auth plugin rather than the consumer's acls. */
const AUTHENTICATED_GROUPS_HEADER = 'x-authenticated-groups';

/** Where plugins such as LDAP or OIDC put the groups they authenticated (Kong's kong.ctx.shared.authenticated_groups). */
export const AUTHENTICATED_GROUPS_KEY = 'authenticated_groups';

export function createAclHandler(config: AclConfig, env: PluginEnv): PluginHandler {
  const policy = compileGroupPolicy(config);
  const groupsOf = consumerGroups(env);
  const sendHeader = !config.hide_groups_header;
  const alwaysUseAuthenticated = config.always_use_authenticated_groups;
  // Where groups are allowed some methods only, an override header (stripped before plugins ran) shows the
  // client wanted another method than the one checked here, which an upstream honouring it would run.
  const refuseMethodOverride = Object.keys(config.group_methods).length > 0;

  function enforce(ctx: RequestContext, verdict: GroupVerdict, headerName: string): void {
    if (!verdict.allowed) throw new GatewayError('ACL_FORBIDDEN');
    if (verdict.methods !== null && !verdict.methods.has(ctx.method)) {
      throw new GatewayError('ACL_METHOD_FORBIDDEN', { detail: `method ${ctx.method} is not allowed for the consumer's groups` });
    }
    if (sendHeader) ctx.headers[headerName] = verdict.header;
  }

  return {
    access(ctx) {
      if (refuseMethodOverride && sentMethodOverride(ctx.strippedHeaders)) throw new GatewayError('METHOD_OVERRIDE_REFUSED');
      const consumer = ctx.consumer;
      if (consumer === null) {
        const asserted = authenticatedGroups(ctx);
        if (asserted === undefined) {
          // Kong 3.x: 401 when nobody authenticated, 403 when a credential came without a consumer.
          throw new GatewayError(ctx.credential === null ? 'ACL_NO_CONSUMER' : 'ACL_FORBIDDEN');
        }
        enforce(ctx, policy.evaluate(asserted), AUTHENTICATED_GROUPS_HEADER);
        return;
      }
      // Asserted groups override the anonymous consumer's, and a real consumer's only when configured so.
      if (ctx.credential === null || alwaysUseAuthenticated) {
        const asserted = authenticatedGroups(ctx);
        if (asserted !== undefined) {
          enforce(ctx, policy.evaluate(asserted), AUTHENTICATED_GROUPS_HEADER);
          return;
        }
      }
      const groups = groupsOf(consumer.id);
      // Kong: a consumer in no group cannot pass an allow list: 403 with a credential, 401 for the anonymous
      // consumer (nobody authenticated). A deny list lets it through, with an empty X-Consumer-Groups.
      if (groups.length === 0 && policy.isAllowList) {
        if (ctx.credential !== null) throw new GatewayError('ACL_FORBIDDEN');
        throw new GatewayError('ACL_NO_CONSUMER', { detail: 'the anonymous consumer belongs to no group: authenticate as a consumer with one' });
      }
      enforce(ctx, policy.forConsumerGroups(groups), IdentityHeader.consumerGroups);
    },
  };
}

function authenticatedGroups(ctx: RequestContext): readonly string[] | undefined {
  const value = ctx.shared[AUTHENTICATED_GROUPS_KEY];
  if (!Array.isArray(value)) return undefined;
  for (const group of value) if (typeof group !== 'string') return undefined;
  return value as readonly string[];
}
