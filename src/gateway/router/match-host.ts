// Route `hosts`: exact names, `*.example.com` / `example.*` wildcards, each with an optional `:port`.
/*
 * As Kong's traditional_compatible router (kong/router/transform.lua get_expression): a leading `*` is a
 * suffix match on `.example.com` (so `a.b.example.com` matches too), a trailing `*` a prefix match on
 * `example.`; a host written with `:port` also requires that port. Names are compared lower-cased
 * (DNS is case-insensitive; the request host arrives lower-cased).
 */

import type { Indexed } from '../indexed.ts';

const ANY_PORT = -1;
const EXACT = 0;
const SUFFIX = 1;
const PREFIX = 2;

interface HostPattern {
  kind: number;
  /** Lower-cased name, or the wildcard's fixed part (`.example.com`, `example.`). */
  value: string;
  port: number;
}

export interface HostMatcher {
  /** Exact names that match on any port: the common case, one Set lookup. */
  readonly exactAnyPort: ReadonlySet<string>;
  /** Everything else, tried in order. */
  readonly patterns: readonly HostPattern[];
}

export function compileHosts(hosts: readonly string[], routeId: string): HostMatcher {
  const exactAnyPort = new Set<string>();
  const patterns: HostPattern[] = [];
  for (const raw of hosts) {
    const { name, port } = splitHostPort(raw.toLowerCase());
    const star = name.indexOf('*');
    if (star < 0) {
      if (port === ANY_PORT) exactAnyPort.add(name);
      else patterns.push({ kind: EXACT, value: name, port });
    } else if (star === 0 && name.indexOf('*', 1) < 0 && name.charCodeAt(1) === 0x2e && name.length > 2) {
      patterns.push({ kind: SUFFIX, value: name.slice(1), port });
    } else if (star === name.length - 1 && star > 1 && name.charCodeAt(star - 1) === 0x2e) {
      patterns.push({ kind: PREFIX, value: name.slice(0, -1), port });
    } else {
      throw new Error(`route ${routeId}: invalid wildcard host '${raw}': the '*' must be the whole leftmost or rightmost label`);
    }
  }
  return { exactAnyPort, patterns };
}

/** Kong's split_host_port: `name:digits` carries a port; anything else is all name. */
function splitHostPort(host: string): { name: string; port: number } {
  const colon = host.indexOf(':');
  if (colon < 0) return { name: host, port: ANY_PORT };
  const digits = host.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(digits)) return { name: host, port: ANY_PORT };
  return { name: host.slice(0, colon), port: Number(digits) };
}

export function matchHost(m: HostMatcher, host: string, port: number | undefined): boolean {
  if (m.exactAnyPort.has(host)) return true;
  const patterns: Indexed<HostPattern> = m.patterns;
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i];
    if (p === undefined) break;
    if (p.port !== ANY_PORT && p.port !== port) continue;
    if (p.kind === EXACT) {
      if (host === p.value) return true;
    } else if (host.length > p.value.length) {
      if (p.kind === SUFFIX ? host.endsWith(p.value) : host.startsWith(p.value)) return true;
    }
  }
  return false;
}
