// hmacauth_credentials in declarative files, on real `portcullis` processes: DB-less (`start --config`, nested
// under a consumer and at the top level naming it), and database mode through `config sync` / `config dump`,
// where the dump never holds a secret and syncing it back keeps the stored secret working.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { specClient } from '../../../test/helpers/kong-spec.ts';
import { adminCall, startNodeProcess, type NodeProcess } from '../../../test/cluster/node-process.ts';
import { actionLines, startCliNode, type CliNode } from '../../../test/cli/cli-node.ts';
import { hmacAuthorization, httpDate } from '../../../test/plugins/hmac-auth/test-support.ts';

const ALICE_SECRET = 'alice-hmac-secret-in-a-file';
const BOB_SECRET = 'bob-hmac-secret-at-top-level';

function document(upstreamUrl: string): string {
  return `_format_version: "3.0"
services:
  - name: api
    url: ${upstreamUrl}
    routes:
      - name: signed
        hosts: [signed.test]
        plugins:
          - name: hmac-auth
            config: { enforce_headers: [date, request-line] }
consumers:
  - username: alice
    hmacauth_credentials:
      - username: alice-signer
        secret: ${ALICE_SECRET}
  - username: bob
hmacauth_credentials:
  - consumer: bob
    username: bob-signer
    secret: ${BOB_SECRET}
`;
}

/** Status of a GET /x signed as `username` with `secret` (date and request line). */
async function signedStatus(proxy: string, upstream: TestUpstream, username: string, secret: string): Promise<{ status: number; consumer: unknown }> {
  const date = httpDate();
  const authorization = hmacAuthorization({ username, secret, headers: ['date', 'request-line'], values: { date }, uri: '/x' });
  const res = await specClient(proxy, upstream)('signed.test', '/x', { headers: { date, authorization } });
  return { status: res.status, consumer: res.upstream?.headers['x-consumer-username'] };
}

describe('DB-less: portcullis start --config with hmacauth_credentials', () => {
  const token = `pcat_${randomBytes(24).toString('base64url')}`;
  let up: TestUpstream;
  let dir: string;
  let node: NodeProcess;

  before(async () => {
    up = await startUpstream();
    dir = await mkdtemp(join(tmpdir(), 'portcullis-hmac-dbless-'));
    const file = join(dir, 'kong.yaml');
    await writeFile(file, document(up.url));
    node = await startNodeProcess(['--config', file], { PORTCULLIS_ADMIN_TOKEN: token });
  });
  after(async () => {
    await node?.stop();
    await up?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('credentials nested under a consumer and at the top level both sign requests; a wrong secret does not', async () => {
    assert.deepEqual(await signedStatus(node.proxy, up, 'alice-signer', ALICE_SECRET), { status: 200, consumer: 'alice' });
    assert.deepEqual(await signedStatus(node.proxy, up, 'bob-signer', BOB_SECRET), { status: 200, consumer: 'bob' });
    assert.equal((await signedStatus(node.proxy, up, 'bob-signer', ALICE_SECRET)).status, 401);
  });

  test('the admin API lists them without their secrets, and never logs one', async () => {
    const list = await adminCall(node, token, 'GET', '/hmac-auths');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data.map((c: { username: string }) => c.username).sort(), ['alice-signer', 'bob-signer']);
    const text = JSON.stringify(list.body);
    assert.ok(!text.includes(ALICE_SECRET) && !text.includes(BOB_SECRET) && !text.includes('"secret"'));
    assert.ok(!node.output().includes(ALICE_SECRET) && !node.output().includes(BOB_SECRET));
  });
});

describe('database mode: config sync and config dump', () => {
  let n: CliNode;
  before(async () => {
    n = await startCliNode();
  });
  after(async () => {
    await n?.close();
  });

  test('a synced file signs requests; its dump holds no secret; syncing the dump back keeps the stored secrets', async () => {
    const path = join(n.dir, 'kong.yaml');
    await writeFile(path, document(n.up.url));
    const sync = await n.cli(['sync', path]);
    assert.equal(sync.code, 0, sync.stderr);
    assert.doesNotMatch(sync.stdout + sync.stderr, new RegExp(`${ALICE_SECRET}|${BOB_SECRET}`));
    assert.equal((await signedStatus(n.proxyUrl, n.up, 'alice-signer', ALICE_SECRET)).status, 200);
    assert.equal((await signedStatus(n.proxyUrl, n.up, 'bob-signer', BOB_SECRET)).status, 200);

    const dumpPath = join(n.dir, 'dump.yaml');
    assert.equal((await n.cli(['dump', '-o', dumpPath])).code, 0);
    const dumped = await readFile(dumpPath, 'utf8');
    assert.match(dumped, /alice-signer/);
    assert.doesNotMatch(dumped, new RegExp(`${ALICE_SECRET}|${BOB_SECRET}|secret:`));

    assert.deepEqual(actionLines((await n.cli(['diff', dumpPath])).stdout), [], 'a dump is what the node holds');
    assert.equal((await n.cli(['sync', dumpPath])).code, 0);
    assert.equal((await signedStatus(n.proxyUrl, n.up, 'alice-signer', ALICE_SECRET)).status, 200, 'the secret the dump left out is still the stored one');
    assert.deepEqual(actionLines((await n.cli(['diff', path])).stdout), [], "the file's secrets are the ones the node holds");
  });
});
