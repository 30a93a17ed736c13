// Precedence between several matching routes: Kong 3 traditional_compatible's get_priority, through buildRouter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouter } from './build-router.ts';
import { comparePriority, routePriority } from './route-priority.ts';
import { request, route } from './fixtures.test-helper.ts';
import type { RouteRequest, RouterRoute } from './types.ts';

/** Name of the route that wins, or the result kind when none does. */
function winner(routes: RouterRoute[], req: RouteRequest, index = true): string {
  const r = buildRouter(routes, { index }).find(req);
  return r.kind === 'match' ? r.route.name! : r.kind;
}

/** Same scenario, whatever the order the routes are given in (only true ties depend on order). */
function winnerAnyOrder(routes: RouterRoute[], req: RouteRequest): string {
  const forward = winner(routes, req);
  assert.equal(winner([...routes].reverse(), req), forward, 'winner must not depend on config order');
  return forward;
}

describe('Kong docs "Matching priorities": the route with the most attributes is tried first', () => {
  const routes = [route({ name: 'host-only', hosts: ['example.com'] }), route({ name: 'host-and-method', hosts: ['example.com'], methods: ['POST'] })];
  it('GET / Host: example.com -> the first route', () => {
    assert.equal(winnerAnyOrder(routes, request({ path: '/', method: 'GET' })), 'host-only');
  });
  it('POST / Host: example.com -> the second route', () => {
    assert.equal(winnerAnyOrder(routes, request({ path: '/', method: 'POST' })), 'host-and-method');
  });
});

