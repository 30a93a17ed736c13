// buildUpstreamPath: Kong's documented path_handling table and its router spec's slash-handling tables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildUpstreamPath, sanitizeUriPostfix } from './upstream-path.ts';

type Handling = 'v0' | 'v1';

/** Prefix routes: the matched part is the route path itself (the router returns it as matchedPath). */
function check(servicePath: string | null, routePath: string | null, request: string, expected: string, strip: boolean, handling: Handling): void {
  const got = buildUpstreamPath(servicePath, { strip_path: strip, path_handling: handling }, request, routePath ?? '');
  assert.equal(got, expected, `service ${servicePath} route ${routePath} request ${request} strip=${strip} ${handling}`);
}

describe('Kong docs: Route object, "Path handling algorithms" table', () => {
  // s.path, r.path, r.strip_path, r.path_handling, request path, proxied path
  const table: [string, string, boolean, Handling, string, string][] = [
    ['/s', '/fv0', false, 'v0', '/fv0req', '/s/fv0req'],
    ['/s', '/fv1', false, 'v1', '/fv1req', '/sfv1req'],
    ['/s', '/tv0', true, 'v0', '/tv0req', '/s/req'],
    ['/s', '/tv1', true, 'v1', '/tv1req', '/sreq'],
    ['/s', '/fv0/', false, 'v0', '/fv0/req', '/s/fv0/req'],
    ['/s', '/fv1/', false, 'v1', '/fv1/req', '/sfv1/req'],
    ['/s', '/tv0/', true, 'v0', '/tv0/req', '/s/req'],
    ['/s', '/tv1/', true, 'v1', '/tv1/req', '/sreq'],
  ];
  for (const [s, r, strip, h, req, out] of table) {
    it(`${s} ${r} strip=${strip} ${h}: ${req} -> ${out}`, () => check(s, r, req, out, strip, h));
  }
});

