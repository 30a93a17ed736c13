// normalizeRequestTarget: canonical spellings accepted, every ambiguous or malformed class refused with 400.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequestTarget, normalizePath } from './normalize.ts';
import { GatewayError } from '../../errors/gateway-error.ts';

function expectPath(target: string, path: string, querystring = ''): void {
  assert.deepEqual(normalizeRequestTarget(target), { path, querystring }, `target ${JSON.stringify(target)}`);
}

function expectRejected(target: string, code: 'PATH_AMBIGUOUS' | 'BAD_REQUEST'): void {
  assert.throws(
    () => normalizeRequestTarget(target),
    (err: unknown) => {
      assert.ok(err instanceof GatewayError, `target ${JSON.stringify(target)} threw ${String(err)}`);
      assert.equal(err.code, code, `target ${JSON.stringify(target)}: ${err.detail}`);
      assert.equal(err.status, 400);
      assert.ok(err.detail && err.detail.length > 0);
      return true;
    },
    `target ${JSON.stringify(target)} must be refused`,
  );
}

describe('normalizeRequestTarget: canonical targets pass through unchanged', () => {
  for (const t of ['/', '/api/orders', '/api/orders/', '/a-b_c.d~e/F00', '/v1/x.json', '/a..b/c.', '/...x']) {
    it(t, () => {
      const r = normalizeRequestTarget(t);
      assert.equal(r.path, t);
      assert.equal(r.querystring, '');
    });
  }
  it('returns the very same string on the fast path (no copy)', () => {
    const t = '/api/orders/123';
    assert.equal(normalizeRequestTarget(t).path, t);
  });
});

describe('normalizeRequestTarget: query string is split off and returned raw', () => {
  const cases: [string, string, string][] = [
    ['/api?x=1', '/api', 'x=1'],
    ['/api?', '/api', ''],
    ['/api?a=%2F..%2F&b=%zz&c=//', '/api', 'a=%2F..%2F&b=%zz&c=//'],
    ['/a/../b?next=/../../etc', '/b', 'next=/../../etc'],
    ['/api??x', '/api', '?x'],
    ['/%61pi?x=%41', '/api', 'x=%41'],
  ];
  for (const [t, p, q] of cases) it(t, () => expectPath(t, p, q));
  it('rejects raw spaces, control characters and # in the query', () => {
    expectRejected('/api?a=b c', 'BAD_REQUEST');
    expectRejected('/api?a=\u0000', 'BAD_REQUEST');
    expectRejected('/api?a=\r\nX: y', 'BAD_REQUEST');
    expectRejected('/api?a=b#frag', 'BAD_REQUEST');
  });
});

describe('normalizeRequestTarget: percent-encoding made canonical', () => {
  const cases: [string, string][] = [
    ['/%41%42c', '/ABc'], // unreserved letters decoded
    ['/a%2db%5fc%7ed%2Ee', '/a-b_c~d.e'], // unreserved punctuation decoded
    ['/%31%32%33', '/123'],
    ['/a%3bb', '/a%3Bb'], // reserved stays encoded, hex upper-cased
    ['/a%3Fb%23c', '/a%3Fb%23c'], // encoded ? and # stay encoded (they are data)
    ['/a%20b', '/a%20b'],
    ['/100%25', '/100%25'], // a literal percent sign
    ['/%25zz', '/%25zz'], // %25 not followed by two hex digits is not double encoding
    ['/caf%c3%a9', '/caf%C3%A9'], // UTF-8 é
    ['/%e2%82%ac', '/%E2%82%AC'], // €
    ['/%f0%9f%98%80', '/%F0%9F%98%80'], // 😀 (4 bytes)
    ['/caf\u00c3\u00a9', '/caf%C3%A9'], // raw UTF-8 bytes as Node hands them over (latin1)
    ['/a"b<c>d', '/a%22b%3Cc%3Ed'], // raw characters RFC 3986 forbids get encoded
    ['/a{b}|c^d`e[f]', '/a%7Bb%7D%7Cc%5Ed%60e%5Bf%5D'],
    ["/a!$&'()*+,;=:@b", "/a!$&'()*+,;=:@b"], // sub-delims, ':' and '@' are fine raw
  ];
  for (const [t, p] of cases) it(`${t} -> ${p}`, () => expectPath(t, p));
});

