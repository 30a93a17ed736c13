// New PGlite databases start from the cached empty cluster: the first one made saves it, later ones load it and
// work the same; a template that another user could have written is never loaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cache = mkdtempSync(join(tmpdir(), 'portcullis-pglite-cache-'));
process.env.PORTCULLIS_PGLITE_CACHE = cache;
// Imported after the cache folder is chosen: the module reads it once.
const { createPgliteClient } = await import('../../src/store/drivers/pglite-client.ts');
const { readTemplate } = await import('../../src/store/drivers/pglite-template.ts');
const { runMigrations } = await import('../../src/store/migrate.ts');

let dataDir = '';
before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'portcullis-pglite-data-'));
});
after(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

test('the first new database leaves the template; the next, on disk, loads it and takes the migrations', async () => {
  assert.equal(readTemplate(), undefined);
  const first = await createPgliteClient();
  await first.close();
  const files = readdirSync(cache);
  assert.equal(files.length, 1, `one template, no partial files: ${files.join(', ')}`);
  assert.ok(readTemplate(), 'the template is there');

  const second = await createPgliteClient({ dataDir: join(dataDir, 'pglite') });
  try {
    assert.ok(existsSync(join(dataDir, 'pglite', 'PG_VERSION')), 'the data folder holds a cluster');
    const applied = await runMigrations(second);
    assert.ok(applied.length > 0, 'an empty cluster: every migration applies');
    const { rows } = await second.query<{ n: number }>('SELECT count(*)::int AS n FROM services');
    assert.deepEqual(rows, [{ n: 0 }]);
  } finally {
    await second.close();
  }
  // Reopened, it is the folder's own cluster, not the template again.
  const reopened = await createPgliteClient({ dataDir: join(dataDir, 'pglite') });
  try {
    assert.deepEqual(await runMigrations(reopened), []);
  } finally {
    await reopened.close();
  }
});

test('a template others may write is not trusted', () => {
  const [file] = readdirSync(cache);
  assert.ok(file);
  chmodSync(join(cache, file), 0o666);
  assert.equal(readTemplate(), undefined);
  chmodSync(join(cache, file), 0o600);
  assert.ok(readTemplate());
});
