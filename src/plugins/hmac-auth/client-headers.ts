// The request headers as the client sent them, for signatures: `ctx.headers` is what the upstream will get
// (Proxy-Authorization and forwarding headers already gone, repeats joined), but a signature covers the
// client's own lines.
import type { RequestContext } from '../../gateway/context.ts';

export interface ClientHeaders {
  /** The first value of header `name` (lower case), undefined when the client did not send it. */
  readonly first: (name: string) => string | undefined;
  /** Whether the client sent header `name` (lower case) more than once. */
  readonly repeated: (name: string) => boolean;
}

/** Reads `ctx.rawHeaders` on first use, once per request. */
export function clientHeaders(ctx: RequestContext): ClientHeaders {
  let index: Map<string, { value: string; count: number }> | undefined;
  const entry = (name: string) => {
    if (index === undefined) {
      index = new Map();
      const raw = ctx.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        // .at(): Node's list alternates names and values; typed as possibly missing, checked rather than assumed
        const name = raw.at(i);
        const value = raw.at(i + 1);
        if (name === undefined || value === undefined) continue;
        const key = name.toLowerCase();
        const seen = index.get(key);
        if (seen === undefined) index.set(key, { value, count: 1 });
        else seen.count++;
      }
    }
    return index.get(name);
  };
  return {
    first: (name) => entry(name)?.value,
    repeated: (name) => (entry(name)?.count ?? 0) > 1,
  };
}