describe('Kong docs, path evaluation order: regexes by regex_priority, then prefixes longest first', () => {
  // In this order: /version/\d+/status/\d+, /status/\d+, /version/any/, /version
  const routes = [
    route({ name: 'status-regex', paths: ['~/status/\\d+'], regex_priority: 0 }),
    route({ name: 'version-status-regex', paths: ['~/version/\\d+/status/\\d+'], regex_priority: 6 }),
    route({ name: 'version', paths: ['/version'] }),
    route({ name: 'version-any', paths: ['/version/any/'] }),
  ];
  const cases: [string, string][] = [
    ['/version/1/status/2', 'version-status-regex'],
    ['/status/42', 'status-regex'],
    ['/version/any/thing', 'version-any'],
    ['/version/other', 'version'],
    ['/versions', 'version'], // a prefix has no segment boundary in Kong
    ['/other', 'none'],
  ];
  for (const [path, expected] of cases) {
    it(`${path} -> ${expected}`, () => assert.equal(winnerAnyOrder(routes, request({ path })), expected));
  }
  it('a regex beats a longer prefix that also matches', () => {
    const rs = [route({ name: 'long-prefix', paths: ['/version/1/status/2/and/more'] }), route({ name: 'regex', paths: ['~/version/\\d+'] })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/version/1/status/2/and/more' })), 'regex');
  });
  it('regex_priority is ignored for prefix paths (longest prefix wins)', () => {
    const rs = [route({ name: 'short-high', paths: ['/x'], regex_priority: 100 }), route({ name: 'long-low', paths: ['/x/y'], regex_priority: 0 })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/x/y/z' })), 'long-low');
  });
  it('negative regex_priority sorts below 0', () => {
    const rs = [route({ name: 'neg', paths: ['~/a'], regex_priority: -5 }), route({ name: 'zero', paths: ['~/a/b'], regex_priority: 0 })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/a/b' })), 'zero');
  });
});

describe('ties: older created_at first, then config order', () => {
  it('same regex_priority: lower created_at wins (Kong docs for regex_priority)', () => {
    const rs = [route({ name: 'newer', paths: ['~/a'], created_at: 2000 }), route({ name: 'older', paths: ['~/a/b'], created_at: 1000 })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/a/b' })), 'older');
  });
  it('same prefix length and created_at: first in config order wins', () => {
    const a = route({ name: 'first', paths: ['/ab'], created_at: 5 });
    const b = route({ name: 'second', paths: ['/ab'], created_at: 5 });
    assert.equal(winner([a, b], request({ path: '/ab' })), 'first');
    assert.equal(winner([b, a], request({ path: '/ab' })), 'second');
  });
  it('routes without created_at follow dated ones', () => {
    const rs = [route({ name: 'undated', paths: ['/ab'] }), route({ name: 'dated', paths: ['/ab'], created_at: 99 })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/ab' })), 'dated');
  });
});

describe('bit order: weight > plain hosts > header count > regex > regex_priority > prefix length', () => {
  it('more attributes beat more headers', () => {
    const rs = [
      route({ name: 'paths+5-headers', paths: ['/'], headers: { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'] } }),
      route({ name: 'paths+hosts+methods', paths: ['/'], hosts: ['example.com'], methods: ['GET'] }),
    ];
    const headers = { a: '1', b: '1', c: '1', d: '1', e: '1' };
    assert.equal(winnerAnyOrder(rs, request({ path: '/x', headers })), 'paths+hosts+methods');
  });
  it('plain hosts beat wildcard hosts at equal weight', () => {
    const rs = [route({ name: 'wildcard', hosts: ['*.example.com'] }), route({ name: 'plain', hosts: ['api.example.com'] })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/', host: 'api.example.com' })), 'plain');
    assert.equal(winnerAnyOrder(rs, request({ path: '/', host: 'www.example.com' })), 'wildcard');
  });
  it('a route mixing plain and wildcard hosts is not "plain hosts only"', () => {
    const rs = [
      route({ name: 'mixed', hosts: ['api.example.com', '*.other.com'], paths: ['/long/prefix'] }),
      route({ name: 'plain', hosts: ['api.example.com'], paths: ['/'] }),
    ];
    assert.equal(winnerAnyOrder(rs, request({ path: '/long/prefix', host: 'api.example.com' })), 'plain');
  });
  it('plain hosts beat more headers', () => {
    const rs = [
      route({ name: 'wildcard+2-headers', hosts: ['*.example.com'], headers: { a: ['1'], b: ['1'] } }),
      route({ name: 'plain+1-header', hosts: ['api.example.com'], headers: { a: ['1'] } }),
    ];
    const req = request({ path: '/', host: 'api.example.com', headers: { a: '1', b: '1' } });
    assert.equal(winnerAnyOrder(rs, req), 'plain+1-header');
  });
  it('more header names beat a regex path', () => {
    const rs = [
      route({ name: 'regex+1-header', paths: ['~/a'], headers: { a: ['1'] } }),
      route({ name: 'prefix+2-headers', paths: ['/a'], headers: { a: ['1'], b: ['1'] } }),
    ];
    assert.equal(winnerAnyOrder(rs, request({ path: '/a', headers: { a: '1', b: '1' } })), 'prefix+2-headers');
  });
  it('regex_priority beats a longer regex', () => {
    const rs = [route({ name: 'long', paths: ['~/aaaaaaaaaaaaaaaa'], regex_priority: 1 }), route({ name: 'short', paths: ['~/a'], regex_priority: 2 })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/aaaaaaaaaaaaaaaa' })), 'short');
  });
  it('a route with no attributes at all is the last resort', () => {
    const rs = [route({ name: 'catch-all' }), route({ name: 'api', paths: ['/api'] })];
    assert.equal(winnerAnyOrder(rs, request({ path: '/api/x' })), 'api');
    assert.equal(winnerAnyOrder(rs, request({ path: '/else' })), 'catch-all');
  });
});

describe('routes with several paths are split per path kind and length (Kong split_routes_and_services_by_path)', () => {
  const rs = [route({ name: 'R', paths: ['/a', '/a/b/c'] }), route({ name: 'S', paths: ['/a/b'] })];
  it('/a/b/c/d -> R through its /a/b/c piece', () => assert.equal(winnerAnyOrder(rs, request({ path: '/a/b/c/d' })), 'R'));
  it("/a/b/x -> S: R's /a piece is shorter than /a/b", () => assert.equal(winnerAnyOrder(rs, request({ path: '/a/b/x' })), 'S'));
  it('/a/x -> R', () => assert.equal(winnerAnyOrder(rs, request({ path: '/a/x' })), 'R'));
  it('the regex piece of a mixed route sorts with regexes', () => {
    const mixed = [route({ name: 'mixed', paths: ['/zz', '~/a/\\d+'] }), route({ name: 'prefix', paths: ['/a/1234567890'] })];
    assert.equal(winnerAnyOrder(mixed, request({ path: '/a/1234567890' })), 'mixed');
    const m = buildRouter(mixed).find(request({ path: '/zz' }));
    assert.equal(m.kind === 'match' && m.matchedPath, '/zz');
  });
});

describe('routePriority / comparePriority', () => {
  it('counts methods, hosts, headers, snis and paths once each', () => {
    const p = routePriority(route({ name: 'all', methods: ['GET'], hosts: ['h'], headers: { a: ['1'], b: ['2'] }, snis: ['h'], paths: ['/x'] }), 0, false, 2);
    assert.equal(p.weight, 5);
    assert.equal(p.headerCount, 2);
    assert.equal(p.plainHostsOnly, true);
  });
  it('empty lists do not count; null hosts are not plain, an empty list is (as Kong)', () => {
    const p = routePriority(route({ name: 'e', methods: [], hosts: [], paths: [] }), 0, false, 0);
    assert.equal(p.weight, 0);
    assert.equal(p.plainHostsOnly, true);
    assert.equal(routePriority(route({ name: 'n', hosts: null }), 0, false, 0).plainHostsOnly, false);
  });
  it('caps the header count at 255', () => {
    const headers = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`h${i}`, ['v']]));
    assert.equal(routePriority(route({ name: 'h', headers }), 0, false, 0).headerCount, 255);
  });
  it('is a strict order', () => {
    const a = routePriority(route({ name: 'a', paths: ['/a'] }), 0, false, 2);
    const b = routePriority(route({ name: 'b', paths: ['/a'] }), 1, false, 2);
    assert.ok(comparePriority(a, b) < 0);
    assert.ok(comparePriority(b, a) > 0);
    assert.equal(comparePriority(a, a), 0);
  });
});
