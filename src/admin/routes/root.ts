// GET / : who this node is (Kong's node information): version, hostname, node id, plugins, configuration.
// The configuration shown is a fixed list of non-secret facts, never the process environment.
import type { AdminContext, AdminRequest, AdminRoute } from '../admin-route.ts';

export const TAGLINE = 'Welcome to portcullis';

/** Names of the plugins configured anywhere in the cluster, in first-seen order (Kong's `enabled_in_cluster`). */
export async function pluginsInUse(ctx: AdminContext): Promise<string[]> {
  const names = new Set<string>();
  let offset: string | undefined;
  do {
    const page = await ctx.store.list('plugins', { size: 1000, offset });
    for (const plugin of page.data) if (typeof plugin.name === 'string') names.add(plugin.name);
    offset = page.offset ?? undefined;
  } while (offset !== undefined);
  return [...names];
}

function databaseName(ctx: AdminContext): string {
  if (ctx.mode === 'db-less') return 'off';
  return 'driver' in ctx.store ? ctx.store.driver : 'postgres';
}

async function nodeInfo(req: AdminRequest, ctx: AdminContext) {
  const available: Record<string, { version: string; priority: number }> = {};
  for (const [name, module] of [...ctx.plugins].sort(([a], [b]) => a.localeCompare(b))) {
    available[name] = { version: ctx.node.version, priority: module.priority };
  }
  const socket = req.raw.socket;
  const adminListen = socket.localAddress
    ? [`${socket.localAddress.includes(':') ? `[${socket.localAddress}]` : socket.localAddress}:${socket.localPort}`]
    : [];
  return {
    tagline: TAGLINE,
    version: ctx.node.version,
    edition: 'community',
    hostname: ctx.node.hostname,
    node_id: ctx.node.id,
    started_at: Math.floor(ctx.node.startedAt / 1000),
    plugins: { available_on_server: available, enabled_in_cluster: await pluginsInUse(ctx) },
    configuration: {
      database: databaseName(ctx),
      role: 'traditional',
      admin_listen: adminListen,
      loaded_plugins: Object.keys(available),
    },
    pids: { master: process.pid },
    node_version: process.version,
  };
}

export const rootRoutes: AdminRoute[] = [
  {
    method: 'GET',
    pattern: '/',
    write: false,
    summary: 'node information: version, hostname, node id, plugins available and in use',
    handle: async (req, ctx) => ({ status: 200, body: await nodeInfo(req, ctx) }),
  },
];
