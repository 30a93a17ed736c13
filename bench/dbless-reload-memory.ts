// DB-less reloads and memory: a real `portcullis start --config` process serving a file of N consumers (key-auth,
// acl, a per-consumer rate limit), reloaded R times by `kill -HUP`; prints the process's RSS and the audit
// ring's size as it goes. Run: node bench/dbless-reload-memory.ts [reloads=300] [consumers=200]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { adminCall, startNodeProcess, waitFor } from '../test/cluster/node-process.ts';

const reloads = Number(process.argv[2] ?? 300);
const consumers = Number(process.argv[3] ?? 200);
const TOKEN = 'bench-admin-token';

export function reloadFixture(n: number, tag = 'a'): Record<string, unknown> {
  return {
    _format_version: '3.0',
    services: [
      {
        name: 'orders',
        url: 'http://127.0.0.1:9/',
        routes: [{ name: 'orders', paths: ['/orders'] }],
        plugins: [{ name: 'key-auth' }, { name: 'acl', config: { allow: ['clients'] } }],
      },
    ],
    consumers: Array.from({ length: n }, (_, i) => ({
      username: `consumer-${String(i).padStart(4, '0')}`,
      custom_id: `crm-${i}-${tag}`,
      tags: ['bench', `tier-${i % 3}`],
      keyauth_credentials: [{ key: `key-${i}-0123456789abcdef0123456789abcdef` }],
      acls: [{ group: 'clients' }, { group: `team-${i % 7}` }],
      plugins: [{ name: 'rate-limiting', config: { minute: 100 + i, policy: 'local' } }],
    })),
  };
}

function rssMiB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)![1]) / 1024);
}

if (import.meta.main) {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-reload-mem-'));
  const file = join(dir, 'kong.yaml');
  await writeFile(file, stringify(reloadFixture(consumers)));
  const node = await startNodeProcess(['--config', file], { PORTCULLIS_ADMIN_TOKEN: TOKEN, PORTCULLIS_LOG_LEVEL: 'warn' }, 60_000);
  const pid = node.proc.pid!;
  const version = async () => (await adminCall(node, TOKEN, 'GET', '/status')).body.configuration.version as number;
  try {
    console.log(`file ${(await readFile(file)).length} bytes, ${consumers} consumers; rss at start ${(await rssMiB(pid)).toFixed(0)} MiB`);
    for (let i = 1; i <= reloads; i++) {
      const before = await version();
      // alternate two files, so every reload changes something (custom ids)
      await writeFile(file, stringify(reloadFixture(consumers, i % 2 === 0 ? 'a' : 'b')));
      process.kill(pid, 'SIGHUP');
      await waitFor(async () => (await version()) > before, `reload ${i}`, 30_000);
      if (i % 50 === 0 || i === reloads) {
        const audit = await adminCall(node, TOKEN, 'GET', '/audit?size=1000');
        const entry = JSON.stringify(audit.body.data[0]).length;
        console.log(`after ${i} reloads: rss ${(await rssMiB(pid)).toFixed(0)} MiB; audit ${audit.body.data.length} entries, newest ${entry} bytes of JSON`);
      }
    }
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
