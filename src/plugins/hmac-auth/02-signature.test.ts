// The signature scheme on its own: the Authorization parameters as Kong's PCRE pattern reads them (checked
// against that very pattern), nginx's HTTP dates, the signing string and the base64 rules of ngx.decode_base64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { parseAuthorizationParams } from './authorization-params.ts';
import { parseHttpDate } from './http-date.ts';
import { computeSignature, decodeBase64, signatureMatches, signingString, type SignedRequest } from './signature.ts';
import { createSigner } from './hmac-signer.ts';

/** Kong's own pattern (access.lua), for comparison on inputs small enough for backtracking. */
const S = '[ \\t\\n\\v\\f\\r]*';
const KONG_PATTERN = new RegExp(`${S}[Hh]mac${S}username="(.+)",${S}algorithm="(.+)",${S}headers="(.+)",${S}signature="(.+)"`);

function kong(value: string) {
  const m = KONG_PATTERN.exec(value);
  return m === null ? null : { username: m[1], algorithm: m[2], headers: (m[3] ?? '').split(' '), signature: m[4] };
}

test('the parameters of a well-formed header', () => {
  assert.deepEqual(parseAuthorizationParams('hmac username="bob", algorithm="hmac-sha256", headers="date request-line", signature="c2ln"'), {
    username: 'bob',
    algorithm: 'hmac-sha256',
    headers: ['date', 'request-line'],
    signature: 'c2ln',
  });
  // Kong's spec spellings: no spaces, extra spaces, `Hmac`, a stray quote before the scheme
  assert.equal(parseAuthorizationParams('hmac username="bob",algorithm="hmac-sha1",  headers="date",signature="x"')?.username, 'bob');
  assert.equal(parseAuthorizationParams('"hmac username="bob",algorithm="hmac-sha1",headers="date",signature="x"')?.signature, 'x');
  assert.equal(parseAuthorizationParams('Hmac username="bob",algorithm="a",headers="h",signature="s"')?.algorithm, 'a');
  // two spaces in `headers` give an empty name, as Kong's splitn
  assert.deepEqual(parseAuthorizationParams('hmac username="u",algorithm="a",headers="  date",signature="s"')?.headers, ['', '', 'date']);
});

test("what Kong's pattern refuses is refused", () => {
  for (const value of [
    'asd',
    'hmac username',
    'hmac :dXNlcm5hbWU6cGFzc3dvcmQ=',
    'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=',
    'hmac algorithm="hmac-sha1",headers="date",signature="x"', // no username
    'hmac username="bob",algorithm="hmac-sha1",headers="date"', // no signature
    'hmac username="",  algorithm="hmac-sha1", headers="date", signature="x"', // empty username
    'hmac username="bob",  algorithm="hmac-sha1",   wrong_header="date", signature="x"',
    'hmac username="bob",  algorithm="hmac-sha1" headers="date", signature="x"', // comma missing
    'HMAC username="bob",algorithm="a",headers="h",signature="s"', // only [Hh]mac
  ])
    assert.equal(parseAuthorizationParams(value), null, value);
});

test("the same groups as Kong's greedy pattern, on every arrangement of its delimiters", () => {
  const pieces = ['hmac username="', '",algorithm="', '", headers="', '",\tsignature="', '"', 'x', ' ', ',', '"', 'Hmac', 'username="', '\u00a0'];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < 20000; n++) {
    let value = '';
    const length = 1 + Math.floor(random() * 12);
    for (let i = 0; i < length; i++) value += pieces[Math.floor(random() * pieces.length)];
    assert.deepEqual(parseAuthorizationParams(value), kong(value), JSON.stringify(value));
  }
  // and on headers where later delimiters repeat inside the values
  const tricky = 'hmac username="a",algorithm="b",headers="c",signature="d",algorithm="e",headers="f",signature="g"';
  assert.deepEqual(parseAuthorizationParams(tricky), kong(tricky));
});

test("a crafted header is parsed in linear time (Kong's pattern backtracks for ages on it)", () => {
  const value = `hmac username="${'",algorithm="",headers="'.repeat(2000)}`;
  const started = performance.now();
  assert.equal(parseAuthorizationParams(value), null);
  assert.ok(performance.now() - started < 200, 'parsed quickly');
});

test("HTTP dates in nginx's three forms; the zone and weekday are not read", () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), t);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), t);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), t);
  assert.equal(parseHttpDate('Sun Nov 06 08:49:37 1994'), t);
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 +0200'), t, 'nginx ignores the zone');
  assert.equal(parseHttpDate('Thu, 01-Jan-70 00:00:00 GMT'), 0);
  assert.equal(parseHttpDate('Mon, 01-Jan-69 00:00:00 GMT'), Date.UTC(2069, 0, 1) / 1000);
  assert.equal(parseHttpDate(new Date(1_700_000_000_000).toUTCString()), 1_700_000_000);
  assert.equal(parseHttpDate('Tue, 29 Feb 2000 00:00:00 GMT'), Date.UTC(2000, 1, 29) / 1000);
  for (const bad of [
    'wrong date',
    '',
    'Sun, 06 Nov 1994',
    'Sun, 31 Nov 1994 08:49:37 GMT',
    'Sun, 29 Feb 1900 00:00:00 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    '784111777',
  ]) {
    assert.equal(parseHttpDate(bad), null, bad);
  }
});

