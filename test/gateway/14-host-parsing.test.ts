// The Host header over raw sockets: host names, IPv4 and bracketed IPv6 with an optional port pass and route;
// anything else (spaces, userinfo, junk ports, empty labels, list separators) is 400 HOST_INVALID, unproxied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { rawRequest } from '../helpers/raw-http.ts';

let up: TestUpstream;
let gw: TestGateway;

before(async () => {
  up = await startUpstream();
  gw = await startGateway({
    _format_version: '3.0',
    services: [
      { name: 'by-host', url: `${up.url}/by-host`, routes: [{ name: 'by-host', hosts: ['api.example.test'], paths: ['/'], strip_path: false }] },
      { name: 'any', url: up.url, routes: [{ name: 'any', paths: ['/'], strip_path: false }] },
    ],
  });
});

after(async () => {
  await gw.close();
  await up.close();
});

const get = (host: string) => `GET /where HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

test('Host values outside RFC 3986 host [":" port] are refused with 400 HOST_INVALID and never proxied', async () => {
  const refused = [
    'a b',
    'x@y',
    '127.0.0.1:8080@evil.test',
    'user:pass@api.example.test',
    '127.0.0.1:',
    'example.test:abc',
    'example.test:80:80',
    'example.test:65536',
    'example.test:0',
    'example.test:123456',
    'example.test: 80',
    '[::1',
    '::1',
    '[zz::1]',
    '[::1]x',
    '[v1.abc]',
    '[fe80::1%25eth0]',
    'a..b',
    '.a',
    'a,b',
    'a;b',
    '%65vil.test',
    'a/b',
    'a\\b',
    'a?b',
    'a#b',
    '"a"',
    'a\tb',
    'caf\xe9.test',
  ];
  const before = up.requests.length;
  for (const host of refused) {
    const res = await rawRequest(gw.port, get(host));
    assert.equal(res.status, 400, `${JSON.stringify(host)} -> ${res.status}`);
    const body = JSON.parse(res.body);
    assert.equal(body.code, 'HOST_INVALID', `${JSON.stringify(host)}: ${body.code}`);
    assert.ok(!res.body.includes(host), 'the refusal does not echo the header');
  }
  const empty = await rawRequest(gw.port, 'GET /where HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n');
  assert.equal(empty.status, 400);
  // control characters other than tab never get this far: Node's parser refuses the header itself
  for (const host of ['a\x00b', 'a\x01b', 'a\x7fb', 'a\rb']) {
    const res = await rawRequest(gw.port, get(host));
    assert.equal(res.status, 400, JSON.stringify(host));
    assert.equal(JSON.parse(res.body).code, 'BAD_REQUEST', JSON.stringify(host));
  }
  assert.equal(up.requests.length, before, 'a refused Host reached the upstream');
});

test('names, IPv4 and bracketed IPv6 with or without a port are accepted', async () => {
  for (const host of [
    'example.test',
    'EXAMPLE.test:8000',
    'localhost',
    '127.0.0.1',
    '127.0.0.1:65535',
    '[::1]',
    '[::1]:8080',
    '[2001:DB8::1]:443',
    'my_service',
    'a-b.c~d',
    'example.test.',
  ]) {
    const res = await rawRequest(gw.port, get(host));
    assert.equal(res.status, 200, `${host} -> ${res.status} ${res.body}`);
  }
});

test('routing sees the host lower-cased, without port or trailing dot (as nginx hands Kong ngx.var.host)', async () => {
  for (const host of ['api.example.test', 'API.Example.Test:80', 'api.example.test.', 'api.example.test.:8000']) {
    const seen = up.requests.length;
    const res = await rawRequest(gw.port, get(host));
    assert.equal(res.status, 200, host);
    assert.equal(up.requests[seen]!.url, '/by-host/where', `${host} matched the host route`);
    assert.equal(up.requests[seen]!.headers['x-forwarded-host'], 'api.example.test', host);
  }
  const ipv6 = await rawRequest(gw.port, get('[2001:DB8::1]:443'));
  assert.equal(ipv6.status, 200);
  assert.equal(up.requests.at(-1)!.headers['x-forwarded-host'], '[2001:db8::1]');
  assert.equal(up.requests.at(-1)!.headers['x-forwarded-port'], '443');
});
