import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClientHeaderScrub, withoutHopByHop } from './hop-by-hop.ts';

test('withoutHopByHop drops hop-by-hop headers and those Connection names, in a copy', () => {
  const upstream = {
    'content-type': 'text/plain',
    connection: 'keep-alive, x-secret',
    'keep-alive': 'timeout=5',
    'x-secret': '1',
    te: 'trailers',
    date: 'now',
  };
  const out = withoutHopByHop(upstream);
  assert.deepEqual(out, { 'content-type': 'text/plain', date: 'now' });
  assert.equal(upstream['x-secret'], '1', 'the original is left alone');
});

test('withoutHopByHop answers the same object when there is nothing to drop', () => {
  const upstream = { 'content-type': 'text/plain', 'content-length': '2' };
  assert.equal(withoutHopByHop(upstream), upstream);
});

test('withoutHopByHop keeps a header named __proto__ a header, not the prototype', () => {
  const upstream: Record<string, string> = { connection: 'close' };
  Object.defineProperty(upstream, '__proto__', { value: 'x', enumerable: true, configurable: true, writable: true });
  const out = withoutHopByHop(upstream);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__']);
  assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 'x');
});

test('the client header scrub answers the same object when the client sent nothing to remove', () => {
  const scrub = createClientHeaderScrub();
  const headers = { host: 'a.example', authorization: 'Bearer x' };
  const out = scrub(headers);
  assert.equal(out.headers, headers);
  assert.deepEqual(out.removed, []);
});

test('the client header scrub copies without hop-by-hop, Connection-named and claimed headers, naming only the claimed', () => {
  const scrub = createClientHeaderScrub(['x-user-id']);
  const headers = {
    host: 'a.example',
    connection: 'keep-alive, x-trace',
    'x-trace': '1',
    'keep-alive': 'timeout=5',
    'x-consumer-id': 'forged',
    x_user_id: 'forged',
    'x-forwarded-for': '1.2.3.4',
    api_key: 'k',
  };
  const out = scrub(headers);
  assert.deepEqual(out.headers, { host: 'a.example', api_key: 'k' });
  assert.deepEqual(out.removed, ['x-consumer-id', 'x-user-id', 'x-forwarded-for']);
  assert.equal(headers['x-consumer-id'], 'forged', 'the original is left alone');
});
