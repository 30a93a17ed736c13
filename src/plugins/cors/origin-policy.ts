// Kong's reading of `config.origins`, compiled once: allow any, one fixed origin, or a list of exact origins
// and regexes matched against the request's normalised Origin.

/** Kong treats an entry made only of these characters as a literal origin, anything else as a regex. */
const LITERAL = /^[A-Za-z0-9.:/-]+$/;

export type OriginPolicy =
  /** No origins, or just `*`: `Access-Control-Allow-Origin: *`. */
  | { kind: 'any' }
  /** One literal origin: sent as configured whatever the request's Origin (Kong does the same). */
  | { kind: 'fixed'; origin: string }
  /** `*` among other entries: Kong answers `*` whenever the request has an Origin. */
  | { kind: 'starred' }
  | { kind: 'list'; entries: readonly OriginEntry[] };

interface OriginEntry {
  /** Literal entries compare normalised origins; regex entries test the host or the whole origin. */
  readonly literal: string | null;
  readonly regex: RegExp | null;
  /** A regex without `:` is about the host alone (Kong's `by_host`). */
  readonly byHost: boolean;
}

interface NormalizedOrigin {
  /** scheme://host[:port], default port dropped; the raw value when it does not parse as a URL. */
  readonly domain: string;
  readonly host: string;
}

export function compileOriginPolicy(origins: readonly string[] | null): OriginPolicy {
  const only = origins?.length === 1 ? origins.at(0) : undefined;
  if (origins === null || origins.length === 0 || only === '*') return { kind: 'any' };
  if (only !== undefined && LITERAL.test(only)) return { kind: 'fixed', origin: only };
  if (origins.includes('*')) return { kind: 'starred' };
  return { kind: 'list', entries: origins.map(compileEntry) };
}

/** Null when the entry is fine: `*` or a pattern that compiles. Kong's message otherwise. */
export function originEntryError(entry: string): string | null {
  if (entry === '*' || LITERAL.test(entry)) return null;
  try {
    anchored(entry);
    return null;
  } catch {
    return `'${entry}' is not a valid regex`;
  }
}

function compileEntry(entry: string): OriginEntry {
  const byHost = !entry.includes(':');
  if (LITERAL.test(entry)) return { literal: normalizeOrigin(entry).domain, regex: null, byHost };
  return { literal: null, regex: anchored(entry), byHost };
}

/**
 * Kong anchors origin regexes at both ends (a user's own `^`/`$` are accepted). Unlike Kong's PCRE
 * "anchored" flag, the group also binds each top-level alternative: `a\.com|b\.com` must match whole.
 */
function anchored(entry: string): RegExp {
  let body = entry.startsWith('^') ? entry.slice(1) : entry;
  if (body.endsWith('$') && !body.endsWith('\\$')) body = body.slice(0, -1);
  return new RegExp(`^(?:${body})$`);
}

/** The normalised request origin when it matches an entry, else null. */
export function matchOrigin(entries: readonly OriginEntry[], requestOrigin: string): string | null {
  const origin = normalizeCached(requestOrigin);
  for (const entry of entries) {
    if (entry.regex === null ? entry.literal === origin.domain : entry.regex.test(entry.byHost ? origin.host : origin.domain)) {
      return origin.domain;
    }
  }
  return null;
}

function normalizeOrigin(value: string): NormalizedOrigin {
  const url = URL.parse(value);
  if (url === null || url.host === '') return { domain: value, host: value };
  // WHATWG URL already lower-cases scheme and host and drops the scheme's default port.
  return { domain: `${url.protocol}//${url.host}`, host: url.hostname };
}

/** Browsers send few distinct origins; parsing a URL per request would be the plugin's main cost. */
const normalized = new Map<string, NormalizedOrigin>();
const CACHE_LIMIT = 10_000;

function normalizeCached(value: string): NormalizedOrigin {
  let hit = normalized.get(value);
  if (hit === undefined) {
    hit = normalizeOrigin(value);
    if (normalized.size >= CACHE_LIMIT) {
      const oldest = normalized.keys().next().value;
      if (oldest !== undefined) normalized.delete(oldest);
    }
    normalized.set(value, hit);
  }
  return hit;
}
