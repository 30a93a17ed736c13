// Token extraction (Kong's order: query, cookies, headers; one distinct token at most) and the
// verified-token cache's bounds, on real RequestContext objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { RequestContext } from '../../gateway/context.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { bearerToken, cookieValue, createTokenExtractor } from './extract-token.ts';
import { VerifiedTokenCache, type VerifiedToken } from './verified-token-cache.ts';

function ctx(headers: IncomingHttpHeaders, querystring = ''): RequestContext {
  return new RequestContext({ id: 'r', method: 'GET', path: '/', querystring, headers, clientIp: '127.0.0.1', scheme: 'http', host: 'x' });
}

const kong = createTokenExtractor({ uri_param_names: ['jwt'], cookie_names: [], header_names: ['authorization'] });

test('Bearer scheme: any case, spaces and tabs, nothing else', () => {
  assert.equal(bearerToken('Bearer abc'), 'abc');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('BEARER \t abc.def'), 'abc.def');
  assert.equal(bearerToken('  Bearer abc  '), 'abc');
  assert.equal(bearerToken('Bearer'), '');
  assert.equal(bearerToken('Bearer '), '');
  assert.equal(bearerToken('Bearerabc'), '');
  assert.equal(bearerToken('Basic abc'), '');
  assert.equal(bearerToken('abc.def.ghi'), '');
});

test('cookies: nginx $cookie_<name> semantics', () => {
  assert.equal(cookieValue('a=1; jwt=tok; b=2', 'jwt'), 'tok');
  assert.equal(cookieValue('xjwt=no; jwt=yes', 'jwt'), 'yes');
  assert.equal(cookieValue('jwt="quoted"', 'jwt'), 'quoted');
  assert.equal(cookieValue('a=1', 'jwt'), '');
  assert.equal(cookieValue('jwt', 'jwt'), '');
});

test('the Authorization header is the common path', () => {
  assert.equal(kong(ctx({ authorization: 'Bearer t1' })), 't1');
  assert.equal(kong(ctx({})), undefined);
  assert.equal(kong(ctx({ authorization: 'Basic dXNlcjpwYXNz' })), undefined);
  assert.equal(kong(ctx({}, 'a=1&b=2')), undefined);
});

test('query parameters, cookies and custom headers are all sources', () => {
  const extract = createTokenExtractor({ uri_param_names: ['jwt', 'token'], cookie_names: ['session'], header_names: ['Authorization', 'X-Token'] });
  assert.equal(extract(ctx({}, 'jwt=q1')), 'q1');
  assert.equal(extract(ctx({}, 'other=1&token=q2')), 'q2');
  assert.equal(extract(ctx({}, 'j%77t=encoded')), 'encoded');
  assert.equal(extract(ctx({ cookie: 'a=b; session=c1' })), 'c1');
  assert.equal(extract(ctx({ 'x-token': 'Bearer h2' })), 'h2');
  assert.equal(extract(ctx({}, 'jwt=')), undefined);
});

test('the same token twice is one token; two distinct tokens are refused', () => {
  const extract = createTokenExtractor({ uri_param_names: ['jwt'], cookie_names: ['jwt'], header_names: ['authorization'] });
  assert.equal(extract(ctx({ authorization: 'Bearer same', cookie: 'jwt=same' }, 'jwt=same&jwt=same')), 'same');
  const multiple = (c: RequestContext) =>
    assert.throws(
      () => extract(c),
      (err: unknown) => err instanceof GatewayError && err.code === 'JWT_MULTIPLE_TOKENS' && err.kongMessage === 'Multiple tokens provided',
    );
  multiple(ctx({}, 'jwt=a&jwt=b'));
  multiple(ctx({ authorization: 'Bearer a' }, 'jwt=b'));
  multiple(ctx({ authorization: 'Bearer a', cookie: 'jwt=b' }));
  multiple(ctx({ cookie: 'jwt=a' }, 'jwt=b'));
});

test('a header not configured is ignored', () => {
  const extract = createTokenExtractor({ uri_param_names: [], cookie_names: [], header_names: ['x-jwt'] });
  assert.equal(extract(ctx({ authorization: 'Bearer a' }, 'jwt=b')), undefined);
  assert.equal(extract(ctx({ 'x-jwt': 'Bearer c' })), 'c');
});

const entry = (n: number): VerifiedToken => ({
  consumer: { id: String(n) },
  credential: { id: String(n), type: 'jwt', identifier: String(n) },
  validFrom: 0,
  validUntil: Infinity,
});

test('the verified-token cache is bounded and keeps what is in use', () => {
  const cache = new VerifiedTokenCache(100);
  for (let i = 0; i < 1000; i++) {
    cache.set(`t${i}`, entry(i));
    // t0 is used all along: it must survive every generation swap
    assert.ok(cache.get('t0'), `t0 still cached after ${i}`);
    assert.ok(cache.size <= 100, `size ${cache.size} <= 100`);
  }
  assert.equal(cache.get('t1'), undefined);
  assert.equal(cache.get('t999')?.credential.id, '999');
  cache.delete('t999');
  assert.equal(cache.get('t999'), undefined);
});

test('a hit is the exact token: one that only shares its signature tail with a cached token is not one', () => {
  const cache = new VerifiedTokenCache(100);
  const tail = 'S'.repeat(40);
  const good = `header.claims-of-alice.${tail}`;
  const other = `header.claims-of-mallory.${tail}`;
  cache.set(good, entry(1));
  assert.equal(cache.get(other), undefined);
  cache.delete(other);
  assert.equal(cache.get(good)?.credential.id, '1', 'deleting another token left this one');
  // Two tokens sharing a tail displace each other (a re-verification, never a wrong verdict).
  cache.set(other, entry(2));
  assert.equal(cache.get(other)?.credential.id, '2');
  assert.equal(cache.get(good), undefined);
  // Short strings are keys as they are.
  cache.set('t', entry(3));
  assert.equal(cache.get('t')?.credential.id, '3');
  assert.equal(cache.get('u'), undefined);
});

test('a cache of size 0 stores nothing', () => {
  const cache = new VerifiedTokenCache(0);
  cache.set('a', entry(1));
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.enabled, false);
});