// Kong spec/01-unit/08-router_spec.lua "slash handling" (path_handling v0, the default since 2.0).
// upstream url, route path, request path, expected path, strip_path
const V0_TABLE: [string, string | null, string, string, boolean][] = [
  ['/', '/', '/', '/', true],
  ['/', '/', '/foo/bar', '/foo/bar', true],
  ['/', '/', '/foo/bar/', '/foo/bar/', true],
  ['/', '/foo/bar', '/foo/bar', '/', true],
  ['/', '/foo/bar/', '/foo/bar/', '/', true],
  ['/fee/bor', '/', '/', '/fee/bor', true],
  ['/fee/bor', '/', '/foo/bar', '/fee/bor/foo/bar', true],
  ['/fee/bor', '/', '/foo/bar/', '/fee/bor/foo/bar/', true],
  ['/fee/bor', '/foo/bar', '/foo/bar', '/fee/bor', true],
  ['/fee/bor', '/foo/bar/', '/foo/bar/', '/fee/bor/', true],
  ['/fee/bor/', '/', '/', '/fee/bor/', true],
  ['/fee/bor/', '/', '/foo/bar', '/fee/bor/foo/bar', true],
  ['/fee/bor/', '/', '/foo/bar/', '/fee/bor/foo/bar/', true],
  ['/fee/bor/', '/foo/bar', '/foo/bar', '/fee/bor', true],
  ['/fee/bor/', '/foo/bar/', '/foo/bar/', '/fee/bor/', true],
  ['/', '/', '/', '/', false],
  ['/', '/', '/foo/bar', '/foo/bar', false],
  ['/', '/', '/foo/bar/', '/foo/bar/', false],
  ['/', '/foo/bar', '/foo/bar', '/foo/bar', false],
  ['/', '/foo/bar/', '/foo/bar/', '/foo/bar/', false],
  ['/fee/bor', '/', '/', '/fee/bor', false],
  ['/fee/bor', '/', '/foo/bar', '/fee/bor/foo/bar', false],
  ['/fee/bor', '/', '/foo/bar/', '/fee/bor/foo/bar/', false],
  ['/fee/bor', '/foo/bar', '/foo/bar', '/fee/bor/foo/bar', false],
  ['/fee/bor', '/foo/bar/', '/foo/bar/', '/fee/bor/foo/bar/', false],
  ['/fee/bor/', '/', '/', '/fee/bor/', false],
  ['/fee/bor/', '/', '/foo/bar', '/fee/bor/foo/bar', false],
  ['/fee/bor/', '/', '/foo/bar/', '/fee/bor/foo/bar/', false],
  ['/fee/bor/', '/foo/bar', '/foo/bar', '/fee/bor/foo/bar', false],
  ['/fee/bor/', '/foo/bar/', '/foo/bar/', '/fee/bor/foo/bar/', false],
  // request longer than the match: mid-segment or an extra segment
  ['/', '/', '/foo/bars', '/foo/bars', true],
  ['/', '/', '/foo/bar/s', '/foo/bar/s', true],
  ['/', '/foo/bar', '/foo/bars', '/s', true],
  ['/', '/foo/bar/', '/foo/bar/s', '/s', true],
  ['/fee/bor', '/', '/foo/bars', '/fee/bor/foo/bars', true],
  ['/fee/bor', '/', '/foo/bar/s', '/fee/bor/foo/bar/s', true],
  ['/fee/bor', '/foo/bar', '/foo/bars', '/fee/bor/s', true],
  ['/fee/bor', '/foo/bar/', '/foo/bar/s', '/fee/bor/s', true],
  ['/fee/bor/', '/', '/foo/bars', '/fee/bor/foo/bars', true],
  ['/fee/bor/', '/', '/foo/bar/s', '/fee/bor/foo/bar/s', true],
  ['/fee/bor/', '/foo/bar', '/foo/bars', '/fee/bor/s', true],
  ['/fee/bor/', '/foo/bar/', '/foo/bar/s', '/fee/bor/s', true],
  ['/', '/', '/foo/bars', '/foo/bars', false],
  ['/', '/', '/foo/bar/s', '/foo/bar/s', false],
  ['/', '/foo/bar', '/foo/bars', '/foo/bars', false],
  ['/', '/foo/bar/', '/foo/bar/s', '/foo/bar/s', false],
  ['/fee/bor', '/', '/foo/bars', '/fee/bor/foo/bars', false],
  ['/fee/bor', '/', '/foo/bar/s', '/fee/bor/foo/bar/s', false],
  ['/fee/bor', '/foo/bar', '/foo/bars', '/fee/bor/foo/bars', false],
  ['/fee/bor', '/foo/bar/', '/foo/bar/s', '/fee/bor/foo/bar/s', false],
  ['/fee/bor/', '/', '/foo/bars', '/fee/bor/foo/bars', false],
  ['/fee/bor/', '/', '/foo/bar/s', '/fee/bor/foo/bar/s', false],
  ['/fee/bor/', '/foo/bar', '/foo/bars', '/fee/bor/foo/bars', false],
  ['/fee/bor/', '/foo/bar/', '/foo/bar/s', '/fee/bor/foo/bar/s', false],
  // routes matching on host only (no paths)
  ['/', null, '/', '/', true],
  ['/', null, '/foo/bar', '/foo/bar', true],
  ['/fee/bor', null, '/', '/fee/bor', true],
  ['/fee/bor', null, '/foo/bar', '/fee/bor/foo/bar', true],
  ['/fee/bor', null, '/foo/bar/', '/fee/bor/foo/bar/', true],
  ['/fee/bor/', null, '/', '/fee/bor/', true],
  ['/fee/bor/', null, '/foo/bar', '/fee/bor/foo/bar', true],
  ['/fee/bor', null, '/foo/bar', '/fee/bor/foo/bar', false],
  ['/fee/bor/', null, '/', '/fee/bor/', false],
];

describe('path_handling v0 (Kong router spec, "slash handling")', () => {
  V0_TABLE.forEach(([s, r, req, out, strip], i) => {
    it(`(${i + 1}) ${s} ${r} ${req} strip=${strip} -> ${out}`, () => check(s, r, req, out, strip, 'v0'));
  });
});

