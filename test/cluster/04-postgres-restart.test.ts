// A gateway node on a private PostgreSQL that goes down mid-load: admin writes keep coming from several
// clients while the server stops and starts again. Every write that answered 2xx is in the database
// afterwards; writes during the outage are answered 503 STORE_UNAVAILABLE (never a 500); the node recovers
// by itself (writes succeed again, its LISTEN connection comes back).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { adminCall, proxyStatus, startNodeProcess, waitFor, type NodeProcess } from './node-process.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { privatePostgresSkip, startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const skip = await privatePostgresSkip();

const WORKERS = 4;
let pg: PrivatePostgres;
let up: TestUpstream;
let node: NodeProcess;
let token: string;

before(
  async () => {
    if (skip) return;
    pg = await startPrivatePostgres();
    node = await startNodeProcess(['--database-url', pg.url, '--poll-interval', '1s'], { PORTCULLIS_SECRET_KEY: randomBytes(32).toString('base64') });
    token = node.token!;
    up = await startUpstream();
    assert.equal((await adminCall(node, token, 'POST', '/services', { name: 'svc', url: up.url })).status, 201);
    assert.equal((await adminCall(node, token, 'POST', '/services/svc/routes', { name: 'r', paths: ['/served'] })).status, 201);
  },
  { timeout: 180_000 },
);

after(async () => {
  await node?.stop();
  await up?.close();
  await pg?.destroy();
});

interface Outcome {
  username: string;
  status: number;
  code?: string;
  at: number;
}

test('PostgreSQL stopped and started mid-load: no acknowledged write is lost, the outage is 503, the node recovers', { skip, timeout: 180_000 }, async () => {
  const outcomes: Outcome[] = [];
  let running = true;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const username = `w${w}-${i}`;
      try {
        const res = await adminCall(node, token, 'POST', '/consumers', { username });
        outcomes.push({ username, status: res.status, code: res.body?.code, at: performance.now() });
      } catch (err) {
        outcomes.push({ username, status: 0, code: (err as Error).message, at: performance.now() });
      }
      if (outcomes.at(-1)!.status !== 201) await new Promise((r) => setTimeout(r, 20)); // no hot loop while it is down
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const count = (pred: (o: Outcome) => boolean) => outcomes.filter(pred).length;
  try {
    await waitFor(async () => count((o) => o.status === 201) >= 40, 'writes before the outage', 10_000);
    await pg.stop();
    const stoppedAt = performance.now();
    await waitFor(async () => count((o) => o.status === 503 && o.at > stoppedAt) >= 8, 'writes refused during the outage', 10_000).catch((err) => {
      console.log(JSON.stringify(outcomes.filter((o) => o.at > stoppedAt - 200).slice(0, 30)), node.output().slice(-3000));
      throw err;
    });
    // The proxy does not need the database: it keeps serving the config it has.
    assert.equal(await proxyStatus(node, '/served'), 200);
    await pg.start();
    const startedAt = performance.now();
    // Recovered: every worker has written again since the server came back.
    const recovery = await waitFor(
      async () => {
        const since = outcomes.filter((o) => o.at > startedAt);
        return since.filter((o) => o.status === 201).length >= WORKERS * 3;
      },
      'writes after PostgreSQL came back',
      20_000,
    );
    const firstOk = outcomes.find((o) => o.at > startedAt && o.status === 201)!.at - startedAt;
    console.log(`postgres restart: first acknowledged write ${Math.round(firstOk)} ms after the server was up (${recovery} ms until ${WORKERS * 3} writes)`);
  } finally {
    running = false;
    await load;
  }

  const ok = outcomes.filter((o) => o.status === 201);
  const refused = outcomes.filter((o) => o.status === 503);
  const other = outcomes.filter((o) => o.status !== 201 && o.status !== 503);
  console.log(
    `postgres restart under load (${WORKERS} writers): ${outcomes.length} writes, ${ok.length} acknowledged (201), ${refused.length} refused (503), ${other.length} other`,
  );
  assert.deepEqual(other, [], 'every write is either acknowledged or refused with 503');
  assert.ok(
    refused.every((o) => o.code === 'STORE_UNAVAILABLE'),
    `503s carry STORE_UNAVAILABLE: ${[...new Set(refused.map((o) => o.code))]}`,
  );

  // Every acknowledged write is there (refused ones may or may not be: a commit can outrun a lost answer).
  const stored = new Set<string>();
  let offset: string | null = null;
  do {
    const page = await adminCall(node, token, 'GET', `/consumers?size=1000${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`);
    assert.equal(page.status, 200);
    for (const c of page.body.data) stored.add(c.username);
    offset = page.body.offset ?? null;
  } while (offset);
  const lost = ok.filter((o) => !stored.has(o.username)).map((o) => o.username);
  assert.deepEqual(lost, [], 'acknowledged writes missing after the restart');
  const committedThough503 = refused.filter((o) => stored.has(o.username)).length;
  console.log(`after the restart: all ${ok.length} acknowledged writes present; ${committedThough503} of the 503s had committed anyway`);

  // The node recovered by itself: the database is reachable and its LISTEN connection is back.
  const status = await adminCall(node, token, 'GET', '/status');
  assert.equal(status.body.database.reachable, true);
  await waitFor(async () => /LISTEN connection re-established/.test(node.output()), 'the LISTEN connection comes back', 15_000);
});
