// The body codecs plugins share: the multipart parser and writer (bounded, byte-preserving) and the
// query/form pair editor, against bodies built by the platform's own FormData and URLSearchParams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultipartBody, MAX_PARTS, boundaryOf } from './multipart.ts';
import { UrlPairs } from './url-pairs.ts';
import { bodyFormat } from './media-type.ts';

async function formData(fields: [string, string | Blob, string?][]): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value, filename] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  const res = new Response(form);
  return { body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type')! };
}

async function decode(body: Buffer, contentType: string): Promise<[string, string][]> {
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const out: [string, string][] = [];
  for (const [name, value] of form.entries()) out.push([name, typeof value === 'string' ? value : `file:${value.name}:${value.type}:${await value.text()}`]);
  return out;
}

test('multipart: parses what FormData writes, files included; writes it back byte for byte', async () => {
  const { body, contentType } = await formData([
    ['a', '1'],
    ['file', new Blob(['hello\r\nworld'], { type: 'text/plain' }), 'a.txt'],
    ['a', '2'],
  ]);
  const parsed = MultipartBody.parse(body, contentType)!;
  assert.deepEqual(
    parsed.parts.map((p) => [p.name, p.value.toString()]),
    [
      ['a', '1'],
      ['file', 'hello\r\nworld'],
      ['a', '2'],
    ],
  );
  assert.deepEqual(parsed.serialize(), body);
});

test('multipart: remove, set and add keep the other parts (and files) intact', async () => {
  const { body, contentType } = await formData([
    ['apikey', 'k'],
    ['file', new Blob(['x'], { type: 'image/png' }), 'p.png'],
    ['b', 'old'],
    ['b', 'older'],
  ]);
  const parsed = MultipartBody.parse(body, contentType)!;
  assert.equal(parsed.remove('apikey'), true);
  assert.equal(parsed.remove('missing'), false);
  parsed.set('b', 'new');
  parsed.set('c', 'with "quotes"');
  assert.deepEqual(await decode(parsed.serialize(), parsed.contentType(contentType)), [
    ['file', 'file:p.png:image/png:x'],
    ['b', 'new'],
    ['c', 'with "quotes"'],
  ]);
});

test('multipart: a written value containing the boundary gets a fresh one', () => {
  const parsed = MultipartBody.parse(Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n'), 'multipart/form-data; boundary=b')!;
  parsed.set('x', 'evil\r\n--b\r\nContent-Disposition: form-data; name="admin"\r\n\r\ntrue');
  const out = parsed.serialize();
  assert.notEqual(parsed.boundary, 'b');
  const again = MultipartBody.parse(out, parsed.contentType('multipart/form-data; boundary=b'))!;
  assert.deepEqual(
    again.parts.map((p) => p.name),
    ['a', 'x'],
  );
});

test('multipart: malformed bodies are null, never a throw', () => {
  const ct = 'multipart/form-data; boundary=b';
  for (const body of [
    'no delimiter',
    '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
    '--bX',
    'x--b\r\n\r\n--b--',
    '--b\r\nheaders without end\r\n--b--',
  ]) {
    assert.equal(MultipartBody.parse(Buffer.from(body), ct), null, JSON.stringify(body));
  }
  assert.equal(MultipartBody.parse(Buffer.from('--b--'), 'multipart/form-data'), null, 'no boundary');
  assert.deepEqual(MultipartBody.parse(Buffer.alloc(0), ct)?.parts, []);
  const many = `${'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'.repeat(MAX_PARTS + 1)}--b--\r\n`;
  assert.equal(MultipartBody.parse(Buffer.from(many), ct), null, 'too many parts');
  assert.equal(boundaryOf('multipart/form-data; boundary="quoted b"'), 'quoted b');
  assert.equal(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`), null);
});

test('url pairs: untouched pairs keep their bytes; edits by decoded name', () => {
  const q = UrlPairs.parse('a=%20x+y&flag&b=1&a=2&c=%zz');
  assert.deepEqual(q.getAll('a'), [' x y', '2']);
  assert.deepEqual(q.getAll('flag'), [true]);
  assert.equal(q.getAll('c')[0], '%zz', 'undecodable stays as sent');
  assert.equal(q.rename('b', 'renamed'), true);
  assert.equal(q.replace('a', 'v w'), true);
  q.append('new', 'é&=');
  assert.equal(q.remove('flag'), true);
  assert.equal(q.toString(), 'a=v%20w&renamed=1&c=%zz&new=%C3%A9%26%3D');
  assert.equal(UrlPairs.parse('x=1&&y').toString(), 'x=1&y');
  const r = UrlPairs.parse('old=1&new=2');
  r.rename('old', 'new');
  assert.equal(r.toString(), 'new=1', 'the rename target is overwritten, as Kong');
});

test("media types: Kong's three body formats by prefix, parameters ignored", () => {
  assert.equal(bodyFormat('application/json; charset=utf-8'), 'json');
  assert.equal(bodyFormat('Application/X-WWW-Form-Urlencoded'), 'form');
  assert.equal(bodyFormat('multipart/form-data; boundary=x'), 'multipart');
  assert.equal(bodyFormat('text/plain'), null);
  assert.equal(bodyFormat(undefined), null);
});