// Kong 1.x router spec "slash handling": the behaviour path_handling v1 keeps.
const V1_TABLE: [string, string | null, string, string, boolean][] = [
  ['/', '/', '/', '/', true],
  ['/', '/', '/foo/bar', '/foo/bar', true],
  ['/', '/', '/foo/bar/', '/foo/bar/', true],
  ['/', '/foo/bar', '/foo/bar', '/', true],
  ['/', '/foo/bar', '/foo/bar/', '/', true],
  ['/', '/foo/bar/', '/foo/bar/', '/', true],
  ['/fee/bor', '/', '/', '/fee/bor', true],
  ['/fee/bor', '/', '/foo/bar', '/fee/borfoo/bar', true],
  ['/fee/bor', '/', '/foo/bar/', '/fee/borfoo/bar/', true],
  ['/fee/bor', '/foo/bar', '/foo/bar', '/fee/bor', true],
  ['/fee/bor', '/foo/bar', '/foo/bar/', '/fee/bor/', true],
  ['/fee/bor', '/foo/bar/', '/foo/bar/', '/fee/bor', true],
  ['/fee/bor/', '/', '/', '/fee/bor/', true],
  ['/fee/bor/', '/', '/foo/bar', '/fee/bor/foo/bar', true],
  ['/fee/bor/', '/', '/foo/bar/', '/fee/bor/foo/bar/', true],
  ['/fee/bor/', '/foo/bar', '/foo/bar', '/fee/bor/', true],
  ['/fee/bor/', '/foo/bar', '/foo/bar/', '/fee/bor/', true],
  ['/fee/bor/', '/foo/bar/', '/foo/bar/', '/fee/bor/', true],
  ['/', '/', '/', '/', false],
  ['/', '/', '/foo/bar', '/foo/bar', false],
  ['/', '/foo/bar', '/foo/bar/', '/foo/bar/', false],
  ['/fee/bor', '/', '/', '/fee/bor', false],
  ['/fee/bor', '/', '/foo/bar', '/fee/borfoo/bar', false],
  ['/fee/bor', '/foo/bar', '/foo/bar', '/fee/borfoo/bar', false],
  ['/fee/bor', '/foo/bar/', '/foo/bar/', '/fee/borfoo/bar/', false],
  ['/fee/bor/', '/', '/', '/fee/bor/', false],
  ['/fee/bor/', '/foo/bar', '/foo/bar/', '/fee/bor/foo/bar/', false],
  ['/fee/bor', '/foo/bar', '/foo/bars', '/fee/bors', true],
  ['/fee/bor', '/foo/bar/', '/foo/bar/s', '/fee/bors', true],
  ['/fee/bor/', '/foo/bar', '/foo/bars', '/fee/bor/s', true],
  ['/fee/bor', '/', '/foo/bars', '/fee/borfoo/bars', true],
  ['/fee/bor', null, '/', '/fee/bor', true],
  ['/fee/bor', null, '/foo/bar', '/fee/borfoo/bar', true],
  ['/fee/bor/', null, '/foo/bar/', '/fee/bor/foo/bar/', true],
  ['/fee/bor', null, '/foo/bar/', '/fee/borfoo/bar/', false],
];

describe('path_handling v1 (Kong 1.x router spec, "slash handling")', () => {
  V1_TABLE.forEach(([s, r, req, out, strip], i) => {
    it(`(${i + 1}) ${s} ${r} ${req} strip=${strip} -> ${out}`, () => check(s, r, req, out, strip, 'v1'));
  });
});

describe('regex routes: the whole regex match is what strip_path removes', () => {
  it('Kong proxy guide: paths ["~/version/\\d+/service"], strip_path: /version/1/service/path/to/resource -> /path/to/resource', () => {
    const route = { strip_path: true, path_handling: 'v0' as const };
    // The router hands over the regex's whole match as matchedPath.
    assert.equal(buildUpstreamPath('/', route, '/version/1/service/path/to/resource', '/version/1/service'), '/path/to/resource');
    assert.equal(buildUpstreamPath('/svc', route, '/version/1/service/path/to/resource', '/version/1/service'), '/svc/path/to/resource');
    assert.equal(buildUpstreamPath('/svc', route, '/version/1/service', '/version/1/service'), '/svc');
  });
  it('Kong proxy guide: paths ["/service"], strip_path: /service/path/to/resource -> /path/to/resource', () => {
    const route = { strip_path: true, path_handling: 'v0' as const };
    assert.equal(buildUpstreamPath('/', route, '/service/path/to/resource', '/service'), '/path/to/resource');
  });
});

describe('service path defaults and sanitising', () => {
  it('null or undefined service path means /', () => {
    const route = { strip_path: true, path_handling: 'v0' as const };
    assert.equal(buildUpstreamPath(null, route, '/api/x', '/api'), '/x');
    assert.equal(buildUpstreamPath(undefined, route, '/api/x', '/api'), '/x');
  });
  it('a postfix starting a dot segment is cut (Kong sanitize_uri_postfix)', () => {
    const route = { strip_path: true, path_handling: 'v0' as const };
    // /foo matches /foo../etc mid-segment: the upstream must not see `../etc`.
    assert.equal(buildUpstreamPath('/s', route, '/foo../etc', '/foo'), '/s/etc');
    assert.equal(buildUpstreamPath('/s', route, '/foo./x', '/foo'), '/s/x');
    assert.equal(buildUpstreamPath('/s', route, '/foo..', '/foo'), '/s');
  });
  it('sanitizeUriPostfix', () => {
    assert.equal(sanitizeUriPostfix(''), '');
    assert.equal(sanitizeUriPostfix('.'), '');
    assert.equal(sanitizeUriPostfix('..'), '');
    assert.equal(sanitizeUriPostfix('./a'), 'a');
    assert.equal(sanitizeUriPostfix('../a'), 'a');
    assert.equal(sanitizeUriPostfix('.a'), '.a');
    assert.equal(sanitizeUriPostfix('/a'), '/a');
  });
});
