// A new PGlite database costs an initdb: seconds on an idle machine, tens of seconds on a loaded one (the first
// `npm start`, every test file). The first empty cluster made on a machine is kept, in PGlite's own dump format
// (a gzipped tar of the data folder), and later new databases load it instead: the same files, about a quarter
// of the time. Kept per PGlite version, in the project's node_modules/.cache, owned by this user only.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';

// The package exports no package.json: read it beside the entry point (dist/index.js).
const PGLITE_VERSION = packageVersion(JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8')));

function packageVersion(manifest: unknown): string {
  const version: unknown = manifest !== null && typeof manifest === 'object' && 'version' in manifest ? manifest.version : undefined;
  if (typeof version !== 'string') throw new Error('@electric-sql/pglite: package.json names no version');
  return version;
}
const CACHE_DIR = process.env.PORTCULLIS_PGLITE_CACHE ?? fileURLToPath(new URL('../../../node_modules/.cache/portcullis/', import.meta.url));
const TEMPLATE = join(CACHE_DIR, `pglite-${PGLITE_VERSION}-empty.tar.gz`);

/**
 * The cached empty cluster, or undefined when there is none yet or it cannot be trusted: a template another
 * user could have written would become this node's database, so it must be ours and writable by no one else.
 */
export function readTemplate(): Blob | undefined {
  try {
    const stat = statSync(TEMPLATE);
    if (!stat.isFile() || (process.getuid !== undefined && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0) return undefined;
    return new Blob([readFileSync(TEMPLATE)]);
  } catch {
    return undefined;
  }
}

/** Keeps a just-initialised, still empty cluster as the template (best effort: a cache, never required). */
export async function saveTemplate(db: PGlite): Promise<void> {
  try {
    const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
    mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
    // Written aside, then renamed: a reader (another test file, another node) sees a whole file or none.
    const partial = `${TEMPLATE}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, dump, { mode: 0o600 });
    renameSync(partial, TEMPLATE);
  } catch {
    // no cache this time: the next new database runs initdb again
  }
}
