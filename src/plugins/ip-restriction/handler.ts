// ip-restriction per request: parse the client address once, then deny list, then allow list (Kong's order).
import { GatewayError } from '../../errors/gateway-error.ts';
import { unmap } from '../../gateway/trusted-proxies.ts';
import type { PluginHandler } from '../contract.ts';
import { parseAddress } from './ip-address.ts';
import { IpRangeSet } from './ip-range-set.ts';
import type { IpRestrictionConfig } from './schema.ts';

const NO_ADDRESS = 'Cannot identify the client IP address, unix domain sockets are not supported.';

/** Parsed client address; shared by all instances because access() never yields between parse and match. */
const words = new Uint32Array(4);

export function createIpRestriction(config: IpRestrictionConfig): PluginHandler {
  const deny = config.deny !== null && config.deny.length > 0 ? new IpRangeSet(config.deny) : null;
  const allow = config.allow !== null && config.allow.length > 0 ? new IpRangeSet(config.allow) : null;
  const status = config.status ?? 403;
  const message = config.message;

  function refuse(clientIp: string): GatewayError {
    return refusal(status, message ?? `IP address not allowed: ${unmap(clientIp)}`);
  }

  return {
    access(ctx) {
      const family = parseAddress(ctx.clientIp, words);
      if (family === 0) throw refusal(403, NO_ADDRESS);
      if (deny !== null && deny.containsParsed(family, words)) throw refuse(ctx.clientIp);
      if (allow !== null && !allow.containsParsed(family, words)) throw refuse(ctx.clientIp);
    },
  };
}

/** Kong lets the operator pick the status; the catalogue row holds the default (403). */
function refusal(status: number, message: string): GatewayError {
  return new GatewayError('IP_FORBIDDEN', { status, message });
}

