// buildRouter().find(): hosts, headers, methods, paths and captures, protocols, 405, and config errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouter } from './build-router.ts';
import { request, route } from './fixtures.test-helper.ts';
import type { RouteRequest, RouteResult, RouterRoute } from './types.ts';

function find(routes: RouterRoute[], req: RouteRequest): RouteResult {
  return buildRouter(routes).find(req);
}

function matched(routes: RouterRoute[], req: RouteRequest): string {
  const r = find(routes, req);
  return r.kind === 'match' ? r.route.name! : r.kind;
}

describe('hosts', () => {
  const rs = [
    route({ name: 'exact', hosts: ['Example.COM'] }),
    route({ name: 'suffix', hosts: ['*.example.org'] }),
    route({ name: 'prefix', hosts: ['example.*'] }),
    route({ name: 'port', hosts: ['ported.test:8080'] }),
    route({ name: 'wild-port', hosts: ['*.ported.test:8443'] }),
  ];
  const cases: [Partial<RouteRequest>, string][] = [
    [{ host: 'example.com' }, 'exact'], // config is compared lower-cased
    [{ host: 'a.example.org' }, 'suffix'], // Kong docs: *.example.com matches a.example.com ...
    [{ host: 'x.y.example.org' }, 'suffix'], // ... and x.y.example.com
    [{ host: 'example.org' }, 'prefix'], // example.* matches example.com and example.org; not *.example.org
    [{ host: 'example.co.uk' }, 'prefix'],
    [{ host: 'example' }, 'none'],
    [{ host: 'notexample.com' }, 'none'],
    [{ host: 'ported.test', port: 8080 }, 'port'],
    [{ host: 'ported.test', port: 80 }, 'none'],
    [{ host: 'ported.test' }, 'none'], // port unknown: a host:port route cannot match
    [{ host: 'a.ported.test', port: 8443 }, 'wild-port'],
    [{ host: 'a.ported.test', port: 443 }, 'none'],
    [{ host: 'other.test' }, 'none'],
  ];
  for (const [fields, expected] of cases) {
    it(`${fields.host}${fields.port ? ':' + fields.port : ''} -> ${expected}`, () => {
      assert.equal(matched(rs, request({ path: '/', ...fields })), expected);
    });
  }
  it('a host without port matches on any port', () => {
    assert.equal(matched(rs, request({ path: '/', host: 'example.com', port: 12345 })), 'exact');
  });
  it('refuses a misplaced wildcard at build time, naming the route', () => {
    for (const bad of ['a.*.com', '*example.com', 'ex*.com', '**.a.com', '*']) {
      assert.throws(() => buildRouter([route({ name: 'bad', hosts: [bad] })]), /invalid wildcard host/);
    }
  });
});

describe('headers (Kong 3: any listed value, case-insensitive; ~* regex)', () => {
  const rs = [
    route({ name: 'version', headers: { 'X-Version': ['v1', 'V2'] } }),
    route({ name: 'two', headers: { 'x-a': ['1'], 'x-b': ['2'] } }),
    route({ name: 'regex', headers: { 'x-client': ['~*^mobile-\\d+$'] } }),
    route({ name: 'search', headers: { 'user-agent': ['~*curl'] } }),
  ];
  const cases: [Record<string, string | string[]>, string][] = [
    [{ 'x-version': 'v1' }, 'version'],
    [{ 'x-version': 'V1' }, 'version'],
    [{ 'x-version': 'v2' }, 'version'],
    [{ 'x-version': 'v3' }, 'none'],
    [{ 'x-version': 'v1 ' }, 'none'], // exact value, no trimming
    [{ 'x-version': ['v9', 'v2'] }, 'version'], // a repeated header matches when any value does
    [{ 'x-a': '1', 'x-b': '2' }, 'two'],
    [{ 'x-a': '1' }, 'none'], // all names must match
    [{ 'x-a': '1', 'x-b': '3' }, 'none'],
    [{ 'x-client': 'mobile-42' }, 'regex'],
    [{ 'x-client': 'MOBILE-42' }, 'regex'],
    [{ 'x-client': 'mobile-42x' }, 'none'],
    [{ 'user-agent': 'Mozilla (compatible; CURL/8)' }, 'search'], // unanchored search
    [{}, 'none'],
  ];
  for (const [headers, expected] of cases) {
    it(`${JSON.stringify(headers)} -> ${expected}`, () => {
      assert.equal(matched(rs, request({ path: '/', headers })), expected);
    });
  }
  it('refuses an invalid header regex at build time', () => {
    assert.throws(() => buildRouter([route({ name: 'bad', headers: { a: ['~*(unclosed'] } })]), /route .*invalid regex in header a/);
  });
});

