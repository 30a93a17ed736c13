// Turns a Kong (PCRE / Rust-regex flavoured) pattern from route config into a JavaScript RegExp, once.
/*
 * Kong accepts `(?<name>...)` and the Rust/Python `(?P<name>...)`; JavaScript only the former. A leading
 * inline flag group such as `(?i)` becomes a RegExp flag (JavaScript has no top-level inline flags).
 * Anything else JavaScript does not understand (atomic groups, possessive quantifiers, `\A`, `\z`) fails
 * here, at config load, with the route named. Note: unlike Kong's PCRE `LIMIT_MATCH`, JavaScript puts no
 * bound on backtracking, so a catastrophic pattern in config can stall the event loop.
 */

const INLINE_FLAGS = /^\(\?([a-zA-Z]+)\)/;

export function compileUserRegex(source: string, flags: string, routeId: string, what: string, anchorAtStart = false): RegExp {
  let src = source.replace(/\(\?P</g, '(?<');
  let allFlags = flags;
  const inline = INLINE_FLAGS.exec(src);
  if (inline !== null) {
    for (const f of inline.at(1) ?? '') {
      if (f !== 'i' && f !== 's' && f !== 'm') {
        throw new Error(`route ${routeId}: unsupported inline flag '${f}' in ${what} regex '${source}'`);
      }
      if (!allFlags.includes(f)) allFlags += f;
    }
    src = src.slice(inline[0].length);
  }
  try {
    // Compile the pattern alone first: wrapping an unbalanced pattern in a group could make it valid.
    new RegExp(src, allFlags);
  } catch (err) {
    throw new Error(`route ${routeId}: invalid regex in ${what} '${source}': ${(err as Error).message}`, { cause: err });
  }
  // The group keeps `^` applying to every alternative of `a|b`, which a bare `^` prefix would not.
  return anchorAtStart ? new RegExp(`^(?:${src})`, allFlags) : new RegExp(src, allFlags);
}