const request = (headers: Record<string, string>, extra: Partial<SignedRequest> = {}): SignedRequest => ({
  method: 'GET',
  requestUri: '/request?a=1',
  httpVersion: '1.1',
  header: (name) => headers[name],
  ...extra,
});

test('the signing string: one line per listed name, request-line and @request-target computed', () => {
  const req = request({ date: 'D', 'content-md5': 'md5', digest: 'SHA-256=x' });
  assert.equal(signingString(req, ['date']), 'date: D');
  assert.equal(signingString(req, ['date', 'content-md5', 'request-line']), 'date: D\ncontent-md5: md5\nGET /request?a=1 HTTP/1.1');
  assert.equal(signingString(req, ['date', '@request-target']), 'date: D\n@request-target: get /request?a=1');
  assert.equal(signingString(request({}, { httpVersion: '1.0' }), ['request-line']), 'GET /request?a=1 HTTP/1.0');
  // absent headers and empty names sign as `name:`; names keep the client's case, values are looked up without it
  assert.equal(signingString(req, ['x-missing', '', 'Date']), 'x-missing:\n:\nDate: D');
  // nginx's $http_content_md5 also finds Content-MD5
  assert.equal(signingString(req, ['content_md5']), 'content_md5: md5');
});

test('a signature matches only its own HMAC, whatever the algorithm', () => {
  const signing = 'date: D\nGET / HTTP/1.1';
  for (const [algorithm, digest] of [
    ['hmac-sha1', 'sha1'],
    ['hmac-sha256', 'sha256'],
    ['hmac-sha384', 'sha384'],
    ['hmac-sha512', 'sha512'],
  ] as const) {
    const sent = createHmac(digest, 'secret').update(signing).digest('base64');
    assert.ok(signatureMatches(createSigner(algorithm, 'secret'), signing, sent), algorithm);
    assert.ok(!signatureMatches(createSigner(algorithm, 'other'), signing, sent), `${algorithm}, other secret`);
    assert.ok(!signatureMatches(createSigner(algorithm, 'secret'), `${signing} `, sent), `${algorithm}, other string`);
    // unpadded base64 decodes the same, as in nginx
    assert.ok(signatureMatches(createSigner(algorithm, 'secret'), signing, sent.replace(/=+$/, '')), `${algorithm}, unpadded`);
  }
  const sha1 = createHmac('sha1', 'secret').update(signing).digest('base64');
  assert.ok(!signatureMatches(createSigner('hmac-sha256', 'secret'), signing, sha1), 'a shorter HMAC never matches');
  assert.ok(!signatureMatches(createSigner('hmac-sha1', 'secret'), signing, 'not really a base64 encoded value!!!'));
});

test('the precomputed signer is RFC 2104 HMAC for every algorithm and key length, a key longer than the block included', () => {
  const message = Buffer.from('date: D\nGET / HTTP/1.1');
  for (const [algorithm, digest] of [
    ['hmac-sha1', 'sha1'],
    ['hmac-sha256', 'sha256'],
    ['hmac-sha384', 'sha384'],
    ['hmac-sha512', 'sha512'],
  ] as const) {
    for (const secret of ['s', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(65), 'w'.repeat(128), 'v'.repeat(129), 'sécret ✓']) {
      const signer = createSigner(algorithm, secret);
      const expected = createHmac(digest, Buffer.from(secret, 'utf8')).update(message).digest();
      assert.deepEqual(signer(message), expected, `${algorithm}, ${secret.length} characters`);
      assert.deepEqual(signer(message), expected, 'the same again: no state carried between calls');
    }
  }
});

test('a UTF-8 secret and header bytes sign as Kong signs them', () => {
  // a header value arrives as latin1 characters, one per byte; the secret is the stored UTF-8 text
  const value = Buffer.from('café', 'utf8').toString('latin1');
  const signing = signingString(request({ 'x-name': value }), ['x-name']);
  const expected = createHmac('sha256', Buffer.from('sécret', 'utf8'))
    .update(Buffer.concat([Buffer.from('x-name: '), Buffer.from('café', 'utf8')]))
    .digest('base64');
  assert.ok(signatureMatches(createSigner('hmac-sha256', 'sécret'), signing, expected));
  assert.equal(computeSignature('hmac-sha256', 'sécret', signing).toString('base64'), expected);
});

test('base64 as ngx.decode_base64 reads it', () => {
  assert.deepEqual(decodeBase64('YWJj'), Buffer.from('abc'));
  assert.deepEqual(decodeBase64('YWI='), Buffer.from('ab'));
  assert.deepEqual(decodeBase64('YWI=garbage'), Buffer.from('ab'), 'what follows the first = is ignored');
  assert.equal(decodeBase64('YWJjZ'), null, 'a length of 4n+1 cannot be base64');
  assert.equal(decodeBase64('YW-j'), null, 'base64url characters are not base64');
  assert.equal(decodeBase64('YW J'), null);
  assert.deepEqual(decodeBase64(''), Buffer.alloc(0));
});
