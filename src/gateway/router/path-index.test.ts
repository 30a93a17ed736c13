// The first-segment index must never change an answer: checked against the plain scan on random configs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouter } from './build-router.ts';
import { regexFirstSegment } from './path-index.ts';
import { request, route } from './fixtures.test-helper.ts';
import type { RouteResult, RouterRoute } from './types.ts';

describe('regexFirstSegment', () => {
  const cases: [string, string | null][] = [
    ['/users/\\d+', 'users'],
    ['/users/(?<id>\\d+)', 'users'],
    ['/api\\.v1/x', 'api.v1'],
    ['/a-b_c~d/', 'a-b_c~d'],
    ['\\/users\\/x', null], // does not start with a literal '/'
    ['/users\\/x', 'users'],
    ['/users', null], // no second slash: could be /users.json, /usersX
    ['/users?/x', null], // quantifier on the last letter
    ['/users/?x', null], // optional slash
    ['/user+/x', null],
    ['/us.rs/x', null], // . is any character
    ['/(users)/x', null],
    ['/users/x|/admin/y', null], // alternation
    ['/[a-z]+/x', null],
    ['//x', null],
    ['(?i)/users/x', null],
    ['/users{2}/x', null],
  ];
  for (const [src, key] of cases) it(`${src} -> ${key}`, () => assert.equal(regexFirstSegment(src), key));
});

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENTS = ['api', 'ap', 'orders', 'ord', 'users', 'v1', 'v10', 'x', '1', '42', 'a.b'];
const REGEXES = [
  '~/api/\\d+',
  '~/orders/(?<id>\\d+)',
  '~/(api|users)/x',
  '~/ord[a-z]*',
  '~/users/\\d+/?$',
  '~/v1\\.?/',
  '~/[0-9]+',
  '~/api/v1|/users',
  '~/a\\.b/',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const HOSTS = ['example.com', 'api.example.com', '*.example.com', 'example.*', 'other.test'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function randomPath(r: () => number): string {
  const n = Math.floor(r() * 4);
  let p = '';
  for (let i = 0; i < n; i++) p += '/' + pick(r, SEGMENTS);
  if (p === '' || r() < 0.3) p += '/';
  return p;
}

function randomRoutes(r: () => number, count: number): RouterRoute[] {
  const routes: RouterRoute[] = [];
  for (let i = 0; i < count; i++) {
    const fields: Partial<RouterRoute> & { name: string } = { name: `r${i}` };
    const kind = r();
    if (kind < 0.6) fields.paths = Array.from({ length: 1 + Math.floor(r() * 2) }, () => randomPath(r));
    else if (kind < 0.85) fields.paths = [pick(r, REGEXES), ...(r() < 0.3 ? [randomPath(r)] : [])];
    if (r() < 0.3) fields.hosts = [pick(r, HOSTS)];
    if (r() < 0.4) fields.methods = [pick(r, METHODS), pick(r, METHODS)];
    if (r() < 0.1) fields.headers = { 'x-v': ['1'] };
    if (r() < 0.2) fields.regex_priority = Math.floor(r() * 3);
    if (r() < 0.1) fields.protocols = [pick(r, ['http', 'https'] as const)];
    else if (r() < 0.05) fields.protocols = [pick(r, ['ws', 'wss'] as const)];
    if (!fields.paths && !fields.hosts && !fields.methods && !fields.headers) fields.hosts = [pick(r, HOSTS)];
    routes.push(route(fields));
  }
  return routes;
}

function describeResult(res: RouteResult): string {
  switch (res.kind) {
    case 'match':
      return `match ${res.route.name} ${res.matchedPath} ${JSON.stringify(res.captures ?? null)}`;
    case 'https-required':
      return `https-required ${res.route.name}`;
    case 'websocket-required':
      return `websocket-required ${res.route.name}`;
    case 'method-not-allowed':
      return `405 ${res.allow.join(',')}`;
    default:
      return res.kind;
  }
}

describe('indexed lookup == plain priority scan', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random config, seed ${seed}`, () => {
      const r = rng(seed);
      const routes = randomRoutes(r, 40 + Math.floor(r() * 60));
      const indexed = buildRouter(routes);
      const linear = buildRouter(routes, { index: false });
      let matches = 0;
      for (let i = 0; i < 1500; i++) {
        const req = request({
          path: randomPath(r) + (r() < 0.5 ? pick(r, SEGMENTS) : ''),
          method: pick(r, METHODS),
          host: pick(r, ['example.com', 'api.example.com', 'www.example.com', 'example.org', 'other.test']),
          headers: r() < 0.2 ? { 'x-v': '1' } : {},
          scheme: r() < 0.8 ? 'http' : 'https',
          upgrade: r() < 0.2,
        });
        const expected = describeResult(linear.find(req));
        assert.equal(describeResult(indexed.find(req)), expected, `request ${JSON.stringify(req)}`);
        if (expected.startsWith('match')) matches++;
      }
      assert.ok(matches > 100, `the random requests must exercise matches (got ${matches})`);
    });
  }
});