describe('methods', () => {
  it('matches only listed methods', () => {
    const rs = [route({ name: 'get', methods: ['GET', 'HEAD'], paths: ['/r'] })];
    assert.equal(matched(rs, request({ path: '/r', method: 'GET' })), 'get');
    assert.equal(matched(rs, request({ path: '/r', method: 'HEAD' })), 'get');
    assert.equal(matched(rs, request({ path: '/r', method: 'get' })), 'method-not-allowed');
  });
});

describe('paths: prefixes', () => {
  const rs = [route({ name: 'api', paths: ['/api/v1'] }), route({ name: 'root', paths: ['/'] })];
  it('matches by string prefix and returns the prefix as matchedPath', () => {
    const r = find(rs, request({ path: '/api/v1/orders' }));
    assert.equal(r.kind, 'match');
    assert.equal(r.kind === 'match' && r.matchedPath, '/api/v1');
    assert.equal(r.kind === 'match' && r.captures, undefined);
  });
  it('/api/v10 also matches /api/v1 (Kong prefixes have no segment boundary)', () => {
    assert.equal(matched(rs, request({ path: '/api/v10' })), 'api');
  });
  it('/ catches the rest', () => assert.equal(matched(rs, request({ path: '/other' })), 'root'));
  it('is case-sensitive', () => assert.equal(matched(rs, request({ path: '/API/v1' })), 'root'));
  it('route prefixes are normalised like requests', () => {
    const r2 = [route({ name: 'n', paths: ['/%7euser//docs/'] })];
    const m = find(r2, request({ path: '/~user/docs/x' }));
    assert.equal(m.kind === 'match' && m.matchedPath, '/~user/docs/');
  });
  it('a route path that cannot be normalised is a build error', () => {
    assert.throws(() => buildRouter([route({ name: 'bad', paths: ['/a%2Fb'] })]), /route .* path '\/a%2Fb' cannot be normalised/);
  });
  it('a route without paths matches any path with matchedPath ""', () => {
    const m = find([route({ name: 'host', hosts: ['example.com'] })], request({ path: '/x/y' }));
    assert.equal(m.kind === 'match' && m.matchedPath, '');
  });
  it('prefix matches return a shared frozen result (no per-request allocation)', () => {
    const router = buildRouter(rs);
    const a = router.find(request({ path: '/api/v1/a' }));
    const b = router.find(request({ path: '/api/v1/b' }));
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
  });
});

describe('paths: regexes (~), anchored at the start, captures as Kong uri_captures', () => {
  it('Kong docs: ~/version/(?<version>\\d+)/users/(?<user>\\S+)', () => {
    const rs = [route({ name: 'r', paths: ['~/version/(?<version>\\d+)/users/(?<user>\\S+)'] })];
    const m = find(rs, request({ path: '/version/1/users/john' }));
    assert.equal(m.kind, 'match');
    if (m.kind !== 'match') return;
    assert.equal(m.matchedPath, '/version/1/users/john');
    assert.deepEqual(m.captures, { 0: '/version/1/users/john', 1: '1', 2: 'john', version: '1', user: 'john' });
  });
  it('accepts the Rust/Python (?P<name>...) spelling', () => {
    const m = find([route({ name: 'r', paths: ['~/items/(?P<id>[0-9]+)'] })], request({ path: '/items/7' }));
    assert.deepEqual(m.kind === 'match' && m.captures, { 0: '/items/7', 1: '7', id: '7' });
  });
  it('positional captures, unmatched groups left out', () => {
    const m = find([route({ name: 'r', paths: ['~/a/(\\d+)(/x)?'] })], request({ path: '/a/12/y' }));
    assert.deepEqual(m.kind === 'match' && m.captures, { 0: '/a/12', 1: '12' });
    assert.equal(m.kind === 'match' && m.matchedPath, '/a/12'); // not anchored at the end
  });
  it('no groups: no captures', () => {
    const m = find([route({ name: 'r', paths: ['~/a/\\d+'] })], request({ path: '/a/1' }));
    assert.equal(m.kind === 'match' && m.captures, undefined);
  });
  it('anchored at the start', () => {
    const rs = [route({ name: 'r', paths: ['~/users/\\d+'] })];
    assert.equal(matched(rs, request({ path: '/api/users/1' })), 'none');
    assert.equal(matched(rs, request({ path: '/users/1' })), 'r');
  });
  it('every alternative is anchored', () => {
    const rs = [route({ name: 'r', paths: ['~/a|/b'] })];
    assert.equal(matched(rs, request({ path: '/b/x' })), 'r');
    assert.equal(matched(rs, request({ path: '/x/b' })), 'none');
  });
  it('a leading (?i) becomes the i flag', () => {
    const rs = [route({ name: 'r', paths: ['~(?i)/Orders'] })];
    assert.equal(matched(rs, request({ path: '/ORDERS/1' })), 'r');
  });
  it('an invalid or unbalanced regex is a build error naming the route', () => {
    const bad = route({ name: 'bad', paths: ['~/a)(b'] });
    assert.throws(() => buildRouter([bad]), new RegExp(`route ${bad.id}: invalid regex in path`));
    assert.throws(() => buildRouter([route({ name: 'x', paths: ['~(?x)/a'] })]), /unsupported inline flag/);
  });
});

