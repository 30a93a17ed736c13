// docs/admin-api.md stays in step with the admin route table, every route says what it does, and the doc's role
// and DB-less columns are what a running admin API does: read-only tokens get 403 exactly where it says admin,
// DB-less mode refuses exactly what it says DB-less does not serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AdminRoute } from '../../src/admin/admin-route.ts';
import { MAX_FORM_FIELDS } from '../../src/admin/form-body.ts';
import { renderAdminApiDoc, routeAccess } from '../../src/admin/render-api-docs.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/admin/server.ts';
import { allAdminRoutes } from '../../src/admin/routes/index.ts';
import { startNode } from '../../src/control-plane/start-node.ts';
import { startTestAdmin } from '../helpers/admin.ts';
import { plugins } from '../helpers/gateway.ts';

/** Refusals that mean "not in this mode", whatever the route. */
const MODE_REFUSALS = ['ADMIN_DB_LESS_READ_ONLY', 'ADMIN_TOKENS_DB_LESS', 'ADMIN_DB_MODE_ONLY_DBLESS'];

/** One call to `route` with every path parameter `x` and an empty JSON body where a body goes; status and code. */
async function call(base: string, token: string, route: AdminRoute): Promise<{ status: number; code?: string }> {
  const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined;
  const res = await fetch(`${base}${route.pattern.replace(/:[^/]+/g, 'x')}`, {
    method: route.method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body,
  });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = text === '' ? undefined : JSON.parse(text).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

test('docs/admin-api.md is generated from the admin routes and up to date (run `npm run docs`)', async () => {
  const onDisk = await readFile(new URL('../../docs/admin-api.md', import.meta.url), 'utf8').catch(() => '(missing)');
  assert.equal(onDisk, renderAdminApiDoc(), 'docs/admin-api.md is stale: run `npm run docs`');
});

test('the reference states the body limits the server enforces (tested in 05-validation and 13-security-review)', () => {
  const doc = renderAdminApiDoc();
  assert.equal(DEFAULT_MAX_BODY_BYTES, 1024 * 1024, 'update the expectation below with the limit');
  assert.match(doc, /at most 1 MiB \(413 `ADMIN_BODY_TOO_LARGE`/);
  assert.match(doc, new RegExp(`at most ${MAX_FORM_FIELDS} fields \\(400 \`ADMIN_MALFORMED_BODY\``));
});

test('every admin route has a one-line summary for the reference', () => {
  const missing = allAdminRoutes()
    .filter((r) => !r.summary || r.summary.includes('\n'))
    .map((r) => `${r.method} ${r.pattern}`);
  assert.deepEqual(missing, []);
});

test('database mode: a read-only token is refused (403) exactly where the reference says admin', async () => {
  const admin = await startTestAdmin({ routes: allAdminRoutes() });
  try {
    const wrong: string[] = [];
    for (const route of allAdminRoutes()) {
      const access = routeAccess(route);
      if (!access.database) {
        const res = await call(admin.url, admin.adminToken, route);
        if (!MODE_REFUSALS.includes(res.code ?? ''))
          wrong.push(`${route.method} ${route.pattern}: documented DB-less only, database mode answered ${res.status} ${res.code}`);
        continue;
      }
      const res = await call(admin.url, admin.readOnlyToken, route);
      if ((res.status === 403) !== (access.role === 'admin'))
        wrong.push(`${route.method} ${route.pattern}: documented ${access.role}, read-only token got ${res.status} ${res.code ?? ''}`);
    }
    assert.deepEqual(wrong, []);
  } finally {
    await admin.close();
  }
});

test('DB-less mode refuses exactly the routes the reference says it does not serve', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-api-docs-'));
  const file = join(dir, 'kong.yaml');
  await writeFile(file, '_format_version: "3.0"\n');
  const token = 'docs-test-admin-token';
  const node = await startNode({
    configFile: file,
    listen: [{ host: '127.0.0.1', port: 0 }],
    adminListen: { host: '127.0.0.1', port: 0 },
    env: { PORTCULLIS_ADMIN_TOKEN: token },
    logger: pino({ level: 'silent' }),
    plugins: await plugins(),
  });
  try {
    const base = `http://127.0.0.1:${node.admin.address().port}`;
    const wrong: string[] = [];
    for (const route of allAdminRoutes()) {
      const res = await call(base, token, route);
      const refused = MODE_REFUSALS.includes(res.code ?? '');
      if (refused === routeAccess(route).dbLess)
        wrong.push(
          `${route.method} ${route.pattern}: documented ${routeAccess(route).dbLess ? '' : 'not '}in DB-less, answered ${res.status} ${res.code ?? ''}`,
        );
    }
    assert.deepEqual(wrong, []);
  } finally {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
});
