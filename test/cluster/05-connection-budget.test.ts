// The issue's lock-out, replayed: a private PostgreSQL with max_connections=10 (3 of them reserved for
// superusers), three `portcullis start` nodes connecting as an ordinary role with a pool of 2 (3 × (2 + 1
// LISTEN) = 9 wanted, 7 allowed: the server must refuse some), and 24 concurrent writers across them. Every write
// is acknowledged (201) or refused with the typed 503 STORE_BUSY and Retry-After after waiting; never the
// server's "too many clients"; every acknowledged write is stored; and the operator still gets in, with psql-like
// access and with the README's `admin-token create` rescue, while the nodes use all they may.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { adminCall, startNodeProcess, type NodeProcess } from './node-process.ts';
import { privatePostgresSkip, startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const skip = await privatePostgresSkip();

const NODES = 3;
const WRITERS = 24;
const WRITES_PER_WRITER = 10;
const SECRET_KEY = randomBytes(32).toString('base64');

let server: PrivatePostgres;
const nodes: NodeProcess[] = [];
let token: string;
/** The nodes' role: an ordinary login, so the superuser-reserved slots stay the operator's. */
let nodeUrl: string;
let operatorUrl: string;

before(
  async () => {
    if (skip) return;
    server = await startPrivatePostgres({ max_connections: 10, superuser_reserved_connections: 3 });
    operatorUrl = `postgres://postgres@127.0.0.1:${server.port}/portcullis`;
    nodeUrl = `postgres://portcullis@127.0.0.1:${server.port}/portcullis`;
    const setup = new pg.Client({ connectionString: server.url });
    await setup.connect();
    try {
      await setup.query('CREATE ROLE portcullis LOGIN');
      await setup.query('CREATE DATABASE portcullis OWNER portcullis');
    } finally {
      await setup.end();
    }
    // One after the other: the first start migrates and prints the admin token the others share.
    for (let i = 0; i < NODES; i++) {
      nodes.push(
        await startNodeProcess(['--database-url', nodeUrl, '--pg-pool-size', '2', '--pg-pool-timeout', '5s', '--poll-interval', '1s'], {
          PORTCULLIS_SECRET_KEY: SECRET_KEY,
        }),
      );
    }
    const first = nodes[0]?.token;
    assert.ok(first, 'the first node printed an admin token');
    token = first;
  },
  { timeout: 180_000 },
);

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await server?.destroy();
});

interface Outcome {
  username: string;
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  body: string;
  ms: number;
}

/** One write, with the answer's headers (adminCall keeps only the body). */
async function write(node: NodeProcess, username: string): Promise<Outcome> {
  const started = performance.now();
  const res = await fetch(`${node.admin}/consumers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  const body = await res.text();
  const parsed: unknown = body ? JSON.parse(body) : undefined;
  const code = parsed !== null && typeof parsed === 'object' && 'code' in parsed && typeof parsed.code === 'string' ? parsed.code : undefined;
  return { username, status: res.status, code, retryAfter: res.headers.get('retry-after'), body, ms: performance.now() - started };
}

/** What an operator does when the gateway misbehaves: connect as superuser and look. */
async function operatorLooks(): Promise<number> {
  const client = new pg.Client({ connectionString: operatorUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'portcullis'");
    return rows[0]?.n ?? -1;
  } finally {
    await client.end();
  }
}

test(
  'max_connections=10, three nodes, 24 writers: acknowledged or typed 503 after a wait, nothing lost, the operator gets in',
  { skip, timeout: 240_000 },
  async () => {
    const outcomes: Outcome[] = [];
    const writer = async (w: number) => {
      const node = nodes[w % NODES];
      assert.ok(node);
      for (let i = 0; i < WRITES_PER_WRITER; i++) outcomes.push(await write(node, `w${w}-${i}`));
    };
    const load = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    // While the nodes use every slot they may: the operator's session and the rescue command get in.
    const nodeConnections: number[] = [];
    let rescue: { stdout: string; stderr: string } | undefined;
    try {
      while (outcomes.length < WRITERS) await new Promise((r) => setTimeout(r, 20));
      nodeConnections.push(await operatorLooks());
      rescue = await run(process.execPath, [CLI, 'admin-token', 'create', '--name', 'rescue', '--database-url', operatorUrl], {
        env: { ...process.env, PORTCULLIS_SECRET_KEY: SECRET_KEY, DATABASE_URL: '' },
        timeout: 60_000,
      });
      nodeConnections.push(await operatorLooks());
    } finally {
      await load;
    }
    assert.match(rescue.stdout, /^pcat_[A-Za-z0-9_-]+\n$/, `the rescue printed a token:\n${rescue.stderr}`);

    const ok = outcomes.filter((o) => o.status === 201);
    const refused = outcomes.filter((o) => o.status === 503);
    const refusals = nodes.map((n) => [...n.output().matchAll(/"refused":(\d+).*too many connections/g)].reduce((sum, m) => sum + Number(m[1]), 0));
    console.log(
      `connection budget: ${outcomes.length} writes, ${ok.length} acknowledged, ${refused.length} refused with 503` +
        ` (the quickest after ${refused.length ? Math.round(Math.min(...refused.map((o) => o.ms))) : '-'} ms);` +
        ` nodes' connections seen by the operator: ${nodeConnections.join(', ')}; server refusals waited out per node (at least; as logged): ${refusals.join(', ')}`,
    );
    assert.deepEqual(
      outcomes.filter((o) => /too many/i.test(o.body)),
      [],
      'no answer passes "too many clients" through',
    );
    assert.deepEqual(
      outcomes.filter((o) => o.status !== 201 && !(o.status === 503 && o.code === 'STORE_BUSY' && o.retryAfter === '1')),
      [],
      'every write is acknowledged, or refused with 503 STORE_BUSY and Retry-After',
    );
    assert.ok(ok.length > 0, 'writes get through');
    for (const n of nodeConnections) assert.ok(n <= 7, `the nodes hold at most the 7 non-reserved slots, not ${n}`);

    // Every acknowledged write is stored.
    const stored = new Set<string>();
    let offset: string | null = null;
    do {
      const page = await adminCall(
        nodes[0] ?? assert.fail('no node'),
        token,
        'GET',
        `/consumers?size=1000${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`,
      );
      assert.equal(page.status, 200);
      for (const c of page.body.data) stored.add(c.username);
      offset = page.body.offset ?? null;
    } while (offset);
    assert.deepEqual(
      ok.filter((o) => !stored.has(o.username)).map((o) => o.username),
      [],
      'acknowledged writes missing',
    );

    // The rescued token works on every node.
    const rescued = rescue.stdout.trim();
    for (const node of nodes) assert.equal((await adminCall(node, rescued, 'GET', '/consumers?size=1')).status, 200);
  },
);