describe('protocols', () => {
  const rs = [
    route({ name: 'secure', paths: ['/secure'], protocols: ['https'] }),
    route({ name: 'plain-only', paths: ['/plain'], protocols: ['http'] }),
    route({ name: 'root', paths: ['/'] }),
  ];
  it('https-only route on http: https-required (Kong 426), no fall-through to /', () => {
    const r = find(rs, request({ path: '/secure/x', scheme: 'http' }));
    assert.equal(r.kind, 'https-required');
    assert.equal(r.kind === 'https-required' && r.route.name, 'secure');
  });
  it('https-only route on https: match', () => {
    assert.equal(matched(rs, request({ path: '/secure/x', scheme: 'https' })), 'secure');
  });
  it('http-only route on https: does not match, a route allowing https takes it', () => {
    assert.equal(matched(rs, request({ path: '/plain', scheme: 'https' })), 'root');
    assert.equal(matched([rs[1]!], request({ path: '/plain', scheme: 'https' })), 'none');
    assert.equal(matched(rs, request({ path: '/plain', scheme: 'http' })), 'plain-only');
  });
  it('https-required only when everything else matched', () => {
    assert.equal(matched([rs[0]!], request({ path: '/other', scheme: 'http' })), 'none');
  });
});

describe('WebSocket protocols (ws plain, wss over TLS: handshakes only)', () => {
  const rs = [
    route({ name: 'ws', paths: ['/ws'], protocols: ['ws'] }),
    route({ name: 'ws-any', paths: ['/both'], protocols: ['ws', 'wss'] }),
    route({ name: 'wss', paths: ['/wss'], protocols: ['wss'] }),
    route({ name: 'root', paths: ['/'] }),
  ];
  it('an http route takes handshakes too (nginx proxies any websocket upgrade)', () => {
    assert.equal(matched(rs, request({ path: '/x', upgrade: true })), 'root');
    assert.equal(matched(rs, request({ path: '/x', scheme: 'https', upgrade: true })), 'root');
  });
  it('ws takes plain handshakes; wss TLS ones', () => {
    assert.equal(matched(rs, request({ path: '/ws', upgrade: true })), 'ws');
    assert.equal(matched(rs, request({ path: '/wss', scheme: 'https', upgrade: true })), 'wss');
    assert.equal(matched(rs, request({ path: '/both', upgrade: true })), 'ws-any');
    assert.equal(matched(rs, request({ path: '/both', scheme: 'https', upgrade: true })), 'ws-any');
  });
  it('a request that is no handshake on a WebSocket-only winner: websocket-required (426), no fall-through to /', () => {
    for (const [path, scheme] of [
      ['/ws', 'http'],
      ['/both', 'http'],
      ['/both', 'https'],
      ['/wss', 'https'],
    ] as const) {
      const r = find(rs, request({ path, scheme }));
      assert.equal(r.kind, 'websocket-required', `${scheme} ${path}`);
    }
  });
  it('a plain handshake on a wss-only route: https-required, as for https routes', () => {
    assert.equal(find(rs, request({ path: '/wss', upgrade: true })).kind, 'https-required');
    assert.equal(find(rs, request({ path: '/wss' })).kind, 'https-required');
  });
  it('a TLS handshake on a ws-only route: no match there, a route allowing it takes it', () => {
    assert.equal(matched(rs, request({ path: '/ws', scheme: 'https', upgrade: true })), 'root');
    assert.equal(matched([rs[0]!], request({ path: '/ws', scheme: 'https', upgrade: true })), 'none');
    assert.equal(matched([rs[0]!], request({ path: '/ws', scheme: 'https' })), 'none');
  });
});

