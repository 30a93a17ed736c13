// Three gateway processes on one PostgreSQL database (a fresh one, dropped at the end): a change made through
// any node's admin API is served by the others by notification (the periodic check is set to 60 s here, so
// only LISTEN/NOTIFY can explain a fast propagation), and a node cut off from the database (its LISTEN
// connection killed, new logins refused) catches up by itself once it can reconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { adminCall, proxyStatus, startNodeProcess, waitFor, type NodeProcess } from './node-process.ts';
import { postgresSkip } from '../helpers/pg-database.ts';
import { createClusterDatabase, type ClusterDatabase } from './shared-postgres.ts';

const skip = await postgresSkip();

const NAMES = ['a', 'b', 'c'] as const;
let up: TestUpstream;
let db: ClusterDatabase;
const nodes: Record<string, NodeProcess> = {};
let token: string;

/** A started node: before() starts all three, so a missing one is a failed setup, said as such. */
function node(name: string): NodeProcess {
  const started = nodes[name];
  assert.ok(started, `node ${name} is not running`);
  return started;
}

before(
  async () => {
    if (skip) return;
    up = await startUpstream();
    db = await createClusterDatabase(NAMES);
    const env = { PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64'), PORTCULLIS_LOG_LEVEL: 'info' };
    const start = (name: string) => startNodeProcess(['--database-url', db.url(name), '--poll-interval', '60s', '--node-id', `node-${name}`], env);
    // A first: it runs the migrations and makes the first admin token; then the others join.
    nodes.a = await start('a');
    token = nodes.a.token!;
    [nodes.b, nodes.c] = await Promise.all([start('b'), start('c')]);
  },
  { timeout: 180_000 },
);

after(async () => {
  await Promise.all(Object.values(nodes).map((n) => n.stop()));
  await up?.close();
  await db?.drop();
});

test('only the first node prints an admin token, and it works on every node', { skip }, async () => {
  assert.match(token, /^pcat_/);
  assert.equal(node('b').token, undefined);
  assert.equal(node('c').token, undefined);
  for (const name of NAMES) assert.equal((await adminCall(node(name), token, 'GET', '/services')).status, 200);
});

// The bound is the assertion: every other node serves the change within 1 s of the write's answer.
test("a change through any node's admin API is served by every other node within 1 s", { skip }, async () => {
  assert.equal((await adminCall(node('a'), token, 'POST', '/services', { name: 'svc', url: up.url })).status, 201);
  const times: number[] = [];
  for (let round = 0; round < 6; round++) {
    const writer = NAMES[round % NAMES.length]!;
    const path = `/round-${round}`;
    const res = await adminCall(node(writer), token, 'POST', '/services/svc/routes', { name: `round-${round}`, paths: [path] });
    assert.equal(res.status, 201);
    assert.equal(await proxyStatus(node(writer), path), 200, 'the writing node serves it as soon as it answered');
    const propagation = await Promise.all(
      NAMES.filter((n) => n !== writer).map((reader) =>
        waitFor(async () => (await proxyStatus(node(reader), path)) === 200, `${path} from ${writer} on ${reader}`, 1000),
      ),
    );
    times.push(...propagation);
  }
  times.sort((x, y) => x - y);
  console.log(
    `cluster propagation over LISTEN/NOTIFY (3 nodes, ${times.length} samples): median ${times[times.length >> 1]} ms, max ${times[times.length - 1]} ms`,
  );
});

test('a node that lost its LISTEN connection catches up when it returns', { skip }, async () => {
  // Cut B off: no new logins for its role, then kill its LISTEN backend (its pool connections stay idle).
  await db.setLogin('b', false);
  try {
    assert.equal(await db.terminateListen('b'), 1, 'one LISTEN backend for node b');
    const res = await adminCall(node('a'), token, 'POST', '/services/svc/routes', { name: 'while-b-away', paths: ['/while-b-away'] });
    assert.equal(res.status, 201);
    await waitFor(async () => (await proxyStatus(node('c'), '/while-b-away')) === 200, 'node c serves the change', 5000);
    // B heard nothing (no LISTEN, next periodic check in 60 s): still the old config.
    assert.equal(await proxyStatus(node('b'), '/while-b-away'), 404);
    assert.equal(await proxyStatus(node('b'), '/round-0'), 200, 'and it keeps serving what it had');
  } finally {
    await db.setLogin('b', true);
  }
  const catchUp = await waitFor(async () => (await proxyStatus(node('b'), '/while-b-away')) === 200, 'node b catches up after reconnecting', 15_000);
  console.log(`node b caught up ${catchUp} ms after its role could log in again (reconnect backoff included)`);
  assert.match(node('b').output(), /LISTEN connection re-established/);
  assert.match(node('b').output(), /catching up/);
  // And it listens again: the next change arrives by notification.
  assert.equal((await adminCall(node('c'), token, 'POST', '/services/svc/routes', { name: 'after-return', paths: ['/after-return'] })).status, 201);
  const next = await waitFor(async () => (await proxyStatus(node('b'), '/after-return')) === 200, 'node b hears the next change', 5000);
  console.log(`after its return node b served the next change in ${next} ms`);
});