describe('normalizeRequestTarget: dot segments resolved inside the root (as Envoy)', () => {
  const cases: [string, string][] = [
    ['/api/orders/../users', '/api/users'],
    ['/api/orders/%2e%2e/users', '/api/users'],
    ['/api/orders/%2E%2E/users', '/api/users'],
    ['/api/orders/.%2e/users', '/api/users'],
    ['/api/orders/%2e./users', '/api/users'],
    ['/api/./orders', '/api/orders'],
    ['/api/%2e/orders', '/api/orders'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/b/../', '/a/'],
    ['/a/..', '/'],
    ['/.', '/'],
    ['/./', '/'],
    ['/a/./b/./c', '/a/b/c'],
    ['/a/b/c/../../d', '/a/d'],
    ['/.well-known/acme', '/.well-known/acme'], // a dot-leading name is not a dot segment
    ['/a/.../b', '/a/.../b'],
    ['/a/..b/c', '/a/..b/c'],
  ];
  for (const [t, p] of cases) it(`${t} -> ${p}`, () => expectPath(t, p));
});

describe('normalizeRequestTarget: repeated slashes merged (as Envoy merge_slashes)', () => {
  const cases: [string, string][] = [
    ['/api//orders', '/api/orders'],
    ['//api/orders', '/api/orders'],
    ['/api///orders//', '/api/orders/'],
    ['//', '/'],
    ['/api/orders//', '/api/orders/'],
    // Dots first, then merging (Envoy order): `..` consumes the empty segment between `//`.
    ['/a//../b', '/a/b'],
    ['//..', '/'],
  ];
  for (const [t, p] of cases) it(`${t} -> ${p}`, () => expectPath(t, p));
});

describe('normalizeRequestTarget: absolute-form takes the path, other forms are refused', () => {
  it('http://h/p?q', () => expectPath('http://example.com/p/../q?x=1', '/q', 'x=1'));
  it('HTTPS://h:8443/p', () => expectPath('HTTPS://example.com:8443/p', '/p'));
  it('http://h (empty path is /)', () => expectPath('http://example.com', '/'));
  it('http://h?q (empty path is /)', () => expectPath('http://example.com?x', '/', 'x'));
  it('refuses asterisk-form', () => expectRejected('*', 'BAD_REQUEST'));
  it('refuses authority-form', () => expectRejected('example.com:443', 'BAD_REQUEST'));
  it('refuses an empty target', () => expectRejected('', 'BAD_REQUEST'));
  it('refuses a target starting with ?', () => expectRejected('?a=b', 'BAD_REQUEST'));
  it('refuses relative paths', () => expectRejected('api/orders', 'BAD_REQUEST'));
  it('refuses other schemes and empty authorities', () => {
    expectRejected('ftp://example.com/x', 'BAD_REQUEST');
    expectRejected('http:///x', 'BAD_REQUEST');
    expectRejected('http://h#x', 'BAD_REQUEST');
  });
  it('normalises an absolute-form path like any other', () => expectRejected('http://h/a/%2e%2e/%2e%2e', 'PATH_AMBIGUOUS'));
});

describe('normalizeRequestTarget: rejection classes', () => {
  const ambiguous: Record<string, string[]> = {
    'encoded slash': [
      '/api/orders%2Fusers',
      '/api/orders%2fusers',
      '/api/orders/%2E%2E%2Fusers',
      '/api/orders/..%2fusers',
      '/api/orders/..%2Fusers',
      '/%2F',
      '/a/%2f/b',
    ],
    'encoded backslash': ['/api/orders%5c..%5cusers', '/api/orders%5C..%5Cusers', '/a/..%5c', '/%5C'],
    'dot segments above the root': [
      '/..',
      '/../etc/passwd',
      '/a/../..',
      '/a/../../b',
      '/%2e%2e',
      '/%2E%2E/x',
      '/.%2e/x',
      '/%2e./x',
      '/api/%2e%2e/%2e%2e/etc',
      '/./..',
      '/a/./../../b',
    ],
    'invalid escapes': ['/a%zz', '/a%', '/a%4', '/a%4g', '/%%41', '/a%g0b', '/%u002e'],
    'double encoding': ['/%252e%252e/x', '/a/%252F', '/%252f', '/a%2541', '/a%2532'],
    'encoded control characters': ['/a%00b', '/a%0d%0aX-Injected:%20y', '/a%0A', '/a%09', '/a%7f', '/a%1F'],
    'invalid UTF-8 (overlong and malformed)': [
      '/api/%c0%ae%c0%ae/users', // overlong '.'
      '/%c0%af', // overlong '/'
      '/%e0%80%ae', // 3-byte overlong '.'
      '/%f0%80%80%ae', // 4-byte overlong '.'
      '/%c1%bf',
      '/%ed%a0%80', // UTF-16 surrogate
      '/%f4%90%80%80', // above U+10FFFF
      '/%f5%80%80%80',
      '/%ff',
      '/caf%e9', // latin1 é: lead byte with no continuation
      '/%c3', // truncated at the end
      '/%c3/x', // truncated before a slash
      '/%c3a', // ASCII where a continuation byte belongs
      '/%80', // lone continuation byte
      '/\u00c0\u00ae', // the same overlong, sent raw
    ],
    'dot segment with a path parameter': ['/api/public/..;/admin', '/api/%2e%2e;/admin', '/a/.;/b', '/a/..;x/b'],
  };
  for (const [klass, targets] of Object.entries(ambiguous)) {
    describe(klass, () => {
      for (const t of targets) it(t, () => expectRejected(t, 'PATH_AMBIGUOUS'));
    });
  }
  const bad: Record<string, string[]> = {
    'raw backslash': ['/api/orders\\..\\users', '/a\\b', '\\a'],
    'raw control characters and spaces': ['/a b', '/a\u0000b', '/a\tb', '/a\r\nb', '/a\u007fb', '/a\u001bb'],
    fragments: ['/a#b', '/#'],
    'characters beyond latin1': ['/caf\u00e9\u20ac', '/\u2025'],
  };
  for (const [klass, targets] of Object.entries(bad)) {
    describe(klass, () => {
      for (const t of targets) it(JSON.stringify(t), () => expectRejected(t, 'BAD_REQUEST'));
    });
  }
});

describe('normalizeRequestTarget: different spellings of one path normalise to one path', () => {
  it('ACL-relevant spellings of /api/users all become /api/users', () => {
    const spellings = [
      '/api/users',
      '/api/orders/../users',
      '/api/orders/%2e%2e/users',
      '/api/orders/.%2E/users',
      '/api//users',
      '/api/./users',
      '/%61pi/%75sers',
      '/API/../api/users',
      '//api/users',
      '/api/users/.',
    ];
    for (const s of spellings) {
      const p = normalizeRequestTarget(s).path;
      assert.ok(p === '/api/users' || p === '/api/users/', `${s} -> ${p}`);
    }
  });
  it('is idempotent', () => {
    for (const t of ['/a/%2e%2e/b//c/./d%3b', '/caf%c3%a9/%7e', '/a"b', '/x/y/../z/']) {
      const once = normalizeRequestTarget(t).path;
      assert.equal(normalizeRequestTarget(once).path, once);
    }
  });
});

describe('normalizePath (route prefixes at config load)', () => {
  it('canonicalises like a request path', () => {
    assert.equal(normalizePath('/api//v1/%7euser'), '/api/v1/~user');
    assert.equal(normalizePath('/api/'), '/api/');
  });
  it('refuses what requests would be refused for', () => {
    assert.throws(() => normalizePath('/a%2Fb'), GatewayError);
    assert.throws(() => normalizePath('/a?b'), GatewayError);
    assert.throws(() => normalizePath('a'), GatewayError);
  });
});
