// Fetches a JWKS document over HTTP(S) with hard limits: one deadline for the whole exchange, a byte
// cap, no redirects, 200 only, and only to public addresses unless the operator allowed a private
// network. The connection goes to the very address that was checked (no DNS rebinding in between).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type BlockList, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { refusedAddress } from './jwks-address-policy.ts';

export interface JwksFetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** Non-public networks the operator allowed (none when absent). */
  allowedNetworks?: BlockList;
}

/** The parsed JSON body, or throws an Error saying what went wrong (for logs and `detail`). */
export async function fetchJwks(uri: string, limits: JwksFetchLimits): Promise<unknown> {
  const url = new URL(uri);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // An IP literal is never looked up, so the lookup below would not see it: check it here.
  if (isIP(host) !== 0) {
    const refused = refusedAddress(host, limits.allowedNetworks);
    if (refused !== null) throw new Error(`JWKS host refused: ${refused}`);
  }
  const signal = AbortSignal.timeout(limits.timeoutMs);
  // One connection per fetch (a key fetch is rare): the agent resolves through checkedLookup and goes away after.
  const agent = new Agent({ connect: { lookup: checkedLookup(limits.allowedNetworks), timeout: limits.timeoutMs }, pipelining: 0 });
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      signal,
      dispatcher: agent,
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
      reset: true,
    });
    const { statusCode, body } = response;
    if (statusCode !== 200) {
      discard(body);
      throw new Error(`JWKS fetch returned status ${statusCode}`);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      discard(body);
      throw new Error(`JWKS larger than ${limits.maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxBytes) {
        discard(body);
        throw new Error(`JWKS larger than ${limits.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new Error('JWKS is not JSON');
    }
  } catch (err) {
    // undici wraps a refused lookup; say what was refused rather than "fetch failed".
    throw unwrap(err);
  } finally {
    agent.destroy().catch(() => {});
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * net.connect's `lookup`: resolves every address of the name and refuses the connection when any of them
 * is non-public and not allowed (a name that also resolves to 10.0.0.1 is not trusted to connect to its
 * public address either), then hands net exactly the addresses it checked.
 */
function checkedLookup(allowed: BlockList | undefined): LookupFunction {
  return (hostname, options, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    dnsLookup(hostname, { all: true, family }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const first = addresses.at(0);
      if (first === undefined) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
        return;
      }
      for (const { address } of addresses) {
        const refused = refusedAddress(address, allowed);
        if (refused !== null) {
          callback(Object.assign(new Error(`JWKS host refused: ${hostname} resolves to ${refused}`), { code: 'EJWKSREFUSED' }), []);
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

function unwrap(err: unknown): Error {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ((current as NodeJS.ErrnoException).code === 'EJWKSREFUSED') return current;
    current = current.cause;
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Drops a body we will not read; undici reports destroying it as an error nobody needs to see. */
function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}
