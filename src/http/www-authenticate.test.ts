// The challenge builder against RFC 9110 §11.6.1 / RFC 6750 §3 and the exact strings Kong sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { challenge, QUOTABLE_PATTERN } from './www-authenticate.ts';

test("Kong's forms, byte for byte: key-auth and jwt, with and without a realm", () => {
  assert.equal(challenge('Key', null), 'Key');
  assert.equal(challenge('Key', 'kong'), 'Key realm="kong"');
  assert.equal(challenge('Bearer', null), 'Bearer');
  assert.equal(challenge('Bearer', null, { error: 'invalid_token' }), 'Bearer error="invalid_token"');
  assert.equal(challenge('Bearer', 'service', { error: 'invalid_token' }), 'Bearer realm="service", error="invalid_token"');
});

test('auth-params are comma-separated, in order; values are quoted-strings with " and \\ escaped', () => {
  assert.equal(
    challenge('Bearer', 'say "hi" \\o/', { error: 'invalid_token', error_description: 'bad' }),
    'Bearer realm="say \\"hi\\" \\\\o/", error="invalid_token", error_description="bad"',
  );
  assert.equal(challenge('Key', ''), 'Key realm=""');
});

test('what no header can carry is refused when the challenge is built, never sent', () => {
  assert.throws(() => challenge('Key', 'a\r\nSet-Cookie: x'), RangeError);
  assert.throws(() => challenge('Key', 'a\u0000'), RangeError);
  assert.throws(() => challenge('Key', 'snow \u2603'), RangeError); // beyond latin1: not a header byte
  assert.throws(() => challenge('Two words', null), RangeError);
  assert.throws(() => challenge('Bearer', null, { 'bad name': 'x' }), RangeError);
  assert.equal(challenge('Key', 'tab\there'), 'Key realm="tab\there"');
});

test('QUOTABLE_PATTERN, for schemas, accepts exactly what the builder accepts', () => {
  const pattern = new RegExp(QUOTABLE_PATTERN);
  for (const value of ['kong', 'say "hi"', 'tab\there', 'caf\u00e9', '']) assert.ok(pattern.test(value), value);
  for (const value of ['a\r\nb', 'a\u0000', 'a\u007f', 'snow \u2603']) assert.ok(!pattern.test(value), JSON.stringify(value));
});
