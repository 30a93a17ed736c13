// `config validate` lists every error at once, each once (duplicates beside schema errors, one error for a bad
// url, a clash of names not also reported as a clash of the ids derived from them), and a `config dump` of a
// node validates as it syncs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, startCliNode, type CliNode } from './cli-node.ts';

let n: CliNode;
before(
  async () => {
    n = await startCliNode();
  },
  { timeout: 120_000 },
);
after(async () => {
  await n?.close();
});

test('every error is listed, each once: a bad url is one error, duplicates show beside schema errors, not twice', async () => {
  const file = join(n.dir, 'bad.yaml');
  await writeFile(
    file,
    `_format_version: "3.0"
services:
  - name: svc
    url: not a url
  - name: dup
    url: http://127.0.0.1:9/
  - name: dup
    url: http://127.0.0.1:9/
    port: 99999
consumers:
  - username: c1
  - username: c1
`,
  );
  const res = await runCli(['validate', file], {});
  assert.equal(res.code, 1);
  assert.deepEqual(res.stderr.split('\n').filter(Boolean), [
    `${file}: 4 error(s)`,
    '  services[0].url: expected an absolute http(s) or ws(s) URL',
    "  services[2].port: cannot be set together with 'url'",
    '  services[2].name: must be unique: already used at services[1]',
    '  consumers[1].username: must be unique: already used at consumers[0]',
  ]);
});

test('a dump of a node with API keys and jwt credentials validates, as it syncs back', async () => {
  const file = join(n.dir, 'kong.yaml');
  await writeFile(
    file,
    `_format_version: "3.0"
services:
  - name: api
    url: ${n.up.url}
    routes:
      - name: by-key
        paths: [/key]
        plugins:
          - name: key-auth
consumers:
  - username: dora
    keyauth_credentials:
      - key: dora-key-0123456789abcdef
    jwt_secrets:
      - key: dora-issuer
        secret: dora-secret-0123456789abcdef0123
`,
  );
  assert.equal((await n.cli(['sync', file])).code, 0);
  const dumped = join(n.dir, 'dump.yaml');
  const dump = await n.cli(['dump', '-o', dumped]);
  assert.equal(dump.code, 0, dump.stderr);
  const valid = await runCli(['validate', dumped], {});
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /valid \(1 services, 1 routes, 1 consumers, 1 plugins\)/);
  const again = await n.cli(['diff', dumped, '--exit-code']);
  assert.equal(again.code, 0, again.stdout);
});