describe('snis (checked on https only, as Kong)', () => {
  const rs = [route({ name: 'sni', snis: ['api.example.com.'], paths: ['/'] })];
  it('http ignores snis', () => assert.equal(matched(rs, request({ path: '/', scheme: 'http' })), 'sni'));
  it('https needs a listed SNI (trailing dot in config ignored)', () => {
    assert.equal(matched(rs, request({ path: '/', scheme: 'https', sni: 'api.example.com' })), 'sni');
    assert.equal(matched(rs, request({ path: '/', scheme: 'https', sni: 'other.com' })), 'none');
    assert.equal(matched(rs, request({ path: '/', scheme: 'https' })), 'none');
  });
});

describe('405: no route matches, but some would with another method', () => {
  const rs = [
    route({ name: 'get', paths: ['/orders'], methods: ['GET'] }),
    route({ name: 'post', paths: ['/orders'], methods: ['POST', 'GET'] }),
    route({ name: 'put-item', paths: ['~/orders/\\d+$'], methods: ['PUT'] }),
    route({ name: 'elsewhere', paths: ['/users'], methods: ['DELETE'] }),
    route({ name: 'other-host', hosts: ['other.test'], paths: ['/orders'], methods: ['PATCH'] }),
    route({ name: 'needs-header', paths: ['/orders'], methods: ['OPTIONS'], headers: { 'x-cors': ['1'] } }),
  ];
  it('answers the sorted union of the methods of the routes that matched otherwise', () => {
    assert.deepEqual(find(rs, request({ path: '/orders', method: 'DELETE' })), { kind: 'method-not-allowed', allow: ['GET', 'POST'] });
  });
  it('includes regex routes that match the path', () => {
    assert.deepEqual(find(rs, request({ path: '/orders/12', method: 'DELETE' })), {
      kind: 'method-not-allowed',
      allow: ['GET', 'POST', 'PUT'],
    });
  });
  it('routes whose host or headers do not match do not count', () => {
    const r = find(rs, request({ path: '/orders', method: 'DELETE', headers: { 'x-cors': '1' } }));
    assert.deepEqual(r, { kind: 'method-not-allowed', allow: ['GET', 'OPTIONS', 'POST'] });
  });
  it('nothing on the path at all: none', () => {
    assert.deepEqual(find(rs, request({ path: '/nothing', method: 'GET' })), { kind: 'none' });
  });
  it('a lower-priority route matching fully beats a 405 from a better one', () => {
    const r2 = [route({ name: 'specific', paths: ['/orders/x'], methods: ['POST'] }), route({ name: 'any', paths: ['/orders'] })];
    assert.equal(matched(r2, request({ path: '/orders/x', method: 'GET' })), 'any');
  });
  it('http-only routes do not count on https', () => {
    const r2 = [route({ name: 'p', paths: ['/p'], methods: ['GET'], protocols: ['http'] })];
    assert.deepEqual(find(r2, request({ path: '/p', method: 'POST', scheme: 'https' })), { kind: 'none' });
    assert.deepEqual(find(r2, request({ path: '/p', method: 'POST', scheme: 'http' })), { kind: 'method-not-allowed', allow: ['GET'] });
  });
});

describe('config the router cannot honour', () => {
  it('sources / destinations are refused (stream routes only)', () => {
    assert.throws(() => buildRouter([route({ name: 's', paths: ['/'], sources: [{ ip: '10.0.0.1' }] })]), /stream routes only/);
  });
  it('an empty route list never matches', () => {
    assert.deepEqual(buildRouter([]).find(request({ path: '/' })), { kind: 'none' });
  });
});
