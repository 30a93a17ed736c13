// A private PostgreSQL server for tests that must stop or restart one (never the shared 5432 server):
// initdb into a temporary folder owned by the `postgres` user, listening on 127.0.0.1 at a free port.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/free-port.ts';
import { skipUnlessCi } from '../helpers/required-on-ci.ts';

const run = promisify(execFile);

export interface PrivatePostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its folder. */
  destroy(): Promise<void>;
}

/** Newest installed server binaries (Debian layout), or PG_BIN. */
async function binDir(): Promise<string | undefined> {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  return newest ? `/usr/lib/postgresql/${newest}/bin` : undefined;
}

/** Why a private server cannot be run here, or undefined when it can. */
async function unavailable(): Promise<string | undefined> {
  const bin = await binDir();
  if (!bin || !(await stat(join(bin, 'initdb')).catch(() => null))) return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed';
  const user = userInfo().username;
  if (user !== 'root' && user !== 'postgres') return 'a private PostgreSQL needs to run as root (to become postgres) or as postgres';
  if (
    user === 'root' &&
    !(await run('id', ['postgres']).then(
      () => true,
      () => false,
    ))
  )
    return 'there is no postgres user to run the server as';
  return undefined;
}

/** False when a private server can run here; a skip reason when not; throws when not and CI=true. */
export async function privatePostgresSkip(): Promise<string | false> {
  const missing = await unavailable();
  return missing === undefined ? false : skipUnlessCi(missing);
}

/** Runs a shell command as the postgres user (paths here never contain quotes or spaces). */
async function asPostgres(command: string): Promise<void> {
  if (userInfo().username === 'postgres') await run('sh', ['-c', command]);
  else await run('su', ['postgres', '-c', command]);
}

/** Server settings given on the command line (`-c name=value`; no spaces or quotes), e.g. `{ max_connections: 10 }`. */
export type ServerSettings = Readonly<Record<string, string | number>>;

export async function startPrivatePostgres(settings: ServerSettings = {}): Promise<PrivatePostgres> {
  const bin = (await binDir())!;
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-pg-'));
  if (userInfo().username === 'root') {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgres(`${bin}/initdb -D ${data} -A trust -U postgres -E UTF8 --no-sync > ${dir}/initdb.log 2>&1`);
  const extra = Object.entries(settings)
    .map(([name, value]) => ` -c ${name}=${value}`)
    .join('');
  const pgCtl = (action: string) =>
    asPostgres(
      `${bin}/pg_ctl -D ${data} -l ${dir}/server.log -w -t 30 -m fast -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${extra}" ${action} > /dev/null`,
    );
  let running = false;
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await pgCtl('stop');
      running = false;
    },
    async start() {
      await pgCtl('start');
      running = true;
    },
    async destroy() {
      if (running) await asPostgres(`${bin}/pg_ctl -D ${data} -w -m immediate stop > /dev/null`).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
